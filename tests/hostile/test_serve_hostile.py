"""`trialkg serve` under attack (issue 17, items 2, 5, 10, 11, 15): request forgery through SERVICE, request
bodies without a sane length, graph answers past --max-results, an update hidden in the URL, silent or
HTTP/0.9 clients, and a kill -9 that must not leave the oxigraph child listening. A real oxigraph server
behind the proxy, started and stopped by the tests."""

from __future__ import annotations

import os
import signal
import socket
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from listener import listening
from servers import OXIGRAPH_MISSING, oxigraph_installed, pid_alive, serve_in_thread, start_serve, stop_serve
from trialkg.store.endpoint import Limits, QueryProxy, serving

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not oxigraph_installed(), reason=OXIGRAPH_MISSING),
]

ANSWER = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"from-outside"}}]}}'


@pytest.fixture(scope="module")
def proxy(sample_build: Path) -> Iterator[QueryProxy]:
    """The endpoint in this process: at most 5 results, silent clients dropped after 1 s."""
    with serving(sample_build, port=0, limits=Limits(timeout_s=10, max_results=5)) as running:
        running.idle_timeout_s = 1.0
        serve_in_thread(running)
        yield running
        running.shutdown()


def address(proxy: QueryProxy) -> tuple[str, int]:
    return "127.0.0.1", int(proxy.server_address[1])


def exchange(proxy: QueryProxy, raw: bytes, *, wait_s: float = 10.0) -> bytes:
    """Send raw bytes, read until the server closes the connection (or `wait_s` passes: then b'TIMEOUT')."""
    with socket.create_connection(address(proxy), timeout=wait_s) as sock:
        sock.sendall(raw)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            return b"TIMEOUT" + b"".join(chunks)
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


def http(proxy: QueryProxy, method: str, target: str, body: bytes = b"", **headers: str) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{address(proxy)[1]}", "Connection: close"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return exchange(proxy, ("\r\n".join(lines) + "\r\n\r\n").encode() + body)


# -- item 2: no request forgery


def test_service_through_serve_is_refused_and_sends_nothing(proxy: QueryProxy) -> None:
    with listening(ANSWER) as listener:
        query = f"SELECT ?x WHERE {{ SERVICE <{listener.url}/s> {{ ?x ?p ?o }} }}"
        get = http(proxy, "GET", "/query?" + urllib.parse.urlencode({"query": query}))
        form = urllib.parse.urlencode({"query": query}).encode()
        post = http(proxy, "POST", "/query", form, Content_Type="application/x-www-form-urlencoded",
                    Content_Length=str(len(form)))  # fmt: skip
        assert listener.requests == []
    assert status_of(get) == 403 and b"SERVICE" in get and b"from-outside" not in get
    assert status_of(post) == 403 and b"from-outside" not in post


# -- item 5: a request body is bounded, whatever its Content-Length says


@pytest.mark.parametrize("length", ["-300000000", "-1", "+5", "1e3", "0x10", "12 34", "9" * 40])
def test_a_bad_content_length_is_400_or_413(proxy: QueryProxy, length: str) -> None:
    answer = http(proxy, "POST", "/query", b"query=ASK%20%7B%7D" + b" " * 4096,
                  Content_Type="application/x-www-form-urlencoded", Content_Length=length)  # fmt: skip
    assert status_of(answer) in (400, 413), answer[:200]


def test_a_negative_length_does_not_read_the_stream_to_its_end(proxy: QueryProxy) -> None:
    """The issue's case: with Content-Length -300000000 the proxy read (and forwarded) everything sent."""
    with socket.create_connection(address(proxy), timeout=10) as sock:
        head = "POST /query HTTP/1.1\r\nContent-Type: application/sparql-query\r\nContent-Length: -300000000\r\n\r\n"
        sock.sendall(head.encode() + b"ASK {}" + b" " * 65536)  # the client keeps the connection open
        answer = sock.recv(65536)
    assert status_of(answer) == 400 and b"Content-Length" in answer


# -- item 10: --max-results holds for every graph syntax


@pytest.mark.parametrize(
    "accept", ["text/turtle", "application/rdf+xml", "application/ld+json", "application/trig", "text/n3",
               "application/n-triples"],
)  # fmt: skip
def test_max_results_holds_for_construct_in_every_syntax(proxy: QueryProxy, accept: str) -> None:
    query = urllib.parse.urlencode({"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 50"})
    big = http(proxy, "GET", "/query?" + query, Accept=accept)
    assert status_of(big) == 413 and b"more than 5 results" in big
    small = http(proxy, "GET", "/query?" + urllib.parse.urlencode({"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3"}),
                 Accept=accept)  # fmt: skip
    assert status_of(small) == 200, small[:300]


def test_max_results_holds_for_describe(proxy: QueryProxy) -> None:
    query = urllib.parse.urlencode({"query": "DESCRIBE ?s WHERE { ?s a ?c } LIMIT 3"})
    assert status_of(http(proxy, "GET", "/query?" + query, Accept="text/turtle")) == 413


# -- item 15: the smaller ones


def test_an_update_in_the_url_of_a_post_is_refused(proxy: QueryProxy) -> None:
    update = urllib.parse.urlencode({"update": "INSERT DATA { <a:1> <a:2> <a:3> }"})
    body = b"ASK {}"
    answer = http(proxy, "POST", "/query?" + update, body, Content_Type="application/sparql-query",
                  Content_Length=str(len(body)))  # fmt: skip
    assert status_of(answer) == 403 and b"read-only" in answer


def test_a_silent_client_is_dropped(proxy: QueryProxy) -> None:
    started = time.monotonic()
    with socket.create_connection(address(proxy), timeout=15) as sock:
        assert sock.recv(100) == b""  # closed by the server, not by our own timeout
    assert time.monotonic() - started < 15


def test_an_http_0_9_request_is_answered_by_closing(proxy: QueryProxy) -> None:
    answer = exchange(proxy, b"GET /query?query=ASK%7B%7D\r\n", wait_s=10)
    assert not answer.startswith(b"TIMEOUT")


def test_the_listen_backlog_takes_a_burst(proxy: QueryProxy) -> None:
    assert proxy.request_queue_size >= 128


# -- item 11: the oxigraph child dies with trialkg serve


def test_kill_9_of_serve_takes_its_oxigraph_child_along(sample_build: Path, tmp_path: Path) -> None:
    served = start_serve(sample_build, tmp_path / "serve.log")
    try:
        assert pid_alive(served.oxigraph_pid)
        os.kill(served.proc.pid, signal.SIGKILL)
        served.proc.wait(timeout=10)
        until = time.monotonic() + 10
        while pid_alive(served.oxigraph_pid) and time.monotonic() < until:
            time.sleep(0.05)
        assert not pid_alive(served.oxigraph_pid), "the oxigraph child outlived trialkg serve"
    finally:
        stop_serve(served)  # kills the child by pid if the test failed
