"""The one place that mints IRIs: deterministic, from natural keys, under one base.

Trials by NCT id; a trial without one by sponsor + org study id, else a hash of its content.
Shared entities (conditions, intervention concepts, organisations) by normalised name, so two
trials that name the same thing point at one node. Child nodes by parent IRI + kind + position.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

BASE = "https://w3id.org/trialkg/"
ONTOLOGY = "https://w3id.org/trialkg/ontology#"
CODE = "https://w3id.org/trialkg/code/"
MESH_BASE = "http://id.nlm.nih.gov/mesh/"

#: Prefixes used in every export; names follow Bioregistry where one exists.
PREFIXES = {
    "trialkg": ONTOLOGY,
    "code": CODE,
    "trial": f"{BASE}trial/",
    "condition": f"{BASE}condition/",
    "intervention": f"{BASE}intervention/",
    "organization": f"{BASE}organization/",
    "source": f"{BASE}source/",
    "clinicaltrials": "https://clinicaltrials.gov/study/",
    "mesh": "http://id.nlm.nih.gov/mesh/",
    "drugbank": "https://go.drugbank.com/drugs/",
    "rxnorm": "http://purl.bioontology.org/ontology/RXNORM/",
    "wikidata": "http://www.wikidata.org/entity/",
    "ror": "https://ror.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

_NCT = re.compile(r"^NCT\d{8}$")
_TRIAL = re.compile(rf"^{re.escape(BASE)}trial/(NCT\d{{8}})$")


def slug(name: str) -> str:
    """A readable, IRI-safe key for a name: case, accents, punctuation and spacing folded.

    Names with no ASCII letters or digits get a hash, so every name has a key.

    >>> slug("Henoch-schönlein  Purpura"), slug("Systemic Lupus Erythematosus")
    ('henoch-schonlein-purpura', 'systemic-lupus-erythematosus')
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    key = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    # A key that reads like a hash key ("h-" + 20 hex digits) is hashed too, so the two kinds never meet.
    if not key or _lossy(name, key) or _HASH_KEY.fullmatch(key):
        return "h-" + _digest(name.casefold().strip())[:20]
    if len(key) > _MAX_SLUG:  # long names that share a beginning stay apart: the rest is hashed
        return key[: _MAX_SLUG - 17].rstrip("-") + "-" + _digest(key)[:16]
    return key


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
    if not _NCT.match(nct_id):
        raise ValueError(f"not an NCT id: {nct_id!r}")
    return f"{BASE}trial/{nct_id}"


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
    return mesh(ui).rsplit("/", 1)[-1]


#: CURIE prefix (Bioregistry's, upper-cased as show prints them) -> IRI prefix.
EXTERNAL = {
    "MESH": MESH_BASE,
    "DRUGBANK": "https://go.drugbank.com/drugs/",
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
    "RXNORM": "http://purl.bioontology.org/ontology/RXNORM/",
    "WIKIDATA": "http://www.wikidata.org/entity/",
    "ROR": "https://ror.org/",
}


def external(curie: str) -> str:
    """>>> external("DRUGBANK:DB00041")
    'https://go.drugbank.com/drugs/DB00041'
    """
    prefix, _, local = curie.partition(":")
    if prefix not in EXTERNAL or not re.fullmatch(r"[A-Za-z0-9_.-]+", local):
        raise ValueError(f"not a known CURIE: {curie!r}")
    return EXTERNAL[prefix] + local


def curie_of(iri_: str) -> str | None:
    """The CURIE of an external IRI, or None.

    >>> curie_of("http://id.nlm.nih.gov/mesh/D008180")
    'MESH:D008180'
    """
    for prefix, base in EXTERNAL.items():
        if iri_.startswith(base):
            return f"{prefix}:{iri_[len(base) :]}"
    return None


def _org_key(name: str) -> str:
    # "The First Hospital..." and "First Hospital..." are one organisation.
    return re.sub(r"^\s*the\s+", "", name, flags=re.IGNORECASE)


MESH = MESH_BASE

#: NLM lengthened descriptor UIs from 7 to 10 characters in late 2013, continuing the numbering;
#: no 7-character descriptor UI goes beyond this number.
_LAST_SHORT_MESH_UI = 66999


def mesh(ui: str) -> str:
    """The NLM IRI of a MeSH descriptor; the registry's zero-padded 'D000007172' is NLM's 'D007172'.

    >>> mesh("D000007172"), mesh("D000091662"), mesh("D008180")
    ('http://id.nlm.nih.gov/mesh/D007172', 'http://id.nlm.nih.gov/mesh/D000091662', 'http://id.nlm.nih.gov/mesh/D008180')
    """
    m = re.fullmatch(r"([DCQ])(\d{6}|\d{9})", ui.strip())
    if not m:
        raise ValueError(f"not a MeSH unique identifier: {ui!r}")
    number = int(m.group(2))
    digits = f"{number:06d}" if number <= _LAST_SHORT_MESH_UI else f"{number:09d}"
    return f"{MESH}{m.group(1)}{digits}"


def is_mesh_ui(ui: str) -> bool:
    return bool(re.fullmatch(r"[DCQ](\d{6}|\d{9})", ui.strip()))


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


def term(name: str) -> str:
    return f"{ONTOLOGY}{name}"
