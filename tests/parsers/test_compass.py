"""The Clinical Trial Compass page parser: golden seed, hand-written unseen pages, glued-line
readers, sniffing, and junk input that must fail only with RecordParseError."""

from __future__ import annotations

import doctest
from functools import partial
from pathlib import Path

import parser_testkit as kit
import pytest
from hypothesis import given
from hypothesis import strategies as st
from trialkg.model import OverallStatus, Phase
from trialkg.parsers import common, compass, source_document

SEED = kit.SEEDS / "002_210d0157d5f08361.txt"
UNSEEN = kit.unseen_docs("compass")
UNSEEN_BY_NAME = {p.stem: p for p in UNSEEN}

_trial = partial(kit.trial_of, compass)
_one = partial(kit.one_trial, compass)


def _page(*lines: str) -> str:
    return "\n".join(["A Trial (NCT01234567) | Clinical Trial Compass", *lines]) + "\n"


#: The golden seed and unseen pages field by field, the contract, sniffing, junk input (see parser_testkit).
TestCompassFormat = kit.text_format_tests(
    compass,
    seeds=[SEED],
    unseen=UNSEEN,
    no_trial_texts=[
        "",
        "  \n\n",
        "Hello world\nnothing here\n",
        "See this in plain English?\n",
        "| Clinical Trial Compass\n",
    ],
)


# -- what is kept aside ------------------------------------------------------------------------


def test_seed_page_furniture_is_dropped_and_nothing_else_is_left() -> None:
    assert _trial(SEED).unmapped == ()


def test_unseen_keeps_unknown_key_lines_and_unmapped_sections() -> None:
    unmapped = _trial(UNSEEN_BY_NAME["recruiting_multicountry"]).unmapped
    assert "Pregnancy testRequired" in unmapped
    assert "Locations" in unmapped
    assert "Mayo Clinic, Rochester, Minnesota, United States" in unmapped


def test_page_title_different_from_the_brief_title_is_kept_aside() -> None:
    trial = _one(_page("RecruitingPhase 3", "Another Title", "Who can participate", "SexALL"))
    assert trial.brief_title == "Another Title"
    assert "page title: A Trial" in trial.unmapped


def test_country_count_is_kept_aside_not_read_as_a_country() -> None:
    trial = _one(_page("A Trial", "Spain +2 more80 participants"))
    assert [loc.country for loc in trial.locations] == ["Spain"]
    assert "+2 more" in trial.unmapped and trial.enrollment == 80


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("A Trial (NCT01234567) | Clinical Trial Compass", ("A Trial", "NCT01234567")),
        ("A Trial | Clinical Trial Compass", ("A Trial", None)),
        ("A (Pilot) Trial (NCT01234567) – Clinical Trial Compass", ("A (Pilot) Trial", "NCT01234567")),
        ("A Trial (NCT01234567)", None),
    ],
)
def test_read_title_line(line: str, expected: object) -> None:
    assert compass.read_title_line(line) == expected


def test_page_title_fills_a_missing_brief_title() -> None:
    trial = _one(_page("CompletedPhase 4", "Who can participate", "SexMale"))
    assert trial.brief_title == "A Trial"
    assert trial.overall_status is OverallStatus.COMPLETED


def test_unreadable_fact_value_is_kept_aside_not_guessed() -> None:
    trial = _one(_page("A Trial", "Who can participate", "SexUnknown", "Age rangeadults"))
    assert trial.sex is None and trial.min_age is None
    assert {"SexUnknown", "Age rangeadults"} <= set(trial.unmapped)


def test_unreadable_start_date_is_not_taken() -> None:
    trial = _one(_page("A Trial", "China12 participantsStarted 2025-13-40"))
    assert trial.start_date is None and trial.enrollment == 12
    assert "start: 2025-13-40" in trial.unmapped


def test_title_with_a_number_of_participants_is_not_read_as_facts() -> None:
    trial = _one(_page("Trial in 100 participants"))
    assert trial.brief_title == "Trial in 100 participants"
    assert trial.enrollment is None and trial.locations == ()


def test_multi_paragraph_summary_keeps_paragraphs() -> None:
    trial = _one(_page("A Trial", "Plain-language summary", "One.", "", "", "Two.", "Three."))
    assert trial.brief_summary == "One.\n\nTwo.\nThree."


