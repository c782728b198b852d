"""MedPath trial pages: text copied from the site's trial page.

`MedPath`, the brief title, a phase label and a status label, then sections under headings on
their own line. Key/value blocks put the key on one line and its value on the next. The site's
tables lose their cell separators when copied: a row of the arms table is one line with the
group, intervention and description glued together, and an outcome row glues the measure to its
time frame, with the description as the next paragraph. Splitting those rows is heuristic (see
`split_arm_row` and `split_time_frame`). Anything no field takes is kept in `Trial.unmapped`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from trialkg.errors import RecordParseError
from trialkg.model import (
    Allocation,
    Arm,
    Intervention,
    InterventionModel,
    Location,
    Masking,
    Outcome,
    OverallStatus,
    PrimaryPurpose,
    SecondaryId,
    Sex,
    SourceDocument,
    StudyType,
    Trial,
)
from trialkg.parsers.common import (
    Section,
    TrialDraft,
    criteria_items,
    is_nct_id,
    parse_age,
    parse_age_range,
    parse_bool,
    parse_date,
    parse_enum,
    parse_phases,
    read_collaborators,
    read_interventions,
    read_lead_sponsor,
    read_references,
    section_items,
    split_place_list,
)
from trialkg.parsers.text import read_text

FORMAT = "medpath"

#: Headings the site prints on their own line (compared lower-cased, spaces collapsed, no colon).
_HEADINGS: dict[str, str] = {
    "conditions": "conditions",
    "interventions": "interventions",
    "registration number": "registration",
    "registration numbers": "registration",
    "lead sponsor": "sponsor",
    "sponsor": "sponsor",
    "collaborators": "collaborators",
    "official title": "official_title",
    "keywords": "keywords",
    "brief summary": "summary",
    "detailed description": "description",
    "recruitment & eligibility": "facts",
    "inclusion criteria": "inclusion",
    "exclusion criteria": "exclusion",
    "study & design": "facts",
    "arm && interventions": "arms",
    "arm & interventions": "arms",
    "arms & interventions": "arms",
    "primary outcome measures": "primary",
    "secondary outcome measures": "secondary",
    "trial locations": "locations",
    "references": "references",
    "publications": "references",
    "other outcome measures": "other_outcomes",
    # Shapes not known well enough to map: kept whole as unmapped.
    "investigators": "other",
    "principal investigator": "other",
    "contacts": "other",
}

#: Lines only this site prints (headings and a key); the generic headings above occur elsewhere too.
_OWN_LINES = (
    "Registration Number",
    "Recruitment & Eligibility",
    "Study & Design",
    "Arm && Interventions",
    "Trial Locations",
    "Target Recruitment",
)

_SITE_LINE = re.compile(r"^MedPath$", re.IGNORECASE)
#: Page furniture: the copyright footer and flag emoji lines are dropped without a trace.
_CHROME = re.compile(r"^(?:©.*|Copyright\b.*MedPath.*)$", re.IGNORECASE)
_FLAG = re.compile(r"^[\U0001F1E6-\U0001F1FF\U0001F3F4\U000E0061-\U000E007F\s]+$")
_LOCATION_COUNT = re.compile(r"^Locations\s*\(\d+\)$", re.IGNORECASE)
_TABLE_HEADERS = frozenset({"groupinterventiondescription", "nametimemethod"})

_STATUS_ALIASES = {"UNKNOWN_STATUS": OverallStatus.UNKNOWN}
_SEX_ALIASES = {"BOTH": Sex.ALL}
_HEALTHY = {"accepted": True, "accepts": True, "not accepted": False}

#: 'Study Design' values name their field only by the value set they belong to.
_DESIGN_FIELDS: tuple[tuple[str, type[Any], dict[str, Any]], ...] = (
    ("allocation", Allocation, {"N_A": Allocation.NA}),
    ("intervention_model", InterventionModel, {f"{m.value}_ASSIGNMENT": m for m in InterventionModel}),
    ("masking", Masking, {"NONE_OPEN_LABEL": Masking.NONE, "OPEN_LABEL": Masking.NONE}),
    ("primary_purpose", PrimaryPurpose, {"EDUCATIONAL_COUNSELING_TRAINING": PrimaryPurpose.ECT}),
)


def _heading_kind(line: str) -> str | None:
    return _HEADINGS.get(" ".join(line.rstrip(":").split()).lower())


def sniff(head: str) -> int:
    """Sure when the page starts with the site's name; its own headings add to it."""
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    if not lines:
        return 0
    score = 50 if _SITE_LINE.match(lines[0]) else 0
    present = set(lines)
    score += 12 * sum(1 for heading in _OWN_LINES if heading in present)
    if any(line.lower().replace(" ", "") in _TABLE_HEADERS for line in lines):
        score += 10
    if re.search(r"All Rights Reserved by MedPath", head, re.IGNORECASE):
        score += 10
    return min(score, 100)


