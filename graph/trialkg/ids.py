"""Identifiers every room reads: NCT ids, MeSH descriptor UIs, and the one prefix table behind every CURIE.

The prefix table is a `curies.Converter` with Bioregistry's prefix names (`mesh`, `drugbank`,
`clinicaltrials`, ...), so a CURIE compresses and expands the same way in the exports' Turtle
prefixes, the JSON-LD context and `show`'s codes. `show` prints external CURIEs with the prefix in
upper case (`MESH:D008180`), the form the registry and the curated data files write; the Converter
reads both spellings.
"""

from __future__ import annotations

import re
from functools import cache

import curies

#: An NCT id as the registry writes it: "NCT" and eight ASCII digits (\d would take "８", U+FF18, too).
NCT_PATTERN = r"NCT[0-9]{8}"
_NCT = re.compile(NCT_PATTERN)
#: NCT ids inside running text.
NCT_IN_TEXT = re.compile(rf"\b{NCT_PATTERN}\b")


def is_nct_id(text: str) -> bool:
    """>>> is_nct_id("NCT04136106"), is_nct_id("NCT0413610"), is_nct_id(" NCT04136106")
    (True, False, False)
    """
    return bool(_NCT.fullmatch(text))


# ---------------------------------------------------------------------------------------------- MeSH

_MESH_UI = re.compile(r"([DCQ])([0-9]{6}|[0-9]{9})")
#: NLM lengthened descriptor UIs from 7 to 10 characters in late 2013, continuing the numbering;
#: no 7-character descriptor UI goes beyond this number.
_LAST_SHORT_MESH_UI = 66999


def is_mesh_ui(ui: str) -> bool:
    return bool(_MESH_UI.fullmatch(ui.strip()))


def mesh_ui(ui: str) -> str:
    """NLM's form of a MeSH UI: the registry's zero-padded 'D000007172' is NLM's 'D007172'.

    >>> mesh_ui("D000007172"), mesh_ui("D000091662"), mesh_ui("D008180")
    ('D007172', 'D000091662', 'D008180')
    """
    m = _MESH_UI.fullmatch(ui.strip())
    if not m:
        raise ValueError(f"not a MeSH unique identifier: {ui!r}")
    number = int(m.group(2))
    return f"{m.group(1)}{number:06d}" if number <= _LAST_SHORT_MESH_UI else f"{m.group(1)}{number:09d}"


def mesh_curie(ui: str) -> str:
    """>>> mesh_curie("D000007172")
    'MESH:D007172'
    """
    return f"MESH:{mesh_ui(ui)}"


# ---------------------------------------------------------------------------------------------- prefixes

BASE = "https://w3id.org/trialkg/"
ONTOLOGY = f"{BASE}ontology#"
CODE = f"{BASE}code/"
MESH_BASE = "http://id.nlm.nih.gov/mesh/"

#: Prefixes of the identifiers trialkg links to (Bioregistry names); `show` prints their CURIEs.
EXTERNAL_PREFIXES = ("mesh", "drugbank", "chebi", "rxnorm", "wikidata", "ror")

#: Bioregistry prefix (or trialkg's own) -> URI prefix. Every export's prefixes come from here.
PREFIX_MAP = {
    "trialkg": ONTOLOGY,
    "code": CODE,
    "trial": f"{BASE}trial/",
    "condition": f"{BASE}condition/",
    "intervention": f"{BASE}intervention/",
    "organization": f"{BASE}organization/",
    "source": f"{BASE}source/",
    "clinicaltrials": "https://clinicaltrials.gov/study/",
    "mesh": MESH_BASE,
    "drugbank": "https://go.drugbank.com/drugs/",
    "chebi": "http://purl.obolibrary.org/obo/CHEBI_",
    "rxnorm": "http://purl.bioontology.org/ontology/RXNORM/",
    "wikidata": "http://www.wikidata.org/entity/",
    "ror": "https://ror.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

#: The prefixes the Turtle exports declare (CHEBI is linked but never used as a Turtle prefix).
TURTLE_PREFIXES = {name: uri for name, uri in PREFIX_MAP.items() if name != "chebi"}


@cache
def converter() -> curies.Converter:
    """The prefix table as a Converter; external prefixes also read in upper case (`MESH:`, `DRUGBANK:`)."""
    records = [
        curies.Record(prefix=name, uri_prefix=uri, prefix_synonyms=[name.upper()] if name in EXTERNAL_PREFIXES else [])
        for name, uri in PREFIX_MAP.items()
    ]
    return curies.Converter(records)


_LOCAL = re.compile(r"[A-Za-z0-9_.-]+")


def expand(curie: str) -> str:
    """The IRI of an external CURIE, in either case of prefix.

    >>> expand("DRUGBANK:DB00041"), expand("mesh:D008180")
    ('https://go.drugbank.com/drugs/DB00041', 'http://id.nlm.nih.gov/mesh/D008180')
    """
    prefix, _, local = curie.partition(":")
    if prefix.lower() not in EXTERNAL_PREFIXES or not _LOCAL.fullmatch(local):
        raise ValueError(f"not a known CURIE: {curie!r}")
    iri = converter().expand(curie)
    assert iri is not None
    return iri


def compress(iri: str) -> str | None:
    """The CURIE `show` prints for an external IRI (prefix in upper case), or None.

    >>> compress("http://id.nlm.nih.gov/mesh/D008180"), compress("https://w3id.org/trialkg/trial/NCT04136106")
    ('MESH:D008180', None)
    """
    found = converter().compress(iri)
    if found is None:
        return None
    prefix, _, local = found.partition(":")
    return f"{prefix.upper()}:{local}" if prefix in EXTERNAL_PREFIXES else None
