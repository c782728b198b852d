"""Bad input end to end (issue 9, item 1): each bad document is built by `trialkg build` together with a good
one. A rejected document gets one line on stderr naming the file, the place (line, JSON path, array item)
and the problem, and the exit code is 1; the good document's trial is in the graph all the same. Data that is
accepted (unicode, quotes, Turtle/SPARQL syntax, partial dates) comes back exactly through `show --json`, and
the exports parse.

What is accepted, repaired or rejected, and why:
- empty, binary, Latin-1, truncated or non-study JSON, DTD/entities, oversized page: rejected (nothing
  trustworthy can be read; guessing an encoding would corrupt names silently);
- UTF-16 with a BOM: accepted (the BOM says the encoding);
- "June 2019": repaired to 2019-06, the registry's own way of writing a partial date;
- "2019-13-45", an NCT id of the wrong form: a field error, the value kept as unmapped text with a warning,
  the rest of the document read;
- the same NCT id in two files: both read, differences listed in conflicts.json; twice in one JSON text:
  the repeat is a record error (one text is one named graph, which cannot hold two versions).
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner, Result
from rdflib.compare import isomorphic
from testdata import DATA, SEEDS
from trialkg.cli.main import main
from trialkg.normalize.enrich import enrich
from trialkg.parsers import HEAD_BYTES, parse_file
from trialkg.rdf.record import to_record

CTGOV = DATA / "ctgov"
#: The good document built beside every bad one, and its trial.
GOOD, GOOD_ID = CTGOV / "NCT02063061.json", "NCT02063061"
#: A study to damage, and a seed in the registry's key:value export.
STUDY = json.loads((CTGOV / "NCT04207047.json").read_text(encoding="utf-8"))
KEYVALUE = SEEDS[0]


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def build(tmp_path: Path, *docs: Path) -> tuple[Result, Path]:
    """`trialkg build DOCS... GOOD` into a fresh folder; the good document's trial must be in the graph."""
    out = tmp_path / "out"
    result = cli("build", *map(str, docs), str(GOOD), "--out", str(out), "--jobs", "1")
    assert "Traceback" not in result.stderr
    assert GOOD_ID in listed_ids(out), result.stderr
    return result, out