def parse(path: Path, source: SourceDocument) -> Iterator[Trial]:
    """The one trial a MedPath page describes."""
    yield parse_text(read_text(path), str(path), source)


def parse_text(text: str, name: str, source: SourceDocument) -> Trial:
    """The trial in a MedPath page's text; RecordParseError when the text is not such a page."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if not _CHROME.match(line)]
    body = [line for line in lines if line]
    if not body:
        raise RecordParseError(name, "no text after removing page furniture")
    site_line = bool(_SITE_LINE.match(body[0]))
    start = lines.index(body[0]) + (1 if site_line else 0)
    header, sections = _split_sections(lines[start:])
    if not site_line and not any(s.heading in _OWN_LINES for s in sections):
        raise RecordParseError(name, "not a MedPath page: expected 'MedPath' on the first line", where="line 1")
    draft = TrialDraft()
    _read_header(draft, header)
    for section in sections:
        _SECTION_READERS[section.kind](draft, section)
    _add_arm_interventions(draft)
    if not draft.values.get("brief_title") and not draft.values.get("nct_id"):
        raise RecordParseError(name, "no trial title or registration number found", where="header")
    return draft.build(source)


def _split_sections(lines: list[str]) -> tuple[list[str], list[Section]]:
    """The header lines before the first heading, then each heading with the lines under it."""
    header: list[str] = []
    sections: list[Section] = []
    for line in lines:
        kind = _heading_kind(line)
        if kind is not None:
            sections.append(Section(kind, line))
        elif sections:
            sections[-1].lines.append(line)
        elif line:
            header.append(line)
    return header, sections


def _read_header(draft: TrialDraft, header: list[str]) -> None:
    """Title, phase label and status label, told apart by shape; the first other line is the title."""
    for line in header:
        phases = parse_phases(line)
        status = parse_enum(OverallStatus, line, _STATUS_ALIASES)
        if phases and not draft.lists["phases"]:
            draft.add("phases", *phases)
        elif status is not None and "overall_status" not in draft.values:
            draft.values["overall_status"] = status
        elif "brief_title" not in draft.values:
            draft.values["brief_title"] = line
        else:
            draft.unmapped.append(line)


def _non_empty(section: Section) -> list[str]:
    return [line for line in section.lines if line]


def _paragraphs(lines: list[str]) -> str | None:
    """Lines kept as written: a blank line separates paragraphs, a line break stays a line break."""
    text = "\n".join(lines).strip()
    return re.sub(r"\n{2,}", "\n\n", text) or None


def _read_text_field(name: str) -> Callable[[TrialDraft, Section], None]:
    def read(draft: TrialDraft, section: Section) -> None:
        draft.set(name, _paragraphs(section.lines), section.heading)

    return read


def _read_list(name: str) -> Callable[[TrialDraft, Section], None]:
    def read(draft: TrialDraft, section: Section) -> None:
        draft.add(name, *section_items(section))

    return read


def _read_criteria(name: str) -> Callable[[TrialDraft, Section], None]:
    def read(draft: TrialDraft, section: Section) -> None:
        draft.add(name, *criteria_items(section.lines))

    return read


def _read_registration(draft: TrialDraft, section: Section) -> None:
    """An NCT number is the trial's id; any other registry's number is a secondary id."""
    for item in section_items(section):
        if is_nct_id(item) and "nct_id" not in draft.values:
            draft.values["nct_id"] = item
        else:
            draft.add("secondary_ids", SecondaryId(identifier=item))


def _read_other(draft: TrialDraft, section: Section) -> None:
    draft.unmapped.append(section.heading)
    draft.unmapped.extend(_non_empty(section))


# --- Key/value blocks ('Status' / 'COMPLETED' on two lines).


def _enrollment(value: str) -> int | None:
    m = re.fullmatch(r"(\d[\d,]*)(?:\s*(?:participants?|patients?|subjects?))?", value, re.IGNORECASE)
    return int(m.group(1).replace(",", "")) if m else None


def _healthy(value: str) -> bool | None:
    key = value.strip().lower()
    return _HEALTHY[key] if key in _HEALTHY else parse_bool(value)


def _without_note(value: str) -> str:
    """'Observational [Patient Registry]' -> 'Observational', 'None (Open Label)' -> 'None'."""
    return re.split(r"[(\[]", value, maxsplit=1)[0].strip()


def read_design_value(value: str) -> tuple[str, Any] | None:
    """The design field a bare 'Study Design' value belongs to, found by its value set.

    >>> read_design_value("CROSSOVER")
    ('intervention_model', <InterventionModel.CROSSOVER: 'CROSSOVER'>)
    """
    for name, enum, aliases in _DESIGN_FIELDS:
        for text in (value, _without_note(value)):
            member = parse_enum(enum, text, aliases)
            if member is not None:
                return name, member
    return None


def _setter(name: str, read: Callable[[str], Any]) -> Callable[[TrialDraft, list[str], str], None]:
    """A key whose value is its first line; further lines are kept unmapped."""

    def apply(draft: TrialDraft, values: list[str], key: str) -> None:
        if not values:
            draft.unmapped.append(key)
            return
        draft.set(name, read(values[0]), f"{key}: {values[0]}")
        draft.unmapped.extend(values[1:])

    return apply


def _age_range(draft: TrialDraft, values: list[str], key: str) -> None:
    ages = parse_age_range(values[0]) if values else None
    if ages is None:
        draft.unmapped.extend([key, *values])
        return
    for name, age in zip(("min_age", "max_age"), ages, strict=True):
        if age is not None:
            draft.set(name, age, f"{key}: {values[0]}")
    draft.unmapped.extend(values[1:])


def _study_design(draft: TrialDraft, values: list[str], key: str) -> None:
    """Each value line (or comma part) is identified by the code set it belongs to."""
    for value in values:
        whole = read_design_value(value)
        found = [whole] if whole else [read_design_value(part) for part in value.split(",")]
        known = [f for f in found if f is not None]
        if len(known) != len(found):
            draft.unmapped.append(f"{key}: {value}")
            continue
        for name, member in known:
            draft.set(name, member, f"{key}: {value}")


def _phases(draft: TrialDraft, values: list[str], key: str) -> None:
    phases = parse_phases(values[0]) if values else None
    if phases is None or draft.lists["phases"]:
        draft.unmapped.extend([key, *values])
    else:
        draft.add("phases", *phases)
        draft.unmapped.extend(values[1:])


def _design_key(name: str) -> Callable[[TrialDraft, list[str], str], None]:
    def read(value: str) -> Any:
        found = read_design_value(value)
        return found[1] if found and found[0] == name else None

    return _setter(name, read)


#: Keys of the key/value blocks -> how their value lines are read.
_FACT_KEYS: dict[str, Callable[[TrialDraft, list[str], str], None]] = {
    "status": _setter("overall_status", lambda v: parse_enum(OverallStatus, v, _STATUS_ALIASES)),
    "sex": _setter("sex", lambda v: parse_enum(Sex, v, _SEX_ALIASES)),
    "gender": _setter("sex", lambda v: parse_enum(Sex, v, _SEX_ALIASES)),
    "target recruitment": _setter("enrollment", _enrollment),
    "enrollment": _setter("enrollment", _enrollment),
    "target enrollment": _setter("enrollment", _enrollment),
    "actual enrollment": _setter("enrollment", _enrollment),
    "estimated enrollment": _setter("enrollment", _enrollment),
    "age": _age_range,
    "ages": _age_range,
    "age range": _age_range,
    "min age": _setter("min_age", parse_age),
    "minimum age": _setter("min_age", parse_age),
    "max age": _setter("max_age", parse_age),
    "maximum age": _setter("max_age", parse_age),
    "healthy volunteers": _setter("healthy_volunteers", _healthy),
    "accepts healthy volunteers": _setter("healthy_volunteers", _healthy),
    "start date": _setter("start_date", parse_date),
    "study start": _setter("start_date", parse_date),
    "completion date": _setter("completion_date", parse_date),
    "primary completion date": _setter("primary_completion_date", parse_date),
    "primary completion": _setter("primary_completion_date", parse_date),
    "study completion": _setter("completion_date", parse_date),
    "first posted": _setter("first_posted", parse_date),
    "last updated": _setter("last_update_posted", parse_date),
    "last update posted": _setter("last_update_posted", parse_date),
    "study type": _setter("study_type", lambda v: parse_enum(StudyType, _without_note(v))),
    "study design": _study_design,
    "allocation": _design_key("allocation"),
    "intervention model": _design_key("intervention_model"),
    "masking": _design_key("masking"),
    "primary purpose": _design_key("primary_purpose"),
    "phase": _phases,
}


def _fact_key(line: str) -> str | None:
    key = " ".join(line.rstrip(":").split()).lower()
    return key if key in _FACT_KEYS else None


def _read_facts(draft: TrialDraft, section: Section) -> None:
    """Key lines, each followed by its value lines up to the next key; values before any key are kept aside."""
    key: str | None = None
    values: list[str] = []
    for line in [*_non_empty(section), None]:
        if line is not None and _fact_key(line) is None:
            values.append(line)
            continue
        if key is not None:
            _FACT_KEYS[_fact_key(key) or ""](draft, values, key)
        else:
            draft.unmapped.extend(values)
        key, values = line, []


# --- The arms table: 'GroupInterventionDescription' rows glued without separators.

#: A glue point between cells: a lowercase letter, digit or closing bracket right before an
#: uppercase letter ('Interleukin-2|IL-2'), or a digit right before a lowercase word ('IL-2|patients').
_GLUE = re.compile(r"(?<=[a-z0-9)\]])(?=[A-Z])|(?<=\d)(?=[a-z]{2,})")


def split_arm_row(row: str, known: Sequence[str] = ()) -> tuple[str, tuple[str, ...], str | None]:
    """(group, intervention names, description) from one glued row of the arms table.

    Names known from the Interventions section are looked for first (a glued occurrence after
    the start of the row, earliest first); otherwise the first two glue points are the cell
    borders. Limits: a group name with an inner glue point ('rhIL-2', 'CD19CAR') is cut there
    when no known name helps; with one glue point the right part is taken as the description
    when it reads as a sentence (four words or more, or a final period), else as the intervention.

    >>> split_arm_row("Recombinant Human Interleukin-2IL-2patients were treated with IL-2.")
    ('Recombinant Human Interleukin-2', ('IL-2',), 'patients were treated with IL-2.')
    """
    row = row.strip()
    by_name = _split_by_names(row, known)
    if by_name is not None:
        return by_name
    cuts = [m.start() for m in _GLUE.finditer(row) if 0 < m.start() < len(row)]
    if not cuts:
        return row, (), None
    if len(cuts) == 1:
        left, right = row[: cuts[0]].strip(), row[cuts[0] :].strip()
        if len(right.split()) >= 4 or right.endswith("."):
            return left, (), right
        return left, (right,), None
    group, name, rest = row[: cuts[0]], row[cuts[0] : cuts[1]], row[cuts[1] :]
    return group.strip(), (name.strip(),), rest.strip() or None


def _split_by_names(row: str, known: Sequence[str]) -> tuple[str, tuple[str, ...], str | None] | None:
    """Cut the row at the earliest known intervention name after the group.

    Cells are glued without spaces, so an occurrence with no space on either side ranks first:
    'Low-dose IL-2IL-2Given daily.' is cut at the second 'IL-2'.
    """
    hits: list[tuple[bool, int, int, str]] = []
    for name in known:
        if not name:
            continue
        for m in re.finditer(re.escape(name), row):
            if m.start() > 0:
                spaced = row[m.start() - 1].isspace() or row[m.end() : m.end() + 1].isspace()
                hits.append((spaced, m.start(), -len(name), name))
    if not hits:
        return None
    _, start, _, name = min(hits)
    names = [name]
    rest = row[start + len(name) :]
    while True:  # further names in the same cell: 'IL-2, Prednisone'
        more = next((n for n in known if n and re.match(r"[,;/]?\s*" + re.escape(n), rest)), None)
        if more is None:
            break
        names.append(more)
        rest = re.sub(r"^[,;/]?\s*" + re.escape(more), "", rest, count=1)
    return row[:start].strip(), tuple(names), rest.strip() or None


def _read_arms(draft: TrialDraft, section: Section) -> None:
    known = [i.name for i in draft.lists["interventions"]]
    for line in _non_empty(section):
        if line.lower().replace(" ", "") in _TABLE_HEADERS:
            continue
        group, names, description = split_arm_row(line, known)
        draft.add("arms", Arm(label=group, description=description, intervention_names=names))


def _add_arm_interventions(draft: TrialDraft) -> None:
    """An intervention named only in the arms table is still an intervention of the trial."""
    listed = {i.name for i in draft.lists["interventions"]}
    for arm in draft.lists["arms"]:
        for name in arm.intervention_names:
            if name not in listed:
                listed.add(name)
                draft.add("interventions", Intervention(name=name))


# --- Outcome tables: 'NameTimeMethod', then a glued measure+time frame line and a description.

_TIME_UNITS = frozenset(
    {
        "day", "days", "d", "week", "weeks", "wk", "wks", "month", "months", "mo", "mos",
        "year", "years", "yr", "yrs", "hour", "hours", "h", "hr", "hrs", "minute", "minutes",
        "min", "mins", "second", "seconds", "cycle", "cycles", "visit", "visits",
    }
)  # fmt: skip
#: Words a time frame may hold besides numbers and units ('up to 1 year', 'through study completion').
_TIME_WORDS = frozenset(
    {
        "to", "up", "and", "or", "through", "from", "at", "after", "before", "until", "within",
        "every", "each", "per", "post", "pre", "approximately", "about", "average", "an", "a",
        "of", "the", "end", "study", "completion", "treatment", "baseline", "follow", "then",
        "thereafter", "first", "last", "final", "dose", "doses", "screening", "discharge",
        "randomization", "enrollment", "surgery", "period", "weekly", "monthly", "daily",
        "yearly", "annually", "over", "during", "prior", "for", "since", "months", "intervals",
    }
)  # fmt: skip
#: Words that make a time frame without a number ('Baseline', 'Through study completion').
_TIME_ANCHORS = frozenset({"baseline", "completion", "discharge"})
#: How a time frame may begin; a capitalised word cannot be the tail of a measure's word.
_TIME_STARTERS = frozenset({"baseline", "through", "within", "approximately", "from"})
_TIME_STARTERS_CAPITALISED = frozenset(
    {"At", "After", "Before", "Until", "Every", "End", "During", "Pre", "Post", "Over", "Prior"}
)
_TIME_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:[.,]\d+)*)|(?P<word>[A-Za-z]+(?:-[A-Za-z]+)*)|(?P<sep>[^\sA-Za-z\d]))")
#: Longest time frame looked for: bounds the work on a long row.
_MAX_TIME_FRAME = 300
_TIME_SEPARATORS = frozenset(",;:/()[]-–—+~&.%")


def is_time_frame(text: str) -> bool:
    """Whether text is wholly a time-frame expression, as outcome tables write one.

    >>> is_time_frame("1 month,3 month,6 month,1 year"), is_time_frame("up1 year")
    (True, False)
    """
    tokens = _time_tokens(text.strip())
    if not tokens:
        return False
    words = {t.lower() for k, t in tokens if k == "word"}
    has_number = any(k == "num" for k, _ in tokens)
    if not (words & _TIME_ANCHORS or (has_number and words & _TIME_UNITS)):
        return False
    return _starts_time_frame(tokens)


def _time_tokens(text: str) -> list[tuple[str, str]] | None:
    """(kind, text) tokens of a time frame; None at the first one a time frame cannot hold."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TIME_TOKEN.match(text, pos)
        if not m:
            return None
        kind = "num" if m.group("num") else "word" if m.group("word") else "sep"
        value, glued = m.group(kind), bool(tokens) and m.start(kind) == pos
        prev = tokens[-1][0] if tokens else None
        if glued and prev == "word" and kind == "num":
            return None  # 'Treatment1': a glue point inside, so this is not the start
        if glued and prev == "num" and kind == "word" and value.lower() not in _TIME_UNITS:
            return None  # '12weeks' is a time, '2Treatment' is not
        if kind == "sep" and value not in _TIME_SEPARATORS:
            return None
        if kind == "word" and not all(p.lower() in _TIME_UNITS | _TIME_WORDS for p in value.split("-")):
            return None
        tokens.append((kind, value))
        pos = m.end()
    return tokens


