"""The MedPath page parser: golden seeds, hand-written unseen pages, the splitters of glued table
rows, sniffing, and junk input that must fail only with RecordParseError."""

from __future__ import annotations

import doctest
from functools import partial
from pathlib import Path

import parser_testkit as kit
import pytest
from hypothesis import given
from hypothesis import strategies as st
from trialkg.model import Allocation, InterventionModel, Location, Masking, Outcome, OverallStatus, PrimaryPurpose
from trialkg.parsers import medpath, source_document

SEEDS = [kit.SEEDS / "003_a5f66f11607f097c.txt", kit.SEEDS / "004_58031a46e2c2609e.txt"]
UNSEEN = kit.unseen_docs("medpath")

_trial = partial(kit.trial_of, medpath)
_one = partial(kit.one_trial, medpath)


def _page(*lines: str) -> str:
    return "\n".join(["MedPath", "", "A Trial", "", *lines]) + "\n"


#: The golden seeds and unseen pages field by field, the contract, sniffing, junk input (see parser_testkit).
TestMedpathFormat = kit.text_format_tests(
    medpath,
    seeds=SEEDS,
    unseen=UNSEEN,
    no_trial_texts=[
        "",
        "  \n\n",
        "Hello world\nnothing here\n",
        "MedPath\n",
        "© Copyright 2025. All Rights Reserved by MedPath",
    ],
)


# -- what is kept aside ------------------------------------------------------------------------


@pytest.mark.parametrize("doc", [*SEEDS, *UNSEEN], ids=kit.stem)
def test_footer_counts_and_flags_are_dropped_and_nothing_else_is_left(doc: Path) -> None:
    assert _trial(doc).unmapped == ()


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


# -- errors ------------------------------------------------------------------------------------


def test_missing_file_is_a_parse_error(tmp_path: Path) -> None:
    source = source_document(SEEDS[0], medpath.FORMAT)
    kit.assert_missing_file_is_a_parse_error(medpath, tmp_path / "gone.txt", source)


_PIECES = [*medpath._HEADINGS, *medpath._FACT_KEYS, "NameTimeMethod", "GroupInterventionDescription", "🇨🇳", ""]


@kit.fuzz(100)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=30)))
def test_heading_soup_raises_only_parse_errors(parts: list[str]) -> None:
    kit.parse_or_error(medpath, _page(*parts))
