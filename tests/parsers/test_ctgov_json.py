"""The ClinicalTrials.gov API v2 JSON parser: golden studies, the real downloads in shared/ctgov,
arrays, pages and zips built from the fixtures, bad input, and property tests on arbitrary input."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import zipfile
from functools import partial
from pathlib import Path
from typing import Any

import parser_testkit as kit
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples
from trialkg.errors import RecordParseError
from trialkg.model import ArmGroupType, MeshLeaf, MeshTerm, OverallStatus, ReferenceType, SourceDocument, Trial, WebLink
from trialkg.parsers import criteria_text, ctgov_json, parse_file, source_document

DATA = kit.CTGOV
#: Real studies with a golden record (hand-checked against the JSON).
GOLDEN_DOCS = ["NCT02063061.json", "NCT03862547.json", "NCT04207047.json"]
#: A real record the AACT project cut down by hand: identification only, titles ending in '...'.
MINIMAL = DATA / "NCT03453554.json"
STUDIES = [DATA / name for name in GOLDEN_DOCS]

_parse = partial(kit.parse_path, ctgov_json)
_record = kit.record_of


def _trial(name: str) -> Trial:
    return kit.trial_of(ctgov_json, DATA / name)


def _raw(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


# -- golden records, field by field ----------------------------------------------------------------

#: Each study's record against tests/golden/records/ctgov, field by field; `--update-goldens` (see parser_testkit).
TestGoldenRecords = kit.golden_record_tests(ctgov_json, GOLDEN_DOCS)


@pytest.mark.parametrize("doc", GOLDEN_DOCS)
def test_scalars_equal_the_raw_json(doc: str) -> None:
    """An oracle independent of the parser: the plain values as the JSON states them."""
    raw = _raw(doc)
    p = raw["protocolSection"]
    ident, status, design = p["identificationModule"], p["statusModule"], p["designModule"]
    t = _trial(doc)
    assert t.nct_id == ident["nctId"]
    assert t.org_study_id == ident["orgStudyIdInfo"]["id"]
    assert t.brief_title == ident["briefTitle"]
    assert t.official_title == ident.get("officialTitle")
    assert t.overall_status is not None and t.overall_status.value == status["overallStatus"]
    assert t.start_date == status["startDateStruct"]["date"]
    assert t.completion_date == status["completionDateStruct"]["date"]
    assert t.primary_completion_date == status["primaryCompletionDateStruct"]["date"]
    assert t.first_posted == status["studyFirstPostDateStruct"]["date"]
    assert t.last_update_posted == status["lastUpdatePostDateStruct"]["date"]
    assert [ph.value for ph in t.phases] == design.get("phases", [])
    assert t.enrollment == design["enrollmentInfo"]["count"]
    assert t.lead_sponsor == p["sponsorCollaboratorsModule"]["leadSponsor"]["name"]
    assert list(t.conditions) == p["conditionsModule"]["conditions"]
    assert t.has_results is raw["hasResults"]
    locations = p.get("contactsLocationsModule", {}).get("locations", [])
    assert [(loc.city, loc.zip) for loc in t.locations] == [(loc["city"], loc.get("zip")) for loc in locations]
    arms = p["armsInterventionsModule"]["armGroups"]
    assert [a.label for a in t.arms] == [a["label"] for a in arms]
    names = {i.name for i in t.interventions}
    assert all(n in names for a in t.arms for n in a.intervention_names), "an arm names an unknown intervention"


def test_fields_beyond_the_record_contract() -> None:
    """Fields `to_record` does not show (arm types, site geo/zip/status, MeSH, links...), hand-checked."""
    t = _trial("NCT02063061.json")
    assert [a.type for a in t.arms] == [ArmGroupType.SHAM_COMPARATOR, ArmGroupType.ACTIVE_COMPARATOR]
    # 'Device: Sham treatment' in the arm is the intervention named 'Sham treatment'
    assert t.arms[0].intervention_names == ("Sham treatment", "ESWT treatment")
    (site,) = t.locations
    assert (site.facility, site.zip, site.latitude, site.longitude) == (
        "Hospital of Southern Denmark", "6400", 54.90896, 9.78924
    )  # fmt: skip
    assert t.see_also_links[0] == WebLink("http://komite.regionsyddanmark.dk/wm258128", "regional ethical committee")
    assert {r.type for r in t.references} == {ReferenceType.RESULT}
    assert t.references[0].pmid == "23554844" and t.references[0].doi == "10.1177/1756287212470696"
    assert t.responsible_party_type == "SPONSOR_INVESTIGATOR"
    assert (t.responsible_party_name, t.responsible_party_affiliation) == (
        "Grzegorz Fojecki", "University of Southern Denmark"
    )  # fmt: skip
    assert t.ipd_sharing == "NO" and t.has_dmc is True
    assert t.condition_meshes == (MeshTerm("D000007172", "Erectile Dysfunction"),)
    assert MeshTerm("D000001523", "Mental Disorders") in t.condition_mesh_ancestors
    assert t.condition_mesh_leaves[0] == MeshLeaf("Erectile Dysfunction", "Erectile Dysfunction", "HIGH")
    assert [o.time_frame for o in t.other_outcomes] == ["18 weeks", "18 weeks"]
    assert t.primary_completion_date == "2014-08"

    t = _trial("NCT03862547.json")
    assert t.last_known_status is OverallStatus.RECRUITING
    assert t.locations and all(loc.status is not None for loc in t.locations)


def test_markdown_escapes_are_kept_as_the_registry_writes_them() -> None:
    """The registry escapes Markdown ('\\>18 years'); trialkg keeps its text losslessly, as pages show it."""
    text = "Inclusion Criteria:\n\n* Age \\>18 years\n* BMI \\< 30 \\[kg/m2\\]\n\nExclusion Criteria:\n\n* None"
    study = {"protocolSection": {"eligibilityModule": {"eligibilityCriteria": text}}}
    trial = kit.one_trial(ctgov_json, json.dumps(study), "s.json")
    assert trial.inclusion_criteria == ("Age \\>18 years", "BMI \\< 30 \\[kg/m2\\]")


def test_minimal_hand_edited_record() -> None:
    (t,) = _parse(MINIMAL)
    assert isinstance(t, Trial)
    assert (t.nct_id, t.org_study_id, t.brief_title) == ("NCT03453554", "AZ150096", "Evaluating a Digital...")
    assert t.organizations[0].name == "Washington State University" and t.organizations[0].role is None
    assert t.has_results is False and t.overall_status is None and t.conditions == ()


# -- every real download in shared/ctgov -----------------------------------------------------------


@pytest.mark.slow
@kit.needs_shared_ctgov
def test_every_shared_json_file_parses() -> None:
    files = sorted(kit.SHARED_CTGOV.rglob("*.json"))
    studies = 0
    for path in files:
        trials = list(parse_file(path))
        errors = [t for t in trials if isinstance(t, RecordParseError)]
        assert not errors, [str(e) for e in errors]
        assert all(isinstance(t, Trial) and t.source.format == ctgov_json.FORMAT for t in trials)
        studies += len(trials)
        ids = [t.nct_id for t in trials if isinstance(t, Trial)]
        if path.name.startswith("study_data_"):  # AACT's edited copies: 'NCT000001' is no NCT id
            assert ids == [None], path.name
            continue
        assert all(ids), f"{path.name}: a study without an NCT id"
        assert len(ids) == len(set(ids)), f"{path.name}: an NCT id twice in one file"
    assert studies == 1002  # 635 + 128 + 120 + 100 + 19 (see shared/ctgov/README.md)


# -- arrays, pages and zips --------------------------------------------------------------------------


def test_array_page_and_single_object_give_the_same_trials(tmp_path: Path) -> None:
    raws = [_raw(name) for name in GOLDEN_DOCS]
    singles = [_record(_trial(name)) for name in GOLDEN_DOCS]
    array = _write_json(tmp_path / "array.json", raws)
    page = _write_json(tmp_path / "page.json", {"studies": raws, "nextPageToken": "NF0g5JGBlPMu"})
    counted = _write_json(tmp_path / "counted.json", {"totalCount": 3, "studies": raws})
    for path in (array, page, counted):
        trials = _parse(path)
        assert all(isinstance(t, Trial) for t in trials), trials
        assert [_record(t) for t in trials if isinstance(t, Trial)] == singles
        source = source_document(path, ctgov_json.FORMAT)
        assert {t.source for t in trials if isinstance(t, Trial)} == {source}
    assert [t.nct_id for t in parse_file(array) if isinstance(t, Trial)] == [s["nct_id"] for s in singles]


def test_zip_members_are_parsed_each_with_its_own_source(tmp_path: Path) -> None:
    archive = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in GOLDEN_DOCS:
            zf.write(DATA / name, name)
        zf.writestr("more/array.json", json.dumps([_raw(GOLDEN_DOCS[0]), _raw(GOLDEN_DOCS[1])]))
        zf.writestr("notes.txt", "not json")
        zf.writestr("__MACOSX/._NCT02063061.json", b"\x00\x05\x16\x07")
        zf.writestr("empty/", "")
    results = list(parse_file(archive))
    trials = [t for t in results if isinstance(t, Trial)]
    errors = [e for e in results if isinstance(e, RecordParseError)]
    assert [t.nct_id for t in trials] == ["NCT02063061", "NCT03862547", "NCT04207047", "NCT02063061", "NCT03862547"]
    for t, name in zip(trials[:3], GOLDEN_DOCS, strict=True):
        assert t.source == SourceDocument(
            f"{archive.name}/{name}", ctgov_json.FORMAT, hashlib.sha256((DATA / name).read_bytes()).hexdigest()
        )
        assert _record(t) == _record(_trial(name))
    assert {t.source.file_name for t in trials[3:]} == {f"{archive.name}/more/array.json"}
    (error,) = errors
    assert error.where == "notes.txt" and str(archive) in str(error) and "not JSON" in str(error)


def test_zip_that_is_not_readable_is_a_parse_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(RecordParseError, match="broken.zip"):
        list(parse_file(broken))
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("folder/", "")
    with pytest.raises(RecordParseError, match="holds no files"):
        list(ctgov_json.parse(empty, source_document(empty, ctgov_json.FORMAT)))


def test_a_corrupt_member_is_reported_and_the_rest_still_read(tmp_path: Path) -> None:
    archive = tmp_path / "bulk.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("a.json", json.dumps(_raw(GOLDEN_DOCS[0])))
        zf.writestr("b.json", json.dumps(_raw(GOLDEN_DOCS[1])))
    data = bytearray(archive.read_bytes())
    at = data.index(b"NCT02063061") + 2  # inside a.json's stored bytes: its CRC no longer holds
    data[at] = ord("X")
    archive.write_bytes(bytes(data))
    results = list(parse_file(archive))
    assert isinstance(results[0], RecordParseError) and results[0].where == "a.json"
    assert isinstance(results[1], Trial) and results[1].nct_id == "NCT03862547"


def test_arrays_are_streamed_studies_before_a_break_are_kept(tmp_path: Path) -> None:
    """A cut-off array still yields the studies before the cut, then the error: read one at a time."""
    text = json.dumps([_raw(name) for name in GOLDEN_DOCS])
    cut = text.index('{"protocolSection"', len(json.dumps(_raw(GOLDEN_DOCS[0]))) + 5) + 200
    path = tmp_path / "cut.json"
    path.write_text(text[:cut], encoding="utf-8")
    results = _parse(path)
    assert [type(r).__name__ for r in results] == ["Trial", "Trial", "RecordParseError"]
    error = results[-1]
    assert isinstance(error, RecordParseError)
    assert error.where == "item 2" and "truncated" in error.problem and f"byte {cut}" in error.problem


# -- bad input ------------------------------------------------------------------------------------------


def test_truncated_single_study_raises_with_the_position(tmp_path: Path) -> None:
    text = (DATA / GOLDEN_DOCS[0]).read_text(encoding="utf-8")
    path = tmp_path / "truncated.json"
    path.write_text(text[:5000], encoding="utf-8")
    with pytest.raises(RecordParseError, match=r"truncated\.json.*truncated JSON.*byte 5000"):
        _parse(path)


def test_non_study_in_the_middle_of_an_array_is_yielded_and_the_rest_read(tmp_path: Path) -> None:
    values = [_raw(GOLDEN_DOCS[0]), {"query": "x", "total": 3}, 42, _raw(GOLDEN_DOCS[1])]
    results = _parse(_write_json(tmp_path / "mixed.json", values))
    kinds = [type(r).__name__ for r in results]
    assert kinds == ["Trial", "RecordParseError", "RecordParseError", "Trial"]
    assert results[1].where == "item 1" and "no 'protocolSection'" in str(results[1])  # type: ignore[union-attr]
    assert results[2].where == "item 2" and "mixed.json" in str(results[2])  # type: ignore[union-attr]
    page = _write_json(tmp_path / "page.json", {"studies": values})
    assert [type(r).__name__ for r in _parse(page)] == kinds
    assert _parse(page)[1].where == "studies item 1"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n\t ", "the file is empty"),
        (b'{"query": {"term": "lupus"}, "results": []}', "no 'protocolSection'"),
        (b'{"protocolSection": "none"}', "'protocolSection' is text"),
        (b"[]", "empty JSON array"),
        (b'{"studies": [], "nextPageToken": null}', "API page with no studies"),
        (b'"NCT01234567"', "not JSON"),
        (b"12", "not JSON"),
        (b"<html></html>", "not JSON"),
        (b'{"protocolSection": {}} trailing', "invalid JSON"),
        (b'{"protocolSection": {"a": tru}}', "invalid JSON"),
        (b"\xff\xfe\x00\xd8", "UTF-16"),
    ],
)
def test_unusable_file_raises_naming_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    kit.assert_unusable_file_error(ctgov_json, tmp_path / "input.json", content, message)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested more than 1,000 levels deep"),
        (b'{"protocolSection": {"x": ' + b'[{"a": ' * 30_000 + b"1" + b"}]" * 30_000 + b"}}", "nested more than"),
        (b'{"protocolSection": {"designModule": {"enrollmentInfo": {"count": 1' + b"0" * 5000 + b"}}}}", "digits"),
    ],
)
def test_input_that_would_crash_ijson_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    """Deep nesting costs ijson memory in depth squared, and a 5,000-digit integer crashes its C backend."""
    path = tmp_path / "hostile.json"
    path.write_bytes(content)
    with pytest.raises(RecordParseError, match=rf"hostile\.json: refused at or before byte \d+: .*{message}"):
        list(parse_file(path))


def test_brackets_and_digits_inside_strings_are_only_text(tmp_path: Path) -> None:
    study = _raw(GOLDEN_DOCS[0])
    title = "[{" * 3000 + ' \\" ' + "}]" * 10 + "7" * 3000
    study["protocolSection"]["identificationModule"]["briefTitle"] = title
    study["protocolSection"]["identificationModule"]["acronym"] = "\\" * 3
    (trial,) = _parse(_write_json(tmp_path / "brackets.json", [study]))
    assert isinstance(trial, Trial) and trial.brief_title == title and trial.acronym == "\\" * 3


def test_missing_file_is_a_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "missing.json"
    source = SourceDocument(path.name, ctgov_json.FORMAT, "0" * 64)
    kit.assert_missing_file_is_a_parse_error(ctgov_json, path, source, match="missing.json")


def test_bom_and_utf16_are_read(tmp_path: Path) -> None:
    text = (DATA / GOLDEN_DOCS[0]).read_text(encoding="utf-8")
    for encoding in ("utf-8-sig", "utf-16"):
        path = tmp_path / f"{encoding}.json"
        path.write_bytes(text.encode(encoding))
        (trial,) = list(parse_file(path))
        assert isinstance(trial, Trial) and _record(trial) == _record(_trial(GOLDEN_DOCS[0]))


def test_wrong_types_unknown_codes_and_impossible_dates_are_kept_aside(tmp_path: Path) -> None:
    study = _raw(GOLDEN_DOCS[0])
    p = study["protocolSection"]
    p["identificationModule"]["briefTitle"] = 5
    p["statusModule"]["overallStatus"] = "RUNNING"
    p["statusModule"]["startDateStruct"] = {"date": "2019-13-45"}
    p["statusModule"]["completionDateStruct"] = ["2020-01"]
    p["designModule"]["phases"] = "PHASE2"
    p["designModule"]["enrollmentInfo"]["count"] = "many"
    p["eligibilityModule"]["healthyVolunteers"] = "Yes"
    p["eligibilityModule"]["minimumAge"] = "adults"
    p["contactsLocationsModule"]["locations"][0]["geoPoint"] = {"lat": 123.0, "lon": "east"}
    p["armsInterventionsModule"]["armGroups"].insert(0, "an arm")
    p["conditionsModule"]["keywords"].append({"term": "x"})
    p["newModule"] = {"x": 1}
    (trial,) = _parse(_write_json(tmp_path / "edited.json", study))
    assert isinstance(trial, Trial)
    assert trial.brief_title is None and trial.overall_status is None and trial.start_date is None
    assert trial.completion_date is None and trial.phases == () and trial.enrollment is None
    assert trial.healthy_volunteers is None and trial.min_age is None
    assert trial.locations[0].latitude is None and trial.locations[0].longitude is None
    assert len(trial.arms) == 2 and trial.keywords == _trial(GOLDEN_DOCS[0]).keywords
    notes = "\n".join(trial.unmapped)
    for expected in (
        "identificationModule.briefTitle: expected text, got a number (5)",
        "statusModule.overallStatus: unknown OverallStatus code 'RUNNING'",
        "statusModule.startDateStruct.date: not a date: 2019-13-45",
        "statusModule.completionDateStruct: expected an object, got an array",
        "designModule.phases: expected an array, got text (PHASE2)",
        "designModule.enrollmentInfo.count: expected a whole number of participants, got text (many)",
        "eligibilityModule.healthyVolunteers: expected true/false, got text (Yes)",
        "eligibilityModule.minimumAge: not an age: adults",
        "geoPoint.lat: out of range: 123.0",
        "geoPoint.lon: expected a number, got text (east)",
        "armsInterventionsModule.armGroups[0]: expected an object, got text (an arm)",
        "conditionsModule.keywords[2]: expected text, got an object",
        "protocolSection.newModule: not read (an object)",
    ):
        assert expected in notes, f"{expected!r} not in unmapped:\n{notes}"
    # the rest of the study is read as before
    assert trial.nct_id == "NCT02063061" and trial.inclusion_criteria == _trial(GOLDEN_DOCS[0]).inclusion_criteria


def test_arm_intervention_names_lose_the_type_prefix_or_come_from_the_interventions(tmp_path: Path) -> None:
    arms = {
        "armGroups": [
            {"label": "A", "interventionNames": ["Drug: Sildenafil", "Dietary Supplement: Zinc", "Other: Drug: X"]},
            {"label": "B"},
        ],
        "interventions": [
            {"type": "DRUG", "name": "Sildenafil", "armGroupLabels": ["A", "B"]},
            {"type": "DIETARY_SUPPLEMENT", "name": "Zinc", "armGroupLabels": ["A"]},
            {"type": "OTHER", "name": "Drug: X", "armGroupLabels": ["A"]},
        ],
    }
    study = {"protocolSection": {"armsInterventionsModule": arms}}
    (trial,) = _parse(_write_json(tmp_path / "arms.json", study))
    assert isinstance(trial, Trial)
    assert [a.intervention_names for a in trial.arms] == [("Sildenafil", "Zinc", "Drug: X"), ("Sildenafil",)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Inclusion Criteria:", ("inclusion", "", "")),
        ("EXCLUSION CRITERIA", ("exclusion", "", "")),
        ("Key Exclusion Criteria:", ("exclusion", "", "")),
        ("Non-inclusion criteria:", ("exclusion", "", "")),
        ("[Inclusion Criteria]", ("inclusion", "", "")),
        ("* Exclusion Criteria:", ("exclusion", "", "")),
        ("1. Inclusion Criteria", ("inclusion", "", "")),
        ("Inclusion Criteria:• Age 20 to 45;", ("inclusion", "", "Age 20 to 45;")),
        ("Exclusion Criteria: none", ("exclusion", "", "none")),
        ("Inclusion criteria were as follows:", ("inclusion", "", "")),
        ("For inclusion in the study subjects should fulfill the following criteria:", ("inclusion", "", "")),
        ("* Stable relationship Exclusion Criteria:", ("exclusion", "Stable relationship", "")),
        ("* Patient meets the inclusion criteria for trial entry", None),
        ("* Other exclusion criteria apply according to the US Product Information", None),
        ("Other inclusion and exclusion criteria may apply.", None),
        ("Further inclusion criteria apply.", None),
        ("Biological Mother Inclusion/Exclusion:", None),
        ("5. fMRI exclusion only: Any factors that would prevent participation", None),
        ("* Age <18 years at the time of inclusion", None),
    ],
)
def test_criteria_headings(line: str, expected: tuple[str, str, str] | None) -> None:
    assert criteria_text.criteria_heading(line) == expected


def test_criteria_split_keeps_sub_headings_and_text_outside_headings() -> None:
    text = (
        "Eligibility for all:\n\n"
        "Inclusion Criteria:\n\nFor adults:\n\n* Age 18\n* Consent\n  given in writing\n\nFor parents:\n\n* Carer\n\n"
        "Exclusion Criteria:\n\n1. Smoker\n2. Pregnant\n"
    )
    inclusion, exclusion, outside = criteria_text.split_criteria(text)
    assert inclusion == ("For adults:", "Age 18", "Consent given in writing", "For parents:", "Carer")
    assert exclusion == ("Smoker", "Pregnant")
    assert outside == ("Eligibility for all:",)


# -- format detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*GOLDEN_DOCS, MINIMAL.name])
def test_sniff_is_sure_of_study_json(name: str) -> None:
    kit.assert_sniffed_as(ctgov_json, DATA / name, 90)


def test_sniff_of_other_text() -> None:
    assert ctgov_json.sniff("Study NCT ID: NCT01234567\nBrief Title: x") == 0
    assert ctgov_json.sniff('<?xml version="1.0"?><clinical_study/>') == 0
    assert 30 <= ctgov_json.sniff('{"query": 1}') < 50  # any JSON: read, to say why it is not a study


def test_parse_file_rejects_non_study_json_naming_the_file(tmp_path: Path) -> None:
    path = _write_json(tmp_path / "other.json", {"name": "not a trial"})
    with pytest.raises(RecordParseError, match=r"other\.json.*no 'protocolSection'"):
        list(parse_file(path))


# -- property tests: only RecordParseError may escape ------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
_BASE = None


def _base() -> dict[str, Any]:
    global _BASE
    if _BASE is None:
        _BASE = _raw(GOLDEN_DOCS[1])
    return _BASE


def _paths(value: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for n, child in enumerate(value[:3]):
            out.extend(_paths(child, (*prefix, n)))
    return out


def _run(content: bytes) -> list[Trial | RecordParseError]:
    with kit.temp_document("input.json", content) as path:
        try:
            results = list(parse_file(path))
        except RecordParseError:
            return []
    assert all(isinstance(r, (Trial, RecordParseError)) for r in results)
    return results


@kit.fuzz(150)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_parse_errors(data: bytes) -> None:
    _run(data)
    kit.parse_or_error(ctgov_json, data, "input.json")


@kit.fuzz(150)
@given(json_values)
def test_arbitrary_json_values_raise_only_parse_errors(value: object) -> None:
    for wrapped in (value, [value], {"studies": [value]}, {"protocolSection": value}):
        _run(json.dumps(wrapped).encode())


@kit.fuzz(200)
@given(st.data())
def test_a_study_with_any_value_anywhere_still_parses(data: st.DataObject) -> None:
    study = copy.deepcopy(_base())
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(_paths(study)[1:]))
        parent = study
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = data.draw(json_values)
    results = _run(json.dumps(study).encode())
    if isinstance(study.get("protocolSection"), dict):
        assert len(results) == 1 and isinstance(results[0], Trial)


@kit.fuzz(80)
@given(st.integers(0, 20000), st.binary(max_size=8))
def test_cut_or_corrupted_arrays_raise_only_parse_errors(cut: int, junk: bytes) -> None:
    text = json.dumps([_base(), _base()]).encode()
    _run(text[: cut % len(text)] + junk)


def _depth_within(data: bytes, limit: int) -> bool:
    """The reference: a byte-by-byte walk of JSON nesting outside strings."""
    depth, in_string, escape = 0, False, False
    for c in data:
        if in_string:
            escape, in_string = (False, True) if escape else (c == 0x5C, c != 0x22)
        elif c == 0x22:
            in_string = True
        elif c in b"[{":
            depth += 1
            if depth > limit:
                return False
        elif c in b"]}":
            depth -= 1
    return True


@settings(max_examples=examples(300), deadline=None)
@given(
    st.lists(st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b"a", b'\\"', b"[" * 40]), max_size=400),
    st.sampled_from([1, 2, 3, 7, 64, 4096]),
)
def test_the_depth_guard_follows_strings_and_escapes_across_blocks(parts: list[bytes], block: int) -> None:
    data = b"".join(parts)
    reader = ctgov_json._Counting(io.BytesIO(data))
    try:
        while reader.read(block):
            pass
        refused = False
    except ValueError:
        refused = True
    assert refused is not _depth_within(data, ctgov_json._MAX_DEPTH)