def _starts_time_frame(tokens: list[tuple[str, str]]) -> bool:
    kind, text = tokens[0]
    following = tokens[1] if len(tokens) > 1 else ("", "")
    if kind == "num" or text.split("-")[0] in _TIME_STARTERS_CAPITALISED:
        return True
    if kind != "word":
        return False
    lowered = text.lower()
    if lowered == "up":
        return following[1].lower() == "to"
    if lowered in _TIME_UNITS and len(lowered) > 2:
        return following[0] == "num"
    return lowered in _TIME_STARTERS


def split_time_frame(row: str) -> tuple[str, str | None]:
    """(measure, time frame) from an outcome row whose two cells are glued.

    The cut is the earliest glue point (no space on either side, not inside a number) after
    which the rest is wholly a time frame. Limits: a measure ending in a digit glued to a time
    frame starting with one ('CD4' + '12 weeks') is cut inside the measure's number; a measure
    whose last word ends in a unit ('Holidays') can lose that tail.

    >>> split_time_frame("Incidence of adverse drug reactionsup to 1 year")
    ('Incidence of adverse drug reactions', 'up to 1 year')
    """
    row = row.strip()
    for i in range(max(1, len(row) - _MAX_TIME_FRAME), len(row)):
        before, after = row[i - 1], row[i]
        if before.isspace() or after.isspace() or (before.isdigit() and after.isdigit()):
            continue
        if before in ".," and i > 1 and row[i - 2].isdigit() and after.isdigit():
            continue
        if is_time_frame(row[i:]):
            return row[:i].strip(), row[i:].strip()
    return row, None


