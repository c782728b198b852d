"""The MedPath page parser: golden seeds, hand-written unseen pages, the splitters of glued table
rows, sniffing, and junk input that must fail only with RecordParseError."""

from __future__ import annotations

import contextlib
import doctest
import json
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trialkg.errors import RecordParseError
from trialkg.model import (
    Allocation,
    InterventionModel,
    Location,
    Masking,
    Outcome,
    OverallStatus,
    PrimaryPurpose,
    Trial,
)
from trialkg.parsers import medpath, source_document
from trialkg.record import CONTRACT_KEYS, EXTRA_KEYS, to_record

ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = ROOT / "tests" / "data" / "seeds"
SEEDS = [SEEDS_DIR / "003_a5f66f11607f097c.txt", SEEDS_DIR / "004_58031a46e2c2609e.txt"]
GOLDEN_DIR = ROOT / "tests" / "golden" / "records"
UNSEEN = sorted((ROOT / "tests" / "data" / "unseen" / "medpath").glob("*.txt"))
UNSEEN_BY_NAME = {p.stem: p for p in UNSEEN}
SCHEMA = ROOT / "tests" / "data" / "contract" / "trial-record.schema.json"
OTHER_SEEDS = sorted(p for p in SEEDS_DIR.glob("*.txt") if p not in SEEDS)
RECORD_KEYS = tuple(k for k in (*CONTRACT_KEYS, *EXTRA_KEYS) if k not in ("id", "sources"))


@cache
def _trial(path: Path) -> Trial:
    trials = list(medpath.parse(path, source_document(path, medpath.FORMAT)))
    assert len(trials) == 1
    return trials[0]


def _record(path: Path) -> dict[str, Any]:
    record = to_record(_trial(path), trial_id="x", sources=[path.name])
    del record["id"], record["sources"]
    return record


