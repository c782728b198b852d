"""Organisation names -> one key per organisation, the department apart, known identifiers attached.

"The First Hospital of Jilin University", "First Hospital of Jilin University" and "first hospital
of jilin univ." are one organisation; "Department of Rheumatology and Immunology, Peking
University People's Hospital" is the hospital, with the department kept as the site's text;
"National Cancer Institute (NCI)" is "National Cancer Institute" and "NCI" too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from trialkg.normalize.lexicon import data_path, read_tsv
from trialkg.normalize.text import fold

#: Abbreviated words, expanded before keying ("Univ." and "University" are one word).
_WORD_EXPANSIONS = {
    "univ": "university", "hosp": "hospital", "ctr": "center", "centre": "center", "inst": "institute",
    "natl": "national", "med": "medical", "dept": "department", "co": "company", "intl": "international",
}  # fmt: skip

#: Legal-form words that do not tell two organisations apart.
_LEGAL_FORMS = frozenset({"inc", "incorporated", "ltd", "limited", "llc", "gmbh", "ag", "sa", "plc", "corp",
                          "corporation", "co", "company", "bv", "nv", "srl", "spa", "ab", "oy", "pty", "llp", "sas",
                          "kk"})  # fmt: skip

#: A leading comma-separated part naming a unit inside an organisation, not the organisation.
_UNIT = re.compile(
    r"^\s*(?:the\s+)?(?:dept\.?|department|division|section|unit|laboratory|lab|service|clinic|centre|center|"
    r"ward|institute|school|faculty)\s+(?:of|for|de|d')\s+[^,]+$",
    re.IGNORECASE,
)
_TRAILING_ACRONYM = re.compile(r"\s*\(([A-Z][A-Za-z&\-]{1,11})\)\s*$")


@dataclass(frozen=True)
class OrgName:
    """A stated organisation name, read: the organisation's key and name, its department, its ids."""

    stated: str
    name: str
    key: str
    department: str | None = None
    acronym: str | None = None
    ids: tuple[str, ...] = ()
    #: The canonical name from the curated list, when the organisation is in it.
    canonical: str | None = None


def org_key(name: str) -> str:
    """The de-duplication key: folded, "The" and legal forms dropped, abbreviated words expanded.

    >>> org_key("The First Hospital of Jilin University") == org_key("first hospital of jilin univ.")
    True
    """
    words = [_WORD_EXPANSIONS.get(w, w) for w in fold(name.replace("&", " and ")).split()]
    while words and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words = words[:-1]
    return " ".join(words)


def split_department(name: str) -> tuple[str | None, str]:
    """(department, organisation) of "Department of X, Organisation"; (None, name) when there is none.

    >>> split_department("Department of Rheumatology and Immunology, Peking University People's Hospital")
    ('Department of Rheumatology and Immunology', "Peking University People's Hospital")
    """
    parts = [p.strip() for p in name.split(",")]
    units = []
    while len(parts) > 1 and _UNIT.match(parts[0]):
        units.append(parts.pop(0))
    if not units:
        return None, name.strip()
    return ", ".join(units), ", ".join(parts)


def _initials_match(acronym: str, name: str) -> bool:
    # "National Cancer Institute (NCI)": the acronym's letters are the capitalised words' initials, in order.
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z][\w'-]*", name) if w[0].isupper())
    letters = re.sub(r"[^A-Za-z]", "", acronym).upper()
    it = iter(initials)
    return len(letters) >= 2 and all(c in it for c in letters)


def read_org(stated: str) -> OrgName:
    """The organisation a stated name means. Never raises.

    >>> read_org("National Cancer Institute (NCI)").key
    'national cancer institute'
    """
    stated = stated if isinstance(stated, str) else ""
    department, rest = split_department(stated)
    acronym = None
    m = _TRAILING_ACRONYM.search(rest)
    if m and _initials_match(m.group(1), rest[: m.start()]):
        acronym, rest = m.group(1), rest[: m.start()].strip()
    k = org_key(rest) or org_key(stated)
    known = curated_orgs().get(k)
    if known:
        canonical, ids = known
        return OrgName(stated, canonical, org_key(canonical), department, acronym, ids, canonical)
    return OrgName(stated, rest or stated, k, department, acronym)


@cache
def curated_orgs() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Variant key -> (canonical name, identifier CURIEs), from data/organizations.tsv."""
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    for row in read_tsv(data_path("organizations.tsv")):
        ids = tuple(sorted(i for i in row["ids"].split() if i))
        for variant in (row["canonical"], *row["variants"].split("|")):
            if variant.strip():
                found[org_key(variant)] = (row["canonical"], ids)
    return found
