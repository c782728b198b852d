"""The registry-derived study page parser: golden seed, hand-written unseen pages, sniffing, junk input."""

from __future__ import annotations

import contextlib
import json
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trialkg.errors import RecordParseError
from trialkg.model import Arm, Intervention, InterventionType, Location, Trial
from trialkg.parsers import registry_page, source_document
from trialkg.record import CONTRACT_KEYS, EXTRA_KEYS, to_record

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "data" / "seeds"
SEED = SEEDS / "001_84cf295882173e96.txt"
GOLDEN = ROOT / "tests" / "golden" / "records" / "001_84cf295882173e96.json"
UNSEEN = sorted((ROOT / "tests" / "data" / "unseen" / "registry_page").glob("*.txt"))
SCHEMA = ROOT.parent / "shared" / "contract" / "trial-record.schema.json"
OTHER_SEEDS = sorted(p for p in SEEDS.glob("*.txt") if p.name != SEED.name)
RECORD_KEYS = tuple(k for k in (*CONTRACT_KEYS, *EXTRA_KEYS) if k not in ("id", "sources"))

#: Blurb lines of the sections these tests build pages from (as the page prints them).
BLURB = {
    "Basic Information": "Get a concise snapshot of the trial, including recruitment status, study phase, "
    "enrollment targets, and key timeline milestones.",
    "Study Groups": "Review each arm or cohort in the study, along with the interventions and objectives "
    "associated with them.",
    "Interventions": "Learn about the drugs, procedures, or behavioral strategies being tested and how they "
    "are applied within this trial.",
    "Locations": "Explore where the study is taking place and check the recruitment status at each "
    "participating site.",
    "Countries": "Review the countries where the study has at least one active or historical site.",
    "Eligibility Criteria": "Check the participation requirements, including inclusion and exclusion rules, "
    "age limits, and whether healthy volunteers are accepted.",
}


@cache
def _trial(path: Path) -> Trial:
    trials = list(registry_page.parse(path, source_document(path, registry_page.FORMAT)))
    assert len(trials) == 1
    return trials[0]


def _record(path: Path) -> dict[str, Any]:
    record = to_record(_trial(path), trial_id="x", sources=[path.name])
    del record["id"], record["sources"]
    return record


def _expected(path: Path) -> dict[str, Any]:
    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _parse_text(text: str) -> list[Trial]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.txt"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        return list(registry_page.parse(path, source_document(path, registry_page.FORMAT)))


def _page(*sections: tuple[str, list[str]]) -> Trial:
    """A page built from (heading, content lines) sections, each with its blurb."""
    lines = [line for heading, body in sections for line in (heading, BLURB[heading], *body)]
    (trial,) = _parse_text("\n".join(lines))
    return trial


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
    if not SCHEMA.exists():
        pytest.skip("shared/contract is not beside the repository")
    jsonschema = pytest.importorskip("jsonschema")
    record = to_record(_trial(doc), trial_id="urn:x", sources=[doc.name])
    jsonschema.validate(record, json.loads(SCHEMA.read_text(encoding="utf-8")))


# -- rules the seed shows --------------------------------------------------------------------


def test_page_never_takes_a_related_trial_as_its_own_id() -> None:
    trial = _trial(SEED)
    assert trial.nct_id is None
    assert "NCT04136106" in trial.related_trials


def test_sponsors_without_roles_are_not_guessed() -> None:
    trial = _trial(SEED)
    assert trial.lead_sponsor is None and trial.collaborators == ()
    assert all(o.role is None for o in trial.organizations)


def test_seed_keeps_related_titles_aside() -> None:
    assert "Section 'Related Clinical Trials': NCT02932137: Anti-infection of Low-does IL-2 in SLE" in (
        _trial(SEED).unmapped
    )


def test_unknown_section_with_a_blurb_is_kept_aside_whole() -> None:
    doc = next(p for p in UNSEEN if p.stem == "typed_interventions_results")
    assert "Section 'Outcome Measures': Change in FEV1 at 12 months" in _trial(doc).unmapped


# -- structure rules on small pages ----------------------------------------------------------


def test_arm_named_like_an_intervention_starts_a_new_arm() -> None:
    trial = _page(
        ("Study Groups", ["Drug X", "Gets drug X.", "Drug X", "X 10 mg.", "Placebo", "Gets placebo.",
                          "Placebo", "Sugar pill."]),
        ("Interventions", ["Drug X", "X 10 mg.", "Placebo", "Sugar pill."]),
    )  # fmt: skip
    assert trial.arms == (
        Arm("Drug X", "Gets drug X.", ("Drug X",)),
        Arm("Placebo", "Gets placebo.", ("Placebo",)),
    )


