"""`trialkg serve`: a real oxigraph server behind the limiting proxy, run as the command users run.

The `served` fixture (conftest.py) starts `trialkg serve --timeout 1 --max-results 20` over the
sample build on a free loopback port and stops it (and its oxigraph child) by process id.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from servers import OXIGRAPH_MISSING, oxigraph_installed, pid_alive, serve_in_thread, start_serve, stop_serve
from trialkg.cli.main import main
from trialkg.store.endpoint import Limits, _RowCounter, is_loopback, serving

UPDATE_FORM = urllib.parse.urlencode({"update": "INSERT DATA { <a:1> <a:2> <a:3> }"})
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def request(
    url: str, *, data: bytes | None = None, method: str | None = None, **headers: str
) -> tuple[int, str, bytes]:
    """(status, content type, body) of one HTTP request, errors included."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers.get_content_type(), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), exc.read()


def post_query(url: str, query: str, accept: str = "application/sparql-results+json") -> tuple[int, str, bytes]:
    body = urllib.parse.urlencode({"query": query}).encode()
    return request(url, data=body, **{"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})


@pytest.mark.e2e
def test_select_over_http_sees_the_merged_default_graph(served, sample_build: Path) -> None:
    quads = list(ox.parse(path=str(sample_build / "trialkg.nq"), format=ox.RdfFormat.N_QUADS))
    default = [q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)]
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"  # no DISTINCT needed: each fact once
    status, ctype, body = request(served.url + "?" + urllib.parse.urlencode({"query": count}))
    assert (status, ctype) == (200, "application/sparql-results+json")
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == len(default) == len(set(default))


@pytest.mark.e2e
def test_served_answers_equal_trialkg_query(served, sample_build: Path) -> None:
    query = "SELECT ?class (COUNT(*) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class"
    _, _, body = post_query(served.url, query)
    local = CliRunner().invoke(main, ["query", query, "--graph", str(sample_build), "--json"])
    assert local.exit_code == 0, local.output
    assert json.loads(body)["results"] == json.loads(local.output)["results"]


@pytest.mark.e2e
def test_endpoint_is_on_loopback_by_default(served) -> None:
    assert urllib.parse.urlsplit(served.url).hostname == "127.0.0.1"


@pytest.mark.e2e
def test_in_process_serving_binds_loopback_and_leaves_no_process(sample_build: Path) -> None:
    if not oxigraph_installed():
        pytest.skip(OXIGRAPH_MISSING)
    with serving(sample_build, port=0) as proxy:
        assert proxy.server_address[0] == "127.0.0.1"
        child = proxy.child
        assert child is not None and child.poll() is None
    assert child.poll() is not None


@pytest.mark.parametrize("bind", ["0.0.0.0", "::"])
def test_non_loopback_bind_is_refused_without_public(sample_build: Path, bind: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--graph", str(sample_build), "--bind", bind, "--port", "0"])
    assert result.exit_code == 2
    assert "not a loopback address" in result.output and "--public" in result.output


def test_is_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0")


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("method", "path", "content_type", "body"),
    [
        ("POST", "/query", "application/x-www-form-urlencoded", UPDATE_FORM),
        ("POST", "/query", "application/sparql-update", "INSERT DATA { <a:1> <a:2> <a:3> }"),
        ("POST", "/query", "application/sparql-query", "PREFIX a: <a:> INSERT DATA { a:1 a:2 a:3 }"),
        ("POST", "/update", "application/sparql-update", "INSERT DATA { <a:1> <a:2> <a:3> }"),
        ("PUT", "/store?graph=a:g", "application/n-triples", "<a:1> <a:2> <a:3> ."),
        ("POST", "/store?default", "application/n-triples", "<a:1> <a:2> <a:3> ."),
        ("DELETE", "/store?graph=https://w3id.org/trialkg/graph/x", "text/plain", ""),
    ],
)  # fmt: skip
def test_updates_and_writes_are_refused(served, method: str, path: str, content_type: str, body: str) -> None:
    base = served.url.removesuffix("/query")
    status, _, answer = request(base + path, data=body.encode(), method=method, **{"Content-Type": content_type})
    assert status in (403, 405)
    assert b"read-only" in answer
    _, _, counted = post_query(served.url, "ASK { <a:1> ?p ?o }")
    assert json.loads(counted)["boolean"] is False


@pytest.mark.e2e
def test_timeout_answers_504(served) -> None:
    status, _, body = post_query(served.url, CROSS_PRODUCT)
    assert status == 504
    assert b"timed out after 1 s" in body
    # The server is still there for the next query.
    assert post_query(served.url, "ASK {}")[0] == 200


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("accept", "query"),
    [
        ("application/sparql-results+json", "SELECT * WHERE { ?s ?p ?o } LIMIT {n}"),
        ("application/sparql-results+xml", "SELECT * WHERE { ?s ?p ?o } LIMIT {n}"),
        ("text/csv", "SELECT * WHERE { ?s ?p ?o } LIMIT {n}"),
        ("text/tab-separated-values", "SELECT * WHERE { ?s ?p ?o } LIMIT {n}"),
        ("application/n-triples", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT {n}"),
    ],
)
def test_result_limit_refuses_more_than_max_results(served, accept: str, query: str) -> None:
    status, ctype, _ = post_query(served.url, query.replace("{n}", "20"), accept)
    assert (status, ctype) == (200, accept)
    status, _, body = post_query(served.url, query.replace("{n}", "21"), accept)
    assert status == 413
    assert b"more than 20 results" in body


@pytest.mark.e2e
def test_syntax_errors_pass_through_as_400(served) -> None:
    status, _, body = post_query(served.url, "SELECT WHERE {")
    assert status == 400 and body


@pytest.mark.e2e
def test_sigterm_stops_serve_and_its_oxigraph_child(sample_build: Path, tmp_path: Path) -> None:
    if not oxigraph_installed():
        pytest.skip(OXIGRAPH_MISSING)
    s = start_serve(sample_build, tmp_path / "serve.log")
    try:
        assert post_query(s.url, "ASK {}")[0] == 200
        assert pid_alive(s.oxigraph_pid)
    finally:
        stop_serve(s)
    assert s.proc.returncode == 0
    assert "stopped" in s.log.read_text()
    assert not pid_alive(s.oxigraph_pid)


@pytest.mark.parametrize(
    ("content_type", "answer", "rows"),
    [
        # Braces, quotes and a "bindings" key inside values are not rows.
        ("application/sparql-results+json",
         b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"{\\"a\\":{}}"}},'
         b'{"x":{"type":"literal","value":"bindings"}},{}]}}', 3),
        ("application/sparql-results+xml",
         b"<sparql><head/><results><result><binding name='x'><literal>&lt;result></literal></binding></result>"
         b"<result></result></results></sparql>", 2),
        ("text/csv", b'x,y\r\n"a\r\nb",c\r\n"say ""hi""\r\n",d\r\n', 2),
        ("text/tab-separated-values", b"?x\n\"a\\nb\"\n<a:b>\n", 2),
        ("application/n-triples", b'<a:s> <a:p> "x\\ny" .\n<a:s> <a:p> <a:o> .\n', 2),
        ("text/turtle", b"<a:s> <a:p> <a:o> .\n", 0),
    ],
)  # fmt: skip
def test_row_counter_counts_rows_fed_byte_by_byte(content_type: str, answer: bytes, rows: int) -> None:
    counter = _RowCounter(content_type)
    for i in range(len(answer)):
        counter.feed(answer[i : i + 1])
    assert counter.rows == rows


