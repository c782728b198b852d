"""The registry key:value export parser: golden seed, hand-written unseen exports, sniffing, junk input."""

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
from trialkg.model import Masking, OrganizationRole, Trial
from trialkg.parsers import keyvalue, source_document
from trialkg.record import CONTRACT_KEYS, EXTRA_KEYS, to_record

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "data" / "seeds"
SEED = SEEDS / "000_fa062e4057a13488.txt"
GOLDEN = ROOT / "tests" / "golden" / "records" / "000_fa062e4057a13488.json"
UNSEEN = sorted((ROOT / "tests" / "data" / "unseen" / "keyvalue").glob("*.txt"))
SCHEMA = ROOT.parent / "shared" / "contract" / "trial-record.schema.json"
OTHER_SEEDS = sorted(p for p in SEEDS.glob("*.txt") if p.name != SEED.name)
RECORD_KEYS = tuple(k for k in (*CONTRACT_KEYS, *EXTRA_KEYS) if k not in ("id", "sources"))


@cache
def _trial(path: Path) -> Trial:
    trials = list(keyvalue.parse(path, source_document(path, keyvalue.FORMAT)))
    assert len(trials) == 1
    return trials[0]


def _record(path: Path) -> dict[str, Any]:
    record = to_record(_trial(path), trial_id="x", sources=[path.name])
    del record["id"], record["sources"]
    return record


def _expected(path: Path) -> dict[str, Any]:
    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _parse_text(text: str) -> list[Trial]:
    """Parse `text` as a file; what a user's file with that content would give."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.txt"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        return list(keyvalue.parse(path, source_document(path, keyvalue.FORMAT)))


def _one(text: str) -> Trial:
    (trial,) = _parse_text(text)
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


# -- what is kept aside ------------------------------------------------------------------------


def test_seed_keeps_unmapped_keys() -> None:
    unmapped = _trial(SEED).unmapped
    for text in ("key 'Is a PPSD?': None", "key 'Delayed Posting': No", "key 'Is NOT Gene Therapy': False"):
        assert text in unmapped


def test_unseen_keeps_fieldless_values() -> None:
    unmapped = _trial(UNSEEN[0]).unmapped
    assert "key 'Primary Completion Date': 2022-10-30" in unmapped
    assert "key 'Masking' qualifier: Participant, Investigator" in unmapped
    assert "key 'Responsible Party Type': SPONSOR" in unmapped


# -- structure rules -------------------------------------------------------------------------


def test_text_that_looks_like_a_key_continues_a_long_value() -> None:
    text = "Study NCT ID: NCT01234567\nDetailed Description: First.\nMethods: second.\nResults: third.\n"
    trial = _one(text)
    assert trial.detailed_description == "First.\nMethods: second.\nResults: third."


def test_a_flag_valued_line_ends_a_long_value() -> None:
    trial = _one("Study NCT ID: NCT01234567\nBrief Summary: Text.\nSome New Flag: True\n")
    assert trial.brief_summary == "Text."
    assert "key 'Some New Flag': True" in trial.unmapped


def test_unknown_key_after_a_one_line_value_is_kept_aside() -> None:
    trial = _one("Study NCT ID: NCT01234567\nStatus: RECRUITING\nNew Export Field: something\n")
    assert trial.overall_status is not None
    assert "key 'New Export Field': something" in trial.unmapped


def test_python_none_is_null_but_the_code_none_is_a_masking() -> None:
    assert _one("Study NCT ID: NCT01234567\nMasking: None\n").masking is None
    assert _one("Study NCT ID: NCT01234567\nMasking: NONE\n").masking is Masking.NONE
    assert _one("Study NCT ID: NCT01234567\nMasking: None (Open Label)\n").masking is Masking.NONE


def test_conflicting_repeated_key_keeps_the_first_and_the_rest_aside() -> None:
    trial = _one("Study NCT ID: NCT01234567\nStatus: RECRUITING\nStatus: COMPLETED\n")
    assert trial.overall_status is not None and trial.overall_status.value == "RECRUITING"
    assert any("COMPLETED" in u for u in trial.unmapped)


def test_header_gives_the_id_when_the_key_is_missing() -> None:
    assert _one("Viewing Study NCT07654321\n\nBrief Title: A title\n").nct_id == "NCT07654321"


def test_organization_other_than_the_sponsor_has_no_role() -> None:
    trial = _one("Study NCT ID: NCT01234567\nSponsor: Alpha Institute\nOrganization: Beta University\n")
    roles = {o.name: o.role for o in trial.organizations}
    assert roles == {"Alpha Institute": OrganizationRole.LEAD_SPONSOR, "Beta University": None}


def test_unreadable_coded_value_is_kept_aside_not_guessed() -> None:
    trial = _one("Study NCT ID: NCT01234567\nStudy Type: Mostly observational\nPhase: Phase 7\n")
    assert trial.study_type is None and trial.phases == ()
    assert "key 'Study Type': Mostly observational" in trial.unmapped
    assert "key 'Phase': Phase 7" in trial.unmapped


def test_location_without_a_facility_separator_is_not_split_by_guess() -> None:
    trial = _one("Study NCT ID: NCT01234567\nLocations: General Hospital, Oslo, Norway\n")
    assert trial.locations == ()
    assert "key 'Locations': General Hospital, Oslo, Norway" in trial.unmapped


# -- sniffing --------------------------------------------------------------------------------


@pytest.mark.parametrize("doc", [SEED, *UNSEEN], ids=lambda p: p.stem)
def test_sniff_is_sure_of_its_own_documents(doc: Path) -> None:
    assert keyvalue.sniff(doc.read_text(encoding="utf-8")) >= 60


@pytest.mark.parametrize("doc", OTHER_SEEDS, ids=lambda p: p.stem)
def test_sniff_rejects_other_formats(doc: Path) -> None:
    assert keyvalue.sniff(doc.read_text(encoding="utf-8")) < 30


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\n", "Hello world\nnothing here\n", "Foo: bar\nBaz: qux\n"])
def test_document_without_trial_content_is_a_parse_error(text: str) -> None:
    with pytest.raises(RecordParseError):
        _parse_text(text)


@pytest.mark.parametrize(
    "line", ["Enrollment: " + "9" * 5000, "Minimum Age: " + "1" * 5000 + " Years"], ids=["number", "age"]
)
def test_huge_numbers_are_kept_aside(line: str) -> None:
    trial = _one(f"Study NCT ID: NCT01234567\n{line}\n")
    assert trial.enrollment is None and trial.min_age is None
    assert trial.unmapped == (f"key {line.split(':')[0]!r}: {line.split(': ')[1]}",)


@pytest.mark.parametrize("value", ["[{[]: 1}]", "[" * 5000 + "]" * 5000, "['a', 1]"])
def test_list_text_that_is_not_a_list_of_names_stays_as_written(value: str) -> None:
    assert _one(f"Study NCT ID: NCT01234567\nConditions: {value}\n").conditions == (value,)


def test_python_list_of_names_is_read_as_items() -> None:
    trial = _one("Study NCT ID: NCT01234567\nKeywords: ['IL-2', 'Treg, low dose']\n")
    assert trial.keywords == ("IL-2", "Treg, low dose")


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
