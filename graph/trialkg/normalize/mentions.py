"""A trial's condition and intervention mentions linked to MeSH descriptors (stated ones, and derived ones).

`link_trial` is what the enrich stage calls; mapping and the record read its result, so the graph
and `show --json` always agree on which node and which codes a mention gets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from trialkg.ids import is_mesh_ui, mesh_curie, mesh_ui
from trialkg.model import Intervention, MeshTerm, Trial
from trialkg.normalize.lexicon import Lexicon, default_lexicon
from trialkg.normalize.linking import GENERIC_KEYS, Link, primary, registry_link, resolve
from trialkg.normalize.mesh_pairing import MeshPairing, pair_mesh
from trialkg.normalize.text import key

#: A derived mention says "the text names it", not "the trial is about it": capped below stated links.
DERIVED_CONFIDENCE = 0.6

#: Fields a derived mention may come from, in the order they are read.
DERIVATION_FIELDS = ("brief_title", "official_title", "brief_summary")

_MAX_NGRAM = 6


@dataclass(frozen=True)
class Mention:
    """One stated (or derived) name, its links best first, and the descriptor that names its shared node."""

    text: str
    links: tuple[Link, ...]
    primary: Link | None
    #: For a derived mention: the field it was read from.
    field: str | None = None

    def codes(self, lexicon: Lexicon) -> list[str]:
        """CURIEs: the linked MeSH descriptors, and the external ids of the primary one."""
        out = [mesh_curie(lk.ui) for lk in self.links]
        if self.primary:
            out += [x.curie for x in lexicon.xrefs.get(self.primary.ui, ())]
        return out


def link_mentions(names: list[str], kind: str, pairings: Sequence[MeshPairing], lexicon: Lexicon) -> list[Mention]:
    """Each stated name's links: the registry's own pairing for this trial, and the lexicon's when that is unsure."""
    registry: dict[int, list[Link]] = {}
    for p in pairings:
        ui = mesh_ui(p.descriptor.id)
        # The descriptor's preferred name as the lexicon knows it (MeSH's, with --mesh), else the registry's term.
        link = registry_link(ui, lexicon.labels.get(ui, p.descriptor.term), p.method)
        registry.setdefault(p.name_index, []).append(link)
    out = []
    for i, name in enumerate(names):
        links = tuple(registry.get(i, ()))
        if primary(links) is None:
            # The registry's pairing is missing or unsure ("overlap", several descriptors at once): the
            # lexicon's links join it, so a name it knows well still names its descriptor's node.
            links = tuple(sorted(links + resolve(name, kind, lexicon), key=lambda lk: (-lk.confidence, lk.ui)))
        out.append(Mention(name, links, primary(links)))
    return out


def derive_mentions(trial: Trial, kind: str, lexicon: Lexicon) -> list[Mention]:
    """Names of `kind` the title and summary contain, for a trial that states none: method "derived".

    Longest lexicon names first, whole words only, each descriptor once, generic words never.
    """
    seen: set[str] = set()
    out: list[Mention] = []
    for field in DERIVATION_FIELDS:
        text = getattr(trial, field)
        if not isinstance(text, str):
            continue
        for sentence in re.split(r"[.;:!?()\[\]]|\s-\s", text):
            words = _words_with_spans(sentence)
            for start, end in _longest_phrases([w for w, _s, _e in words], kind, lexicon):
                phrase = " ".join(w for w, _s, _e in words[start:end])
                links = resolve(phrase, kind, lexicon)
                top = primary(links)
                if top is None or top.ui in seen:
                    continue
                seen.add(top.ui)
                derived = tuple(
                    Link(lk.ui, lk.label, "derived", min(DERIVED_CONFIDENCE, lk.confidence), lk.relation, lk.evidence)
                    for lk in links
                )
                # The mention keeps the document's own wording ("Low-dose IL-2"), not the matching key.
                stated = sentence[words[start][1] : words[end - 1][2]].strip()
                out.append(Mention(stated or phrase, derived, top, field))
    return out


