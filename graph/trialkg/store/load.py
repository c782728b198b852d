"""`trialkg load`: push a build into a triple store, then check the store holds every triple.

Over the network it speaks the SPARQL 1.1 Graph Store HTTP Protocol (GSP, W3C 2013): the default
graph (the merged view) and the sources' named graphs (first chunk PUT, which replaces the graph,
the rest POSTed, which adds), or the default graph into one target graph; failures of the store
(5xx, 429, dropped connections) are retried with exponential backoff. Afterwards a SPARQL COUNT at
the store's query endpoint must equal what the build holds. Offline, the first load of a big build
goes through Oxigraph's bulk loader instead (in-process, as the build loads its own store), which
writes the store folder directly.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from trialkg.errors import TrialkgError
from trialkg.store.counts import COUNT_QUERIES, first_int
from trialkg.store.oxigraph import load_store, quad_files

N_TRIPLES = "application/n-triples"
DEFAULT_CHUNK = 50_000
#: Graph IRIs per COUNT query in the check (keeps each query text well under 100 kB).
GRAPHS_PER_COUNT = 200
#: Statuses worth another try: the store is busy or failing, not refusing what we sent (RFC 9110 §15.6).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: A store's query endpoint, from the path ending of its Graph Store endpoint.
QUERY_ENDPOINT_FROM_GSP = (
    ("/store", "/query"),  # Oxigraph server
    ("/data", "/sparql"),  # Apache Jena Fuseki: /DATASET/data -> /DATASET/sparql
    ("/rdf-graphs/service", ""),  # GraphDB (RDF4J): /repositories/REPO/rdf-graphs/service -> /repositories/REPO
    ("/sparql-graph-crud-auth", "/sparql"),  # Virtuoso
    ("/sparql-graph-crud", "/sparql"),  # Virtuoso
)


@dataclass(frozen=True)
class LoadReport:
    """What a load sent and what the store holds afterwards."""

    graphs: int
    triples: int
    requests: int
    retries: int
    seconds: float
    counted: int


#: The name `chunks` gives the default graph (GSP's `?default`).
DEFAULT_GRAPH = ""


@dataclass(frozen=True)
class Chunk:
    """Up to chunk-size triples of one graph, as N-Triples; `first` chunks replace the graph."""

    #: A named graph's IRI, or DEFAULT_GRAPH.
    graph: str
    data: bytes
    triples: int
    first: bool


def query_endpoint_for(gsp_endpoint: str) -> str:
    """The query endpoint beside a Graph Store endpoint, for the stores we know.

    >>> query_endpoint_for("http://localhost:3030/trials/data")
    'http://localhost:3030/trials/sparql'
    """
    url = urllib.parse.urlsplit(gsp_endpoint)
    for ending, replacement in QUERY_ENDPOINT_FROM_GSP:
        if url.path.endswith(ending):
            return urllib.parse.urlunsplit(url._replace(path=url.path[: -len(ending)] + replacement, query=""))
    raise TrialkgError(f"cannot tell the query endpoint of {gsp_endpoint}; give it with --query-endpoint")


def chunks(files: Sequence[Path], *, chunk_size: int, target_graph: str | None) -> Iterator[Chunk]:
    """The build's quads as N-Triples chunks of one graph each (with a target graph, the default graph goes there).

    The N-Quads files are sorted by subject, so a graph's quads come interleaved with others':
    triples wait per graph, and at most `chunk_size` wait in all (the biggest waiting graph goes first).
    """
    seen: set[str] = set()
    pending: dict[str, list[ox.Triple]] = {}
    waiting = 0

    def flush(graph: str) -> Chunk:
        triples = pending.pop(graph)
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        assert isinstance(data, bytes)
        chunk = Chunk(graph, data, len(triples), graph not in seen)
        seen.add(graph)
        return chunk

    for path in files:
        try:
            for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
                graph = _graph_name(quad)
                pending.setdefault(target_graph if target_graph and graph == DEFAULT_GRAPH else graph, []).append(
                    quad.triple
                )
                waiting += 1
                if waiting >= chunk_size:
                    biggest = max(pending, key=lambda g: len(pending[g]))
                    waiting -= len(pending[biggest])
                    yield flush(biggest)
        except SyntaxError as exc:
            raise TrialkgError(f"{path}: not valid N-Quads: {exc}") from exc
    for graph in list(pending):
        yield flush(graph)


def _graph_name(quad: ox.Quad) -> str:
    return quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else DEFAULT_GRAPH


def graph_url(endpoint: str, graph: str, param: str = "graph") -> str:
    """GSP indirect graph identification (§4.2): ENDPOINT?graph=<encoded IRI>, or ENDPOINT?default.

    >>> graph_url("http://localhost:7878/store", DEFAULT_GRAPH)
    'http://localhost:7878/store?default'

    >>> graph_url("http://localhost:7878/store", "https://w3id.org/trialkg/source/1")
    'http://localhost:7878/store?graph=https%3A%2F%2Fw3id.org%2Ftrialkg%2Fsource%2F1'
    """
    joiner = "&" if "?" in endpoint else "?"
    if graph == DEFAULT_GRAPH:
        return endpoint + joiner + "default"
    return endpoint + joiner + urllib.parse.urlencode({param: graph})


class _Sender:
    """HTTP with retries: counts requests and retries for the report."""

    def __init__(self, retries: int, backoff_s: float, timeout_s: float) -> None:
        self.retries_allowed = retries
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.requests = 0
        self.retries = 0

    def send(self, method: str, url: str, data: bytes, headers: dict[str, str]) -> bytes:
        last = ""
        for attempt in range(self.retries_allowed + 1):
            if attempt:
                self.retries += 1
                time.sleep(min(30.0, self.backoff_s * 2 ** (attempt - 1)))
            self.requests += 1
            request = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as resp:
                    body: bytes = resp.read()
                    return body
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode("utf-8", "replace").strip()[:300]
                last = f"{exc.code} {exc.reason}: {detail}"
                if exc.code not in RETRY_STATUSES:
                    raise TrialkgError(f"{method} {url} was refused: {last}") from exc
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                last = f"cannot connect: {getattr(exc, 'reason', exc)}"
            except http.client.HTTPException as exc:  # a garbage status line, a body shorter than announced
                last = f"a broken HTTP answer ({type(exc).__name__}: {str(exc)[:200]})"
        raise TrialkgError(f"{method} {url} failed after {self.retries_allowed + 1} attempts; last: {last}")


def _count_with(run: Callable[[str], int], graphs: Sequence[str]) -> int:
    """Triples in `graphs` (DEFAULT_GRAPH: the default graph, counted as store/counts.py counts it)."""
    named = [g for g in graphs if g != DEFAULT_GRAPH]
    total = run(COUNT_QUERIES["triples"]) if len(named) < len(graphs) else 0
    for start in range(0, len(named), GRAPHS_PER_COUNT):
        values = " ".join(str(ox.NamedNode(g)) for g in named[start : start + GRAPHS_PER_COUNT])
        total += run(f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
    return total


def _remote_count(sender: _Sender, query_endpoint: str) -> Callable[[str], int]:
    def run(query: str) -> int:
        body = urllib.parse.urlencode({"query": query}).encode("utf-8")
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
        answer = sender.send("POST", query_endpoint, body, headers)
        try:
            return first_int(ox.parse_query_results(answer, format=ox.QueryResultsFormat.JSON))
        except (SyntaxError, ValueError) as exc:
            raise TrialkgError(
                f"{query_endpoint}: the count answer is not a SPARQL JSON result with a number ({exc}); "
                f"it began {answer[:80]!r}"
            ) from exc

    return run


def load_to_endpoint(
    graph_dir: Path,
    endpoint: str,
    *,
    query_endpoint: str | None = None,
    target_graph: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    retries: int = 3,
    backoff_s: float = 1.0,
    timeout_s: float = 300.0,
    graph_param: str = "graph",
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Push the build in `graph_dir` to a Graph Store endpoint and check the triple count there."""
    started = time.perf_counter()
    query_endpoint = query_endpoint or query_endpoint_for(endpoint)
    sender = _Sender(retries, backoff_s, timeout_s)
    graphs: list[str] = []
    sent = 0
    for chunk in chunks(quad_files(graph_dir, required=True), chunk_size=chunk_size, target_graph=target_graph):
        if chunk.first:
            graphs.append(chunk.graph)
        # PUT replaces the graph (a re-run leaves no stale triples), POST adds the next chunks (GSP §5.3, §5.5).
        sender.send(
            "PUT" if chunk.first else "POST",
            graph_url(endpoint, chunk.graph, graph_param),
            chunk.data,
            {"Content-Type": N_TRIPLES},
        )
        sent += chunk.triples
        if progress:
            progress(chunk.triples)
    counted = _count_with(_remote_count(sender, query_endpoint), graphs)
    # A build never repeats a statement within a graph, so the store must hold exactly what was sent.
    if counted != sent:
        raise TrialkgError(
            f"count check failed: {query_endpoint} holds {counted} triples in the {len(graphs)} graph(s) loaded, "
            f"the build has {sent}"
        )
    return LoadReport(len(graphs), sent, sender.requests, sender.retries, time.perf_counter() - started, counted)


