"""The one place that mints IRIs: deterministic, from natural keys, under one base.

Trials by NCT id; a trial without one by sponsor + org study id, else a hash of its content.
Shared entities (conditions, intervention concepts, organisations) by normalised name, so two
trials that name the same thing point at one node. Child nodes by parent IRI + kind + position.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable

from trialkg import ids
from trialkg.ids import BASE, CODE, MESH_BASE, ONTOLOGY, is_mesh_ui

__all__ = ["BASE", "CODE", "MESH_BASE", "ONTOLOGY", "PREFIXES", "is_mesh_ui"]

#: Prefixes used in every export (Bioregistry names where one exists), from the one prefix table.
PREFIXES = ids.TURTLE_PREFIXES

_TRIAL = re.compile(rf"^{re.escape(BASE)}trial/({ids.NCT_PATTERN})$")


def slug(name: str) -> str:
    """A readable, IRI-safe key for a name: case, accents, punctuation and spacing folded.

    Names with no ASCII letters or digits get a hash, so every name has a key.

    >>> slug("Henoch-schönlein  Purpura"), slug("Systemic Lupus Erythematosus")
    ('henoch-schonlein-purpura', 'systemic-lupus-erythematosus')
    >>> slug("HER2+ Breast Cancer"), slug("HER2- Breast Cancer"), slug("HER2-negative"), slug("C++ Syndrome")
    ('her2-plus-breast-cancer', 'her2-minus-breast-cancer', 'her2-negative', 'c-plus-plus-syndrome')
    """
    folded = _spell_signs(unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower())
    key = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    # A key that reads like a hash key ("h-" + 20 hex digits) is hashed too, so the two kinds never meet.
    if not key or _lossy(name, key) or _HASH_KEY.fullmatch(key):
        return "h-" + _digest(name.casefold().strip())[:20]
    if len(key) > _MAX_SLUG:  # long names that share a beginning stay apart: the rest is hashed
        return key[: _MAX_SLUG - 17].rstrip("-") + "-" + _digest(key)[:16]
    return key


#: Signs that carry meaning in a name: every "+", and a "-" that ends a word ("HER2-", not "HER2-negative").
_SIGN = re.compile(r"\+|(?<=[a-z0-9])-(?![a-z0-9])")


def _spell_signs(name: str) -> str:
    """'+' and a trailing '-' of folded text as words, so "HER2+" and "HER2-" (and "C++" and "C") keep distinct keys."""
    return _SIGN.sub(lambda m: " plus " if m.group() == "+" else " minus ", name)


_HASH_KEY = re.compile(r"h-[0-9a-f]{20}")
_MAX_SLUG = 120


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _lossy(name: str, key: str) -> bool:
    # Letters outside Latin (CJK, Cyrillic...) vanish in ASCII folding; hash those names instead.
    letters = [c for c in name if c.isalnum()]
    kept = sum(1 for c in letters if unicodedata.normalize("NFKD", c).encode("ascii", "ignore"))
    return kept < len(letters)


def trial(nct_id: str) -> str:
    """>>> trial("NCT04136106")
    'https://w3id.org/trialkg/trial/NCT04136106'
    """
    if not ids.is_nct_id(nct_id):
        raise ValueError(f"not an NCT id: {nct_id!r}")
    return f"{BASE}trial/{nct_id}"


def trial_of(nct_id: str | None, lead_sponsor: str | None, org_study_id: str | None, content: Callable[[], str]) -> str:
    """A trial's IRI: by NCT id; else by lead sponsor + org study id; else by a hash of `content()`,
    the text of what its document states (called only when needed: it is the dearest key)."""
    if nct_id and ids.is_nct_id(nct_id):
        return trial(nct_id)
    if org_study_id and lead_sponsor:
        return trial_by_key("org-study-id", slug(lead_sponsor), org_study_id)
    return trial_by_key("content", content())


def trial_by_key(*parts: str) -> str:
    """A trial without an NCT id, keyed by the hash of its natural key parts (or its content)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]
    return f"{BASE}trial/key-{digest}"


