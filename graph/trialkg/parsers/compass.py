"""Clinical Trial Compass pages: text copied from the site's study page.

The page starts with `TITLE (NCT########) | Clinical Trial Compass`, then a short header whose
facts are glued together without separators (`Not Yet RecruitingPhase 2`,
`China100 participantsStarted 2025-05-20`), then sections under headings on their own line.
Key lines glue the key to its value (`Age range18 Years – 65 Years`, `SexALL`), so keys are
matched as known prefixes, longest first. Anything no field takes is kept in `Trial.unmapped`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from trialkg.errors import RecordParseError
from trialkg.ids import NCT_PATTERN
from trialkg.model import (
    Allocation,
    InterventionModel,
    Location,
    Masking,
    Organization,
    OrganizationRole,
    OverallStatus,
    Phase,
    PrimaryPurpose,
    Sex,
    SourceDocument,
    StudyType,
    Trial,
)
from trialkg.parsers.common import (
    NCT_ID,
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

FORMAT = "compass"

_SITE = "Clinical Trial Compass"
_SITE_SUFFIX = re.compile(r"[|\u2013\u2014-]\s*Clinical\s+Trial\s+Compass$", re.IGNORECASE)
_NCT_SUFFIX = re.compile(rf"\(({NCT_PATTERN})\)$")
#: Header facts are short; longer lines are never read as them (keeps the regexes linear).
_MAX_FACT_LINE = 300

#: Headings the site prints on their own line (compared lower-cased, without a trailing colon).
_HEADINGS: dict[str, str] = {
    "plain-language summary": "summary",
    "plain language summary": "summary",
    "summary": "summary",
    "brief summary": "summary",
    "detailed description": "description",
    "study description": "description",
    "who can participate": "facts",
    "eligibility": "facts",
    "study details": "facts",
    "study design": "facts",
    "key facts": "facts",
    "inclusion criteria": "inclusion",
    "exclusion criteria": "exclusion",
    "conditions": "conditions",
    "condition": "conditions",
    "interventions": "interventions",
    "intervention": "interventions",
    "treatments": "interventions",
    "sponsor": "sponsor",
    "lead sponsor": "sponsor",
    "collaborators": "collaborators",
    "keywords": "keywords",
    "official title": "official_title",
    "references": "references",
    "publications": "references",
    "related trials": "related",
    # Shapes not known well enough to map: kept whole as unmapped.
    "locations": "other",
    "study locations": "other",
    "where to participate": "other",
    "contacts": "other",
    "contact": "other",
    "outcomes": "other",
    "primary outcomes": "other",
    "secondary outcomes": "other",
    "what is being measured": "other",
}

#: Page furniture, not trial content: dropped without a trace.
_CHROME = re.compile(
    r"^(?:See this in plain English\??|AI-rewrites\b.*|©.*|Copyright\s+(?:©\s*)?\d{4}\b.*|[\U0001F1E6-\U0001F1FF\s]+)$",
    re.IGNORECASE,
)


def _status_pattern(label: str) -> str:
    """A label as a regex that tolerates the site's spacing, case and commas: 'Active, Not Recruiting'."""
    return r"[\s,_-]*".join(re.escape(word) for word in label.split())


#: The registry's human status labels, longest first so 'Not Yet Recruiting' wins over 'Recruiting'.
_STATUS_LABELS: tuple[tuple[re.Pattern[str], OverallStatus], ...] = tuple(
    (re.compile(_status_pattern(label), re.IGNORECASE), status)
    for label, status in sorted(
        [(s.value.replace("_", " "), s) for s in OverallStatus]
        + [("Unknown status", OverallStatus.UNKNOWN), ("Active", OverallStatus.ACTIVE_NOT_RECRUITING)],
        key=lambda pair: -len(pair[0]),
    )
)

