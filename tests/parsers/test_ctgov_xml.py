"""The legacy ClinicalTrials.gov `clinical_study` XML parser: golden studies, the real records in
shared/ctgov, RSS and unsafe XML refused, and property tests on arbitrary input."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import partial
from pathlib import Path

import parser_testkit as kit
import pytest
from hypothesis import given
from hypothesis import strategies as st
from trialkg.errors import RecordParseError
from trialkg.model import (
    Allocation,
    ArmGroupType,
    InterventionModel,
    Masking,
    MeshTerm,
    OfficialRole,
    OverallStatus,
    Phase,
    ReferenceType,
    Sex,
    SourceDocument,
    StudyType,
    Trial,
    WebLink,
)
from trialkg.parsers import ctgov_xml, parse_file

DATA = kit.CTGOV
#: Real records with a golden record (hand-checked against the XML).
GOLDEN_DOCS = ["NCT00513591.xml", "NCT00739713.xml", "example_study.xml", "NCT01065844.xml"]
#: The XML files in shared/ctgov that are not study records (RSS feeds of search results).
NOT_STUDIES = {"covid_search.xml", "empty_search.xml"}

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<clinical_study><brief_title>&lol9;</brief_title></clinical_study>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE clinical_study [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<clinical_study><brief_title>&xxe;</brief_title></clinical_study>
"""


_parse = partial(kit.parse_path, ctgov_xml)
_parse_text = partial(kit.parse_text, ctgov_xml, name="study.xml")


def _trial(name: str) -> Trial:
    return kit.trial_of(ctgov_xml, DATA / name)


def _study(body: str) -> Trial:
    text = f"<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info>{body}</clinical_study>"
    return kit.one_trial(ctgov_xml, text, "study.xml")


# -- golden records, field by field ----------------------------------------------------------------

#: Each record against tests/golden/records/ctgov, field by field; `--update-goldens` (see parser_testkit).
TestGoldenRecords = kit.golden_record_tests(ctgov_xml, GOLDEN_DOCS)


@pytest.mark.parametrize("doc", GOLDEN_DOCS)
def test_plain_values_equal_the_raw_xml(doc: str) -> None:
    """An oracle independent of the parser: values read straight from the XML tree."""
    root = ET.parse(DATA / doc).getroot()
    t = _trial(doc)
    assert t.nct_id == root.findtext("id_info/nct_id")
    assert t.org_study_id == root.findtext("id_info/org_study_id")
    assert t.brief_title == root.findtext("brief_title")
    assert t.lead_sponsor == root.findtext("sponsors/lead_sponsor/agency")
    assert list(t.collaborators) == [e.text for e in root.findall("sponsors/collaborator/agency")]
    assert list(t.conditions) == [e.text for e in root.findall("condition")]
    assert list(t.keywords) == [e.text for e in root.findall("keyword")]
    assert [a.label for a in t.arms] == [e.text for e in root.findall("arm_group/arm_group_label")]
    assert [i.name for i in t.interventions] == [e.text for e in root.findall("intervention/intervention_name")]
    assert [loc.city for loc in t.locations] == [e.text for e in root.findall("location/facility/address/city")]
    assert t.enrollment == int(root.findtext("enrollment") or 0) or t.enrollment is None
    assert t.has_results is (root.find("clinical_results") is not None)


