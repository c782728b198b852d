"""What people read (issue 18): tables not reprs, an ellipsis where text is cut, match reasons that fit the
patient, a validation result said once, query results as table, JSON, CSV or TSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from testdata import SHAPES
from trialkg.cli.main import main
from trialkg.cli.output import ELLIPSIS, cut, table


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    return result.output


def test_cut_marks_what_it_cuts() -> None:
    assert cut("short", 10) == "short"
    assert cut("a" * 20, 10) == "a" * 9 + ELLIPSIS and len(cut("a" * 20, 10)) == 10
    assert cut("two\nlines", 20) == "two lines"


def test_table_aligns_and_cuts_with_an_ellipsis() -> None:
    lines = table(["a", "b"], [["x" * 80, "y"], ["z", "w"]], max_column=30)
    assert lines[0].startswith("a ") and set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].endswith(ELLIPSIS + "  y") and len(lines[2]) == len(lines[3])


def test_show_prints_fields_and_tables_never_python_reprs(sample_build: Path) -> None:
    out = run("show", "NCT04397107", "--graph", str(sample_build))
    assert "{'" not in out and "['" not in out and "==" not in out and "=<" not in out
    assert "brief title:" in out and "criteria constraints (" in out and "provenance:" in out
    record = json.loads(run("show", "NCT04397107", "--graph", str(sample_build), "--json"))
    assert f"{record['enrollment']}" in out and record["provenance"]["preferred_source"] in out


def test_query_table_shortens_iris_and_marks_cut_cells(sample_build: Path) -> None:
    query = "SELECT ?s ?text WHERE { ?s <https://w3id.org/trialkg/ontology#text> ?text } ORDER BY ?s"
    out = run("query", query, "--graph", str(sample_build))
    rows = out.splitlines()[2:-1]
    assert rows and all(r.startswith("trial:") for r in rows)
    assert len({r.split()[0] for r in rows}) == len(rows)  # distinct IRIs stay distinct
    assert any(r.rstrip().endswith(ELLIPSIS) for r in rows) and "--format tsv" in out.splitlines()[-1]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_query_csv_and_tsv_hold_the_same_rows_as_json(sample_build: Path, fmt: str) -> None:
    query = "SELECT ?id ?title WHERE { ?t <https://w3id.org/trialkg/ontology#nctId> ?id ; " \
        "<https://w3id.org/trialkg/ontology#briefTitle> ?title } ORDER BY ?id"  # fmt: skip
    answer = json.loads(run("query", query, "--graph", str(sample_build), "--format", "json"))
    expected = [[b["id"]["value"], b["title"]["value"]] for b in answer["results"]["bindings"]]
    text = run("query", query, "--graph", str(sample_build), "--format", fmt)
    rows = list(csv.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
    assert rows[0] == (["id", "title"] if fmt == "csv" else ["?id", "?title"])
    got = [[c.strip('"') for c in r] for r in rows[1:]]
    assert got == expected
    assert run("query", query, "--graph", str(sample_build), "--json") == run(
        "query", query, "--graph", str(sample_build), "--format", "json"
    )


def test_match_never_says_a_man_meets_a_pregnancy_criterion(sample_build: Path) -> None:
    out = run("match", "--sex", "male", "--age", "40", "--graph", str(sample_build))
    meets = [line for line in out.splitlines() if line.strip().startswith("meets:")]
    assert not [m for m in meets if "pregnan" in m.lower() or "lactat" in m.lower()]
    results = json.loads(run("match", "--sex", "male", "--age", "40", "--graph", str(sample_build), "--json"))
    cleared = [t for r in results for t in r["not_excluded_by"]]
    assert any("pregnan" in t.lower() for t in cleared)  # kept, where it belongs
    assert not any("pregnan" in t.lower() for r in results for t in r["because"])


def test_validate_says_each_thing_wrong_once() -> None:
    out = run("validate", str(SHAPES / "invalid" / "enrollment_as_text.ttl"))
    lines = [line for line in out.splitlines() if "Violation" in line]
    assert len(lines) == 1 and "1 violations" in out.splitlines()[-1]