#: 'China100 participantsStarted 2025-05-20': each of the three parts may be missing.
_META = re.compile(
    r"^(?P<countries>.*?)"
    r"(?:(?P<enrollment>\d[\d,]*)\s*participants?)?"
    r"(?:(?:Started|Starts|Starting|Start date|Start)\s*:?\s*(?P<start>"
    r"\d{4}(?:-\d{1,2}){0,2}|[A-Za-z]+\.?\s+(?:\d{1,2},?\s+)?\d{4}|\d{1,2}\s+[A-Za-z]+\.?\s+\d{4}))?\s*$",
    re.IGNORECASE,
)

_MORE_PLACES = re.compile(r"\s*(?:\+\s*\d+(?:\s+more)?|and\s+\d+\s+more)$", re.IGNORECASE)
#: Lower-case words a country name may contain ('Bosnia and Herzegovina', 'Korea, Republic of').
_PLACE_SMALL_WORDS = frozenset({"and", "of", "the", "occupied", "da", "de", "du", "d'"})

_HEALTHY = {"accepted": True, "accepts": True, "not accepted": False, "does not accept": False}
_SEX_ALIASES = {"BOTH": Sex.ALL, "ALL_SEXES": Sex.ALL}
_MODEL_ALIASES = {f"{m.value}_ASSIGNMENT": m for m in InterventionModel}
_ALLOCATION_ALIASES = {"N_A": Allocation.NA}
_STATUS_ALIASES = {"UNKNOWN_STATUS": OverallStatus.UNKNOWN, "ACTIVE": OverallStatus.ACTIVE_NOT_RECRUITING}
_PURPOSE_ALIASES = {"EDUCATIONAL_COUNSELING_TRAINING": PrimaryPurpose.ECT}


def sniff(head: str) -> int:
    """Sure when the first line is the site's title line; a little for its own section headings."""
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    if not lines:
        return 0
    score = 0
    if read_title_line(lines[0]):
        score += 80
    elif _SITE.lower() in lines[0].lower():
        score += 40
    for marker in ("Who can participate", "Plain-language summary", "See this in plain English?"):
        if marker in lines:
            score += 10
    if any(read_meta(line) for line in lines[1:6]):
        score += 5
    return min(score, 100)


def parse(path: Path, source: SourceDocument) -> Iterator[Trial]:
    """The one trial a Compass page describes."""
    yield parse_text(read_text(path), str(path), source)