def refuse_foreign_folder(location: Path) -> None:
    """An Oxigraph store folder, an empty one, or none: never files of someone else's that the loader writes among.

    Oxigraph keeps its store in RocksDB, whose folder always holds a CURRENT file."""
    if location.exists() and not location.is_dir():
        raise TrialkgError(f"{location}: not a folder; give a folder for the Oxigraph store")
    if location.is_dir() and any(location.iterdir()) and not (location / "CURRENT").is_file():
        raise TrialkgError(
            f"{location}: the folder is not empty and is not an Oxigraph store; give an empty folder or a store"
        )


def load_bulk(graph_dir: Path, location: Path) -> LoadReport:
    """First load of a build into an Oxigraph store folder with the offline bulk loader, then the count check."""
    started = time.perf_counter()
    refuse_foreign_folder(location)
    files = quad_files(graph_dir, required=True)
    graphs: dict[str, None] = {}
    sent = 0
    for path in files:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
            graphs[_graph_name(quad)] = None
            sent += 1

    def count(store: ox.Store) -> int:
        return _count_with(lambda query: first_int(store.query(query)), list(graphs))

    counted = load_store(location, files, count)
    if counted != sent:
        raise TrialkgError(f"count check failed: {location} holds {counted} triples of the build's graphs, not {sent}")
    return LoadReport(len(graphs), sent, 1, 0, time.perf_counter() - started, counted)