def test_fields_beyond_the_record_contract() -> None:
    """Hand-checked against the XML: design codes, arm types, sites, references, MeSH, links."""
    t = _trial("NCT00739713.xml")
    assert t.phases == (Phase.NA,) and t.study_type is StudyType.INTERVENTIONAL
    assert (t.allocation, t.intervention_model, t.masking) == (
        Allocation.RANDOMIZED, InterventionModel.PARALLEL, Masking.QUADRUPLE
    )  # fmt: skip
    assert [a.type for a in t.arms] == [ArmGroupType.EXPERIMENTAL, ArmGroupType.PLACEBO_COMPARATOR]
    assert t.arms[0].intervention_names == ("Sea buckthorn (Hippophaë rhamnoides) oil",)
    assert (t.locations[0].zip, t.locations[0].country) == ("20014", "Finland")
    assert {r.type for r in t.references} == {ReferenceType.BACKGROUND, ReferenceType.RESULT}
    assert t.condition_meshes == (MeshTerm("", "Dry Eye Syndromes"), MeshTerm("", "Keratoconjunctivitis Sicca"))
    assert (t.min_age, t.max_age, t.sex, t.healthy_volunteers) == ("20 Years", "75 Years", Sex.ALL, True)
    assert (t.start_date, t.status_verified_date, t.first_posted) == ("2008-09", "2017-03", "2008-08-22")
    assert t.officials[0].role is OfficialRole.STUDY_DIRECTOR

    t = _trial("NCT00513591.xml")
    assert t.locations[0].status is OverallStatus.RECRUITING
    assert t.see_also_links == (
        WebLink("http://www.dukehealth.org/locations/duke_lupus_clinic", "The Duke Lupus Clinic website"),
    )
    assert t.healthy_volunteers is True and t.max_age is None and t.responsible_party_type == "SPONSOR"
    assert t.brief_summary is not None and t.brief_summary.startswith(
        "It is difficult to predict how a women with an autoimmune disease will do during pregnancy. Some women"
    )
    assert "\n\nThe Duke Autoimmunity in Pregnancy (DAP) Registry will enroll" in t.brief_summary
    # nested items under a bullet are items of their own
    assert "Lupus (systemic lupus erythematosus or cutaneous lupus)" in t.inclusion_criteria

    t = _trial("example_study.xml")  # the older one-line <study_design>, secondary ids, PDQ-style criteria
    assert t.primary_purpose is not None and t.primary_purpose.value == "TREATMENT"
    assert [s.identifier for s in t.secondary_ids] == ["CDR0000076913", "NCI-V91-0075"]
    # Issue 19: PDQ sections without inclusion/exclusion headings are criteria, each with its section.
    assert "Age: 18 and over" in t.inclusion_criteria and t.exclusion_criteria == ()
    assert not any("DISEASE CHARACTERISTICS:" in u for u in t.unmapped)
    assert {s.name for s in t.criteria_sections} == {
        "DISEASE CHARACTERISTICS", "PATIENT CHARACTERISTICS", "PRIOR CONCURRENT THERAPY"
    }  # fmt: skip

    t = _trial("NCT01065844.xml")
    assert t.has_results is True


def test_older_one_line_design_is_read() -> None:
    design = (
        "Allocation: Randomized, Endpoint Classification: Safety/Efficacy Study, Intervention Model: Factorial "
        "Assignment, Masking: Double Blind (Subject, Investigator), Primary Purpose: Treatment"
    )
    t = _study(f"<study_design>{design}</study_design>")
    assert (t.allocation, t.intervention_model, t.masking) == (
        Allocation.RANDOMIZED, InterventionModel.FACTORIAL, Masking.DOUBLE
    )  # fmt: skip
    t = _study("<study_design>Masking: Open Label, Primary Purpose: Prevention</study_design>")
    assert t.masking is Masking.NONE and t.primary_purpose is not None