def _blocks(lines: list[str]) -> list[list[str]]:
    """Runs of non-empty lines, as blank lines separate them."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def read_outcomes(lines: list[str]) -> list[Outcome]:
    """Rows of an outcome table: a row line, then its description paragraph(s).

    A block (lines between blank lines) starts a new row when its first line splits into a
    measure and a time frame, or when there is no row yet; otherwise it is one more paragraph
    of the current row's description. Limit: a row printed without any time frame after a
    described row reads as a further description paragraph.
    """
    rows: list[tuple[str, str | None, list[str]]] = []
    body = [line for line in lines if line.lower().replace(" ", "") not in _TABLE_HEADERS]
    for block in _blocks(body):
        measure, time_frame = split_time_frame(block[0])
        if not rows or time_frame is not None:
            rows.append((measure, time_frame, []))
            rest = block[1:]
        else:
            rest = block
        if rest:
            rows[-1][2].append("\n".join(rest))
    return [Outcome(measure=m, time_frame=t, description="\n\n".join(d) or None) for m, t, d in rows]


def _read_outcomes(name: str) -> Callable[[TrialDraft, Section], None]:
    def read(draft: TrialDraft, section: Section) -> None:
        draft.add(name, *read_outcomes(section.lines))

    return read


# --- Trial locations: facility line, optional flag line, 'City, State, Country' line.


def read_address(text: str) -> Location:
    """'Changchun, Changchun/Jilin, China' -> city, state, country; two parts are city, country.

    >>> loc = read_address("Seoul, Korea, Republic of")
    >>> loc.city, loc.state, loc.country
    ('Seoul', None, 'Korea, Republic of')
    """
    parts = split_place_list(text)
    if len(parts) == 1:
        return Location(country=parts[0])
    if len(parts) == 2:
        return Location(city=parts[0], country=parts[1])
    return Location(city=", ".join(parts[:-2]), state=parts[-2], country=parts[-1])


def _read_locations(draft: TrialDraft, section: Section) -> None:
    facility: str | None = None
    flagged = False  # a flag line comes between a facility and its address
    for line in _non_empty(section):
        if _LOCATION_COUNT.match(line):
            continue
        if _FLAG.match(line):
            flagged = True
            continue
        if facility is None and not flagged:
            facility = line
            continue
        address = read_address(line)
        draft.add(
            "locations", Location(facility=facility, city=address.city, state=address.state, country=address.country)
        )
        facility, flagged = None, False
    if facility is not None:
        draft.unmapped.append(facility)


_SECTION_READERS: dict[str, Callable[[TrialDraft, Section], None]] = {
    "conditions": _read_list("conditions"),
    "interventions": read_interventions,
    "registration": _read_registration,
    "sponsor": read_lead_sponsor,
    "collaborators": read_collaborators,
    "official_title": _read_text_field("official_title"),
    "keywords": _read_list("keywords"),
    "summary": _read_text_field("brief_summary"),
    "description": _read_text_field("detailed_description"),
    "facts": _read_facts,
    "inclusion": _read_criteria("inclusion_criteria"),
    "exclusion": _read_criteria("exclusion_criteria"),
    "arms": _read_arms,
    "primary": _read_outcomes("primary_outcomes"),
    "secondary": _read_outcomes("secondary_outcomes"),
    "other_outcomes": _read_outcomes("other_outcomes"),
    "locations": _read_locations,
    "references": read_references,
    "other": _read_other,
}
