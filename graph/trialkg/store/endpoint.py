"""`trialkg serve`: a read-only SPARQL 1.1 Protocol endpoint over a build, on loopback by default.

The `oxigraph serve-read-only` server answers the queries (the build's default graph, the merged
view, as the default graph; its own --timeout-s cancelling runaway work). In front of it sits a small proxy,
because the server has no result-size limit and, when its timeout fires, it has already sent
`200 OK` and ends the body with an error text. The proxy reads each answer whole (up to the byte
limit), counts rows as they arrive, and sends either the complete answer or a clear error:
504 on timeout, 413 past the row or byte limit, 403/405 for updates and writes.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import json
import math
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import ijson
import pyoxigraph as ox

from trialkg.errors import TrialkgError
from trialkg.store.oxigraph import store_location
from trialkg.store.server import free_port, start_server, stop_server, wait_ready
from trialkg.store.sparql import operation_kind, uses_service

DEFAULT_PORT = 7878
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_RESULTS = 100_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: Longest query text accepted (bytes of the request body or URL).
MAX_REQUEST_BYTES = 1024 * 1024
#: Seconds a client connection may stay silent (between requests, or inside one) before it is closed.
IDLE_TIMEOUT_S = 30.0
#: Connections waiting to be accepted (socketserver's default of 5 drops clients under a burst).
LISTEN_BACKLOG = 128
#: What `oxigraph` writes at the end of a 200 answer whose query it cancelled (0.5.x).
_CANCELLED_MARKER = b"The SPARQL operation has been cancelled"
_READ_CHUNK = 64 * 1024
#: The paths that answer SPARQL queries (/sparql: the name most clients and YASGUI expect).
QUERY_PATHS = ("/query", "/sparql")
#: Graph Store Protocol reads (GET ?graph=IRI or ?default), passed to the server's /store.
GRAPH_STORE_PATHS = ("/store",)
#: The query page the oxigraph server ships (YASGUI, bundled in the binary: nothing from a CDN).
PAGE_FILES = ("/", "/yasgui.min.js", "/yasgui.min.css", "/logo.svg")


#: The query the page opens with: the trials, by NCT id.
PAGE_QUERY = """PREFIX trialkg: <https://w3id.org/trialkg/ontology#>
SELECT ?trial ?nctId ?title WHERE {
  ?trial a trialkg:Trial .
  OPTIONAL { ?trial trialkg:nctId ?nctId }
  OPTIONAL { ?trial trialkg:briefTitle ?title }
} ORDER BY ?nctId LIMIT 100"""
#: Before YASGUI starts: no autocompleter that asks a web service (prefix.cc, LOV), and the opening query.
_PAGE_SETUP = (
    "Yasgui.Yasqe.defaults.autocompleters = Yasgui.Yasqe.defaults.autocompleters.filter("
    'n => !["prefixes", "property", "class"].includes(n));\n'
    f"    Yasgui.Yasqe.defaults.value = {json.dumps(PAGE_QUERY)};\n    "
)


def page_for_proxy(page: bytes) -> bytes:
    """Oxigraph's YASGUI page, pointed at this endpoint and kept offline.

    Its title; no /update in the endpoint list; the trialkg opening query; no autocompletion
    from web services, so the page asks nothing of any host but this endpoint.
    """
    page = page.replace(b"<title>Oxigraph server</title>", b"<title>trialkg SPARQL endpoint (read-only)</title>")
    page = page.replace(b'{ endpoint: url + "/update" },', b"")
    return page.replace(b"new Yasgui(", _PAGE_SETUP.encode("utf-8") + b"new Yasgui(", 1)


@dataclass(frozen=True)
class Limits:
    """What one query may cost: wall-clock seconds, result rows (or triples), answer bytes."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    max_results: int = DEFAULT_MAX_RESULTS
    max_bytes: int = DEFAULT_MAX_BYTES