def _words_with_spans(sentence: str) -> list[tuple[str, int, int]]:
    """The words of `key(sentence)`, each with the span of the text it was folded from.

    >>> [(w, s, e) for w, s, e in _words_with_spans("Low-dose IL2")]
    [('low', 0, 3), ('dose', 4, 8), ('il', 9, 12), ('2', 9, 12)]
    """
    out: list[tuple[str, int, int]] = []
    for m in re.finditer(r"[^\W_]+", sentence):
        out.extend((w, m.start(), m.end()) for w in key(m.group()).split())
    if [w for w, _s, _e in out] != key(sentence).split():  # a character folded differently in context
        return [(w, 0, len(sentence)) for w in key(sentence).split()]
    return out


def _longest_phrases(words: list[str], kind: str, lexicon: Lexicon) -> list[tuple[int, int]]:
    """Word ranges [start, end) naming lexicon entries, longest first, left to right, not overlapping."""
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + _MAX_NGRAM), i, -1):
            phrase = " ".join(words[i:j])
            if len(phrase) >= 3 and phrase not in GENERIC_KEYS and (kind, phrase) in lexicon.entries:
                found.append((i, j))
                i = j
                break
        else:
            i += 1
    return found


@dataclass(frozen=True)
class TrialLinks:
    conditions: list[Mention]
    interventions: list[Mention]
    derived_conditions: list[Mention]
    derived_interventions: list[Mention]
    #: The registry's MeSH descriptors paired with the stated names (what the registry links rest on).
    condition_pairings: list[MeshPairing]
    intervention_pairings: list[MeshPairing]


def link_trial(trial: Trial, all_intervention_names: list[str], lexicon: Lexicon | None = None) -> TrialLinks:
    """Every mention of the trial linked; derived ones only where the trial states none of that kind."""
    lex = lexicon or default_lexicon()
    condition_pairings = pair_mesh(
        trial.conditions, _identified(trial.condition_meshes, lex), trial.condition_mesh_leaves
    )
    intervention_pairings = pair_mesh(
        all_intervention_names, _identified(trial.intervention_meshes, lex), trial.intervention_mesh_leaves
    )
    return TrialLinks(
        link_mentions(list(trial.conditions), "condition", condition_pairings, lex),
        link_mentions(all_intervention_names, "intervention", intervention_pairings, lex),
        [] if trial.conditions else derive_mentions(trial, "condition", lex),
        [] if all_intervention_names else derive_mentions(trial, "intervention", lex),
        condition_pairings,
        intervention_pairings,
    )


def _identified(meshes: tuple[MeshTerm, ...], lexicon: Lexicon) -> tuple[MeshTerm, ...]:
    """The descriptors with a well-formed UI; a term without one (legacy XML names MeSH terms without
    ids) gets the UI of the descriptor the lexicon knows by that name, else it is left out."""
    out = []
    for m in meshes:
        if is_mesh_ui(m.id):
            out.append(m)
        elif (ui := lexicon.descriptor_named(m.term)) is not None:
            out.append(MeshTerm(ui, m.term))
    return tuple(out)


def codes(mentions: list[Mention], lexicon: Lexicon | None = None) -> list[str]:
    """The sorted, distinct CURIEs of mentions (what `show` prints as condition_codes...)."""
    lex = lexicon or default_lexicon()
    return sorted({c for m in mentions for c in m.codes(lex)})


def all_interventions(trial: Trial) -> tuple[Intervention, ...]:
    """The trial's interventions plus any an arm names that the list lacks: an arm's intervention is one."""
    known = {i.name for i in trial.interventions}
    extra = [
        Intervention(name=name)
        for arm in trial.arms
        for name in arm.intervention_names
        if name not in known and not known.add(name)  # type: ignore[func-returns-value]
    ]
    return trial.interventions + tuple(extra)