@pytest.mark.parametrize(
    ("element", "field", "expected"),
    [
        ("<phase>Phase 1/Phase 2</phase>", "phases", (Phase.PHASE1, Phase.PHASE2)),
        ("<phase>N/A</phase>", "phases", (Phase.NA,)),
        ("<phase>Early Phase 1</phase>", "phases", (Phase.EARLY_PHASE1,)),
        ("<overall_status>Unknown status</overall_status>", "overall_status", OverallStatus.UNKNOWN),
        ("<overall_status>Active, not recruiting</overall_status>", "overall_status",
         OverallStatus.ACTIVE_NOT_RECRUITING),
        ("<study_type>Observational [Patient Registry]</study_type>", "study_type", StudyType.OBSERVATIONAL),
        ("<study_type>Expanded Access</study_type>", "study_type", StudyType.EXPANDED_ACCESS),
        ("<study_design_info><allocation>Non-Randomized</allocation></study_design_info>", "allocation",
         Allocation.NON_RANDOMIZED),
        ("<study_design_info><allocation>N/A</allocation></study_design_info>", "allocation", Allocation.NA),
        ("<study_design_info><intervention_model>Single Group Assignment</intervention_model></study_design_info>",
         "intervention_model", InterventionModel.SINGLE_GROUP),
        ("<study_design_info><masking>None (Open Label)</masking></study_design_info>", "masking", Masking.NONE),
        ("<eligibility><gender>Both</gender></eligibility>", "sex", Sex.ALL),
        ("<eligibility><minimum_age>6 Months</minimum_age></eligibility>", "min_age", "6 Months"),
        ("<eligibility><healthy_volunteers>No</healthy_volunteers></eligibility>", "healthy_volunteers", False),
        ("<completion_date>June 2019</completion_date>", "completion_date", "2019-06"),
        ("<study_first_posted>June 9, 2017</study_first_posted>", "first_posted", "2017-06-09"),
        ("<enrollment type=\"Actual\">42</enrollment>", "enrollment", 42),
        ("<sponsors><lead_sponsor><agency>US Army</agency><agency_class>U.S. Fed</agency_class></lead_sponsor>"
         "</sponsors>", "organizations", "FED"),
        ("<patient_data><sharing_ipd>Undecided</sharing_ipd></patient_data>", "ipd_sharing", "UNDECIDED"),
        ("<responsible_party><responsible_party_type>Sponsor-Investigator</responsible_party_type>"
         "</responsible_party>", "responsible_party_type", "SPONSOR_INVESTIGATOR"),
        ("<id_info><nct_alias>NCT00980226</nct_alias></id_info>", "nct_id_aliases", ("NCT00980226",)),
    ],
)  # fmt: skip
def test_legacy_labels_become_codes(element: str, field: str, expected: object) -> None:
    body = element.replace("<id_info>", "<id_info><nct_id>NCT07654321</nct_id>")
    (t,) = _parse_text(f"<clinical_study>{body}</clinical_study>")
    value = getattr(t, field)
    if field == "organizations":
        value = value[0].agency_class.value
    assert value == expected


def test_an_arm_receives_the_interventions_that_name_it() -> None:
    t = _study(
        "<arm_group><arm_group_label>A</arm_group_label><arm_group_type>Active Comparator</arm_group_type></arm_group>"
        "<arm_group><arm_group_label>B</arm_group_label></arm_group>"
        "<intervention><intervention_type>Drug</intervention_type><intervention_name>X</intervention_name>"
        "<arm_group_label>A</arm_group_label><arm_group_label>B</arm_group_label><other_name>X1</other_name>"
        "</intervention>"
        "<intervention><intervention_type>Dietary Supplement</intervention_type><intervention_name>Y"
        "</intervention_name><arm_group_label>A</arm_group_label></intervention>"
    )
    assert [a.intervention_names for a in t.arms] == [("X", "Y"), ("X",)]
    assert t.arms[0].type is ArmGroupType.ACTIVE_COMPARATOR
    assert [(i.type.value if i.type else None, i.other_names) for i in t.interventions] == [
        ("DRUG", ("X1",)), ("DIETARY_SUPPLEMENT", ()),
    ]  # fmt: skip