class _RowCounter:
    """Counts result rows in a streamed SPARQL answer; formats it cannot count report 0 rows."""

    def __init__(self, content_type: str) -> None:
        self.rows = 0
        self._tail = b""
        self._in_quotes = False
        self._events: Any = None
        self._feed: Callable[[bytes], None] = _ROW_FEEDS.get(content_type, _RowCounter._ignore)(self)

    def feed(self, chunk: bytes) -> int:
        self._feed(chunk)
        return self.rows

    def _ignore(self) -> Callable[[bytes], None]:
        return lambda chunk: None

    def _lines(self, header: int) -> Callable[[bytes], None]:
        # N-Triples and TSV escape newlines inside terms, so one line is one row (after the header).
        self.rows = -header

        def feed(chunk: bytes) -> None:
            self.rows += chunk.count(b"\n")

        return feed

    def _csv(self) -> Callable[[bytes], None]:
        # RFC 4180: a newline inside double quotes is data; "" inside quotes toggles twice.
        self.rows = -1

        def feed(chunk: bytes) -> None:
            parts = chunk.split(b'"')
            for i, part in enumerate(parts):
                if (i % 2 == 0) != self._in_quotes:
                    self.rows += part.count(b"\n")
            self._in_quotes ^= (len(parts) - 1) % 2 == 1

        return feed

    def _xml(self) -> Callable[[bytes], None]:
        # In XML text "<" is always escaped, so "<result>" only ever opens a result element.
        def feed(chunk: bytes) -> None:
            data = self._tail + chunk
            self.rows += data.count(b"<result>") - self._tail.count(b"<result>")
            self._tail = data[-7:]

        return feed

    def _json(self) -> Callable[[bytes], None]:
        self._events = ijson.sendable_list()
        parser = ijson.parse_coro(self._events)

        def feed(chunk: bytes) -> None:
            parser.send(chunk)
            self.rows += sum(1 for p, e, _ in self._events if e == "start_map" and p == "results.bindings.item")
            del self._events[:]

        return feed


_ROW_FEEDS: dict[str, Callable[[_RowCounter], Callable[[bytes], None]]] = {
    "application/sparql-results+json": _RowCounter._json,
    "application/json": _RowCounter._json,
    "application/sparql-results+xml": _RowCounter._xml,
    "text/tab-separated-values": lambda c: c._lines(header=1),
    "text/csv": _RowCounter._csv,
    "application/n-triples": lambda c: c._lines(header=0),
    "application/n-quads": lambda c: c._lines(header=0),
}


def graph_answer_triples(data: bytes, content_type: str, stop: int) -> int:
    """Triples in a CONSTRUCT/DESCRIBE answer whose format one line per triple does not count (Turtle, RDF/XML,
    JSON-LD, TriG, N3), counted up to `stop` + 1; 0 for other answers. The body is whole and within the byte limit."""
    fmt = ox.RdfFormat.from_media_type(content_type)
    if fmt is None or content_type in _ROW_FEEDS:
        return 0
    count = 0
    for _ in ox.parse(data, format=fmt):
        count += 1
        if count > stop:
            break
    return count


