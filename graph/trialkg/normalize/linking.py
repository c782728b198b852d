"""Mentions of conditions and interventions -> MeSH descriptors, each link with its method and confidence.

Lookups run from the most to the least certain, and the first that finds anything wins:
exact key (descriptor name or a name the registry paired) -> same words in another order ->
(interventions) the key without dose/form qualifiers and salts -> conservative fuzzy match.
The registry's own pairing for the trial at hand comes before all of them (see `link_registry`).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from trialkg.normalize.lexicon import SOURCE_METHOD, Entry, Lexicon, default_lexicon
from trialkg.normalize.text import key, rewrite, sorted_key, strip_qualifiers, strip_salt

#: Methods, as written in the graph (trialkg:linkMethod).
METHODS = ("registry-provided", "exact", "synonym", "fuzzy", "partial", "derived")

#: A link at least this sure, and the only best one, names the shared node (see iri.condition_entity).
MINT_THRESHOLD = 0.85

#: A key is kept for a descriptor only if it named that descriptor in at least this share of the
#: trials that stated it (registry pairs), so a name the registry read two ways gives no link.
MIN_SHARE = 0.5

#: Links less sure than this are not made: below it, links were more often wrong than right
#: (benchmarks/linking_eval.py prints precision and recall by threshold).
MIN_CONFIDENCE = 0.5

#: Fuzzy matching: whole-key similarity (difflib ratio on sorted words), and per differing word.
FUZZY_KEY_RATIO = 0.92
FUZZY_WORD_RATIO = 0.8
FUZZY_MIN_WORD = 5

#: Confidence of registry pairings, by normalize.mesh_pairing method.
REGISTRY_CONFIDENCE = {
    "registry-exact": 1.0,
    "registry-inverted": 0.98,
    "registry-as-found": 0.9,
    "registry-sole": 0.85,
    "registry-overlap": 0.6,
}


@dataclass(frozen=True)
class Link:
    """One mention -> descriptor link: SSSOM's mapping record, in small."""

    ui: str
    label: str
    method: str
    confidence: float
    #: "exactMatch" or "closeMatch" (skos)
    relation: str = "exactMatch"
    #: What the link rests on: a registry method, a lexicon source, the key that matched.
    evidence: str = ""


def resolve(mention: str, kind: str, lexicon: Lexicon | None = None) -> tuple[Link, ...]:
    """The descriptor links of a mention, best first; () when nothing is sure enough. Never raises.

    >>> [(lk.ui, lk.method) for lk in resolve("Low-dose IL-2", "intervention")]
    [('D007376', 'synonym')]
    """
    lex = lexicon or default_lexicon()
    return _resolve(mention if isinstance(mention, str) else "", kind, lex)


@lru_cache(maxsize=65536)
def _resolve(mention: str, kind: str, lex: Lexicon) -> tuple[Link, ...]:
    k = key(mention)
    if not k:
        return ()
    found = _from_entries(lex.entries.get((kind, k), ()), None, k)
    if not found:
        found = _from_entries(lex.by_sorted.get((kind, sorted_key(mention)), ()), None, k, penalty=0.02)
    if not found and kind == "intervention":
        for stripped in dict.fromkeys((strip_qualifiers(mention), strip_salt(strip_qualifiers(mention)))):
            if stripped and stripped != k:
                found = _from_entries(lex.entries.get((kind, stripped), ()), "synonym", stripped, penalty=0.05)
                found = found or _from_entries(
                    lex.by_sorted.get((kind, " ".join(sorted(stripped.split()))), ()), "synonym", stripped, 0.07
                )
            if found:
                break
    if not found:
        variant = rewrite(mention)
        if variant != k:
            found = _from_entries(lex.by_sorted.get((kind, " ".join(sorted(variant.split()))), ()), "synonym",
                                  variant, penalty=0.05)  # fmt: skip
    if not found:
        found = _fuzzy(k, kind, lex)
    if not found:
        found = _contained(k, kind, lex)
    kept = (lk for lk in found if lk.confidence >= MIN_CONFIDENCE)
    return tuple(sorted(kept, key=lambda lk: (-lk.confidence, lk.ui)))


def _from_entries(entries: Sequence[Entry], method: str | None, matched: str, penalty: float = 0.0) -> list[Link]:
    links: dict[str, Link] = {}
    for e in entries:
        share = e.support / max(e.seen, 1)
        if e.source == "registry-pair" and share < MIN_SHARE:
            continue
        base_method, base = SOURCE_METHOD[e.source]
        confidence = round(max(0.0, base * (share if e.source == "registry-pair" else 1.0) - penalty), 3)
        link = Link(e.ui, e.label, method or base_method, confidence, e.relation, f"{e.source}:{matched}")
        if e.ui not in links or links[e.ui].confidence < confidence:
            links[e.ui] = link
    return list(links.values())


