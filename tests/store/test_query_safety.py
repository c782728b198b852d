"""`trialkg query` is read-only unless --update is given, on a build and on an endpoint."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from trialkg.cli.main import main
from trialkg.store.sparql import UPDATE_FORMS, operation_kind

INSERT = "PREFIX ex: <https://example.org/> INSERT DATA { GRAPH ex:g { ex:a ex:b ex:c } }"
ASK_INSERTED = "ASK { GRAPH ?g { <https://example.org/a> <https://example.org/b> <https://example.org/c> } }"


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?o }",
        "  select * { ?s ?p 'DELETE' }",
        "# INSERT DATA { <a:a> <a:b> <a:c> }\nASK {}",
        "PREFIX insert: <http://e/insert#> BASE <http://e/> CONSTRUCT WHERE { ?s insert:x ?o }",
        "prefix : <http://e/#> describe :x",
    ],
)
def test_queries_are_queries(text: str) -> None:
    assert operation_kind(text) == "query"


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <a:a> <a:b> <a:c> }",
        "PREFIX ex: <http://e/> # a comment\n delete where { ?s ex:p ?o }",
        "BASE <http://e/> LOAD <http://e/data.ttl>",
        "clear all",
        "DROP GRAPH <a:g>",
        "CREATE GRAPH <a:g>",
        "ADD <a:g> TO <a:h>",
        "MOVE DEFAULT TO <a:g>",
        "COPY <a:g> TO DEFAULT",
        "WITH <a:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_updates_are_updates(text: str) -> None:
    assert operation_kind(text) == "update"


def test_every_update_form_is_recognised() -> None:
    assert all(operation_kind(f"{form.lower()} x") == "update" for form in UPDATE_FORMS)


@pytest.fixture
def build_copy(sample_build: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(sample_build, tmp_path / "build"))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_query_refuses_updates_by_default(build_copy: Path) -> None:
    before = _snapshot(build_copy)
    result = CliRunner().invoke(main, ["query", INSERT, "--graph", str(build_copy)])
    assert result.exit_code == 2
    assert "read-only" in result.output and "--update" in result.output
    assert _snapshot(build_copy) == before


def test_query_update_applies_and_persists(build_copy: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["query", ASK_INSERTED, "--graph", str(build_copy)]).output.strip() == "false"
    result = runner.invoke(main, ["query", INSERT, "--graph", str(build_copy), "--update"])
    assert result.exit_code == 0, result.output
    # A fresh read of the folder sees the change: it was written to disk, not only to memory.
    assert runner.invoke(main, ["query", ASK_INSERTED, "--graph", str(build_copy)]).output.strip() == "true"
    assert "<https://example.org/a>" in (build_copy / "trialkg.nq").read_text()


def test_query_update_with_a_plain_query_just_answers(build_copy: Path) -> None:
    result = CliRunner().invoke(main, ["query", "ASK {}", "--graph", str(build_copy), "--update"])
    assert result.exit_code == 0 and result.output.strip() == "true"


@pytest.mark.e2e
def test_endpoint_query_answers(served) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?class }"
    remote = CliRunner().invoke(main, ["query", query, "--endpoint", served.url, "--json"])
    assert remote.exit_code == 0, remote.output
    table = CliRunner().invoke(main, ["query", query, "--endpoint", served.url])
    assert table.exit_code == 0 and "(1 rows)" in table.output
    assert json.loads(remote.output)["results"]["bindings"][0]["n"]["value"].isdigit()


@pytest.mark.e2e
def test_endpoint_query_refuses_updates_without_sending(served) -> None:
    result = CliRunner().invoke(main, ["query", INSERT, "--endpoint", served.url])
    assert result.exit_code == 2
    assert f"{served.url} is read-only" in result.output


@pytest.mark.e2e
def test_endpoint_update_against_the_served_endpoint_is_refused_by_the_server(served) -> None:
    result = CliRunner().invoke(main, ["query", INSERT, "--endpoint", served.url, "--update"])
    assert result.exit_code == 2
    assert "403" in result.output and "read-only" in result.output


@pytest.mark.e2e
def test_endpoint_update_applies_where_the_store_allows_it(oxigraph_rw: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["query", INSERT, "--endpoint", oxigraph_rw + "/update", "--update"])
    assert result.exit_code == 0, result.output
    answer = runner.invoke(main, ["query", ASK_INSERTED, "--endpoint", oxigraph_rw + "/query"])
    assert answer.output.strip() == "true"