def listed_ids(out: Path) -> list[str]:
    result = cli("list", "--graph", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    return [t["nct_id"] for t in json.loads(result.stdout)]


def show(out: Path, ident: str) -> dict[str, Any]:
    result = cli("show", ident, "--graph", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    record: dict[str, Any] = json.loads(result.stdout)
    return record


def failure(result: Result, doc: Path) -> str:
    """The one FAILED line about `doc` (names the file, says the problem)."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("FAILED") and str(doc) in line]
    assert len(lines) == 1, result.stderr
    return lines[0]


def warnings(result: Result, doc: Path) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("warning") and str(doc) in line]


def rejected(tmp_path: Path, name: str, content: bytes, *problem: str) -> str:
    """Build a document holding `content`; it is rejected with one line saying every part of `problem`."""
    doc = tmp_path / name
    doc.write_bytes(content)
    result, out = build(tmp_path, doc)
    assert result.exit_code == 1
    line = failure(result, doc)
    for part in problem:
        assert part in line, line
    assert not any(doc.name in s for t in json.loads(cli("list", "--graph", str(out), "--json").stdout)
                   for s in t["sources"])  # fmt: skip
    return line


def study(nct_id: str = "NCT04207047", **changes: Any) -> dict[str, Any]:
    """The test study with `changes` applied: {"module.key.key": value}."""
    out = copy.deepcopy(STUDY)
    out["protocolSection"]["identificationModule"]["nctId"] = nct_id
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = out["protocolSection"]
        for key in parents:
            node = node[key]
        node[last] = value
    return out


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def parsed_record(path: Path) -> dict[str, Any]:
    (trial,) = parse_file(path)
    return to_record(enrich(trial), trial_id="", sources=[])


def assert_round_trips(out: Path, doc: Path, ident: str) -> dict[str, Any]:
    """Every field `show --json` gives equals the field as parsed from `doc`; the exports parse and agree."""
    shown = show(out, ident)
    expected = parsed_record(doc)
    for key in ("id", "sources", "provenance", "conflicts"):
        shown.pop(key, None), expected.pop(key, None)
    for key, value in expected.items():
        if isinstance(value, list) and key in ("organizations", "collaborators", "keywords"):
            assert sorted(map(repr, shown[key])) == sorted(map(repr, value)), key
        else:
            assert shown[key] == value, key
    nt = rdflib.Graph().parse(out / "trialkg.nt", format="nt")
    assert isomorphic(rdflib.Graph().parse(out / "trialkg.ttl", format="turtle"), nt)
    assert isomorphic(rdflib.Graph().parse(out / "trialkg.jsonld", format="json-ld"), nt)
    ox.Store().load(path=str(out / "trialkg.nq"), format=ox.RdfFormat.N_QUADS)
    return shown


def literals(out: Path) -> set[str]:
    return {str(o) for o in rdflib.Graph().parse(out / "trialkg.nt", format="nt").objects()}


# -- rejected: the file as a whole cannot be read -------------------------------------------------------------


def test_empty_file(tmp_path):
    rejected(tmp_path, "empty.txt", b"", "empty.txt", "the file is empty")
    rejected(tmp_path, "blank.json", b"  \n\t\n", "blank.json", "the file is empty")


def test_binary_file(tmp_path):
    rejected(tmp_path, "image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "image.png", "binary content")


def test_text_with_a_nul_byte_is_binary(tmp_path):
    text = KEYVALUE.read_bytes()
    at = text.index(b"Brief Title:")
    line = text[:at].count(b"\n") + 1
    rejected(tmp_path, "nul.txt", text[:at] + b"\x00" + text[at:], "nul.txt", f"(line {line})", "NUL byte")


def test_latin1_text_names_the_line(tmp_path):
    text = KEYVALUE.read_text(encoding="utf-8").replace("Brief Title: ", "Brief Title: Café Müller ", 1)
    line = text[: text.index("Café")].count("\n") + 1
    rejected(tmp_path, "latin1.txt", text.encode("latin-1"), "latin1.txt", f"(line {line})", "not valid UTF-8")


def test_truncated_json_names_the_json_path(tmp_path):
    data = json.dumps(STUDY).encode()
    cut = data.index(b'"eligibilityCriteria"') + 40  # inside the criteria text
    rejected(tmp_path, "cut.json", data[:cut], "cut.json", "truncated JSON",
             "(in protocolSection.eligibilityModule.eligibilityCriteria)")  # fmt: skip


def test_truncated_array_keeps_the_studies_before_the_cut(tmp_path):
    data = json.dumps([study("NCT00000101"), study("NCT00000102")]).encode()
    doc = tmp_path / "cut-array.json"
    doc.write_bytes(data[: len(data) - 500])
    result, out = build(tmp_path, doc)
    assert result.exit_code == 1
    line = failure(result, doc)
    assert "(item 1)" in line and "truncated JSON" in line and "(in item.protocolSection" in line
    assert "NCT00000101" in listed_ids(out) and "NCT00000102" not in listed_ids(out)


def test_json_that_is_not_a_study(tmp_path):
    rejected(tmp_path, "config.json", b'{"name": "x", "version": 2}', "config.json",
             "not a ClinicalTrials.gov study", "no 'protocolSection' (keys: name, version)")  # fmt: skip
    rejected(tmp_path, "numbers.json", b"[42]", "numbers.json", "(item 0)", "found a number")
    rejected(tmp_path, "text.json", b'"a study"', "text.json", "not a trial document in any known format")


def test_a_non_study_item_is_reported_and_the_rest_read(tmp_path):
    doc = write_json(tmp_path / "mixed.json", [study("NCT00000201"), {"hello": "world"}, study("NCT00000202")])
    result, out = build(tmp_path, doc)
    assert result.exit_code == 1
    assert "(item 1): not a ClinicalTrials.gov study" in failure(result, doc)
    assert {"NCT00000201", "NCT00000202"} <= set(listed_ids(out))


BILLION_LAUGHS = (
    b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
"""
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10)
    )
    + b"""]>
<clinical_study><brief_title>&lol9;</brief_title></clinical_study>
"""
)

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE clinical_study [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<clinical_study><brief_title>&xxe;</brief_title></clinical_study>
"""


def test_xml_entity_expansion_is_refused(tmp_path):
    rejected(tmp_path, "laughs.xml", BILLION_LAUGHS, "laughs.xml", "refused", "DTD")
    line = rejected(tmp_path, "xxe.xml", EXTERNAL_ENTITY, "xxe.xml", "refused", "DTD")
    assert "root:" not in line  # nothing of the entity's target is read


def test_oversized_page_is_refused_unread(tmp_path):
    doc = tmp_path / "huge.txt"
    with doc.open("wb") as fh:  # a real export's head, then a sparse hole: 200 MB on paper, nothing on disk
        fh.write(KEYVALUE.read_bytes())
        fh.write(b"Detailed Description: " + b"x" * (HEAD_BYTES))
        fh.truncate(200 * 2**20)
    result, _ = build(tmp_path, doc)
    assert result.exit_code == 1
    line = failure(result, doc)
    assert "200.0 MiB" in line and "larger than the 2 MiB a keyvalue document may be" in line


# -- accepted, repaired, or read with a field error --------------------------------------------------------------


def test_utf16_with_bom_is_read(tmp_path):
    text = KEYVALUE.read_text(encoding="utf-8").replace("Brief Title: ", "Brief Title: Café Müller – ", 1)
    (tmp_path / "utf8.txt").write_text(text, encoding="utf-8")
    for name, encoding in (("utf16.txt", "utf-16"), ("utf16be.txt", "utf-16-be")):
        data = text.encode(encoding)
        doc = tmp_path / name
        doc.write_bytes(data if encoding == "utf-16" else b"\xfe\xff" + data)
        result, out = build(tmp_path, doc)
        assert result.exit_code == 0, result.stderr
        nct = parsed_record(doc)["nct_id"]
        shown = assert_round_trips(out, doc, nct)
        assert shown["brief_title"] == parsed_record(tmp_path / "utf8.txt")["brief_title"]
        assert shown["brief_title"].startswith("Café Müller – ")
    json_doc = tmp_path / "utf16.json"
    json_doc.write_bytes(json.dumps(study("NCT00000401", **{"identificationModule.briefTitle": "Ünïcödé ✓"}),
                                    ensure_ascii=False).encode("utf-16"))  # fmt: skip
    result, out = build(tmp_path, json_doc)
    assert result.exit_code == 0, result.stderr
    assert show(out, "NCT00000401")["brief_title"] == "Ünïcödé ✓"


@pytest.mark.slow
def test_ten_thousand_criteria(tmp_path):
    criteria = [f"Criterion number {n} of many" for n in range(10_000)]
    text = "Inclusion Criteria:\n\n" + "\n".join(f"* {c}" for c in criteria) + "\n\nExclusion Criteria:\n\n* None"
    doc = write_json(tmp_path / "many.json", study("NCT00000501", **{"eligibilityModule.eligibilityCriteria": text}))
    result, out = build(tmp_path, doc)
    assert result.exit_code == 0, result.stderr
    shown = show(out, "NCT00000501")
    assert shown["inclusion_criteria"] == criteria
    assert shown["exclusion_criteria"] == ["None"]


def test_duplicate_nct_ids_in_two_files_are_merged_with_their_conflicts(tmp_path):
    a = write_json(tmp_path / "a.json", study("NCT00000601", **{"identificationModule.briefTitle": "Title A"}))
    b = write_json(tmp_path / "b.json", study("NCT00000601", **{"identificationModule.briefTitle": "Title B"}))
    result, out = build(tmp_path, a, b)
    assert result.exit_code == 0, result.stderr
    assert "merged 1 trials read from several documents; 1 with conflicting values" in result.stdout
    (entry,) = json.loads((out / "conflicts.json").read_text(encoding="utf-8"))
    assert entry["nct_id"] == "NCT00000601" and sorted(s["file"] for s in entry["sources"]) == ["a.json", "b.json"]
    (title,) = [c for c in entry["conflicts"] if c["field"] == "brief_title"]
    assert sorted((v["value"], v["source"]) for v in title["values"]) == [("Title A", "a.json"), ("Title B", "b.json")]
    assert listed_ids(out).count("NCT00000601") == 1


def test_duplicate_nct_id_in_one_file_is_a_record_error(tmp_path):
    doc = write_json(tmp_path / "twice.json", [
        study("NCT00000701", **{"identificationModule.briefTitle": "First"}),
        study("NCT00000701", **{"identificationModule.briefTitle": "Second"}),
    ])  # fmt: skip
    result, out = build(tmp_path, doc)
    assert result.exit_code == 1
    line = failure(result, doc)
    assert "(item 1): NCT00000701 is stated again (first at item 0)" in line
    assert show(out, "NCT00000701")["brief_title"] == "First"


@pytest.mark.parametrize("bad", ["NCT123", "NCT0420704X", "nct 04207047", "04207047"])
def test_nct_id_of_the_wrong_form_is_a_field_error(tmp_path, bad):
    doc = write_json(tmp_path / "bad-id.json", study(bad))
    result, out = build(tmp_path, doc)
    assert result.exit_code == 0, result.stderr
    (warning,) = warnings(result, doc)
    assert "identificationModule.nctId: not an NCT id" in warning and bad in warning
    assert any(bad in value for value in literals(out))  # kept as unmapped text on the source node
    mine = [t for t in json.loads(cli("list", "--graph", str(out), "--json").stdout) if "bad-id.json" in t["sources"]]
    assert len(mine) == 1 and mine[0]["nct_id"] is None and "/trial/key-" in mine[0]["id"]


def test_nct_id_of_the_wrong_form_in_a_keyvalue_export(tmp_path):
    doc = tmp_path / "bad-id.txt"
    doc.write_text(KEYVALUE.read_text(encoding="utf-8").replace("NCT04136106", "NCT0413610"), encoding="utf-8")
    result, out = build(tmp_path, doc)
    assert result.exit_code == 0, result.stderr
    assert any("'Study NCT ID'" in w and "NCT0413610" in w for w in warnings(result, doc))
    assert "NCT04136106" not in listed_ids(out)


def test_partial_dates_are_read_and_impossible_dates_are_field_errors(tmp_path):
    doc = write_json(tmp_path / "dates.json", study("NCT00000801", **{
        "statusModule.startDateStruct": {"date": "October 2018", "type": "ACTUAL"},
        "statusModule.completionDateStruct": {"date": "2019-13-45", "type": "ESTIMATED"},
        "statusModule.studyFirstPostDateStruct": {"date": "June 2019", "type": "ACTUAL"},
    }))  # fmt: skip
    result, out = build(tmp_path, doc)
    assert result.exit_code == 0, result.stderr
    shown = show(out, "NCT00000801")
    assert shown["start_date"] == "2018-10" and shown["first_posted"] == "2019-06"
    assert shown["completion_date"] is None
    (warning,) = warnings(result, doc)
    assert "completionDateStruct.date: not a date: 2019-13-45" in warning
    assert any("2019-13-45" in value for value in literals(out))


def test_impossible_date_in_a_keyvalue_export(tmp_path):
    doc = tmp_path / "dates.txt"
    doc.write_text(KEYVALUE.read_text(encoding="utf-8").replace("Last Update Posted: 2019-10-23",
                   "Last Update Posted: 2019-13-45"), encoding="utf-8")  # fmt: skip
    result, out = build(tmp_path, doc)
    assert result.exit_code == 0, result.stderr
    assert any("'Last Update Posted'" in w and "2019-13-45" in w for w in warnings(result, doc))
    assert show(out, parsed_record(doc)["nct_id"])["last_update_posted"] is None
    assert any("2019-13-45" in value for value in literals(out))


#: RTL text, a ZWJ emoji sequence, combining marks, a right-to-left override, NUL and other controls.
UNICODE = "שלום עולם مرحبا 👩\u200d🔬🧬 e\u0301 Z\u0338\u0335 a\x00b\x07 \u202eevil\u202c 𝔘𝔫𝔦"
#: Quotes, brackets, backslashes, newlines, Turtle and SPARQL syntax.
SYNTAX = (
    'He said "hi" > 3 < 4 & \\ C:\\path\\n \'single\' """triple""" \n'
    '@prefix x: <http://evil/> . <a> <b> "c"^^<d> ; ] ) # comment\n'
    "} ; DROP ALL ; INSERT DATA { <s> <p> <o> } SELECT * WHERE { ?s ?p ?o } \\u0022"
)


def _every_free_text(value: Any, extra: str, key: str = "") -> Any:
    """Append `extra` to every free-text string of a study (not codes, dates, ids or urls)."""
    if isinstance(value, dict):
        return {k: _every_free_text(v, extra, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_every_free_text(v, extra, key) for v in value]
    coded = key in {"nctId", "date", "pmid", "url", "type", "sex", "minimumAge", "maximumAge", "zip", "status",
                    "ipdSharing", "id", "relevance", "term"} or key.endswith(("Date", "Code", "Type"))  # fmt: skip
    if isinstance(value, str) and not coded and not value.isupper():
        return value + " " + extra
    return value


@pytest.mark.parametrize("extra", [UNICODE, SYNTAX], ids=["unicode", "syntax"])
def test_unicode_and_syntax_in_every_field_round_trip(tmp_path, extra):
    doc = write_json(tmp_path / "text.json", _every_free_text(study("NCT00000901"), extra))
    result, out = build(tmp_path, doc)
    assert result.exit_code == 0, result.stderr
    shown = assert_round_trips(out, doc, "NCT00000901")
    assert shown["brief_title"].endswith(" " + extra)
    assert shown["detailed_description"].endswith(extra)
    assert all(c.endswith(extra) for c in shown["conditions"])


@pytest.mark.parametrize("extra", [UNICODE.replace("\x00", ""), SYNTAX.replace("\n", " ")], ids=["unicode", "syntax"])
def test_unicode_and_syntax_in_a_keyvalue_export_round_trip(tmp_path, extra):
    text = KEYVALUE.read_text(encoding="utf-8")
    for key in ("Brief Title: ", "Official Title: ", "Sponsor: "):
        text = text.replace(key, key + extra + " ", 1)
    doc = tmp_path / "text.txt"
    doc.write_text(text, encoding="utf-8")
    result, out = build(tmp_path, doc)
    assert result.exit_code == 0, result.stderr
    shown = assert_round_trips(out, doc, parsed_record(doc)["nct_id"])
    assert shown["brief_title"].startswith(extra + " ")


@pytest.mark.parametrize("cut", [1, 2])
def test_a_character_split_by_the_format_sniffing_read_is_not_an_encoding_error(cut):
    """The format is detected from the first 64 KiB: a character cut there must not make a valid UTF-8 file
    look broken. Seen on a 100-study page of the registry: Chinese text (3-byte characters, one whole
    character just before the cut one) across the 64 KiB boundary."""
    from trialkg.parsers import HEAD_BYTES, parse_file

    head = json.dumps(study("NCT00000401"), ensure_ascii=False)
    opening = "[" + head + ', {"x": "'
    pad = HEAD_BYTES - len(opening.encode()) - 3 * 5 - cut  # the sixth character is cut `cut` bytes in
    text = opening + "a" * pad + "中文" * 10 + '"}, ' + json.dumps(study("NCT00000402")) + "]"
    data = text.encode("utf-8")
    assert data[HEAD_BYTES - cut] >= 0xE0 and 0x80 <= data[HEAD_BYTES] < 0xC0  # the read ends inside a character
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.json"
        path.write_bytes(data)
        found = list(parse_file(path))
    ids = [t.nct_id for t in found if not isinstance(t, Exception)]
    assert ids == ["NCT00000401", "NCT00000402"], found