def nct_of_trial(iri: str) -> str | None:
    """The NCT id a trial IRI was minted from, if it was minted from one."""
    m = _TRIAL.match(iri)
    return m.group(1) if m else None


def child(parent: str, kind: str, position: int) -> str:
    """A node that belongs to one trial: its arms, criteria, outcomes, sites...

    >>> child("https://w3id.org/trialkg/trial/NCT04136106", "arm", 1)
    'https://w3id.org/trialkg/trial/NCT04136106/arm/1'
    """
    return f"{parent}/{kind}/{position}"


def constraint(criterion: str, position: int) -> str:
    """A constraint a criterion states, by its position among the criterion's constraints.

    >>> constraint("https://w3id.org/trialkg/trial/NCT04136106/criterion/inclusion/5", 1)
    'https://w3id.org/trialkg/trial/NCT04136106/criterion/inclusion/5/constraint/1'
    """
    return child(criterion, "constraint", position)


def condition(name: str) -> str:
    return f"{BASE}condition/{slug(name)}"


def intervention_concept(name: str) -> str:
    return f"{BASE}intervention/{slug(name)}"


def organization(name: str) -> str:
    return f"{BASE}organization/{slug(_org_key(name))}"


def condition_entity(mesh_ui: str | None, name: str) -> str:
    """The shared condition node: by MeSH descriptor when the name is linked to one surely enough
    (see docs/decisions/0002), else by the normalised name, as before.

    >>> condition_entity("D008180", "SLE"), condition_entity(None, "Rare Thing")
    ('https://w3id.org/trialkg/condition/mesh-D008180', 'https://w3id.org/trialkg/condition/rare-thing')
    """
    return f"{BASE}condition/mesh-{_mesh_local(mesh_ui)}" if mesh_ui else condition(name)


def intervention_entity(mesh_ui: str | None, key: str) -> str:
    """The shared intervention concept: by MeSH descriptor, else by the name's qualifier-stripped key."""
    return f"{BASE}intervention/mesh-{_mesh_local(mesh_ui)}" if mesh_ui else intervention_concept(key)


def organization_by_key(key: str) -> str:
    """The shared organisation node, from normalize.orgs.org_key (department, "The", legal form dropped)."""
    return f"{BASE}organization/{slug(key)}"


def _mesh_local(ui: str) -> str:
    return ids.mesh_ui(ui)


def external(curie: str) -> str:
    """The IRI of an identifier trialkg links to, from its CURIE (`DRUGBANK:DB00041`, `ROR:...`)."""
    return ids.expand(curie)


def curie_of(iri_: str) -> str | None:
    """The CURIE of an external IRI, as `show` prints it, or None."""
    return ids.compress(iri_)


def _org_key(name: str) -> str:
    # "The First Hospital..." and "First Hospital..." are one organisation.
    return re.sub(r"^\s*the\s+", "", name, flags=re.IGNORECASE)


def mesh(ui: str) -> str:
    """The NLM IRI of a MeSH descriptor.

    >>> mesh("D000007172")
    'http://id.nlm.nih.gov/mesh/D007172'
    """
    return MESH_BASE + ids.mesh_ui(ui)


#: Where source-document IRIs start.
SOURCE_PREFIX = f"{BASE}source/"


def source(sha256: str) -> str:
    """Content-addressed: the same bytes are the same source whatever the file is called."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return SOURCE_PREFIX + sha256


def code(scheme: str, value: str) -> str:
    """>>> code("Phase", "PHASE2")
    'https://w3id.org/trialkg/code/Phase-PHASE2'
    """
    return f"{CODE}{scheme}-{value}"


#: The named graph `trialkg related --all` writes its relations into.
RELATED_GRAPH = f"{BASE}graph/related"
#: The build's SHACL validation report.
VALIDATION_REPORT = f"{BASE}report/validation"


def validation_result(key: str) -> str:
    """A result of the build's validation report, by a hash of what it says (the bytes repeat)."""
    return f"{BASE}report/result/{_digest(key)[:24]}"
