"""The Clinical Trial Compass page parser: golden seed, hand-written unseen pages, glued-line
readers, sniffing, and junk input that must fail only with RecordParseError."""

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
from trialkg.model import OverallStatus, Phase, Trial
from trialkg.parsers import compass, source_document
from trialkg.record import CONTRACT_KEYS, EXTRA_KEYS, to_record

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "data" / "seeds"
SEED = SEEDS / "002_210d0157d5f08361.txt"
GOLDEN = ROOT / "tests" / "golden" / "records" / f"{SEED.stem}.json"
UNSEEN = sorted((ROOT / "tests" / "data" / "unseen" / "compass").glob("*.txt"))
SCHEMA = ROOT / "tests" / "data" / "contract" / "trial-record.schema.json"
UNSEEN_BY_NAME = {p.stem: p for p in UNSEEN}
OTHER_SEEDS = sorted(p for p in SEEDS.glob("*.txt") if p.name != SEED.name)
RECORD_KEYS = tuple(k for k in (*CONTRACT_KEYS, *EXTRA_KEYS) if k not in ("id", "sources"))


@cache
def _trial(path: Path) -> Trial:
    trials = list(compass.parse(path, source_document(path, compass.FORMAT)))
    assert len(trials) == 1
    return trials[0]


def _record(path: Path) -> dict[str, Any]:
    record = to_record(_trial(path), trial_id="x", sources=[path.name])
    del record["id"], record["sources"]
    return record


def _expected(path: Path) -> dict[str, Any]:
    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _parse_text(text: str) -> list[Trial]:
    """Parse `text` as a file: what a user's file with that content would give."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.txt"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        return list(compass.parse(path, source_document(path, compass.FORMAT)))


def _one(text: str) -> Trial:
    (trial,) = _parse_text(text)
    return trial


def _page(*lines: str) -> str:
    return "\n".join(["A Trial (NCT01234567) | Clinical Trial Compass", *lines]) + "\n"


# -- golden and unseen documents, field by field ----------------------------------------------


@pytest.mark.parametrize("field", RECORD_KEYS)
def test_seed_matches_golden(field: str) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert _record(SEED)[field] == golden[field], f"{SEED.name}: field {field!r}"


def test_golden_lists_every_record_key() -> None:
    assert set(json.loads(GOLDEN.read_text(encoding="utf-8"))) == set(RECORD_KEYS)


@pytest.mark.parametrize("doc", UNSEEN, ids=lambda p: p.stem)
@pytest.mark.parametrize("field", RECORD_KEYS)
def test_unseen_document_matches_expected(doc: Path, field: str) -> None:
    assert _record(doc)[field] == _expected(doc)[field], f"{doc.name}: field {field!r}"


@pytest.mark.parametrize("doc", UNSEEN, ids=lambda p: p.stem)
def test_expected_lists_every_record_key(doc: Path) -> None:
    assert set(_expected(doc)) == set(RECORD_KEYS)


def test_there_are_unseen_documents() -> None:
    assert len(UNSEEN) >= 2


@pytest.mark.parametrize("doc", [SEED, *UNSEEN], ids=lambda p: p.stem)
def test_records_conform_to_contract(doc: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    record = to_record(_trial(doc), trial_id="urn:x", sources=[doc.name])
    jsonschema.validate(record, json.loads(SCHEMA.read_text(encoding="utf-8")))


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
    assert compass.read_intervention("Procedure/Surgery: Biopsy").name == "Biopsy"
    assert compass.read_intervention("Procedure/Surgery: Biopsy").type is not None
    assert compass.read_intervention("Note: something").type is None
    assert compass.read_intervention("Note: something").name == "Note: something"


def test_docstring_examples_hold() -> None:
    assert doctest.testmod(compass).failed == 0


# -- sniffing and errors -----------------------------------------------------------------------


@pytest.mark.parametrize("doc", [SEED, *UNSEEN], ids=lambda p: p.stem)
def test_sniff_is_sure_of_its_own_documents(doc: Path) -> None:
    assert compass.sniff(doc.read_text(encoding="utf-8")) >= 60


@pytest.mark.parametrize("doc", OTHER_SEEDS, ids=lambda p: p.stem)
def test_sniff_rejects_other_formats(doc: Path) -> None:
    assert compass.sniff(doc.read_text(encoding="utf-8")) < 30


@pytest.mark.parametrize(
    "text", ["", "  \n\n", "Hello world\nnothing here\n", "See this in plain English?\n", "| Clinical Trial Compass\n"]
)
def test_document_without_trial_content_is_a_parse_error(text: str) -> None:
    with pytest.raises(RecordParseError):
        _parse_text(text)


def test_missing_file_is_a_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "gone.txt"
    source = source_document(SEED, compass.FORMAT)
    with pytest.raises(RecordParseError):
        list(compass.parse(path, source))


def _parse_or_error(text: str) -> None:
    with contextlib.suppress(RecordParseError):
        _parse_text(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_raises_only_parse_errors(text: str) -> None:
    _parse_or_error(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([*compass._HEADINGS, *compass._FACT_KEYS, "* x", "1. y", ""]) | st.text(max_size=30)))
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
@given(st.sampled_from([SEED, *UNSEEN, *OTHER_SEEDS]).flatmap(_mutated))
def test_mutated_documents_raise_only_parse_errors(text: str) -> None:
    _parse_or_error(text)
