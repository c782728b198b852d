"""`trialkg load` against a store that answers badly (issue 17, items 12 and 15): a body shorter than its
Content-Length, a status line that is not HTTP, a count answer that is not SPARQL JSON, and an
`--oxigraph-location` folder that holds someone else's files. Each is one line and exit 2, never a traceback."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hostile_kit import cli, one_error_line

SHORT_BODY = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nabc"
GARBAGE = b"SPARQL says hello\r\n\r\n"
NO_CONTENT = b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
NOT_JSON = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nContent-Length: 9\r\n\r\nnot json!"


@contextmanager
def bad_store(answer: Callable[[str], bytes]) -> Iterator[str]:
    """A loopback 'store' that reads each request and sends `answer(path)` raw; yields its GSP URL (/store)."""

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            request_line = self.rfile.readline().decode("latin-1")
            length = 0
            while (line := self.rfile.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            self.rfile.read(length)
            self.wfile.write(answer(request_line.split(" ")[1] if " " in request_line else ""))

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/store"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (lambda path: SHORT_BODY, "broken HTTP answer"),
        (lambda path: GARBAGE, "broken HTTP answer"),
        (lambda path: NOT_JSON if path.startswith("/query") else NO_CONTENT, "not a SPARQL JSON result"),
    ],
    ids=["short-body", "garbage-status-line", "non-json-count"],
)
def test_a_store_that_answers_badly_is_one_line(sample_build: Path, answer: Callable[[str], bytes], said: str) -> None:
    with bad_store(answer) as endpoint:
        result = cli("load", "--endpoint", endpoint, "--graph-dir", str(sample_build), "--retries", "0")
    line = one_error_line(result)
    assert said in line and "127.0.0.1" in line


def test_oxigraph_location_refuses_a_folder_that_is_not_a_store(sample_build: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.docx").write_bytes(b"precious")
    line = one_error_line(cli("load", "--oxigraph-location", str(folder), "--graph-dir", str(sample_build)))
    assert str(folder) in line and "not an Oxigraph store" in line
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.docx"]


def test_oxigraph_location_loads_into_an_empty_folder_and_again_into_its_store(
    sample_build: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    assert cli("load", "--oxigraph-location", str(folder), "--graph-dir", str(sample_build)).exit_code == 0
    assert (folder / "CURRENT").is_file()
