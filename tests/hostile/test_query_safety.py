"""Queries that reach out (issue 17, items 2 and 14): SERVICE in `trialkg query`, a remote @context in
`trialkg validate`. Both would make trialkg send requests to any URL a query or a file names; both are refused
by default (a local listener proves no request was sent), and `query --allow-service` is the one opt-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from listener import listening
from trialkg.api import open as open_graph
from trialkg.cli.main import main
from trialkg.errors import TrialkgError

EMPTY_SELECT = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"from-outside"}}]}}'


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def federated(url: str) -> str:
    return f"SELECT ?x WHERE {{ SERVICE <{url}/s> {{ ?x ?p ?o }} }}"


def test_query_refuses_service_and_sends_nothing(sample_build: Path) -> None:
    with listening(EMPTY_SELECT) as listener:
        result = cli("query", federated(listener.url), "--graph", str(sample_build))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "SERVICE" in result.stderr and "--allow-service" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert listener.requests == []


def test_query_allow_service_is_the_opt_in(sample_build: Path) -> None:
    with listening(EMPTY_SELECT) as listener:
        result = cli("query", federated(listener.url), "--graph", str(sample_build), "--allow-service", "--json")
    assert result.exit_code == 0, result.output
    assert listener.requests and "from-outside" in result.stdout


def test_the_library_refuses_service_too(sample_build: Path) -> None:
    with listening(EMPTY_SELECT) as listener:
        graph = open_graph(sample_build)
        with pytest.raises(TrialkgError, match="SERVICE"):
            graph.query(federated(listener.url))
    assert listener.requests == []


@pytest.mark.parametrize(
    ("text", "federates"),
    [
        ("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", True),
        ("select * { service silent <http://x/> { } }", True),
        ("SELECT * {SERVICE<http://x/>{}}", True),
        ("SELECT * { ?s ?p ?o .SERVICE ?endpoint { } }", True),
        ("SELECT * { FILTER(?a < 3) SERVICE <http://x/> { } FILTER(?b > 2) }", True),
        ("SELECT * { ?s ?p 'a\\'' . SERVICE <http://x/> { } }", True),
        ("SELECT * { \\u0053ERVICE <http://x/> { } }", True),
        ("SELECT ?service { ?service ?p ?o }", False),
        ('SELECT * { ?s <http://e/SERVICE> \'SERVICE\', """a\nSERVICE <x> {}""" }', False),
        ("PREFIX ex: <http://e/> SELECT * { ?s ex:service ?o } # SERVICE <x> { }", False),
    ],
)
def test_service_is_found_wherever_the_grammar_puts_it(text: str, federates: bool) -> None:
    from trialkg.store.sparql import uses_service  # (here: new in issue 17)

    assert uses_service(text) is federates


# -- item 14: validate reads no remote context


def test_validate_never_fetches_a_remote_context(tmp_path: Path) -> None:
    with listening(b'{"@context": {"name": "http://schema.org/name"}}', "application/ld+json") as listener:
        doc = tmp_path / "remote.jsonld"
        doc.write_text(json.dumps({"@context": listener.url + "/ctx", "@id": "http://e/a", "name": "x"}), "utf-8")
        result = cli("validate", str(doc))
        assert listener.requests == []
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert str(doc) in result.stderr and "remote JSON-LD context" in result.stderr


def test_validate_still_reads_an_inline_context(sample_build: Path) -> None:
    result = cli("validate", str(sample_build / "trialkg.jsonld"), "--engine", "compiled")
    assert result.exit_code == 0, result.output