def _fuzzy(k: str, kind: str, lex: Lexicon) -> list[Link]:
    words = sorted(k.split())
    if len(k) < 8:
        return []
    target = " ".join(words)
    best: list[tuple[float, str]] = []
    for candidate in _sorted_keys(lex, kind, len(words)):
        ratio = difflib.SequenceMatcher(None, target, candidate, autojunk=False)
        if ratio.real_quick_ratio() < FUZZY_KEY_RATIO or ratio.quick_ratio() < FUZZY_KEY_RATIO:
            continue
        r = ratio.ratio()
        if r >= FUZZY_KEY_RATIO and _words_close(words, candidate.split()):
            best.append((r, candidate))
    if not best:
        return []
    top_ratio = max(r for r, _ in best)
    links = [
        lk for r, c in best if r == top_ratio for lk in _from_entries(lex.by_sorted.get((kind, c), ()), "fuzzy", c)
    ]
    if len({lk.ui for lk in links}) != 1:
        return []  # nothing usable, or equally close names of different descriptors: no guess
    lk = max(links, key=lambda x: x.confidence)
    return [Link(lk.ui, lk.label, "fuzzy", round(min(lk.confidence, top_ratio) * 0.9, 3), "closeMatch", lk.evidence)]


#: Descriptor names too general to stand for a longer mention that contains them.
GENERIC_KEYS = frozenset(
    {
        "syndrome",
        "disease",
        "diseases",
        "chronic disease",
        "pain",
        "disorder",
        "infection",
        "infections",
        "neoplasms",
        "cancer",
        "therapy",
        "drug",
        "placebo",
        "placebos",
    }
)
PARTIAL_CONFIDENCE = 0.7


def _contained(k: str, kind: str, lex: Lexicon) -> list[Link]:
    """Names the mention contains as whole words ("Stage I Prostate Cancer" holds "prostate cancer").

    The descriptor is broader than the mention (skos:broadMatch), and the link is never sure enough to
    name the shared node. Only the longest names found are kept, so "leukemia" gives way to "acute leukemia".
    """
    words = k.split()
    spans: list[tuple[int, int, str]] = []
    for i in range(len(words)):
        for j in range(len(words), i, -1):
            if j - i == len(words):
                continue
            sub = " ".join(words[i:j])
            if sub in GENERIC_KEYS or len(sub) < 4 or (kind, sub) not in lex.entries:
                continue
            spans.append((i, j, sub))
            break
    kept = [s for s in spans if not any(o[0] <= s[0] and s[1] <= o[1] and o != s for o in spans)]
    links: dict[str, Link] = {}
    for _i, _j, sub in kept:
        for lk in _from_entries(lex.entries[(kind, sub)], "partial", sub):
            links.setdefault(lk.ui, Link(lk.ui, lk.label, "partial", PARTIAL_CONFIDENCE, "broadMatch", lk.evidence))
    return list(links.values())


def _words_close(a: list[str], b: list[str]) -> bool:
    """Words differ only by spelling of long words ("leukaemia"/"leukemia"), never a number or short word."""
    for x, y in zip(a, b, strict=True):
        if x == y:
            continue
        if min(len(x), len(y)) < FUZZY_MIN_WORD or x.isdigit() or y.isdigit():
            return False
        if difflib.SequenceMatcher(None, x, y).ratio() < FUZZY_WORD_RATIO:
            return False
        if x[:3] != y[:3] or any(_opposite(x, y, a, b) or _opposite(y, x, a, b) for a, b in _OPPOSITE_PREFIXES):
            return False  # "stable"/"unstable", "hypertension"/"hypotension": close spelling, opposite meaning
    return True


#: Word beginnings that turn a word into its opposite; spelling variants differ elsewhere.
_OPPOSITE_PREFIXES = (("un", ""), ("non", ""), ("in", ""), ("dis", ""), ("hyper", "hypo"), ("hyper", ""),
                      ("hypo", ""), ("anti", ""), ("pre", "post"), ("intra", "extra"))  # fmt: skip


def _opposite(x: str, y: str, a: str, b: str) -> bool:
    return x.startswith(a) and y.startswith(b) and x[len(a) :] == y[len(b) :]


@lru_cache(maxsize=32)
def _sorted_keys_table(lex: Lexicon, kind: str) -> dict[int, tuple[str, ...]]:
    table: dict[int, list[str]] = {}
    for kd, k in lex.by_sorted:
        if kd == kind:
            table.setdefault(len(k.split()), []).append(k)
    return {n: tuple(sorted(v)) for n, v in table.items()}


def _sorted_keys(lex: Lexicon, kind: str, n_words: int) -> tuple[str, ...]:
    return _sorted_keys_table(lex, kind).get(n_words, ())


def registry_link(ui: str, label: str, registry_method: str) -> Link:
    """The link the registry itself gave (its browse module, paired by normalize.mesh_pairing)."""
    relation = "closeMatch" if registry_method == "registry-overlap" else "exactMatch"
    return Link(
        ui, label, "registry-provided", REGISTRY_CONFIDENCE.get(registry_method, 0.6), relation, registry_method
    )


def primary(links: Sequence[Link]) -> Link | None:
    """The link that names the shared node: the only best one, and sure enough; else None.

    A closeMatch mention (a product of the substance, "aldesleukin") still joins the descriptor's
    node: the node stands for the descriptor, and the link on the mention keeps the nuance.
    """
    if not links:
        return None
    best = max(lk.confidence for lk in links)
    top = [lk for lk in links if lk.confidence == best]
    if len({lk.ui for lk in top}) != 1 or best < MINT_THRESHOLD:
        return None
    return top[0]
