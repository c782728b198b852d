"""Value readers shared by the page parsers: the registry's codes written the ways pages write them.

Each reader returns None for text it cannot read, never a guess, so callers can keep the
text as unmapped instead of inventing a value.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

from trialkg import ids
from trialkg.model import (
    Intervention,
    InterventionType,
    Organization,
    OrganizationRole,
    Phase,
    Reference,
    SourceDocument,
    Trial,
)

E = TypeVar("E", bound=Enum)

#: NCT ids in running text (re-exported for the page parsers).
NCT_ID = ids.NCT_IN_TEXT


#: Words pages print for "not stated"; read as None.
NULL_WORDS = frozenset({"", "none", "n/a", "na", "null", "-", "not provided", "not applicable"})

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}


def code_key(text: str) -> str:
    """Fold a label to the shape of an API v2 code: 'Not Yet Recruiting' -> 'NOT_YET_RECRUITING'.

    >>> code_key("Active, not recruiting")
    'ACTIVE_NOT_RECRUITING'
    """
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")


def parse_enum(enum: type[E], text: str | None, aliases: dict[str, E] | None = None) -> E | None:
    """Read an enum member from its code or its human label; None if it is neither.

    >>> from trialkg.model import Sex
    >>> parse_enum(Sex, "All")
    <Sex.ALL: 'ALL'>
    """
    if text is None:
        return None
    key = code_key(text)
    if aliases and key in aliases:
        return aliases[key]
    try:
        return enum[key]
    except KeyError:
        return None


_PHASE_WORDS = {
    "EARLY_PHASE1": (Phase.EARLY_PHASE1,),
    "EARLY_PHASE_1": (Phase.EARLY_PHASE1,),
    "PHASE_0": (Phase.EARLY_PHASE1,),
    "NA": (Phase.NA,),
    "N_A": (Phase.NA,),
    "NOT_APPLICABLE": (Phase.NA,),
}


def parse_phases(text: str | None) -> tuple[Phase, ...] | None:
    """Read a phase statement: 'Phase 2', 'Phase 1/Phase 2', 'Phase 2/3', 'PHASE1, PHASE2', 'NA'.

    >>> parse_phases("Phase 1/Phase 2")
    (<Phase.PHASE1: 'PHASE1'>, <Phase.PHASE2: 'PHASE2'>)
    >>> parse_phases("Phase 2/3")
    (<Phase.PHASE2: 'PHASE2'>, <Phase.PHASE3: 'PHASE3'>)
    """
    if text is None:
        return None
    key = code_key(text)
    if key in _PHASE_WORDS:
        return _PHASE_WORDS[key]
    # "PHASE1_PHASE2", "PHASE_1_PHASE_2", "PHASE_2_3", "PHASE_1_2"
    if not re.fullmatch(r"(PHASE_?[1-4]|[1-4])(_(PHASE_?)?[1-4])*", key) or not key.startswith("PHASE"):
        return None
    numbers = re.findall(r"[1-4]", key)
    return tuple(Phase[f"PHASE{n}"] for n in dict.fromkeys(numbers))


def parse_date(text: str | None) -> str | None:
    """ISO 8601 at the precision stated: '2019-10-23', '2019-10', 'June 2019', 'June 1, 2019'.

    Impossible dates ('2019-13-45') give None.

    >>> parse_date("June 1, 2019"), parse_date("2019-10"), parse_date("2019-13-45")
    ('2019-06-01', '2019-10', None)
    """
    if text is None:
        return None
    t = text.strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", t)
    if m:
        year, month, day = m.group(1), m.group(2), m.group(3)
    else:
        m = re.fullmatch(r"([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})", t)
        if not m or m.group(1).lower() not in _MONTHS:
            m2 = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})", t)
            if not m2 or m2.group(2).lower() not in _MONTHS:
                return None
            year, month, day = m2.group(3), str(_MONTHS[m2.group(2).lower()]), m2.group(1)
        else:
            year, month, day = m.group(3), str(_MONTHS[m.group(1).lower()]), m.group(2)
    if month is None:
        return year
    mo = int(month)
    if not 1 <= mo <= 12:
        return None
    if day is None:
        return f"{year}-{mo:02d}"
    d = int(day)
    days_in_month = [31, 29 if _leap(int(year)) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not 1 <= d <= days_in_month[mo - 1]:
        return None
    return f"{year}-{mo:02d}-{d:02d}"


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


_AGE_UNITS = {
    "year": "Years",
    "years": "Years",
    "yr": "Years",
    "yrs": "Years",
    "y": "Years",
    "month": "Months",
    "months": "Months",
    "week": "Weeks",
    "weeks": "Weeks",
    "day": "Days",
    "days": "Days",
    "hour": "Hours",
    "hours": "Hours",
    "minute": "Minutes",
    "minutes": "Minutes",
}


def parse_age(text: str | None) -> str | None:
    """An age limit in the registry's form, '18 Years', '6 Months'; None for 'N/A' or junk.

    >>> parse_age("18 years"), parse_age("1 Year"), parse_age("N/A")
    ('18 Years', '1 Year', None)
    """
    if text is None:
        return None
    m = re.fullmatch(r"\s*(\d{1,6})\s*([A-Za-z]+)\s*(?:old)?\s*", text)
    if not m or m.group(2).lower() not in _AGE_UNITS:
        return None
    number, unit = int(m.group(1)), _AGE_UNITS[m.group(2).lower()]
    # The registry writes the singular for 1 ("1 Year"), the plural otherwise.
    return f"{number} {unit[:-1] if number == 1 else unit}"


_TRUE = frozenset({"true", "yes", "y", "accepts healthy volunteers"})
_FALSE = frozenset({"false", "no", "n"})


def parse_bool(text: str | None) -> bool | None:
    """'True'/'Yes' -> True, 'False'/'No' -> False, anything else None."""
    if text is None:
        return None
    t = text.strip().lower()
    return True if t in _TRUE else False if t in _FALSE else None


def null_if_empty(text: str | None) -> str | None:
    """The stripped text, or None for the words pages use for 'not stated'."""
    if text is None:
        return None
    t = text.strip()
    return None if t.lower() in NULL_WORDS else t


def is_nct_id(text: str) -> bool:
    """An NCT id, give or take the spaces around it on a page."""
    return ids.is_nct_id(text.strip())


_PMID = re.compile(r"\bPMID:?\s*(\d{1,9})\b", re.IGNORECASE)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)


def parse_citation(text: str) -> Reference:
    """A reference from its citation text, with the PMID and DOI it states.

    >>> parse_citation("Smith J. A trial. Lancet. 2020. doi: 10.1000/xyz.1. PMID: 123").doi
    '10.1000/xyz.1'
    """
    citation = text.strip()
    pmid = _PMID.search(citation)
    doi = _DOI.search(citation)
    return Reference(
        citation=citation,
        pmid=pmid.group(1) if pmid else None,
        doi=doi.group(1).rstrip(".,;)") if doi else None,
    )


_BULLET = re.compile(r"^\s*(?:[*\u2022\u00b7\-\u2013]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+")


def is_bullet(line: str) -> bool:
    """A line that starts a list item: '* x', '- x', '• x', '1. x', '2) x', 'a) x'."""
    return bool(_BULLET.match(line))


def strip_bullet(line: str) -> str:
    """The item text without its list marker."""
    return _BULLET.sub("", line, count=1).strip()


def criteria_items(lines: Iterable[str]) -> Iterator[str]:
    """One criterion per bullet or numbered line; an unmarked line continues the item before it."""
    current: str | None = None
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if is_bullet(raw) or current is None:
            if current:
                yield current
            current = strip_bullet(raw) if is_bullet(raw) else line
        else:
            current = f"{current} {line}"
    if current:
        yield current


# --- Added for the page parsers (compass, medpath): shared shapes of age ranges and place lists.

_AGE_BOTH = re.compile(r"^(?P<lo>.+?)\s*(?:[\u2013\u2014-]|\bto\b)\s*(?P<hi>.+)$", re.IGNORECASE)
_AGE_MIN = re.compile(
    r"^(?:(?P<a>.+?)\s*(?:\+|and (?:older|over|above)|or (?:older|over|more))|(?:at least|\u2265|>=)\s*(?P<b>.+))$",
    re.IGNORECASE,
)  # noqa: E501
_AGE_MAX = re.compile(
    r"^(?:(?P<a>.+?)\s*(?:and (?:younger|under|below)|or (?:younger|under|less))|(?:up to|\u2264|<=)\s*(?P<b>.+))$",
    re.IGNORECASE,
)  # noqa: E501
_NO_AGE_LIMIT = frozenset({"all ages", "any age", "no limit", "n/a", "not applicable"})


def parse_age_range(text: str | None) -> tuple[str | None, str | None] | None:
    """(min_age, max_age) from a range as pages write it; None if `text` is not an age range.

    '18 Years – 65 Years', '18 to 65 years', '18 Years and older', 'up to 65 Years',
    '65 Years and younger'. A bare lower number takes the upper bound's unit ('18-65 Years').

    >>> parse_age_range("18 Years and older"), parse_age_range("18-65 Years")
    (('18 Years', None), ('18 Years', '65 Years'))
    """
    if text is None:
        return None
    t = " ".join(text.split())
    if len(t) > 80:  # an age range is short; this also keeps the regexes below linear
        return None
    if t.lower() in _NO_AGE_LIMIT:
        return (None, None)
    t = re.sub(r"^(\d+)\+\s*([A-Za-z]+)$", r"\1 \2+", t)  # '18+ Years' -> '18 Years+'
    for pattern, side in ((_AGE_MIN, 0), (_AGE_MAX, 1)):
        m = pattern.match(t)
        if m:
            age = parse_age(m.group("a") or m.group("b"))
            if age is None:
                return None
            return (age, None) if side == 0 else (None, age)
    m = _AGE_BOTH.match(t)
    if not m:
        return None
    hi = parse_age(m.group("hi"))
    lo_text = m.group("lo")
    if hi is not None and re.fullmatch(r"\d+", lo_text):
        lo_text = f"{lo_text} {hi.split()[1]}"
    lo = parse_age(lo_text)
    return None if lo is None or hi is None else (lo, hi)


#: The start of a comma part that continues the name before it, as the registry writes
#: countries: 'Korea, Republic of', 'Congo, The Democratic Republic of the',
#: 'Palestinian Territory, occupied'.
_NAME_TAIL = re.compile(
    r"^(?:(?-i:[a-z])|the\b(?!\s+(?:netherlands|gambia|bahamas))|republic\b|islamic\b|democratic\b"
    r"|united republic\b|plurinational\b|bolivarian\b|federated\b|province of\b|former\b|u\.s\.|sar\b)",
    re.IGNORECASE,
)


def split_place_list(text: str) -> list[str]:
    """Comma-separated place names, keeping a registry name with an inner comma whole.

    >>> split_place_list("China, Korea, Republic of, Japan")
    ['China', 'Korea, Republic of', 'Japan']
    """
    parts: list[str] = []
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        if parts and _NAME_TAIL.match(part):
            parts[-1] = f"{parts[-1]}, {part}"
        else:
            parts.append(part)
    return parts


@dataclass
class TrialDraft:
    """Fields gathered while reading a page; a scalar is set once and a conflicting value is kept unmapped."""

    values: dict[str, Any] = field(default_factory=dict)
    lists: defaultdict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    unmapped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def set(self, name: str, value: Any, text: str) -> None:
        if value is None or (self.values.get(name) is not None and self.values[name] != value):
            self.unmapped.append(text)
            if value is None:
                self.warnings.append(f"cannot read {text[:200]!r} as {name} (kept as unmapped text)")
        else:
            self.values[name] = value

    def add(self, name: str, *items: Any) -> None:
        self.lists[name].extend(items)

    def build(self, source: SourceDocument) -> Trial:
        fields: dict[str, Any] = {**self.values, **{k: tuple(v) for k, v in self.lists.items()}}
        return Trial(source=source, **fields, unmapped=tuple(self.unmapped), warnings=tuple(self.warnings))


@dataclass
class Section:
    """A page section: what kind it is, its heading as written, and its lines."""

    kind: str
    heading: str
    lines: list[str] = field(default_factory=list)


def section_items(section: Section) -> list[str]:
    """One entry per non-empty line of a section, list markers removed."""
    return [strip_bullet(line) if is_bullet(line) else line for line in section.lines if line]


def read_lead_sponsor(draft: TrialDraft, section: Section) -> None:
    """A "Lead Sponsor"/"Sponsor" section: its first entry is the lead sponsor; more are kept unmapped."""
    items = section_items(section)
    if items:
        draft.add("organizations", Organization(name=items[0], role=OrganizationRole.LEAD_SPONSOR))
    draft.unmapped.extend(items[1:])


def read_collaborators(draft: TrialDraft, section: Section) -> None:
    role = OrganizationRole.COLLABORATOR
    draft.add("organizations", *(Organization(name=item, role=role) for item in section_items(section)))


def read_references(draft: TrialDraft, section: Section) -> None:
    draft.add("references", *(parse_citation(item) for item in section_items(section)))


#: Intervention type labels pages write that are not the registry's codes.
_TYPE_ALIASES = {"PROCEDURE_SURGERY": InterventionType.PROCEDURE, "GENE_TRANSFER": InterventionType.GENETIC}


def read_intervention(text: str) -> Intervention:
    """'Drug: Aldesleukin' -> a typed intervention; a line without a known type is all name.

    >>> read_intervention("Biological: IL-2").type
    <InterventionType.BIOLOGICAL: 'BIOLOGICAL'>
    """
    kind, sep, name = text.partition(":")
    itype = parse_enum(InterventionType, kind, _TYPE_ALIASES) if sep and name.strip() else None
    return Intervention(name=name.strip(), type=itype) if itype else Intervention(name=text.strip())


def read_interventions(draft: TrialDraft, section: Section) -> None:
    draft.add("interventions", *(read_intervention(item) for item in section_items(section)))