def test_unreadable_values_and_unknown_elements_are_kept_aside() -> None:
    t = _study(
        "<overall_status>Paused</overall_status><start_date>Someday 2019</start_date><phase>Phase 7</phase>"
        "<enrollment>many</enrollment><eligibility><minimum_age>adult</minimum_age></eligibility>"
        "<new_element>new text</new_element><reference><PMID>abc</PMID><citation>A. B. 2000.</citation></reference>"
    )
    assert (t.overall_status, t.start_date, t.phases, t.enrollment, t.min_age) == (None, None, (), None, None)
    assert t.references[0].pmid is None
    notes = "\n".join(t.unmapped)
    for expected in ("overall_status: unknown OverallStatus 'Paused'", "start_date: not a date: Someday 2019",
                     "phase: not a phase: Phase 7", "enrollment: not a number of participants: many",
                     "minimum_age: not an age: adult", "new_element: not read (new text)",
                     "reference/PMID: not a PubMed id: abc"):  # fmt: skip
        assert expected in notes, f"{expected!r} not in unmapped:\n{notes}"


def test_textblock_normalises_hard_wrapping() -> None:
    text = "\n      A first line\n      wrapped.\n\n      -  a bullet\n         continued\n      -  another\n    "
    assert ctgov_xml.textblock(text) == "A first line wrapped.\n\n-  a bullet continued\n-  another"
    assert ctgov_xml.textblock("   \n  ") is None


# -- every real record in shared/ctgov -------------------------------------------------------------


def _parse_xml_folders(folders: list[Path]) -> tuple[int, set[str]]:
    """(studies read, names of files rejected) for every XML file under `folders`."""
    studies, rejected = 0, set()
    for path in sorted(p for folder in folders for p in folder.rglob("*.xml")):
        try:
            trials = list(parse_file(path))
        except RecordParseError as exc:
            assert str(path) in str(exc) and "not a study record" in str(exc), str(exc)
            rejected.add(path.name)
            continue
        assert len(trials) == 1 and isinstance(trials[0], Trial), path.name
        assert trials[0].source.format == ctgov_xml.FORMAT and trials[0].nct_id, path.name
        studies += 1
    return studies, rejected


@pytest.mark.slow
@kit.needs_shared_ctgov
def test_every_shared_xml_file_parses_or_is_rejected_by_name() -> None:
    """The topic folders' XML: as many studies as shared/ctgov/README.md states, the 2 RSS feeds rejected by name."""
    counts = kit.readme_study_counts()
    folders = [f for f in counts if f.endswith("/xml")]
    studies, rejected = _parse_xml_folders([kit.SHARED_CTGOV / f for f in folders])
    assert folders and rejected == NOT_STUDIES
    assert studies == sum(counts[f] for f in folders)


@pytest.mark.slow
@kit.needs_shared_ctgov
def test_every_record_of_the_big_xml_folder_parses() -> None:
    counts = kit.readme_study_counts()
    studies, rejected = _parse_xml_folders([kit.SHARED_CTGOV / kit.BIG_XML_FOLDER])
    assert not rejected
    assert studies == counts[kit.BIG_XML_FOLDER] > 6000


# -- bad and unsafe input ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(NOT_STUDIES))
def test_rss_search_results_are_not_study_records(name: str) -> None:
    path = DATA / name
    with pytest.raises(RecordParseError, match=rf"{name}: not a study record.*<rss>"):
        list(parse_file(path))
    with pytest.raises(RecordParseError, match="not a study record"):
        _parse(path)


@pytest.mark.parametrize(("text", "message"), [(BILLION_LAUGHS, "refused"), (EXTERNAL_ENTITY, "refused")])
def test_dtds_and_entities_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "evil.xml"
    path.write_text(text, encoding="utf-8")
    for parse in (lambda: _parse(path), lambda: list(parse_file(path))):
        with pytest.raises(RecordParseError, match=rf"evil\.xml: {message}"):
            parse()