def _golden(seed: Path) -> dict[str, Any]:
    return json.loads((GOLDEN_DIR / f"{seed.stem}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _expected(path: Path) -> dict[str, Any]:
    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _parse_text(text: str) -> list[Trial]:
    """Parse `text` as a file: what a user's file with that content would give."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.txt"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        return list(medpath.parse(path, source_document(path, medpath.FORMAT)))


def _one(text: str) -> Trial:
    (trial,) = _parse_text(text)
    return trial


def _page(*lines: str) -> str:
    return "\n".join(["MedPath", "", "A Trial", "", *lines]) + "\n"


# -- golden and unseen documents, field by field ----------------------------------------------


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
@pytest.mark.parametrize("field", RECORD_KEYS)
def test_seed_matches_golden(seed: Path, field: str) -> None:
    assert _record(seed)[field] == _golden(seed)[field], f"{seed.name}: field {field!r}"


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_golden_lists_every_record_key(seed: Path) -> None:
    assert set(_golden(seed)) == set(RECORD_KEYS)


@pytest.mark.parametrize("doc", UNSEEN, ids=lambda p: p.stem)
@pytest.mark.parametrize("field", RECORD_KEYS)
def test_unseen_document_matches_expected(doc: Path, field: str) -> None:
    assert _record(doc)[field] == _expected(doc)[field], f"{doc.name}: field {field!r}"


@pytest.mark.parametrize("doc", UNSEEN, ids=lambda p: p.stem)
def test_expected_lists_every_record_key(doc: Path) -> None:
    assert set(_expected(doc)) == set(RECORD_KEYS)


def test_there_are_unseen_documents() -> None:
    assert len(UNSEEN) >= 2


@pytest.mark.parametrize("doc", [*SEEDS, *UNSEEN], ids=lambda p: p.stem)
def test_records_conform_to_contract(doc: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    record = to_record(_trial(doc), trial_id="urn:x", sources=[doc.name])
    jsonschema.validate(record, json.loads(SCHEMA.read_text(encoding="utf-8")))


@pytest.mark.parametrize("doc", [*SEEDS, *UNSEEN], ids=lambda p: p.stem)
def test_footer_counts_and_flags_are_dropped_and_nothing_else_is_left(doc: Path) -> None:
    assert _trial(doc).unmapped == ()


# -- what is kept aside ------------------------------------------------------------------------


def test_unknown_key_and_unreadable_values_are_kept_aside() -> None:
    trial = _one(
        _page(
            "Recruitment & Eligibility",
            "Status",
            "SOMETHING",
            "Sex",
            "All",
            "Time Perspective",
            "PROSPECTIVE",
            "Study & Design",
            "Study Design",
            "ADAPTIVE",
        )
    )
    assert trial.overall_status is None and trial.intervention_model is None
    assert {"Status: SOMETHING", "Study Design: ADAPTIVE"} <= set(trial.unmapped)
    assert {"Time Perspective", "PROSPECTIVE"} <= set(trial.unmapped)


def test_primary_completion_date_key() -> None:
    trial = _one(_page("Recruitment & Eligibility", "Primary Completion Date", "2025-01"))
    assert trial.primary_completion_date == "2025-01" and trial.unmapped == ()


def test_other_outcome_table() -> None:
    trial = _one(_page("Other Outcome Measures", "NameTimeMethod", "Cost of care1 year", "", "Hospital bills."))
    assert trial.other_outcomes == (Outcome("Cost of care", "1 year", "Hospital bills."),)


def test_conflicting_status_keeps_the_first() -> None:
    trial = _one(_page("Completed", "Conditions", "X", "Recruitment & Eligibility", "Status", "RECRUITING"))
    assert trial.overall_status is OverallStatus.COMPLETED
    assert "Status: RECRUITING" in trial.unmapped


def test_unmapped_sections_are_kept_whole() -> None:
    trial = _one(_page("Contacts", "Jane Doe", "jane@example.org"))
    assert trial.unmapped == ("Contacts", "Jane Doe", "jane@example.org")


def test_design_values_are_identified_by_their_value_set() -> None:
    trial = _one(_page("Study & Design", "Study Design", "RANDOMIZED, FACTORIAL", "QUADRUPLE", "PREVENTION"))
    assert trial.allocation is Allocation.RANDOMIZED
    assert trial.intervention_model is InterventionModel.FACTORIAL
    assert trial.masking is Masking.QUADRUPLE
    assert trial.primary_purpose is PrimaryPurpose.PREVENTION


def test_location_without_flag_pairs_facility_and_address() -> None:
    trial = _one(_page("Trial Locations", "Locations (2)", "Site A", "Lyon, France", "Site B", "Boston, MA, USA"))
    assert trial.locations == (
        Location("Site A", "Lyon", None, "France"),
        Location("Site B", "Boston", "MA", "USA"),
    )


def test_lone_location_line_is_kept_aside() -> None:
    trial = _one(_page("Trial Locations", "Locations (1)", "Somewhere"))
    assert trial.locations == () and trial.unmapped == ("Somewhere",)


def test_header_without_medpath_line_but_own_headings_still_parses() -> None:
    trial = _one("A Trial\nPhase 3\nRecruitment & Eligibility\nStatus\nRECRUITING\n")
    assert trial.brief_title == "A Trial" and trial.overall_status is OverallStatus.RECRUITING


# -- the glued arms table ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "known", "expected"),
    [
        # glue points only: digit before uppercase, digit before a lowercase word
        (
            "Recombinant Human Interleukin-2IL-2Induced remission period,IL-2 infusions.",
            (),
            ("Recombinant Human Interleukin-2", ("IL-2",), "Induced remission period,IL-2 infusions."),
        ),
        (
            "Recombinant Human Interleukin-2IL-2patients were treated with IL-2.",
            (),
            ("Recombinant Human Interleukin-2", ("IL-2",), "patients were treated with IL-2."),
        ),
        (
            "Tacrolimus armTacrolimusPatients take it daily.",
            (),
            ("Tacrolimus arm", ("Tacrolimus",), "Patients take it daily."),
        ),
        # one glue point: a sentence is the description, a short name the intervention
        (
            "Standard careNo additional treatment is given.",
            (),
            ("Standard care", (), "No additional treatment is given."),
        ),
        ("Group 1Rituximab", (), ("Group 1", ("Rituximab",), None)),
        ("control group", (), ("control group", (), None)),
        # limit: an uppercase letter glued to an uppercase letter is no visible border
        ("Group ARituximab", (), ("Group ARituximab", (), None)),
        # known names win over glue points, glued occurrences over spaced ones
        ("Low-dose IL-2IL-2Given daily.", ("IL-2",), ("Low-dose IL-2", ("IL-2",), "Given daily.")),
        (
            "rhIL-2 groupRecombinant IL-2Weekly injections.",
            ("Recombinant IL-2",),
            ("rhIL-2 group", ("Recombinant IL-2",), "Weekly injections."),
        ),
        ("ComboIL-2, PrednisoneBoth drugs.", ("IL-2", "Prednisone"), ("Combo", ("IL-2", "Prednisone"), "Both drugs.")),
        ("Placebo groupPlacebo", ("Placebo",), ("Placebo group", ("Placebo",), None)),
        ("rhIL-2 groupIL-2Weekly.", ("IL-2",), ("rhIL-2 group", ("IL-2",), "Weekly.")),
    ],
)
def test_split_arm_row(row: str, known: tuple[str, ...], expected: object) -> None:
    assert medpath.split_arm_row(row, known) == expected


def test_arm_names_not_listed_become_interventions_once() -> None:
    trial = _one(
        _page(
            "Interventions",
            "Drug: Alpha",
            "Arm && Interventions",
            "GroupInterventionDescription",
            "One armAlphaFirst.",
            "Two armBetaSecond.",
            "Three armBetaThird.",
        )
    )
    assert [i.name for i in trial.interventions] == ["Alpha", "Beta"]
    assert [a.intervention_names for a in trial.arms] == [("Alpha",), ("Beta",), ("Beta",)]


# -- the glued outcome tables ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "Change in steroid dose at 1 year compared to control group1 year",
            ("Change in steroid dose at 1 year compared to control group", "1 year"),
        ),
        (
            "The Immunologic Impact of IL-2 Treatment1 month,3 month,6 month,1 year",
            ("The Immunologic Impact of IL-2 Treatment", "1 month,3 month,6 month,1 year"),
        ),
        ("Incidence of adverse drug reactionsup to 1 year", ("Incidence of adverse drug reactions", "up to 1 year")),
        ("The change of immunological responsesday 0,day 7", ("The change of immunological responses", "day 0,day 7")),
        ("SRI-4 response rate at week 24Week 24", ("SRI-4 response rate at week 24", "Week 24")),
        (
            "Overall survivalThrough study completion, an average of 1 year",
            ("Overall survival", "Through study completion, an average of 1 year"),
        ),
        ("Response rateAt 12 weeks", ("Response rate", "At 12 weeks")),
        ("Pain scoreBaseline, week 12 and week 24", ("Pain score", "Baseline, week 12 and week 24")),
        ("Relapse rate6months", ("Relapse rate", "6months")),
        ("PK concentrationPre-dose and 2 hours post-dose", ("PK concentration", "Pre-dose and 2 hours post-dose")),
        ("HAQ scorefrom baseline to week 12", ("HAQ score", "from baseline to week 12")),
        ("Visits completedEvery 3 months for 2 years", ("Visits completed", "Every 3 months for 2 years")),
        ("Change compared to control group1 year", ("Change compared to control group", "1 year")),
        ("Level of IL-6 at 24 hours24 hours", ("Level of IL-6 at 24 hours", "24 hours")),
        ("Serum level500,000 unit", ("Serum level500,000 unit", None)),
        ("Laboratory measures, including C3 and C4.", ("Laboratory measures, including C3 and C4.", None)),
        ("Quality of life", ("Quality of life", None)),
    ],
)
def test_split_time_frame(row: str, expected: tuple[str, str | None]) -> None:
    assert medpath.split_time_frame(row) == expected


def test_outcome_rows_without_descriptions_and_multi_paragraph_descriptions() -> None:
    outcomes = medpath.read_outcomes(
        ["NameTimeMethod", "First1 year", "", "Second2 weeks", "", "Said here.", "", "And here.", "", "Third3 days"]
    )
    assert [(o.measure, o.time_frame, o.description) for o in outcomes] == [
        ("First", "1 year", None),
        ("Second", "2 weeks", "Said here.\n\nAnd here."),
        ("Third", "3 days", None),
    ]


def test_empty_outcome_table_gives_no_outcomes() -> None:
    assert medpath.read_outcomes(["NameTimeMethod", ""]) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Changchun, Changchun/Jilin, China", Location(None, "Changchun", "Changchun/Jilin", "China")),
        ("Beijing, China", Location(None, "Beijing", None, "China")),
        ("Seoul, Seoul, Korea, Republic of", Location(None, "Seoul", "Seoul", "Korea, Republic of")),
        ("China", Location(None, None, None, "China")),
    ],
)
def test_read_address(text: str, expected: Location) -> None:
    assert medpath.read_address(text) == expected


def test_docstring_examples_hold() -> None:
    assert doctest.testmod(medpath).failed == 0


# -- sniffing and errors -----------------------------------------------------------------------


@pytest.mark.parametrize("doc", [*SEEDS, *UNSEEN], ids=lambda p: p.stem)
def test_sniff_is_sure_of_its_own_documents(doc: Path) -> None:
    assert medpath.sniff(doc.read_text(encoding="utf-8")) >= 60


@pytest.mark.parametrize("doc", OTHER_SEEDS, ids=lambda p: p.stem)
def test_sniff_rejects_other_formats(doc: Path) -> None:
    assert medpath.sniff(doc.read_text(encoding="utf-8")) < 30


@pytest.mark.parametrize(
    "text",
    ["", "  \n\n", "Hello world\nnothing here\n", "MedPath\n", "© Copyright 2025. All Rights Reserved by MedPath"],
)
def test_document_without_trial_content_is_a_parse_error(text: str) -> None:
    with pytest.raises(RecordParseError):
        _parse_text(text)


def test_missing_file_is_a_parse_error(tmp_path: Path) -> None:
    source = source_document(SEEDS[0], medpath.FORMAT)
    with pytest.raises(RecordParseError):
        list(medpath.parse(tmp_path / "gone.txt", source))


def _parse_or_error(text: str) -> None:
    with contextlib.suppress(RecordParseError):
        _parse_text(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_raises_only_parse_errors(text: str) -> None:
    _parse_or_error(text)


_PIECES = [*medpath._HEADINGS, *medpath._FACT_KEYS, "NameTimeMethod", "GroupInterventionDescription", "🇨🇳", ""]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=30)))
def test_heading_soup_raises_only_parse_errors(parts: list[str]) -> None:
    _parse_or_error(_page(*parts))


@st.composite
def _mutated(draw: st.DrawFn, path: Path) -> str:
    """A real document with lines dropped, repeated, shuffled, edited, and maybe cut short."""
    lines = path.read_text(encoding="utf-8").splitlines()
    picks = draw(st.lists(st.integers(0, len(lines) - 1), max_size=2 * len(lines)))
    out = [lines[i] for i in picks]
    if out and draw(st.booleans()):
        at = draw(st.integers(0, len(out) - 1))
        out[at] = out[at][: draw(st.integers(0, len(out[at])))] + draw(st.text(max_size=20))
    text = "\n".join(out)
    return text[: draw(st.integers(0, len(text)))] if draw(st.booleans()) else text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([*SEEDS, *UNSEEN, *OTHER_SEEDS]).flatmap(_mutated))
def test_mutated_documents_raise_only_parse_errors(text: str) -> None:
    _parse_or_error(text)
