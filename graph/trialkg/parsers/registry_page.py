"""The registry-derived study page: sections, each a heading line and a fixed one-line blurb.

Values carry no labels, so each section's lines are read by their shape (codes, "N participants",
dates, "Role: …") or by their position in a repeating group. A heading may be glued to the end of
the line before it ("View full resultsBasic Information"); the blurb after it is what makes it a
heading. The page never states its own NCT id: every NCT id on it names a related trial.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from trialkg.errors import RecordParseError
from trialkg.model import (
    AgencyClass,
    Allocation,
    Arm,
    Intervention,
    InterventionModel,
    InterventionType,
    Location,
    Masking,
    Official,
    OfficialRole,
    Organization,
    OverallStatus,
    PrimaryPurpose,
    SecondaryId,
    Sex,
    SourceDocument,
    StudyType,
    Trial,
)
from trialkg.parsers.common import (
    NCT_ID,
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
)
from trialkg.parsers.text import read_text

FORMAT = "registry_page"

E = TypeVar("E", bound=Enum)

_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_ENROLLMENT = re.compile(r"(\d[\d,]{0,12}) participants?", re.IGNORECASE)
_TYPED_NAME = re.compile(r"^([A-Za-z][A-Za-z _]*?)\s*:\s*(.+)$")
_SUBHEADING = re.compile(r"^(inclusion|exclusion) criteria\s*:?$", re.IGNORECASE)
_ROLE = re.compile(r"^Role:\s*(.*)$", re.IGNORECASE)
_ID_ATTR = re.compile(r"^Identifier (Type|Source):\s*(.*)$", re.IGNORECASE)
#: A heading the table does not know still reads as one when a blurb in the page's style follows.
_BLURB_SHAPE = re.compile(
    r"^(Get|Review|Explore|Dive|See|Understand|Learn|Discover|Check|Meet|Identify|Additional)\b.{50,240}\.$"
)
#: Longest line read as a heading the table does not know (real ones are a few words): a long line shaped
#: like a heading would become a section name that every unmapped line after it repeats.
MAX_HEADING_CHARS = 80
_HEADING_SHAPE = re.compile(r"[A-Z][A-Za-z'&/-]*(?: [A-Za-z'&/-]+){0,4}")
#: Link labels the page prints that carry no data.
_LINK_LABELS = frozenset({"View full results"})


def _age(line: str) -> str | None:
    """parse_age on text short enough to be an age (int() refuses numbers of thousands of digits)."""
    return parse_age(line) if len(line) <= 40 else None


def _code(enum: type[E], line: str) -> E | None:
    """An enum member from a code written as the registry writes it (upper case, underscores)."""
    return parse_enum(enum, line) if _CODE.fullmatch(line) else None


@dataclass
class _Page:
    """What the sections state, collected before the Trial is built."""

    fields: dict[str, Any] = field(default_factory=dict)
    interventions: list[Intervention] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)

    def set(self, name: str, value: Any, section: str, line: str) -> None:
        if self.fields.get(name) in (None, ()):
            self.fields[name] = value
        elif self.fields[name] != value:
            self.lost(section, line)

    def extend(self, name: str, items: list[Any] | tuple[Any, ...]) -> None:
        self.fields[name] = tuple(self.fields.get(name, ())) + tuple(items)

    def lost(self, section: str, text: str) -> None:
        self.unmapped.append(f"Section {section!r}: {text}")


Handler = Callable[[_Page, str, list[str]], None]


# -- section handlers ------------------------------------------------------------------------


def _basic(page: _Page, name: str, lines: list[str]) -> None:
    """Status, phase(s), "N participants", study type, then dates: start first, completion second."""
    dates: list[str] = []
    for line in lines:
        enrollment = _ENROLLMENT.fullmatch(line)
        status = _code(OverallStatus, line)
        study_type = _code(StudyType, line)
        phases = parse_phases(line)
        date = parse_date(line)
        if enrollment:
            page.set("enrollment", int(enrollment.group(1).replace(",", "")), name, line)
        elif status is not None:
            page.set("overall_status", status, name, line)
        elif study_type is not None:
            page.set("study_type", study_type, name, line)
        elif phases:
            page.set("phases", phases, name, line)
        elif date is not None:
            dates.append(date)
            if len(dates) > 2:
                page.lost(name, f"date {line} (a third date: which one is not stated)")
        else:
            page.lost(name, line)
    for field_name, date in zip(("start_date", "completion_date"), dates, strict=False):
        page.fields[field_name] = date


#: Study design codes; their value sets are disjoint, so each line names its own field.
_DESIGN: tuple[tuple[str, type[Enum]], ...] = (
    ("allocation", Allocation),
    ("intervention_model", InterventionModel),
    ("primary_purpose", PrimaryPurpose),
    ("masking", Masking),
)


def _design(page: _Page, name: str, lines: list[str]) -> None:
    for line in lines:
        hit = next(((f, v) for f, enum in _DESIGN if (v := _code(enum, line)) is not None), None)
        if hit is None:
            page.lost(name, line)
        else:
            page.set(hit[0], hit[1], name, line)


def _text(field_name: str) -> Handler:
    def handle(page: _Page, name: str, lines: list[str]) -> None:
        text = null_if_empty("\n".join(lines))
        if text is not None:
            page.set(field_name, text, name, text)

    return handle


def _plain_list(field_name: str) -> Handler:
    def handle(page: _Page, name: str, lines: list[str]) -> None:
        page.extend(field_name, [line for line in lines if null_if_empty(line)])

    return handle


def _interventions(page: _Page, name: str, lines: list[str]) -> None:
    """Name and description lines in pairs; "DRUG: Name" states the type."""
    for i in range(0, len(lines), 2):
        title = lines[i]
        description = lines[i + 1] if i + 1 < len(lines) else None
        m = _TYPED_NAME.match(title)
        kind = parse_enum(InterventionType, m.group(1)) if m else None
        label = m.group(2).strip() if m and kind is not None else title
        page.interventions.append(Intervention(name=label, type=kind, description=description))


def _other_names(page: _Page, name: str, lines: list[str]) -> None:
    """A line naming an intervention starts its list; with one intervention all names are its."""
    names = [iv.name for iv in page.interventions]
    target: int | None = 0 if len(names) == 1 else None
    extra: dict[int, list[str]] = {}
    for line in lines:
        if line in names and len(names) > 1:
            target = names.index(line)
        elif target is None:
            page.lost(name, f"{line} (which intervention is not stated)")
        else:
            extra.setdefault(target, []).append(line)
    for idx, more in extra.items():
        iv = page.interventions[idx]
        page.interventions[idx] = Intervention(iv.name, iv.type, iv.description, iv.other_names + tuple(more))


def _groups(page: _Page, name: str, lines: list[str]) -> None:
    """Repeated: arm label, arm description, then (intervention name, its description) per intervention.

    A line is an intervention of the current arm when it is a known intervention name followed
    by that intervention's description, so an arm named like its drug still starts a new arm.
    """
    known = {iv.name: iv.description for iv in page.interventions}
    known.update({f"{iv.type.value}: {iv.name}": iv.description for iv in page.interventions if iv.type})

    def intervention_at(i: int, bare: bool) -> int:
        """How many lines the intervention entry at i takes (0 if none is there).

        `bare`: this arm already listed a name without its description, so names alone count.
        """
        if i >= len(lines) or lines[i] not in known:
            return 0
        desc = known[lines[i]]
        if desc is not None and i + 1 < len(lines) and lines[i + 1] == desc:
            return 2
        return 1 if bare or desc is None or i + 1 == len(lines) or lines[i + 1] in known else 0

    arms: list[Arm] = []
    i = 0
    while i < len(lines):
        label, i = lines[i], i + 1
        description = None
        if i < len(lines) and not intervention_at(i, False):
            description, i = lines[i], i + 1
        given: list[str] = []
        bare = False
        while step := intervention_at(i, bare):
            given.append(_strip_type(lines[i]))
            i, bare = i + step, bare or step == 1
        arms.append(Arm(label=label, description=description, intervention_names=tuple(given)))
    page.extend("arms", arms)


def _strip_type(line: str) -> str:
    m = _TYPED_NAME.match(line)
    return m.group(2).strip() if m and parse_enum(InterventionType, m.group(1)) else line


def _eligibility(page: _Page, name: str, lines: list[str]) -> None:
    """Criteria under their subheadings, then trailing values: min age, max age, sex, healthy volunteers."""
    tail = _eligibility_tail(page, name, lines)
    target: str | None = None
    groups: dict[str, list[str]] = {"inclusion_criteria": [], "exclusion_criteria": []}
    for line in lines[: len(lines) - tail]:
        m = _SUBHEADING.match(line)
        if m:
            target = f"{m.group(1).lower()}_criteria"
        elif target is None:
            page.lost(name, f"{line} (before any Inclusion/Exclusion heading)")
        else:
            groups[target].append(line)
    for field_name, items in groups.items():
        page.extend(field_name, list(criteria_items(items)))


def _eligibility_tail(page: _Page, name: str, lines: list[str]) -> int:
    """Read the value lines that end the section; returns how many lines they were."""
    n = 0
    while n < len(lines) and not is_bullet(lines[-1 - n]) and _tail_value(lines[-1 - n]):
        n += 1
    ages: list[str] = []
    for line in lines[len(lines) - n :]:
        age, sex, healthy = _age(line), _code(Sex, line), parse_bool(line)
        if age is not None:
            ages.append(age)
        elif sex is not None:
            page.set("sex", sex, name, line)
        elif healthy is not None:
            page.set("healthy_volunteers", healthy, name, line)
    if len(ages) == 2:
        page.fields["min_age"], page.fields["max_age"] = ages
    else:
        for age in ages:
            page.lost(name, f"age {age} (minimum or maximum is not stated)")
    return n


def _tail_value(line: str) -> bool:
    return (
        _age(line) is not None
        or _code(Sex, line) is not None
        or line.strip().lower() in {"yes", "no", "true", "false", "accepts healthy volunteers"}
    )


def _sponsors(page: _Page, name: str, lines: list[str]) -> None:
    """Organisation name, then its agency class code; the page gives no roles, so role=None."""
    orgs: list[Organization] = []
    for line in lines:
        agency = _code(AgencyClass, line)
        if agency is not None and orgs and orgs[-1].agency_class is None:
            orgs[-1] = Organization(orgs[-1].name, role=None, agency_class=agency)
        elif agency is not None:
            page.lost(name, f"{line} (agency class without an organisation)")
        else:
            orgs.append(Organization(line, role=None))
    page.extend("organizations", orgs)


def _investigators(page: _Page, name: str, lines: list[str]) -> None:
    """Name, "Role: CODE", affiliation; a line followed by "Role:" starts the next person."""
    people: list[dict[str, Any]] = []
    for i, line in enumerate(lines):
        role = _ROLE.match(line)
        next_is_role = i + 1 < len(lines) and bool(_ROLE.match(lines[i + 1]))
        if role and people and "role" not in people[-1]:
            people[-1]["role"] = role.group(1).strip()
        elif role:
            page.lost(name, f"{line} (no name before it)")
        elif people and "affiliation" not in people[-1] and "role" in people[-1] and not next_is_role:
            people[-1]["affiliation"] = line
        else:
            people.append({"name": line})
    officials = []
    for p in people:
        role_text = null_if_empty(p.get("role"))
        official_role = parse_enum(OfficialRole, role_text)
        if role_text is not None and official_role is None:
            page.lost(name, f"Role: {role_text} (of {p['name']})")
        officials.append(Official(p["name"], role=official_role, affiliation=p.get("affiliation")))
    page.extend("officials", officials)


def _place(line: str) -> tuple[str | None, str | None, str | None]:
    """ "City, Country" or "City, State(s), Country"; a single part is the country."""
    parts = split_place_list(line)
    if len(parts) == 1:
        return None, None, parts[0]
    return parts[0], ", ".join(parts[1:-1]) or None, parts[-1]


def _locations(page: _Page, name: str, lines: list[str]) -> None:
    """Facility line then place line; a site's recruitment status code has no field and is kept aside."""
    rest: list[str] = []
    for line in lines:
        if _code(OverallStatus, line) is not None:
            page.lost(name, f"site status {line}" + (f" (after {rest[-1]})" if rest else ""))
        else:
            rest.append(line)
    found = []
    for i in range(0, len(rest) - 1, 2):
        city, state, country = _place(rest[i + 1])
        found.append(Location(facility=rest[i], city=city, state=state, country=country))
    if len(rest) % 2:
        page.lost(name, f"{rest[-1]} (facility or place without its pair)")
    page.extend("locations", found)


