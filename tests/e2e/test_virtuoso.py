"""A second real store: `trialkg load --virtuoso` into Debian's Virtuoso 7, compared with Oxigraph.

The test starts its own `virtuoso-t` (database in a temporary folder, free loopback ports, the
build folder in DirsAllowed), installs virtuoso-opensource with apt-get when it is missing, loads a
build of real registry records through isql's bulk loader, and compares the quad count and one
query's rows, asked over HTTP with `trialkg query --endpoint`, with the build's own Oxigraph store.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from parser_testkit import SHARED_CTGOV
from servers import ensure_virtuoso, start_virtuoso, stop_virtuoso
from trialkg.cli.main import main
from trialkg.store.counts import graph_counts
from trialkg.store.oxigraph import open_graph
from trialkg.store.virtuoso import DEFAULT_GRAPH

pytestmark = pytest.mark.e2e

#: One question, asked of the build's default graph (the merged view) and of the graph Virtuoso's bulk loader
#: puts the default graph's statements in (trialkg.store.virtuoso.DEFAULT_GRAPH).
QUERY = """PREFIX trialkg: <https://w3id.org/trialkg/ontology#>
SELECT ?id ?status (COUNT(DISTINCT ?c) AS ?conditions) WHERE {
  ?t trialkg:nctId ?id ; trialkg:overallStatus ?status ; trialkg:condition ?c
} GROUP BY ?id ?status ORDER BY ?id ?status"""
REMOTE_QUERY = QUERY.replace("WHERE {\n", f"WHERE {{ GRAPH <{DEFAULT_GRAPH}> {{\n").replace("\n} GROUP", "\n} } GROUP")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), 'https://w3id.org/'))}"


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _rows(answer: str) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(answer)["results"]["bindings"]]


@pytest.fixture(scope="module")
def registry_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = SHARED_CTGOV / "ctgov_v2_leukemia_dgg32"
    if not source.is_dir():
        pytest.skip(f"{source} is not here")
    out = tmp_path_factory.mktemp("virtuoso-build") / "out"
    CliRunner().invoke(main, ["build", str(source), "--out", str(out), "--format", "nq", "--jobs", "2"])
    assert (out / "trialkg.nq").is_file()
    return out


def test_load_into_virtuoso_matches_oxigraph(registry_build: Path, tmp_path: Path) -> None:
    ensure_virtuoso()
    server = start_virtuoso(tmp_path / "virtuoso", registry_build.resolve())
    try:
        loaded = json.loads(_cli("load", "--virtuoso", f"127.0.0.1:{server.sql_port}", "--graph", str(registry_build),
                                 "--virtuoso-http-port", str(server.http_port), "--json"))  # fmt: skip
        local_count = graph_counts(open_graph(registry_build)).quads  # the default graph and any source graphs
        assert loaded["counted"] == loaded["triples"] == int(local_count) > 10_000
        endpoint = f"http://127.0.0.1:{server.http_port}/sparql"
        remote_count = _rows(_cli("query", COUNT, "--endpoint", endpoint, "--json"))[0]["n"]
        assert int(remote_count) == int(local_count)
        remote = _rows(_cli("query", REMOTE_QUERY, "--endpoint", endpoint, "--json"))
        local = _rows(_cli("query", QUERY, "--graph", str(registry_build), "--json"))
        assert len(local) > 20 and remote == local
        # A second load replaces, never doubles.
        again = json.loads(_cli("load", "--virtuoso", f"127.0.0.1:{server.sql_port}", "--graph", str(registry_build),
                                "--json"))  # fmt: skip
        assert again["counted"] == loaded["counted"]
    finally:
        stop_virtuoso(server)


def test_missing_virtuoso_is_one_line(registry_build: Path, tmp_path: Path) -> None:
    from trialkg.store.server import free_port

    args = ["load", "--virtuoso", f"127.0.0.1:{free_port()}", "--graph", str(registry_build)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "does not answer" in result.output
    assert len(result.output.strip().splitlines()) == 1 and shutil.which("isql-vt")