# -- glued-line readers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Not Yet RecruitingPhase 2", (OverallStatus.NOT_YET_RECRUITING, (Phase.PHASE2,))),
        ("RecruitingPhase 1/Phase 2", (OverallStatus.RECRUITING, (Phase.PHASE1, Phase.PHASE2))),
        ("Active, Not RecruitingPhase 2/3", (OverallStatus.ACTIVE_NOT_RECRUITING, (Phase.PHASE2, Phase.PHASE3))),
        ("Enrolling By InvitationEarly Phase 1", (OverallStatus.ENROLLING_BY_INVITATION, (Phase.EARLY_PHASE1,))),
        ("Unknown statusN/A", (OverallStatus.UNKNOWN, (Phase.NA,))),
        ("CompletedNot Applicable", (OverallStatus.COMPLETED, (Phase.NA,))),
        ("No Longer Available", (OverallStatus.NO_LONGER_AVAILABLE, ())),
        ("Withdrawn", (OverallStatus.WITHDRAWN, ())),
        ("Phase 4", (None, (Phase.PHASE4,))),
        ("Active Surveillance in Prostate Cancer", None),
        ("Completed Study of Something", None),
        ("China100 participants", None),
    ],
)
def test_read_status_phase(line: str, expected: object) -> None:
    assert compass.read_status_phase(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("China100 participantsStarted 2025-05-20", (["China"], 100, "2025-05-20")),
        ("United States, Canada2,400 participantsStarts June 2026", (["United States", "Canada"], 2400, "June 2026")),
        ("Korea, Republic of, Japan1 participant", (["Korea, Republic of", "Japan"], 1, None)),
        ("Bosnia and HerzegovinaStarted 2021", (["Bosnia and Herzegovina"], None, "2021")),
        ("30 participants", ([], 30, None)),
        ("Started 2020-01-15", ([], None, "2020-01-15")),
        ("United States +3 more120 participants", (["United States", "+3 more"], 120, None)),
        ("China", None),
        ("Early Start Program for Kids", None),
        ("Trial in 100 participants", None),
    ],
)
def test_read_meta(line: str, expected: object) -> None:
    assert compass.read_meta(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Age range18 Years – 65 Years", ("age range", "18 Years – 65 Years")),
        ("SexALL", ("sex", "ALL")),
        ("Sex: Female", ("sex", "Female")),
        ("Healthy volunteersAccepted", ("healthy volunteers", "Accepted")),
        ("Intervention modelParallel Assignment", ("intervention model", "Parallel Assignment")),
        ("Sex", None),
        ("Unrelated line", None),
    ],
)
def test_split_fact(line: str, expected: object) -> None:
    assert compass.split_fact(line) == expected


@pytest.mark.parametrize(
    ("value", "min_age", "max_age"),
    [
        ("18 Years – 65 Years", "18 Years", "65 Years"),
        ("18 Years and older", "18 Years", None),
        ("up to 65 Years", None, "65 Years"),
        ("65 Years and younger", None, "65 Years"),
        ("12-17 Years", "12 Years", "17 Years"),
        ("1 Month to 2 Years", "1 Month", "2 Years"),
    ],
)
def test_age_range_lines(value: str, min_age: str | None, max_age: str | None) -> None:
    trial = _one(_page("A Trial", "Who can participate", f"Age range{value}"))
    assert (trial.min_age, trial.max_age) == (min_age, max_age)


def test_read_intervention_types() -> None:
    assert common.read_intervention("Procedure/Surgery: Biopsy").name == "Biopsy"
    assert common.read_intervention("Procedure/Surgery: Biopsy").type is not None
    assert common.read_intervention("Note: something").type is None
    assert common.read_intervention("Note: something").name == "Note: something"


def test_docstring_examples_hold() -> None:
    assert doctest.testmod(compass).failed == 0


# -- errors ------------------------------------------------------------------------------------


def test_missing_file_is_a_parse_error(tmp_path: Path) -> None:
    kit.assert_missing_file_is_a_parse_error(compass, tmp_path / "gone.txt", source_document(SEED, compass.FORMAT))


@kit.fuzz(100)
@given(st.lists(st.sampled_from([*compass._HEADINGS, *compass._FACT_KEYS, "* x", "1. y", ""]) | st.text(max_size=30)))
def test_heading_soup_raises_only_parse_errors(parts: list[str]) -> None:
    kit.parse_or_error(compass, _page(*parts))