def _countries(page: _Page, name: str, lines: list[str]) -> None:
    """A country-only location for each country no location already names."""
    have = {loc.country for loc in page.fields.get("locations", ())}
    page.extend("locations", [Location(country=c) for c in dict.fromkeys(lines) if c not in have])


def _references(page: _Page, name: str, lines: list[str]) -> None:
    page.extend("references", [parse_citation(line) for line in lines])


def _identifiers(page: _Page, name: str, lines: list[str]) -> None:
    """A value line, then "Identifier Type: …" and "Identifier Source: org_study_id|secondary_id|…"."""
    items: list[dict[str, str]] = []
    for line in lines:
        attr = _ID_ATTR.match(line)
        if attr and items and attr.group(1).lower() not in items[-1]:
            items[-1][attr.group(1).lower()] = attr.group(2).strip()
        elif attr:
            page.lost(name, line)
        else:
            items.append({"id": line})
    for item in items:
        _identifier(page, name, item)


def _identifier(page: _Page, name: str, item: dict[str, str]) -> None:
    ident, kind, source = item["id"], null_if_empty(item.get("type")), item.get("source")
    if source == "org_study_id" and "org_study_id" not in page.fields:
        page.fields["org_study_id"] = ident
        if kind is not None:
            page.lost(name, f"{ident} Identifier Type: {kind}")
        return
    page.extend("secondary_ids", [SecondaryId(ident, type=kind)])
    if source not in (None, "secondary_id"):
        page.lost(name, f"{ident} Identifier Source: {source}")