class QueryProxy(ThreadingHTTPServer):
    """The public face of the endpoint: forwards read-only queries to the oxigraph server."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(
        self,
        address: tuple[str, int],
        upstream: str,
        limits: Limits,
        child: subprocess.Popen[bytes] | None,
        cors_origins: tuple[str, ...] = (),
        *,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
    ):
        self.upstream = upstream
        self.limits = limits
        self.child = child
        #: Origins whose pages may read the answers ("*": any); none: no CORS headers at all.
        self.cors_origins = cors_origins
        self.idle_timeout_s = idle_timeout_s
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _ProxyHandler)

    def service_actions(self) -> None:
        # The proxy is no use without its server: stop serving if the oxigraph process died.
        if self.child is not None and self.child.poll() is not None:
            raise TrialkgError(f"the oxigraph server exited with code {self.child.returncode}")


class _ProxyHandler(BaseHTTPRequestHandler):
    server: QueryProxy
    protocol_version = "HTTP/1.1"
    server_version = "trialkg-serve"

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.idle_timeout_s)  # a silent client is dropped, not kept forever

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class names it so)
        sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":  # no headers, no status line: answer nothing and close
            self.close_connection = True
            return False
        return True

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path in PAGE_FILES:
            self._forward_page(url.path)
        elif url.path in GRAPH_STORE_PATHS:
            self._forward_safely("GET", url.query, None, None, path="/store")
        elif url.path not in QUERY_PATHS:
            self._refuse_path(url.path)
        elif len(url.query) > MAX_REQUEST_BYTES:
            self._reply(414, "query too long\n")
        else:
            fields = urllib.parse.parse_qs(url.query)
            if self._refused(fields):
                return
            self._forward_safely("GET", url.query, None, None)

    def do_POST(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        body = self._discard_body()
        if body is None:
            return
        if url.path not in QUERY_PATHS:
            self._refuse_path(url.path)
            return
        content_type = self.headers.get_content_type()
        if content_type == "application/x-www-form-urlencoded":
            fields = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        elif content_type == "application/sparql-query":
            fields = {"query": [body.decode("utf-8", "replace")]}
        elif content_type == "application/sparql-update":
            fields = {"update": [""]}
        else:
            self._reply(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded\n")
            return
        # The URL's parameters go upstream too: an `update=` or a query there is checked like the body's.
        for key, values in urllib.parse.parse_qs(url.query).items():
            fields.setdefault(key, []).extend(values)
        if self._refused(fields):
            return
        self._forward_safely("POST", url.query, body, self.headers.get("Content-Type"))

    do_HEAD = do_GET  # the same answer without its body (`_reply` leaves it out)

    def do_OPTIONS(self) -> None:
        """What a path allows, and the CORS preflight answer for the configured origins."""
        self._discard_body()
        path = urllib.parse.urlsplit(self.path).path
        allow = "GET, POST, HEAD, OPTIONS" if path in QUERY_PATHS else "GET, HEAD, OPTIONS"
        self._reply(204, b"", allow=allow, **self._preflight_headers(allow))

    def do_PUT(self) -> None:
        if self._discard_body() is not None:
            self._refuse_write()

    do_DELETE = do_PATCH = do_PUT

    def _allowed_origin(self) -> str | None:
        """The Access-Control-Allow-Origin value for this request (None: no CORS header)."""
        origins = self.server.cors_origins
        origin = self.headers.get("Origin")
        if "*" in origins:
            return "*"
        return origin if origin and origin in origins else None

    def _preflight_headers(self, allow: str) -> dict[str, str]:
        if self._allowed_origin() is None:
            return {}
        return {
            "access-control-allow-methods": allow,
            "access-control-allow-headers": "Accept, Content-Type",
            "access-control-max-age": "600",
        }

    def _forward_page(self, path: str) -> None:
        """The YASGUI query page and its files, as the oxigraph server ships them (no CDN), made to fit this proxy."""
        self._forward_safely("GET", "", None, None, path=path)

    def _discard_body(self) -> bytes | None:
        """The request body, read so the connection can serve the next request.

        None (answered, connection closed): a Content-Length that is not a plain decimal number (RFC 9110
        §8.6: digits only; a negative one would read to the end of the stream), over the limit, or chunked.
        """
        text = (self.headers.get("Content-Length") or "0").strip()
        if not text.isascii() or not text.isdigit():
            self.close_connection = True
            self._reply(400, f"bad Content-Length: {text[:40]!r}\n")
            return None
        if int(text) > MAX_REQUEST_BYTES or "chunked" in (self.headers.get("Transfer-Encoding") or ""):
            self.close_connection = True
            self._reply(413, f"request body over {MAX_REQUEST_BYTES} bytes\n", reason="Request Too Large")
            return None
        return self.rfile.read(int(text))

    def _refused(self, fields: dict[str, list[str]]) -> bool:
        if "update" in fields or any(operation_kind(q) == "update" for q in fields.get("query", [])):
            self._reply(403, "this endpoint is read-only: SPARQL updates are refused\n")
            return True
        if not fields.get("query"):
            self._reply(400, "no query given (parameter `query`)\n")
            return True
        if any(uses_service(q) for q in fields["query"]):
            # The server would fetch any URL the query names, from inside the network it runs in.
            self._reply(403, "SERVICE (a federated query) is refused: this endpoint never fetches other servers\n")
            return True
        return False

    def _refuse_path(self, path: str) -> None:
        if path in ("/update", "/store") or path.startswith("/store"):
            self._refuse_write()
        else:
            self._reply(404, f"no such resource: {path} (queries go to /query or /sparql; the query page is /)\n")

    def _refuse_write(self) -> None:
        self._reply(
            405, "this endpoint is read-only: updates and Graph Store writes are refused (GET /store reads)\n",
            allow="GET, HEAD, OPTIONS",
        )  # fmt: skip

    def _forward_safely(
        self, method: str, query: str, body: bytes | None, content_type: str | None, *, path: str = "/query"
    ) -> None:
        try:
            self._forward(method, query, body, content_type, path)
        except Exception as exc:  # a bug here must still answer the client, and keep the server up
            self.log_error("proxy error: %r", exc)
            self._reply(500, f"internal error in the trialkg proxy: {exc}\n")

    def _forward(self, method: str, query: str, body: bytes | None, content_type: str | None, path: str) -> None:
        limits = self.server.limits
        deadline = time.monotonic() + limits.timeout_s
        upstream = urllib.parse.urlsplit(self.server.upstream)
        headers = {"Accept": self.headers.get("Accept") or "*/*"}
        if content_type:
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection(upstream.hostname or "127.0.0.1", upstream.port, timeout=limits.timeout_s)
        try:
            conn.connect()
            sock = conn.sock  # kept: each read may wait only for the time left before the deadline
            conn.request(method, path + ("?" + query if query else ""), body=body, headers=headers)
            resp = conn.getresponse()
            chunks: list[bytes] = []
            size = 0
            counter = _RowCounter(resp.headers.get_content_type())
            while True:
                sock.settimeout(max(0.001, deadline - time.monotonic()))
                chunk = resp.read1(_READ_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                chunks.append(chunk)
                if size > limits.max_bytes:
                    self._too_large(f"more than {limits.max_bytes} bytes")
                    return
                if resp.status == 200 and counter.feed(chunk) > limits.max_results:
                    self._too_large(f"more than {limits.max_results} results")
                    return
        except TimeoutError:
            self._timed_out()
            return
        except (OSError, http.client.HTTPException) as exc:
            self._reply(502, f"the SPARQL server did not answer: {exc}\n")
            return
        finally:
            conn.close()
        data = b"".join(chunks)
        if data.endswith(_CANCELLED_MARKER):
            self._timed_out()
            return
        if resp.status == 200 and graph_answer_triples(data, resp.headers.get_content_type(), limits.max_results) > (
            limits.max_results
        ):
            self._too_large(f"more than {limits.max_results} results")
            return
        if path == "/" and resp.status == 200:
            data = page_for_proxy(data)
        self._reply(resp.status, data, content_type=resp.headers.get("Content-Type", "application/octet-stream"))

    def _timed_out(self) -> None:
        self._reply(504, f"query timed out after {self.server.limits.timeout_s:g} s\n")

    def _too_large(self, what: str) -> None:
        self._reply(413, f"result too large ({what}); add a LIMIT or narrow the query\n", reason="Result Too Large")

    def _reply(
        self,
        status: int,
        body: str | bytes,
        *,
        content_type: str = "text/plain; charset=utf-8",
        reason: str | None = None,
        **extra: str,
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status, reason)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
        origin = self._allowed_origin()
        if origin is not None:
            self.send_header("Access-Control-Allow-Origin", origin)
            if origin != "*":
                self.send_header("Vary", "Origin")
        for name, value in extra.items():
            self.send_header(name.replace("_", "-").title(), value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def is_loopback(host: str) -> bool:
    """True if every address `host` resolves to is a loopback address (127.0.0.0/8, ::1)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as exc:
        raise TrialkgError(f"cannot resolve bind address {host!r}: {exc}") from exc
    return all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


@contextlib.contextmanager
def serving(
    graph_dir: Path,
    *,
    bind: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    limits: Limits = Limits(),  # noqa: B008 (frozen, so one shared default is safe)
    public: bool = False,
    cors_origins: tuple[str, ...] = (),
) -> Iterator[QueryProxy]:
    """The endpoint over the build in `graph_dir`, running until the block exits (then nothing is left)."""
    if not public and not is_loopback(bind):
        raise TrialkgError(f"refusing to listen on {bind}, which is not a loopback address; add --public to allow it")
    with store_location(graph_dir) as location:
        upstream_port = free_port()
        upstream = f"http://127.0.0.1:{upstream_port}/query"
        # Oxigraph's own timeout (whole seconds) stops the work; the proxy's answers the client on time.
        child = start_server(location, upstream_port, timeout_s=max(1, math.ceil(limits.timeout_s)))
        try:
            wait_ready(child, upstream)
            proxy = QueryProxy((bind, port), upstream, limits, child, cors_origins)
            try:
                yield proxy
            finally:
                proxy.server_close()
        finally:
            stop_server(child)