def test_groups_may_list_intervention_names_without_descriptions() -> None:
    trial = _page(
        ("Study Groups", ["Combination", "Both drugs.", "Drug X", "Drug Y", "Single", "Drug Y"]),
        ("Interventions", ["Drug X", "X 10 mg.", "Drug Y", "Y 5 mg."]),
    )
    assert trial.arms == (
        Arm("Combination", "Both drugs.", ("Drug X", "Drug Y")),
        Arm("Single", None, ("Drug Y",)),
    )


def test_typed_intervention_line_states_the_type() -> None:
    trial = _page(("Interventions", ["Device: Insulin pump", "Worn for 6 months."]))
    pump = Intervention("Insulin pump", InterventionType.DEVICE, "Worn for 6 months.")
    assert trial.interventions == (pump,)


def test_countries_add_only_countries_no_location_has() -> None:
    trial = _page(
        ("Locations", ["City Hospital", "Lyon, France"]),
        ("Countries", ["France", "Belgium"]),
    )
    assert trial.locations == (
        Location("City Hospital", "Lyon", None, "France"),
        Location(country="Belgium"),
    )


def test_single_age_is_not_guessed_as_minimum_or_maximum() -> None:
    trial = _page(("Eligibility Criteria", ["Inclusion Criteria", "* Adult", "65 Years", "MALE"]))
    assert trial.min_age is None and trial.max_age is None
    assert trial.inclusion_criteria == ("Adult",)
    assert any("65 Years" in u for u in trial.unmapped)


def test_basic_information_reads_values_by_shape() -> None:
    trial = _page(("Basic Information", ["WITHDRAWN", "PHASE3", "0 participants", "EXPANDED_ACCESS",
                                         "2020-01", "2020-02", "2020-03"]))  # fmt: skip
    assert (trial.overall_status.value if trial.overall_status else None) == "WITHDRAWN"
    assert [p.value for p in trial.phases] == ["PHASE3"]
    assert trial.enrollment == 0
    assert (trial.start_date, trial.completion_date) == ("2020-01", "2020-02")
    assert any("2020-03" in u for u in trial.unmapped)


# -- sniffing --------------------------------------------------------------------------------


@pytest.mark.parametrize("doc", [SEED, *UNSEEN], ids=lambda p: p.stem)
def test_sniff_is_sure_of_its_own_documents(doc: Path) -> None:
    assert registry_page.sniff(doc.read_text(encoding="utf-8")) >= 60


@pytest.mark.parametrize("doc", OTHER_SEEDS, ids=lambda p: p.stem)
def test_sniff_rejects_other_formats(doc: Path) -> None:
    assert registry_page.sniff(doc.read_text(encoding="utf-8")) < 30


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "\n \n", "Basic Information\nno blurb here\n", f"Basic Information\n{BLURB['Basic Information']}\n"],
)
def test_page_without_trial_content_is_a_parse_error(text: str) -> None:
    with pytest.raises(RecordParseError):
        _parse_text(text)


def test_pathological_values_are_kept_aside() -> None:
    huge = "9" * 5000
    trial = _page(
        ("Basic Information", [f"{huge} participants", "COMPLETED"]),
        ("Eligibility Criteria", ["Inclusion Criteria", "* Adult", f"{huge} Years"]),
    )
    assert trial.enrollment is None and trial.min_age is None
    assert any(huge in u for u in trial.unmapped)


def _parse_or_error(text: str) -> None:
    with contextlib.suppress(RecordParseError):
        _parse_text(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_raises_only_parse_errors(text: str) -> None:
    _parse_or_error(text)


@st.composite
def _mutated(draw: st.DrawFn, path: Path) -> str:
    """A real document with lines dropped, repeated, shuffled, edited, and maybe cut short."""
    lines = path.read_text(encoding="utf-8").splitlines()
    picks = draw(st.lists(st.integers(0, len(lines) - 1), max_size=2 * len(lines)))
    out = [lines[i] for i in picks]
    edit: bool = draw(st.booleans())
    if out and edit:
        at = draw(st.integers(0, len(out) - 1))
        out[at] = out[at][: draw(st.integers(0, len(out[at])))] + draw(st.text(max_size=20))
    text = "\n".join(out)
    return text[: draw(st.integers(0, len(text)))] if draw(st.booleans()) else text


_DOCS = [SEED, *UNSEEN, *OTHER_SEEDS]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_DOCS).flatmap(_mutated))
def test_mutated_documents_raise_only_parse_errors(text: str) -> None:
    _parse_or_error(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.permutations(SEED.read_text(encoding="utf-8").splitlines()))
def test_shuffled_seed_raises_only_parse_errors(lines: list[str]) -> None:
    _parse_or_error("\n".join(lines))