def _related(page: _Page, name: str, lines: list[str]) -> None:
    """NCT ids of related trials; the titles beside them describe other trials and are kept aside."""
    ids: list[str] = []
    for i, line in enumerate(lines):
        found = NCT_ID.findall(line)
        ids.extend(found)
        if is_nct_id(line):
            continue
        follows = lines[i + 1] if i + 1 < len(lines) and is_nct_id(lines[i + 1]) else None
        page.lost(name, f"{follows}: {line}" if follows else line)
    have = set(page.fields.get("related_trials", ()))
    page.extend("related_trials", [n for n in dict.fromkeys(ids) if n not in have])


def _results(page: _Page, name: str, lines: list[str]) -> None:
    page.fields["has_results"] = True
    for line in lines:
        if line not in _LINK_LABELS:
            page.lost(name, line)


def _unmapped(page: _Page, name: str, lines: list[str]) -> None:
    for line in lines:
        page.lost(name, line)


@dataclass(frozen=True)
class _Section:
    heading: str
    blurb: str
    handle: Handler


#: Known sections, in the order they are read (interventions before the groups that name them).
SECTIONS: tuple[_Section, ...] = (
    _Section("Study Results", "Outcome measurements, participant flow, baseline characteristics", _results),
    _Section("Basic Information", "Get a concise snapshot of the trial", _basic),
    _Section("Brief Summary", "Review the sponsor-provided synopsis", _text("brief_summary")),
    _Section("Related Clinical Trials", "Explore similar clinical trials", _related),
    _Section("Detailed Description", "Dive into the extended narrative", _text("detailed_description")),
    _Section("Conditions", "See the medical conditions and disease areas", _plain_list("conditions")),
    _Section("Keywords", "", _plain_list("keywords")),
    _Section("Study Design", "Understand how the trial is structured", _design),
    _Section("Interventions", "Learn about the drugs, procedures, or behavioral strategies", _interventions),
    _Section("Other Intervention Names", "Discover alternative or legacy names", _other_names),
    _Section("Study Groups", "Review each arm or cohort in the study", _groups),
    _Section("Eligibility Criteria", "Check the participation requirements", _eligibility),
    _Section("Sponsors", "Meet the organizations funding or collaborating", _sponsors),
    _Section("Responsible Party", "Identify the individual or organization who holds", _unmapped),
    _Section("Principal Investigators", "Learn about the lead researchers", _investigators),
    _Section("Locations", "Explore where the study is taking place", _locations),
    _Section("Countries", "Review the countries where the study has", _countries),
    _Section("References", "Explore related publications, articles, or registry entries", _references),
    _Section("Other Identifiers", "Review additional registry numbers or institutional", _identifiers),
    _Section("More Related Trials", "Additional clinical trials that may be relevant", _related),
)  # fmt: skip