def test_entity_declaration_without_a_doctype_keyword_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "entity.xml"
    path.write_text('<!DOCTYPE x [<!ENTITY a "b">]><clinical_study><brief_title>&a;</brief_title></clinical_study>')
    with pytest.raises(RecordParseError, match="entity.xml: refused"):
        _parse(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"<clinical_study><brief_title>cut", "not well-formed XML"),
        (b"<html><body>Study page</body></html>", "not a study record"),
        (b"<clinical_study/>", "states no trial field"),
        (b'<?xml version="1.0" encoding="klingon"?><clinical_study/>', "entity.xml"),
    ],
)
def test_unusable_file_raises_naming_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    kit.assert_unusable_file_error(ctgov_xml, tmp_path / "entity.xml", content, message)


def test_deep_nesting_is_read_without_crashing(tmp_path: Path) -> None:
    depth = 100_000
    path = tmp_path / "deep.xml"
    path.write_bytes(
        b"<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info><brief_title>T</brief_title>"
        + b"<x>" * depth + b"</x>" * depth + b"</clinical_study>"
    )  # fmt: skip
    (trial,) = _parse(path)
    assert trial.brief_title == "T" and "x: not read (empty)" in trial.unmapped


def test_missing_file_is_a_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "missing.xml"
    source = SourceDocument(path.name, ctgov_xml.FORMAT, "0" * 64)
    kit.assert_missing_file_is_a_parse_error(ctgov_xml, path, source, match="missing.xml")


def test_empty_file_through_parse_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xml"
    path.write_bytes(b"")
    with pytest.raises(RecordParseError, match="empty"):
        list(parse_file(path))


# -- format detection --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GOLDEN_DOCS)
def test_sniff_is_sure_of_study_xml(name: str) -> None:
    kit.assert_sniffed_as(ctgov_xml, DATA / name, 90)


def test_sniff_of_other_text() -> None:
    assert ctgov_xml.sniff('{"protocolSection": {}}') == 0
    assert ctgov_xml.sniff("Study NCT ID: NCT01234567") == 0
    assert 30 <= ctgov_xml.sniff((DATA / "empty_search.xml").read_text(encoding="utf-8")) < 50


# -- property tests: only RecordParseError may escape ------------------------------------------------


def _run(content: bytes) -> None:
    with kit.temp_document("input.xml", content) as path:
        for parse in (lambda: list(parse_file(path)), lambda: _parse(path)):
            try:
                results = parse()
            except RecordParseError:
                continue
            assert all(isinstance(r, (Trial, RecordParseError)) for r in results)


@kit.fuzz(150)
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda s: f"<clinical_study>{s}".encode("utf-8", "replace")))
def test_arbitrary_bytes_raise_only_parse_errors(data: bytes) -> None:
    _run(data)


_TEMPLATE = (DATA / "NCT00739713.xml").read_text(encoding="utf-8")
_LEAVES = [e.tag for e in ET.fromstring(_TEMPLATE).iter() if len(e) == 0]
xml_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


@kit.fuzz(150)
@given(st.data())
def test_a_study_with_any_text_anywhere_still_parses(data: st.DataObject) -> None:
    root = ET.fromstring(_TEMPLATE)
    for _ in range(data.draw(st.integers(1, 5))):
        tag = data.draw(st.sampled_from(_LEAVES))
        nodes = list(root.iter(tag))
        if not nodes:  # dropped by an earlier step
            continue
        node = nodes[data.draw(st.integers(0, len(nodes) - 1))]
        action = data.draw(st.sampled_from(["text", "child", "drop"]))
        if action == "text":
            node.text = "".join(c for c in data.draw(xml_text) if c.isprintable() or c in "\n\t")
        elif action == "child":
            ET.SubElement(node, data.draw(st.sampled_from(_LEAVES))).text = data.draw(st.sampled_from(["", "x", "1"]))
        else:
            for parent in root.iter():
                if node in list(parent):
                    parent.remove(node)
                    break
    with kit.temp_document("study.xml", ET.tostring(root, encoding="utf-8")) as path:
        try:
            (trial,) = _parse(path)
        except RecordParseError as exc:
            assert "states no trial field" in str(exc)
            return
    assert isinstance(trial, Trial)