@pytest.mark.e2e
def test_byte_limit_refuses_large_answers(sample_build: Path) -> None:
    if not oxigraph_installed():
        pytest.skip(OXIGRAPH_MISSING)
    with serving(sample_build, port=0, limits=Limits(timeout_s=5, max_results=1000, max_bytes=2000)) as proxy:
        serve_in_thread(proxy)
        url = f"http://127.0.0.1:{proxy.server_address[1]}/query"
        assert post_query(url, "SELECT * WHERE { ?s ?p ?o } LIMIT 2")[0] == 200
        status, _, body = post_query(url, "SELECT * WHERE { ?s ?p ?o } LIMIT 500")
        proxy.shutdown()
    assert status == 413
    assert b"more than 2000 bytes" in body


# ------------------------------------------------ the page, /sparql, CORS, HEAD/OPTIONS, GSP reads (issue 18)


@pytest.mark.e2e
def test_the_query_page_and_its_files_are_served_with_no_cdn(served) -> None:
    root = served.url.removesuffix("query")
    status, ctype, page = request(root)
    assert (status, ctype) == (200, "text/html")
    assert b"<title>trialkg SPARQL endpoint (read-only)</title>" in page and b"/update" not in page
    assert b"https://" not in page.split(b"<script>")[0]  # the scripts and styles come from this endpoint
    for name in ("yasgui.min.js", "yasgui.min.css"):
        status, _, body = request(root + name)
        assert status == 200 and len(body) > 10_000


