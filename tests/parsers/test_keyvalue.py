"""The registry key:value export parser: golden seed, hand-written unseen exports, sniffing, junk input."""

from __future__ import annotations

from functools import partial

import parser_testkit as kit
import pytest
from trialkg.model import Masking, OrganizationRole
from trialkg.parsers import keyvalue

SEED = kit.SEEDS / "000_fa062e4057a13488.txt"
UNSEEN = kit.unseen_docs("keyvalue")

_trial = partial(kit.trial_of, keyvalue)
_one = partial(kit.one_trial, keyvalue)

#: The golden seed and unseen exports field by field, the contract, sniffing, junk input (see parser_testkit).
TestKeyvalueFormat = kit.text_format_tests(
    keyvalue,
    seeds=[SEED],
    unseen=UNSEEN,
    no_trial_texts=["", "   \n\n", "Hello world\nnothing here\n", "Foo: bar\nBaz: qux\n"],
)


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


# -- bad input -------------------------------------------------------------------------------


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
