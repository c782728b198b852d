"""End-to-end: the `trialkg` command run as a user runs it, in a fresh folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from testdata import DATA, SEEDS

pytestmark = pytest.mark.e2e

SCHEMA = json.loads((DATA / "contract" / "trial-record.schema.json").read_text(encoding="utf-8"))


def trialkg(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trialkg", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`trialkg build` with no arguments in an empty folder: the bundled samples into ./output."""
    cwd = tmp_path_factory.mktemp("cli")
    result = trialkg("build", cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms" in result.stdout
    return cwd


def test_build_writes_parseable_exports_that_agree(built):
    out = built / "output"
    turtle = rdflib.Graph().parse(out / "trialkg.ttl", format="turtle")
    jsonld = rdflib.Graph().parse(out / "trialkg.jsonld", format="json-ld")
    ntriples = rdflib.Graph().parse(out / "trialkg.nt", format="nt")
    assert len(turtle) > 300
    assert isomorphic(turtle, ntriples)
    assert isomorphic(jsonld, ntriples)
    store = ox.Store()
    store.load(path=str(out / "trialkg.nq"), format=ox.RdfFormat.N_QUADS)
    assert not list(store.named_graphs())  # one source per trial: everything in the default graph
    nt = {q.triple for q in ox.parse(path=str(out / "trialkg.nt"), format=ox.RdfFormat.N_TRIPLES)}
    assert {q.triple for q in store} == nt  # N-Triples is the default graph
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temp files


def test_jsonld_uses_the_committed_context(built):
    doc = json.loads((built / "output" / "trialkg.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"]["Trial"] == "trialkg:Trial"
    trials = [n for n in doc["@graph"] if n.get("@type") == "Trial"]
    assert len(trials) == 5 and all("nctId" in t or "key-" in t["@id"] for t in trials)


def test_list_json(built):
    result = trialkg("list", "--json", cwd=built)
    assert result.returncode == 0, result.stderr
    trials = json.loads(result.stdout)
    assert len(trials) == 5
    assert all(set(t) == {"id", "nct_id", "brief_title", "sources"} for t in trials)
    assert sorted(s for t in trials for s in t["sources"]) == sorted(p.name for p in SEEDS)


def test_show_json_follows_the_contract_for_every_trial(built):
    trials = json.loads(trialkg("list", "--json", cwd=built).stdout)
    for t in trials:
        result = trialkg("show", t["nct_id"] or t["id"], "--json", cwd=built)
        assert result.returncode == 0, result.stderr
        record = json.loads(result.stdout)
        jsonschema.validate(record, SCHEMA)
        assert record["id"] == t["id"] and record["sources"] == t["sources"]


def test_show_text_and_unknown_id(built):
    result = trialkg("show", "NCT04136106", cwd=built)
    assert result.returncode == 0 and "brief title:" in result.stdout
    assert "The Incidence of Infection" in result.stdout and "{'" not in result.stdout
    missing = trialkg("show", "NCT99999999", cwd=built)
    assert missing.returncode == 2 and "NCT99999999" in missing.stderr and "Traceback" not in missing.stderr


def test_validate_exit_codes(built, tmp_path):
    assert trialkg("validate", cwd=built).returncode == 0
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        '<https://w3id.org/trialkg/trial/NCT1> a <https://w3id.org/trialkg/ontology#Trial> ;\n'
        '  <https://w3id.org/trialkg/ontology#nctId> "NCT1" .\n', encoding="utf-8",
    )  # fmt: skip
    result = trialkg("validate", str(broken), cwd=built)
    assert result.returncode == 1
    assert "nct_id" in result.stdout and "sources" in result.stdout
    fast = trialkg("validate", str(broken), "--engine", "compiled", cwd=built)
    assert fast.returncode == 1 and fast.stdout == result.stdout  # the build's checks report the same
    assert trialkg("validate", "--engine", "compiled", cwd=built).returncode == 0
    garbage = tmp_path / "garbage.ttl"
    garbage.write_text("this is not turtle <<<", encoding="utf-8")
    result = trialkg("validate", str(garbage), cwd=built)
    assert result.returncode == 2 and "garbage.ttl" in result.stderr
    assert trialkg("validate", "--graph", str(tmp_path / "nothing"), cwd=built).returncode == 2


def test_query_select_ask_and_file(built, tmp_path):
    q = "PREFIX trialkg: <https://w3id.org/trialkg/ontology#> SELECT ?nct WHERE { ?t trialkg:nctId ?nct } ORDER BY ?nct"
    result = trialkg("query", q, "--json", cwd=built)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["results"]["bindings"]
    assert [r["nct"]["value"] for r in rows] == ["NCT04136106", "NCT04387942", "NCT04397107", "NCT06971913"]
    table = trialkg("query", q, cwd=built)
    assert "NCT04136106" in table.stdout and "(4 rows)" in table.stdout
    rq = tmp_path / "ask.rq"
    rq.write_text("ASK { ?s a <https://w3id.org/trialkg/ontology#Trial> }", encoding="utf-8")
    assert trialkg("query", str(rq), cwd=built).stdout.strip() == "true"
    bad = trialkg("query", "SELECT WHERE {", cwd=built)
    assert bad.returncode == 2 and "SPARQL" in bad.stderr


def test_build_goes_on_past_bad_documents(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "empty.txt").write_bytes(b"")
    (docs / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (docs / "latin1.txt").write_bytes("Caf\xe9 au lait, not a trial".encode("latin-1"))
    (docs / "notes.txt").write_text("Shopping list\n* eggs\n* milk\n", encoding="utf-8")
    for seed in SEEDS[:2]:
        (docs / seed.name).write_bytes(seed.read_bytes())
    # Named one by one (in a folder they would be skipped as not trial documents: tests/pipeline/test_folders.py).
    named = [str(p) for p in sorted(docs.iterdir())]
    result = trialkg("build", *named, "--out", str(tmp_path / "out"), "--json", cwd=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    errors = {Path(d["file"]).name: d["error"] for d in report["documents"] if d["error"]}
    assert set(errors) == {"empty.txt", "binary.bin", "latin1.txt", "notes.txt"}
    assert "empty" in errors["empty.txt"] and "binary" in errors["binary.bin"]
    assert "UTF-8" in errors["latin1.txt"] and "not a trial document" in errors["notes.txt"]
    assert all(name in error for name, error in errors.items())  # every error names its file
    listed = json.loads(trialkg("list", "--graph", str(tmp_path / "out"), "--json", cwd=tmp_path).stdout)
    assert sorted(s for t in listed for s in t["sources"]) == sorted(p.name for p in SEEDS[:2])


def test_missing_input_is_reported(tmp_path):
    result = trialkg("build", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "out"), cwd=tmp_path)
    # issue 17, item 4: a mistyped path is an error (exit 2) before any work, and nothing is written
    assert result.returncode == 2 and "nope.txt" in result.stderr and "no such file" in result.stderr
    assert not (tmp_path / "out" / "trialkg.nq").exists()


def test_same_input_gives_byte_identical_output(tmp_path):
    outputs = []
    for n, (seed, jobs) in enumerate((("1", "1"), ("2", "2"))):  # other hash seed, other number of workers
        out = tmp_path / f"out{n}"
        result = trialkg(
            "build", *map(str, SEEDS), "--out", str(out), "--jobs", jobs, cwd=tmp_path, env={"PYTHONHASHSEED": seed}
        )
        assert result.returncode == 0, result.stderr
        assert (out / "oxigraph").is_dir()  # the store queries read (a database: its files are not compared)
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()})
    assert outputs[0].keys() == outputs[1].keys() and len(outputs[0]) == 7
    for name in outputs[0]:
        assert outputs[0][name] == outputs[1][name], name