@pytest.mark.e2e
def test_sparql_is_an_alias_of_query(served) -> None:
    ask = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    by_query = request(served.url + "?" + ask, Accept="application/sparql-results+json")
    by_sparql = request(served.url.removesuffix("query") + "sparql?" + ask, Accept="application/sparql-results+json")
    assert by_query == by_sparql and by_query[0] == 200


@pytest.mark.e2e
def test_head_and_options_answer(served) -> None:
    status, _, body = request(served.url.removesuffix("query"), method="HEAD")
    assert status == 200 and body == b""
    req = urllib.request.Request(served.url, method="OPTIONS")
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 204 and "POST" in resp.headers["Allow"]
        assert resp.headers.get("Access-Control-Allow-Origin") is None  # no CORS unless asked for


@pytest.fixture(scope="module")
def served_with_cors(sample_build: Path, tmp_path_factory: pytest.TempPathFactory):
    """`trialkg serve` with the default limits and one CORS origin."""
    if not oxigraph_installed():
        pytest.skip(OXIGRAPH_MISSING)
    s = start_serve(sample_build, tmp_path_factory.mktemp("cors") / "serve.log", "--cors-origin", "http://app.example")
    try:
        yield s
    finally:
        stop_serve(s)


@pytest.mark.e2e
def test_graph_store_reads_are_allowed_and_writes_refused(served_with_cors, sample_build: Path) -> None:
    served = served_with_cors
    quads = list(ox.parse(path=str(sample_build / "trialkg.nq"), format=ox.RdfFormat.N_QUADS))
    store = served.url.removesuffix("query") + "store"
    status, ctype, body = request(store + "?default", Accept="application/n-triples")  # the merged default graph
    assert status == 200
    served_triples = {q.triple for q in ox.parse(body, format=ox.RdfFormat.from_media_type(ctype))}
    assert served_triples == {q.triple for q in quads if isinstance(q.graph_name, ox.DefaultGraph)}
    status, _, _ = request(store + "?default", data=b"<a:1> <a:2> <a:3> .", method="PUT")
    assert status == 405


@pytest.mark.e2e
def test_cors_for_the_configured_origin_only(served_with_cors) -> None:
    s = served_with_cors
    ask = s.url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    for origin, allowed in [("http://app.example", "http://app.example"), ("http://evil.example", None)]:
        with urllib.request.urlopen(urllib.request.Request(ask, headers={"Origin": origin}), timeout=30) as resp:
            assert resp.headers.get("Access-Control-Allow-Origin") == allowed
        preflight = urllib.request.Request(
            s.url, method="OPTIONS", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
        )
        with urllib.request.urlopen(preflight, timeout=30) as resp:
            assert resp.headers.get("Access-Control-Allow-Origin") == allowed
            assert (resp.headers.get("Access-Control-Allow-Methods") is not None) == (allowed is not None)


@pytest.mark.e2e
def test_a_too_large_answer_says_so_in_its_status_line(served) -> None:
    query = urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"})
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(served.url).netloc, timeout=30)
    try:
        conn.request("GET", "/sparql?" + query)
        resp = conn.getresponse()
        assert (resp.status, resp.reason) == (413, "Result Too Large")
        assert b"add a LIMIT" in resp.read()
    finally:
        conn.close()
