"""The registry's key:value export: a "Viewing Study NCT…" header, then "Key: value" lines.

Keys are read through one table (`KEYS`) whose names follow the export's own style. A line
that is not a known key continues the value before it, so long texts that contain
"Methods: …" stay whole. The export prints Python values (True/False/None), so the exact word
"None" means "not stated" while the upper-case code "NONE" (masking) is a value.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from trialkg.errors import RecordParseError
from trialkg.ids import NCT_PATTERN
from trialkg.model import (
    LAST_KNOWN_STATUSES,
    Allocation,
    Intervention,
    InterventionModel,
    InterventionType,
    Location,
    Masking,
    Official,
    OfficialRole,
    Organization,
    OrganizationRole,
    Outcome,
    OverallStatus,
    Phase,
    PrimaryPurpose,
    SecondaryId,
    Sex,
    SourceDocument,
    StudyType,
    Trial,
)
from trialkg.parsers.common import (
    criteria_items,
    is_bullet,
    is_nct_id,
    null_if_empty,
    parse_age,
    parse_bool,
    parse_citation,
    parse_date,
    parse_enum,
    parse_phases,
    split_place_list,
    strip_bullet,
)
from trialkg.parsers.text import read_text

FORMAT = "keyvalue"

E = TypeVar("E", bound=Enum)

_HEADER = re.compile(rf"^Viewing Study ({NCT_PATTERN})\s*$")
#: "Key: value" or "Key:" - the key runs to the first colon that ends a word (not "http://").
_KEY_LINE = re.compile(r"^([A-Za-z][^:]{0,80}?):(?:\s+(.*))?$")
#: The export writes Python's None and a few "not given" words; exact, so the code "NONE" survives.
_NULLS = frozenset({"", "None", "N/A", "n/a", "null", "NULL", "-"})
#: Values that only a key has (flags), so such a line ends a long text instead of continuing it.
_FLAG_VALUES = frozenset({"True", "False", "None", "N/A", "Yes", "No"})
#: Title lines that group keys; they carry no value.
_SECTIONS = frozenset(
    s.casefold()
    for s in (
        "Study Overview", "Study Oversight", "Study Status", "Sponsor/Collaborators",
        "Conditions", "Keywords", "Conditions and Keywords", "Study Design", "Arms and Interventions",
        "Interventions", "Outcome Measures", "Locations",
        "Eligibility", "Contacts and Locations", "More Information", "Identification",
        "Description", "IPD Sharing Statement", "References", "Results",
    )
)  # fmt: skip
_QUALIFIER = re.compile(r"^(.*?)\s*\(([^()]*)\)$")
_ENROLLMENT = re.compile(r"(\d[\d,]{0,12})(?:\s+participants?)?", re.IGNORECASE)
_TIME_FRAME = re.compile(r"^(.*?)\s*\[Time Frame:\s*(.*?)\]\s*$", re.IGNORECASE)
_SUBHEADING = re.compile(r"^(inclusion|exclusion) criteria\s*:?\s*(.*)$", re.IGNORECASE)
_TYPED_NAME = re.compile(r"^([A-Za-z][A-Za-z _]*?)\s*:\s*(.+)$")
_FACILITY_SPLIT = re.compile(r"\s+[-\u2013\u2014]\s+|:\s+")

_MODEL_ALIASES = {f"{m.name}_ASSIGNMENT": m for m in InterventionModel}
_SEX_ALIASES = {"BOTH": Sex.ALL}


class _Kind(Enum):
    """How far a value runs: one line, prose (across blank lines), or a list of items."""

    LINE = "line"
    LONG = "long"
    LIST = "list"


@dataclass
class _Builder:
    """The fields read so far; a second, different value for a field is kept as unmapped."""

    fields: dict[str, Any] = field(default_factory=dict)
    orgs: list[Organization] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def set(self, name: str, value: Any, key: str, text: str) -> None:
        old = self.fields.get(name)
        if old is None or old == ():
            self.fields[name] = value
        elif old != value:
            self.unmapped.append(f"key {key!r} (differs from an earlier value): {text}")

    def extend(self, name: str, items: list[Any]) -> None:
        self.fields[name] = tuple(self.fields.get(name, ())) + tuple(items)

    def lost(self, key: str, text: str) -> None:
        self.unmapped.append(f"key {key!r}: {text}")


Handler = Callable[[_Builder, str, str], None]


@dataclass(frozen=True)
class _Spec:
    kind: _Kind
    handle: Handler


# -- value readers ---------------------------------------------------------------------------


def _is_null(text: str) -> bool:
    return text.strip() in _NULLS


def _code(enum: type[E], aliases: dict[str, E] | None = None) -> Callable[[str], E | None]:
    return lambda text: parse_enum(enum, text, aliases)


def _last_known(text: str) -> OverallStatus | None:
    status = parse_enum(OverallStatus, text)
    return status if status in LAST_KNOWN_STATUSES else None


def _enrollment(text: str) -> int | None:
    m = _ENROLLMENT.fullmatch(text.strip())
    return int(m.group(1).replace(",", "")) if m else None


def _age(text: str) -> str | None:
    """parse_age on text short enough to be an age (int() refuses numbers of thousands of digits)."""
    return parse_age(text) if len(text) <= 40 else None


def _nct(text: str) -> str | None:
    return text.strip() if is_nct_id(text) else None


def _items(raw: str, seps: str | None = r"\s*[|;]\s*") -> list[str]:
    """List items: a Python list literal, else one per line (and per `seps`), bullets dropped."""
    text = raw.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            value = ast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            value = None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [v.strip() for v in value if v.strip()]
    out: list[str] = []
    for line in text.splitlines():
        item = strip_bullet(line) if is_bullet(line) else line.strip()
        parts = re.split(seps, item) if seps else [item]
        out.extend(p.strip() for p in parts if p.strip() and not _is_null(p))
    return out


# -- handler factories -----------------------------------------------------------------------


def _scalar(name: str, read: Callable[[str], Any], *, qualified: bool = False) -> Handler:
    """A one-value field; `qualified` splits a trailing "(…)" note (e.g. "(Actual)") off first."""

    def handle(b: _Builder, key: str, raw: str) -> None:
        text = raw.strip()
        if _is_null(text):
            return
        core = text
        m = _QUALIFIER.match(text) if qualified else None
        if m and read(m.group(1)) is not None:
            core = m.group(1)
            b.unmapped.append(f"key {key!r} qualifier: {m.group(2)}")
        value = read(core)
        if value is None:
            b.lost(key, text)
            b.warnings.append(f"key {key!r}: cannot read {text[:200]!r} (kept as unmapped text)")
        else:
            b.set(name, value, key, text)

    return handle


def _text(name: str, *, nulls: frozenset[str] = frozenset()) -> Handler:
    """Free text kept as written; `nulls` are extra phrases that mean "nothing" for this key."""

    def handle(b: _Builder, key: str, raw: str) -> None:
        text = null_if_empty(raw)
        if text is not None and text.casefold() not in nulls:
            b.set(name, text, key, text)

    return handle


def _list(name: str, read: Callable[[str], Any], seps: str | None = r"\s*[|;]\s*") -> Handler:
    """A list field; an item `read` cannot take is kept as unmapped."""

    def handle(b: _Builder, key: str, raw: str) -> None:
        values = []
        for item in _items(raw, seps):
            value = read(item)
            if value is None:
                b.lost(key, item)
            else:
                values.append(value)
        b.extend(name, values)

    return handle


def _org(role: OrganizationRole | None) -> Handler:
    def handle(b: _Builder, key: str, raw: str) -> None:
        for name in _items(raw, r"\s*[|;]\s*" if role is OrganizationRole.COLLABORATOR else None):
            if role is OrganizationRole.LEAD_SPONSOR and any(o.role is role for o in b.orgs):
                b.unmapped.append(f"key {key!r} (a second lead sponsor): {name}")
            else:
                b.orgs.append(Organization(name, role=role))

    return handle


def _unmapped(b: _Builder, key: str, raw: str) -> None:
    b.lost(key, raw.strip() or "(empty)")


def _phases(b: _Builder, key: str, raw: str) -> None:
    found: list[Phase] = []
    for item in _items(raw):
        phases = parse_phases(item)
        if phases is None:
            b.lost(key, item)
        else:
            found.extend(phases)
    b.extend("phases", [p for p in dict.fromkeys(found) if p not in b.fields.get("phases", ())])


def _intervention(item: str) -> Intervention:
    """ "DRUG: Name" / "Drug: Name" carries the type; a bare name has none."""
    m = _TYPED_NAME.match(item)
    kind = parse_enum(InterventionType, m.group(1)) if m else None
    if m and kind is not None:
        return Intervention(name=m.group(2).strip(), type=kind)
    return Intervention(name=item)


def _outcome(item: str) -> Outcome:
    m = _TIME_FRAME.match(item)
    if m and m.group(1):
        return Outcome(measure=m.group(1), time_frame=null_if_empty(m.group(2)))
    return Outcome(measure=item)


def _location(item: str) -> Location | None:
    """ "Facility - City, [State,] Country"; any other shape is ambiguous, so not read."""
    parts = _FACILITY_SPLIT.split(item, maxsplit=1)
    if len(parts) != 2:
        return None
    place = split_place_list(parts[1])
    if len(place) < 2:
        return None
    state = ", ".join(place[1:-1]) or None
    return Location(facility=parts[0].strip(), city=place[0], state=state, country=place[-1])


def _criteria(name: str) -> Handler:
    def handle(b: _Builder, key: str, raw: str) -> None:
        b.extend(name, list(criteria_items(raw.splitlines())))

    return handle


def _eligibility(b: _Builder, key: str, raw: str) -> None:
    """Criteria text split at its "Inclusion Criteria:" / "Exclusion Criteria:" subheadings."""
    target: str | None = None
    groups: dict[str, list[str]] = {"inclusion_criteria": [], "exclusion_criteria": []}
    for line in raw.splitlines():
        m = _SUBHEADING.match(line.strip())
        if m:
            target = f"{m.group(1).lower()}_criteria"
            line = m.group(2)
        if target is None:
            if line.strip():
                b.unmapped.append(f"key {key!r} (outside Inclusion/Exclusion): {line.strip()}")
        elif line.strip():
            groups[target].append(line)
    for name, lines in groups.items():
        b.extend(name, list(criteria_items(lines)))


def _official(item: str) -> Official:
    return Official(name=item, role=OfficialRole.PRINCIPAL_INVESTIGATOR)


def _countries(b: _Builder, key: str, raw: str) -> None:
    b.countries.extend(_items(raw))


def _date(name: str) -> Handler:
    return _scalar(name, parse_date, qualified=True)


def _flag(name: str) -> Handler:
    return _scalar(name, parse_bool)


def _line(handle: Handler) -> _Spec:
    return _Spec(_Kind.LINE, handle)


def _long(handle: Handler) -> _Spec:
    return _Spec(_Kind.LONG, handle)


def _many(handle: Handler) -> _Spec:
    return _Spec(_Kind.LIST, handle)


_NO_SPLIT = None
_PIPES = r"\s*\|\s*"

#: Every key the export writes (and its plausible aliases), matched case-insensitively.
_KEY_SPECS: tuple[tuple[tuple[str, ...], _Spec], ...] = (
    (("Study NCT ID", "NCT ID", "NCT Number"), _line(_scalar("nct_id", _nct))),
    (("Status", "Overall Status", "Recruitment Status"),
     _line(_scalar("overall_status", _code(OverallStatus)))),
    (("Last Known Status",), _line(_scalar("last_known_status", _last_known))),
    (("Last Update Posted", "Last Updated"), _line(_date("last_update_posted"))),
    (("First Post", "First Posted", "Study First Posted"), _line(_date("first_posted"))),
    (("Status Verified Date",), _line(_date("status_verified_date"))),
    (("Start Date", "Study Start", "Study Start Date"), _line(_date("start_date"))),
    (("Completion Date", "Study Completion Date", "Study Completion"), _line(_date("completion_date"))),
    (("Brief Title", "Title"), _line(_text("brief_title"))),
    (("Official Title",), _line(_text("official_title"))),
    (("Acronym",), _line(_text("acronym"))),
    (("If Stopped, Why?", "Why Stopped"), _line(_text("why_stopped", nulls=frozenset({"not stopped"})))),
    (("Brief Summary",), _long(_text("brief_summary"))),
    (("Detailed Description",), _long(_text("detailed_description"))),
    (("Org Study ID", "Organization Study ID", "Organization's Unique Protocol ID", "Unique Protocol ID"),
     _line(_text("org_study_id"))),
    (("Secondary IDs", "Secondary ID", "Other IDs"), _many(_list("secondary_ids", SecondaryId))),
    (("Sponsor", "Lead Sponsor"), _line(_org(OrganizationRole.LEAD_SPONSOR))),
    (("Collaborators", "Collaborator"), _many(_org(OrganizationRole.COLLABORATOR))),
    (("Organization",), _line(_org(None))),
    (("Principal Investigator", "Principal Investigators"), _many(_list("officials", _official, _NO_SPLIT))),
    (("Conditions", "Condition"), _many(_list("conditions", str))),
    (("Keywords", "Keyword"), _many(_list("keywords", str))),
    (("Phase", "Phases"), _many(_phases)),
    (("Study Type",), _line(_scalar("study_type", _code(StudyType)))),
    (("Enrollment", "Enrollment (Actual)", "Enrollment (Estimated)", "Enrollment (Anticipated)"),
     _line(_scalar("enrollment", _enrollment, qualified=True))),
    (("Allocation",), _line(_scalar("allocation", _code(Allocation)))),
    (("Intervention Model",),
     _line(_scalar("intervention_model", _code(InterventionModel, _MODEL_ALIASES), qualified=True))),
    (("Masking",), _line(_scalar("masking", _code(Masking), qualified=True))),
    (("Primary Purpose",), _line(_scalar("primary_purpose", _code(PrimaryPurpose)))),
    (("Interventions", "Intervention"), _many(_list("interventions", _intervention, _PIPES))),
    (("Primary Outcome Measures", "Primary Outcomes", "Primary Outcome"),
     _many(_list("primary_outcomes", _outcome, _NO_SPLIT))),
    (("Secondary Outcome Measures", "Secondary Outcomes", "Secondary Outcome"),
     _many(_list("secondary_outcomes", _outcome, _NO_SPLIT))),
    (("Minimum Age",), _line(_scalar("min_age", _age))),
    (("Maximum Age",), _line(_scalar("max_age", _age))),
    (("Sex", "Gender"), _line(_scalar("sex", _code(Sex, _SEX_ALIASES)))),
    (("Healthy Volunteers", "Accepts Healthy Volunteers"), _line(_flag("healthy_volunteers"))),
    (("Eligibility Criteria", "Criteria"), _long(_eligibility)),
    (("Inclusion Criteria",), _long(_criteria("inclusion_criteria"))),
    (("Exclusion Criteria",), _long(_criteria("exclusion_criteria"))),
    (("Locations", "Location"), _many(_list("locations", _location, _NO_SPLIT))),
    (("Countries", "Location Countries"), _many(_countries)),
    (("References", "Citations", "Reference"), _many(_list("references", parse_citation, _NO_SPLIT))),
    (("Has Results",), _line(_flag("has_results"))),
    (("Is a FDA Regulated Drug?", "Is an FDA Regulated Drug?"), _line(_flag("is_fda_regulated_drug"))),
    (("Is a FDA Regulated Device?", "Is an FDA Regulated Device?"), _line(_flag("is_fda_regulated_device"))),
    (("Has Oversight DMC", "Has Data Monitoring Committee"), _line(_flag("has_dmc"))),
    # Keys the export writes that no field holds: known, so they end a long text before them.
    (("Ignite Creation Date", "Ignite Modification Date", "Is NOT Gene Therapy", "Has Adverse Events",
      "Delayed Posting", "Has Expanded Access", "If Expanded Access, NCT#",
      "Has Expanded Access, NCT# Status", "Is an Unapproved Device?", "Is a PPSD?", "Is a US Export?",
      "Is an FDA AA801 Violation?", "Primary Completion Date", "Responsible Party"), _line(_unmapped)),
)  # fmt: skip


def _fold(key: str) -> str:
    return " ".join(key.split()).casefold()


KEYS: dict[str, _Spec] = {_fold(name): spec for names, spec in _KEY_SPECS for name in names}
_UNKNOWN = _Spec(_Kind.LONG, _unmapped)


# -- reading the lines -----------------------------------------------------------------------


@dataclass
class _Entry:
    key: str
    spec: _Spec
    lines: list[str]
    after_blank: bool = False


@dataclass
class _Doc:
    entries: list[_Entry] = field(default_factory=list)
    header_nct: str | None = None
    stray: list[str] = field(default_factory=list)


def _starts_entry(current: _Entry | None, key: str, value: str) -> bool:
    """Whether an unknown "Word: text" line is a new key rather than text of an open value."""
    if current is None or current.spec.kind is _Kind.LINE:
        return True
    return key.endswith("?") or value in _FLAG_VALUES


def _read_lines(text: str) -> _Doc:
    doc = _Doc()
    cur: _Entry | None = None
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            if cur is not None:
                cur.after_blank = True
            continue
        header = _HEADER.match(line)
        if header and doc.header_nct is None:
            doc.header_nct, cur = header.group(1), None
            continue
        if line.casefold() in _SECTIONS:
            cur = None
            continue
        m = _KEY_LINE.match(line)
        if m:
            key, value = m.group(1).strip(), (m.group(2) or "").strip()
            spec = KEYS.get(_fold(key))
            if spec is not None or _starts_entry(cur, key, value):
                cur = _Entry(key, spec or _UNKNOWN, [value])
                doc.entries.append(cur)
                continue
        if cur is not None and (not cur.after_blank or cur.spec.kind is not _Kind.LINE):
            cur.lines.extend(["", raw.rstrip()] if cur.after_blank else [raw.rstrip()])
            cur.after_blank = False
        else:
            cur = None
            doc.stray.append(f"line {no}: {line}")
    return doc


def _organizations(b: _Builder) -> tuple[Organization, ...]:
    """Drop a role-less organisation that is already listed with a role (same name)."""
    with_role = {o.name for o in b.orgs if o.role is not None}
    kept = [o for o in b.orgs if o.role is not None or o.name not in with_role]
    return tuple(dict.fromkeys(kept))


def _locations(b: _Builder) -> tuple[Location, ...]:
    """Locations read, then one country-only location per listed country no location has."""
    locations = list(b.fields.get("locations", ()))
    known = {loc.country for loc in locations}
    for country in dict.fromkeys(b.countries):
        if country not in known:
            locations.append(Location(country=country))
    return tuple(locations)


def _build(doc: _Doc, source: SourceDocument) -> Trial:
    b = _Builder()
    for entry in doc.entries:
        entry.spec.handle(b, entry.key, "\n".join(entry.lines))
        qualifier = _QUALIFIER.match(entry.key)
        if qualifier and entry.spec is not _UNKNOWN:  # "Enrollment (Actual)": the key states the kind
            b.unmapped.append(f"key {entry.key!r} qualifier: {qualifier.group(2)}")
    if doc.header_nct is not None:
        b.set("nct_id", doc.header_nct, "Viewing Study", doc.header_nct)
    b.fields["locations"] = _locations(b)
    return Trial(
        source=source,
        organizations=_organizations(b),
        unmapped=tuple(b.unmapped + doc.stray),
        warnings=tuple(b.warnings),
        **b.fields,
    )


# -- the parser interface --------------------------------------------------------------------


def sniff(head: str) -> int:
    """Sure on the export's header or its "Study NCT ID:" key; else by how many known keys appear."""
    score = 0
    if re.search(rf"^Viewing Study {NCT_PATTERN}", head, re.MULTILINE):
        score += 50
    if re.search(r"^Study NCT ID:", head, re.MULTILINE):
        score += 50
    keys = {_fold(m.group(1)) for m in re.finditer(r"^([A-Za-z][^:\n]{0,80}?):(?=\s|$)", head, re.MULTILINE)}
    known = len(keys & KEYS.keys())
    score += min(60, 8 * known) if known >= 2 else 0
    return min(100, score)


def parse(path: Path, source: SourceDocument) -> Iterator[Trial]:
    """The one trial of an export file; RecordParseError when no key of the export is found."""

    text = read_text(path)
    doc = _read_lines(text)
    trial = _build(doc, source)
    if trial == Trial(source=source):
        raise RecordParseError(
            str(path),
            "no trial fields found: expected 'Key: value' lines such as 'Study NCT ID: NCT…'",
            where="whole file",
        )
    yield trial
