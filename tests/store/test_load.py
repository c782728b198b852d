"""`trialkg load`: the sample build pushed into a fresh real Oxigraph server, and into a store folder offline.

Failing stores are small local HTTP servers that answer 503 or 400, or accept data and keep none.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from trialkg.cli.main import main
from trialkg.errors import TrialkgError
from trialkg.store.load import chunks, load_bulk, load_to_endpoint, query_endpoint_for


def build_quads(graph_dir: Path) -> set[ox.Quad]:
    return set(ox.parse(path=str(graph_dir / "trialkg.nq"), format=ox.RdfFormat.N_QUADS))


def store_quads(base: str) -> set[ox.Quad]:
    """Everything the server holds, fetched with a Graph Store GET of the whole dataset (as N-Quads)."""
    req = urllib.request.Request(base + "/store", headers={"Accept": "application/n-quads"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return set(ox.parse(resp.read(), format=ox.RdfFormat.N_QUADS))


@pytest.mark.e2e
def test_load_pushes_the_build_and_the_count_check_passes(oxigraph_rw: str, sample_build: Path) -> None:
    report = load_to_endpoint(sample_build, oxigraph_rw + "/store", chunk_size=40)
    expected = build_quads(sample_build)
    assert report.counted == report.triples == len(expected)
    assert report.graphs == len({q.graph_name for q in expected})
    assert store_quads(oxigraph_rw) == expected
    # A second load replaces each graph (PUT), so nothing doubles and the check still passes.
    again = load_to_endpoint(sample_build, oxigraph_rw + "/store", chunk_size=1000)
    assert again.counted == len(expected) and store_quads(oxigraph_rw) == expected


@pytest.mark.e2e
def test_load_into_one_target_graph_counts_distinct_triples(oxigraph_rw: str, sample_build: Path) -> None:
    target = "https://example.org/graph/all-trials"
    report = load_to_endpoint(sample_build, oxigraph_rw + "/store", target_graph=target, chunk_size=100)
    distinct = {q.triple for q in build_quads(sample_build)}
    assert report.graphs == 1
    assert report.counted == len(distinct)
    assert store_quads(oxigraph_rw) == {
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(target)) for t in distinct
    }


@pytest.mark.e2e
def test_load_command_reports_the_count(oxigraph_rw: str, sample_build: Path) -> None:
    result = CliRunner().invoke(
        main, ["load", "--endpoint", oxigraph_rw + "/store", "--graph", str(sample_build), "--chunk-size", "64"]
    )
    assert result.exit_code == 0, result.output
    assert f"count check ok: the store holds {len(build_quads(sample_build))} triples" in result.output


def test_chunks_never_exceed_the_size_and_keep_every_triple(sample_build: Path) -> None:
    parts = list(chunks([sample_build / "trialkg.nq"], chunk_size=25, target_graph=None))
    assert all(0 < c.triples <= 25 for c in parts)
    got = {
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(c.graph) if c.graph else ox.DefaultGraph())
        for c in parts
        for t in ox.parse(c.data, format=ox.RdfFormat.N_TRIPLES)
    }
    assert got == build_quads(sample_build)
    firsts = [c.graph for c in parts if c.first]
    assert len(firsts) == len(set(firsts)) == len({c.graph for c in parts})


class _FakeStore(BaseHTTPRequestHandler):
    """Answers every write with server.status; counts requests; answers COUNT queries with 0."""

    server: _FakeServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append(f"{self.command} {self.path}")
        if self.command == "POST" and self.path.startswith("/query"):
            body = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"0"}}]}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
        else:
            body = b"store says no"
            self.send_response(self.server.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PUT = do_POST = _answer


class _FakeServer(ThreadingHTTPServer):
    def __init__(self, status: int) -> None:
        self.status = status
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), _FakeStore)


@pytest.fixture
def fake_store(request: pytest.FixtureRequest) -> Iterator[_FakeServer]:
    server = _FakeServer(request.param)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _url(server: _FakeServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/store"


@pytest.mark.parametrize("fake_store", [503], indirect=True)
def test_a_failing_store_is_retried_then_reported(fake_store: _FakeServer, sample_build: Path) -> None:
    with pytest.raises(TrialkgError, match=r"failed after 3 attempts; last: 503 .*store says no"):
        load_to_endpoint(sample_build, _url(fake_store), retries=2, backoff_s=0.01)
    assert len(fake_store.requests) == 3
    assert all(r.startswith("PUT /store?") for r in fake_store.requests)
    assert len(set(fake_store.requests)) == 1  # the same request, three times


@pytest.mark.parametrize("fake_store", [400], indirect=True)
def test_a_refusal_is_not_retried(fake_store: _FakeServer, sample_build: Path) -> None:
    with pytest.raises(TrialkgError, match=r"was refused: 400"):
        load_to_endpoint(sample_build, _url(fake_store), retries=5, backoff_s=0.01)
    assert len(fake_store.requests) == 1


@pytest.mark.parametrize("fake_store", [204], indirect=True)
def test_a_store_that_loses_data_fails_the_count_check(fake_store: _FakeServer, sample_build: Path) -> None:
    result = CliRunner().invoke(main, ["load", "--endpoint", _url(fake_store), "--graph", str(sample_build)])
    assert result.exit_code == 2
    assert f"count check failed: {_url(fake_store).replace('/store', '/query')} holds 0 triples" in result.output


def test_unreachable_endpoint_is_a_clear_error(sample_build: Path) -> None:
    from trialkg.store.server import free_port

    url = f"http://127.0.0.1:{free_port()}/store"
    args = ["load", "--endpoint", url, "--graph", str(sample_build), "--retries", "1", "--backoff", "0"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "failed after 2 attempts; last: cannot connect" in result.output


def test_bulk_load_into_a_store_folder(sample_build: Path, tmp_path: Path) -> None:
    location = tmp_path / "store"
    report = load_bulk(sample_build, location)
    expected = build_quads(sample_build)
    assert report.counted == len(expected)
    assert set(ox.Store.read_only(str(location))) == expected


def test_bulk_load_command(sample_build: Path, tmp_path: Path) -> None:
    args = ["load", "--oxigraph-location", str(tmp_path / "store"), "--graph", str(sample_build)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "count check ok" in result.output


def test_load_needs_exactly_one_target(sample_build: Path) -> None:
    result = CliRunner().invoke(main, ["load", "--graph", str(sample_build)])
    assert result.exit_code == 2 and "exactly one of --endpoint" in result.output


@pytest.mark.parametrize(
    ("gsp", "query"),
    [
        ("http://localhost:7878/store", "http://localhost:7878/query"),
        ("http://localhost:3030/trials/data", "http://localhost:3030/trials/sparql"),
        ("http://localhost:7200/repositories/trials/rdf-graphs/service", "http://localhost:7200/repositories/trials"),
        ("http://localhost:8890/sparql-graph-crud", "http://localhost:8890/sparql"),
        ("http://localhost:8890/sparql-graph-crud-auth", "http://localhost:8890/sparql"),
    ],
)
def test_query_endpoint_for_known_stores(gsp: str, query: str) -> None:
    assert query_endpoint_for(gsp) == query


def test_query_endpoint_for_unknown_store_asks_for_it() -> None:
    with pytest.raises(TrialkgError, match="--query-endpoint"):
        query_endpoint_for("http://example.org/somewhere")
