"""Eligibility text without inclusion/exclusion headings (issue 19): NCI's PDQ sections and plain sentences,
read alike by the registry's XML and JSON parsers."""

from __future__ import annotations

import json

import parser_testkit as kit
import pytest
from trialkg.model import CriterionKind, CriterionSection, Trial
from trialkg.parsers import ctgov_json, ctgov_xml
from trialkg.parsers.criteria_text import headerless_items, read_criteria

#: PDQ's older layout: each section one run of hard-wrapped text, sub-headings inline (NCT00004914's shape).
RUN_ON = """
        DISEASE CHARACTERISTICS: Diagnosis of nonmyeloid malignancy with cancer related fatigue
        Anemia (hemoglobin less than 10 g/dL) No clinical or radiographic evidence of lytic bone
        metastases

        PATIENT CHARACTERISTICS: Age: Over 18 Performance status: ECOG 0-2 Life expectancy: Greater
        than 4 months Hematopoietic: See Disease Characteristics Hepatic: Not specified Other: Not
        pregnant or nursing Negative pregnancy test

        PRIOR CONCURRENT THERAPY: Biologic therapy: At least 8 weeks since prior epoetin alfa
        Chemotherapy: No prior chemotherapy
"""

#: PDQ's later layout: bullets, sub-heading lines above indented bullets, wrapped bullet text.
BULLETED = """
        DISEASE CHARACTERISTICS:

          -  Histologically confirmed acute graft-versus-host disease (GVHD) >= clinical grade II,
             that is steroid refractory

        PATIENT CHARACTERISTICS:

        Age:

          -  18 and over

        Performance status:

          -  ECOG 0-2

          -  No HIV positivity

        PRIOR CONCURRENT THERAPY:

          -  No prior chemotherapy
"""


def test_run_on_pdq_sections_are_split_into_requirements_with_their_section() -> None:
    assert headerless_items(RUN_ON) == [
        ("DISEASE CHARACTERISTICS", "Diagnosis of nonmyeloid malignancy with cancer related fatigue"),
        ("DISEASE CHARACTERISTICS", "Anemia (hemoglobin less than 10 g/dL)"),
        ("DISEASE CHARACTERISTICS", "No clinical or radiographic evidence of lytic bone metastases"),
        ("PATIENT CHARACTERISTICS", "Age: Over 18"),
        ("PATIENT CHARACTERISTICS", "Performance status: ECOG 0-2"),
        ("PATIENT CHARACTERISTICS", "Life expectancy: Greater than 4 months"),
        ("PATIENT CHARACTERISTICS", "Hematopoietic: See Disease Characteristics"),
        ("PATIENT CHARACTERISTICS", "Hepatic: Not specified"),
        ("PATIENT CHARACTERISTICS", "Other: Not pregnant or nursing"),
        ("PATIENT CHARACTERISTICS", "Negative pregnancy test"),
        ("PRIOR CONCURRENT THERAPY", "Biologic therapy: At least 8 weeks since prior epoetin alfa"),
        ("PRIOR CONCURRENT THERAPY", "Chemotherapy: No prior chemotherapy"),
    ]


def test_bulleted_pdq_keeps_sub_headings_in_front_of_their_bullets_and_joins_wrapped_lines() -> None:
    assert headerless_items(BULLETED) == [
        ("DISEASE CHARACTERISTICS",
         "Histologically confirmed acute graft-versus-host disease (GVHD) >= clinical grade II, that is steroid "
         "refractory"),
        ("PATIENT CHARACTERISTICS", "Age: 18 and over"),
        ("PATIENT CHARACTERISTICS", "Performance status: ECOG 0-2"),
        ("PATIENT CHARACTERISTICS", "Performance status: No HIV positivity"),
        ("PRIOR CONCURRENT THERAPY", "No prior chemotherapy"),
    ]  # fmt: skip


def test_plain_sentences_are_one_requirement_each_without_a_section() -> None:
    text = "Men, ages 30-64. Three months beyond most recent myocardial\ninfarction, e.g. a first one. Dr. Who"
    assert read_criteria(text).inclusion == (
        "Men, ages 30-64.", "Three months beyond most recent myocardial infarction, e.g. a first one.", "Dr. Who"
    )  # fmt: skip
    assert read_criteria(text).sections == ()


def test_dashed_pdq_sections() -> None:
    text = "PROTOCOL ENTRY CRITERIA:\n--Disease Characteristics--\nEnd stage renal disease\n"
    text += "--Prior/Concurrent Therapy--\nNo concurrent investigational drugs"
    assert headerless_items(text) == [
        ("DISEASE CHARACTERISTICS", "End stage renal disease"),
        ("PRIOR/CONCURRENT THERAPY", "No concurrent investigational drugs"),
    ]


def test_headed_text_is_read_as_before_and_names_no_section() -> None:
    read = read_criteria("Inclusion Criteria:\n\n* Adult\n\nExclusion Criteria:\n\n* Smoker")
    assert (read.inclusion, read.exclusion, read.outside, read.sections) == (("Adult",), ("Smoker",), (), ())


def test_polarity_of_headerless_requirements_is_inclusion_denials_stay_in_their_words() -> None:
    read = read_criteria(RUN_ON)
    assert read.exclusion == () and "Chemotherapy: No prior chemotherapy" in read.inclusion


def _xml(text: str) -> Trial:
    body = f"<eligibility><criteria><textblock>{text}</textblock></criteria></eligibility>"
    return kit.one_trial(ctgov_xml, f"<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info>{body}"
                         "</clinical_study>", "study.xml")  # fmt: skip


def _json(text: str) -> Trial:
    study = {"protocolSection": {"identificationModule": {"nctId": "NCT01234567"},
                                 "eligibilityModule": {"eligibilityCriteria": text}}}  # fmt: skip
    return kit.one_trial(ctgov_json, json.dumps(study), "study.json")


@pytest.mark.parametrize("text", [RUN_ON, BULLETED, "Men, ages 30-64. Three months beyond most recent infarction."])
def test_xml_and_json_read_headerless_criteria_alike(text: str) -> None:
    x, j = _xml(text), _json(text.strip())
    assert x.inclusion_criteria and x.inclusion_criteria == j.inclusion_criteria
    assert x.criteria_sections == j.criteria_sections
    assert not any("outside Inclusion/Exclusion" in u for u in (*x.unmapped, *j.unmapped))


def test_sections_are_numbered_as_the_criteria() -> None:
    t = _xml(BULLETED)
    assert t.criteria_sections[1] == CriterionSection(CriterionKind.INCLUSION, 2, "PATIENT CHARACTERISTICS")
    assert t.inclusion_criteria[1] == "Age: 18 and over"