_BY_HEADING = {s.heading: s for s in SECTIONS}


# -- splitting the page into sections --------------------------------------------------------


def _heading_at(line: str, following: str) -> tuple[str, str] | None:
    """(heading, text before it) when `line` ends with a heading whose blurb is `following`."""
    low = following.casefold()
    for s in SECTIONS:
        if s.blurb and line.endswith(s.heading) and low.startswith(s.blurb.casefold()):
            return s.heading, line[: -len(s.heading)].strip()
    if len(line) <= MAX_HEADING_CHARS and _HEADING_SHAPE.fullmatch(line) and _BLURB_SHAPE.match(following):
        return line, ""
    return None


def _split(text: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Lines before the first heading, and (heading, content lines) per section in page order."""
    lines = [line.strip() for line in text.splitlines()]
    before: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    body = before
    i = 0
    while i < len(lines):
        hit = _heading_at(lines[i], lines[i + 1] if i + 1 < len(lines) else "")
        if hit is None:
            if lines[i]:
                body.append(lines[i])
            i += 1
            continue
        if hit[1]:
            body.append(hit[1])
        body = []
        sections.append((hit[0], body))
        i += 2
    return before, sections


def _build(text: str, source: SourceDocument) -> tuple[Trial, int]:
    before, sections = _split(text)
    page = _Page()
    page.unmapped.extend(f"before the first section: {line}" for line in before)
    order = {s.heading: n for n, s in enumerate(SECTIONS)}
    for heading, lines in sorted(sections, key=lambda s: order.get(s[0], len(order))):
        section = _BY_HEADING.get(heading)
        (section.handle if section else _unmapped)(page, heading, lines)
    page.fields["interventions"] = tuple(page.interventions)
    trial = Trial(source=source, unmapped=tuple(page.unmapped), **page.fields)
    return trial, len(sections)


# -- the parser interface --------------------------------------------------------------------


def sniff(head: str) -> int:
    """How many known headings stand with their blurb: one is a hint, three are sure."""
    lines = [line.strip() for line in head.splitlines()]
    found = {
        s.heading
        for i in range(len(lines) - 1)
        for s in SECTIONS
        if s.blurb and lines[i].endswith(s.heading) and lines[i + 1].casefold().startswith(s.blurb.casefold())
    }
    return {0: 0, 1: 40, 2: 70}.get(len(found), 95)


def parse(path: Path, source: SourceDocument) -> Iterator[Trial]:
    """The one trial of a study page; RecordParseError when no section heading or no value is found."""

    trial, sections = _build(read_text(path), source)
    if sections == 0:
        raise RecordParseError(
            str(path),
            "no section of a study page found (a heading such as 'Basic Information' followed by its description line)",
            where="whole file",
        )
    if trial == Trial(source=source):
        raise RecordParseError(str(path), "the page's sections state no trial value", where="whole file")
    yield trial