def parse_text(text: str, name: str, source: SourceDocument) -> Trial:
    """The trial in a Compass page's text; RecordParseError when the text is not such a page."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if not _CHROME.match(line)]
    body = [line for line in lines if line]
    if not body:
        raise RecordParseError(name, "no text after removing page furniture")
    draft = TrialDraft()
    title = read_title_line(body[0])
    start = 1 if title else 0
    header, sections = _split_sections(lines[lines.index(body[0]) + start :])
    if not title and not sections:
        raise RecordParseError(
            name, f"not a Compass page: expected a first line 'TITLE (NCT...) | {_SITE}'", where="line 1"
        )
    _read_header(draft, header)
    if title:
        _read_title_line(draft, title)
    for section in sections:
        _SECTION_READERS[section.kind](draft, section)
    if not draft.values.get("brief_title") and not draft.values.get("nct_id"):
        raise RecordParseError(name, "no trial title or NCT id found", where="header")
    return draft.build(source)


def _split_sections(lines: list[str]) -> tuple[list[str], list[Section]]:
    """The header lines before the first heading, then each heading with the lines under it."""
    header: list[str] = []
    sections: list[Section] = []
    for line in lines:
        kind = _HEADINGS.get(line.rstrip(":").strip().lower())
        if kind is not None:
            sections.append(Section(kind, line))
        elif sections:
            sections[-1].lines.append(line)
        elif line:
            header.append(line)
    return header, sections


def read_title_line(line: str) -> tuple[str, str | None] | None:
    """(page title, NCT id) from 'TITLE (NCT########) | Clinical Trial Compass'; None otherwise.

    >>> read_title_line("A Trial (NCT01234567) | Clinical Trial Compass")
    ('A Trial', 'NCT01234567')
    """
    site = _SITE_SUFFIX.search(line.strip())
    if not site:
        return None
    title = line.strip()[: site.start()].strip()
    nct = _NCT_SUFFIX.search(title)
    return (title[: nct.start()].strip(), nct.group(1)) if nct else (title, None)


def _read_title_line(draft: TrialDraft, title: tuple[str, str | None]) -> None:
    """The page title repeats the brief title; it only fills what the header did not state."""
    page_title, nct = title
    if nct:
        draft.set("nct_id", nct, f"page title id: {nct}")
    if page_title and draft.values.get("brief_title") is None:
        draft.values["brief_title"] = page_title
    elif page_title and page_title != draft.values.get("brief_title"):
        draft.unmapped.append(f"page title: {page_title}")


def read_status_phase(line: str) -> tuple[OverallStatus | None, tuple[Phase, ...]] | None:
    """Split 'Not Yet RecruitingPhase 2' into status and phases; None if the line is not that.

    >>> read_status_phase("CompletedPhase 1/Phase 2")
    (<OverallStatus.COMPLETED: 'COMPLETED'>, (<Phase.PHASE1: 'PHASE1'>, <Phase.PHASE2: 'PHASE2'>))
    """
    status: OverallStatus | None = None
    rest = line.strip()
    if len(rest) > _MAX_FACT_LINE:
        return None
    for pattern, candidate in _STATUS_LABELS:
        m = pattern.match(rest)
        if m:
            status, rest = candidate, rest[m.end() :].strip()
            break
    phases = parse_phases(rest) if rest else ()
    if phases is None or (status is None and not phases):
        return None
    return status, phases


def read_meta(line: str) -> tuple[list[str], int | None, str | None] | None:
    """Split 'China100 participantsStarted 2025-05-20' into countries, enrollment, start text.

    None unless the line has an enrollment or a start part (a bare country line looks like a title).

    >>> read_meta("Korea, Republic of1,200 participantsStarts May 2026")
    (['Korea, Republic of'], 1200, 'May 2026')
    """
    m = _META.match(line.strip()) if len(line) <= _MAX_FACT_LINE else None
    if not m or (m.group("enrollment") is None and m.group("start") is None):
        return None
    countries = m.group("countries")
    more = _MORE_PLACES.search(countries)
    if more:  # 'United States +3 more': the count is kept, as unmapped, by the caller
        countries = countries[: more.start()]
    if not looks_like_places(countries):
        return None
    enrollment = int(m.group("enrollment").replace(",", "")) if m.group("enrollment") else None
    places = split_place_list(countries) + ([more.group(0).strip()] if more else [])
    return places, enrollment, m.group("start")


def looks_like_places(text: str) -> bool:
    """Whether text can be a list of country names: capitalised words, no digits ('' is fine).

    >>> looks_like_places("Bosnia and Herzegovina, Korea, Republic of"), looks_like_places("Trial in")
    (True, False)
    """
    words = re.findall(r"[^\s,()]+", text)
    return not re.search(r"\d", text) and all(
        w[0].isupper() or w.lower() in _PLACE_SMALL_WORDS or not w[0].isalpha() for w in words
    )


def _read_header(draft: TrialDraft, header: list[str]) -> None:
    """Status/phase line, brief title, then countries/enrollment/start, told apart by shape."""
    leftovers: list[str] = []
    seen_status = seen_meta = False
    for line in header:
        status_phase = None if seen_status or leftovers else read_status_phase(line)
        meta = None if seen_meta else read_meta(line)
        if status_phase is not None:
            seen_status = True
            if status_phase[0] is not None:
                draft.set("overall_status", status_phase[0], line)
            draft.add("phases", *status_phase[1])
        elif meta is not None:
            seen_meta = True
            _apply_meta(draft, line, *meta)
        else:
            leftovers.append(line)
    if leftovers:
        draft.set("brief_title", leftovers.pop(0), "")
    # Without enrollment or start the facts line is only the countries: it follows the title.
    if leftovers and not seen_meta and looks_like_places(leftovers[0]):
        _apply_meta(draft, leftovers[0], split_place_list(leftovers.pop(0)), None, None)
    draft.unmapped.extend(leftovers)


def _apply_meta(draft: TrialDraft, line: str, countries: list[str], enrollment: int | None, start: str | None) -> None:
    for country in countries:
        if re.search(r"\d", country):  # '+3 more', '5 countries': a count, not a country
            draft.unmapped.append(country)
        else:
            draft.add("locations", Location(country=country))
    if enrollment is not None:
        draft.set("enrollment", enrollment, line)
    if start is not None:
        draft.set("start_date", parse_date(start), f"start: {start}")


def _paragraphs(lines: list[str]) -> str | None:
    """Lines kept as written: a blank line separates paragraphs, a line break stays a line break."""
    text = "\n".join(lines).strip()
    return re.sub(r"\n{2,}", "\n\n", text) or None


def _read_summary(draft: TrialDraft, section: Section) -> None:
    draft.set("brief_summary", _paragraphs(section.lines), section.heading)


def _read_description(draft: TrialDraft, section: Section) -> None:
    draft.set("detailed_description", _paragraphs(section.lines), section.heading)


def _read_official_title(draft: TrialDraft, section: Section) -> None:
    draft.set("official_title", _paragraphs(section.lines), section.heading)


def _read_inclusion(draft: TrialDraft, section: Section) -> None:
    draft.add("inclusion_criteria", *criteria_items(section.lines))


def _read_exclusion(draft: TrialDraft, section: Section) -> None:
    draft.add("exclusion_criteria", *criteria_items(section.lines))


def _read_conditions(draft: TrialDraft, section: Section) -> None:
    draft.add("conditions", *section_items(section))


def _read_keywords(draft: TrialDraft, section: Section) -> None:
    draft.add("keywords", *section_items(section))


def _read_related(draft: TrialDraft, section: Section) -> None:
    """NCT ids of related trials; the titles beside them describe other trials and are kept as unmapped text."""
    for item in section_items(section):
        ids = NCT_ID.findall(item)
        draft.add("related_trials", *ids)
        if NCT_ID.sub("", item).strip(" ()[]|-:,;"):
            draft.unmapped.append(f"related trial: {item}")


def _read_other(draft: TrialDraft, section: Section) -> None:
    draft.unmapped.append(section.heading)
    draft.unmapped.extend(line for line in section.lines if line)


def _age_range(draft: TrialDraft, value: str, line: str) -> None:
    ages = parse_age_range(value)
    if ages is None:
        draft.unmapped.append(line)
        return
    for name, age in zip(("min_age", "max_age"), ages, strict=True):
        if age is not None:
            draft.set(name, age, line)


def _without_note(value: str) -> str:
    """'Observational [Patient Registry]' -> 'Observational', 'None (Open Label)' -> 'None'."""
    return re.split(r"[(\[]", value, maxsplit=1)[0].strip()


def _healthy(value: str) -> bool | None:
    key = value.strip().lower()
    return _HEALTHY[key] if key in _HEALTHY else parse_bool(value)


def _enrollment(value: str) -> int | None:
    m = re.fullmatch(r"(\d[\d,]*)(?:\s*participants?)?", value.strip(), re.IGNORECASE)
    return int(m.group(1).replace(",", "")) if m else None


def _setter(name: str, read: Callable[[str], Any]) -> Callable[[TrialDraft, str, str], None]:
    def apply(draft: TrialDraft, value: str, line: str) -> None:
        draft.set(name, read(value), line)

    return apply


def _phases(draft: TrialDraft, value: str, line: str) -> None:
    phases = parse_phases(value)
    if phases is None:
        draft.unmapped.append(line)
    elif not draft.lists["phases"]:
        draft.add("phases", *phases)


def _lead_sponsor(draft: TrialDraft, value: str, line: str) -> None:
    draft.add("organizations", Organization(name=value, role=OrganizationRole.LEAD_SPONSOR))


#: Glued key lines ('SexALL'): key prefix -> how its value is read.
_FACT_KEYS: dict[str, Callable[[TrialDraft, str, str], None]] = {
    "age range": _age_range,
    "ages": _age_range,
    "age": _age_range,
    "minimum age": _setter("min_age", parse_age),
    "maximum age": _setter("max_age", parse_age),
    "sex": _setter("sex", lambda v: parse_enum(Sex, v, _SEX_ALIASES)),
    "gender": _setter("sex", lambda v: parse_enum(Sex, v, _SEX_ALIASES)),
    "accepts healthy volunteers": _setter("healthy_volunteers", _healthy),
    "healthy volunteers": _setter("healthy_volunteers", _healthy),
    "study type": _setter("study_type", lambda v: parse_enum(StudyType, _without_note(v))),
    "phases": _phases,
    "phase": _phases,
    "allocation": _setter("allocation", lambda v: parse_enum(Allocation, v, _ALLOCATION_ALIASES)),
    "intervention model": _setter("intervention_model", lambda v: parse_enum(InterventionModel, v, _MODEL_ALIASES)),
    "masking": _setter("masking", lambda v: parse_enum(Masking, _without_note(v))),
    "primary purpose": _setter("primary_purpose", lambda v: parse_enum(PrimaryPurpose, v, _PURPOSE_ALIASES)),
    "enrollment": _setter("enrollment", _enrollment),
    "participants": _setter("enrollment", _enrollment),
    "start date": _setter("start_date", parse_date),
    "completion date": _setter("completion_date", parse_date),
    "primary completion date": _setter("primary_completion_date", parse_date),
    "primary completion": _setter("primary_completion_date", parse_date),
    "study completion": _setter("completion_date", parse_date),
    "first posted": _setter("first_posted", parse_date),
    "last updated": _setter("last_update_posted", parse_date),
    "last update posted": _setter("last_update_posted", parse_date),
    "nct id": _setter("nct_id", lambda v: v if is_nct_id(v) else None),
    "nct number": _setter("nct_id", lambda v: v if is_nct_id(v) else None),
    "lead sponsor": _lead_sponsor,
    "sponsor": _lead_sponsor,
    "status": _setter("overall_status", lambda v: parse_enum(OverallStatus, v, _STATUS_ALIASES)),
}

#: Key lines that are whole statements, with no value glued on.
_FACT_LINES: dict[str, tuple[str, Any]] = {
    "accepts healthy volunteers": ("healthy_volunteers", True),
    "healthy volunteers accepted": ("healthy_volunteers", True),
    "does not accept healthy volunteers": ("healthy_volunteers", False),
    "no healthy volunteers": ("healthy_volunteers", False),
    "healthy volunteers not accepted": ("healthy_volunteers", False),
}
_FACT_KEY_ORDER = sorted(_FACT_KEYS, key=len, reverse=True)


def split_fact(line: str) -> tuple[str, str] | None:
    """('sex', 'ALL') from 'SexALL' or 'Sex: ALL'; None when the line starts with no known key.

    >>> split_fact("Age range18 Years – 65 Years")
    ('age range', '18 Years – 65 Years')
    """
    lowered = line.lower()
    for key in _FACT_KEY_ORDER:
        if lowered.startswith(key):
            value = line[len(key) :].lstrip(" :\t")
            if value:
                return key, value
    return None


def _read_facts(draft: TrialDraft, section: Section) -> None:
    for line in section.lines:
        if not line:
            continue
        whole = _FACT_LINES.get(line.rstrip(".").lower())
        fact = split_fact(line)
        if whole is not None:
            draft.set(whole[0], whole[1], line)
        elif fact is None:
            draft.unmapped.append(line)
        else:
            _FACT_KEYS[fact[0]](draft, fact[1], line)


_SECTION_READERS: dict[str, Callable[[TrialDraft, Section], None]] = {
    "summary": _read_summary,
    "description": _read_description,
    "official_title": _read_official_title,
    "facts": _read_facts,
    "inclusion": _read_inclusion,
    "exclusion": _read_exclusion,
    "conditions": _read_conditions,
    "interventions": read_interventions,
    "sponsor": read_lead_sponsor,
    "collaborators": read_collaborators,
    "keywords": _read_keywords,
    "references": read_references,
    "related": _read_related,
    "other": _read_other,
}
