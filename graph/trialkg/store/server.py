"""The `oxigraph` command-line server and bulk loader (PyPI package `oxigraph`), run as child processes.

trialkg starts the server, waits until it answers, and stops it by its process id; nothing is left
running behind a command. The on-disk format is the one pyoxigraph uses (same 0.5 release line).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

from trialkg.errors import GraphNotFoundError, TrialkgError
from trialkg.store.oxigraph import QUADS_FILE, STORE_DIR, quad_files


def oxigraph_binary() -> str:
    """Path of the `oxigraph` executable: the one beside this Python first (same venv), then PATH."""
    beside = Path(sys.executable).parent / ("oxigraph.exe" if os.name == "nt" else "oxigraph")
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if not found:
        raise TrialkgError("the `oxigraph` server is not installed (pip install oxigraph)")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def build_quad_files(graph_dir: Path) -> list[Path]:
    """The N-Quads file(s) of a build: trialkg.nq, else its shards, in order."""
    files = quad_files(graph_dir)
    if not files:
        raise GraphNotFoundError(
            f"{graph_dir}: no built graph here ({QUADS_FILE} is missing); run `trialkg build` first"
        )
    return files


def bulk_load(location: Path, files: Sequence[Path]) -> None:
    """Load N-Quads files into an Oxigraph store folder with the offline bulk loader (`oxigraph load`)."""
    location.mkdir(parents=True, exist_ok=True)
    cmd = [oxigraph_binary(), "load", "--location", str(location), "--file", *map(str, files)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise TrialkgError(f"`oxigraph load` into {location} failed: {done.stderr.strip() or done.stdout.strip()}")


@contextlib.contextmanager
def store_location(graph_dir: Path) -> Iterator[Path]:
    """The Oxigraph store folder of a build: OUT/oxigraph if the build left one, else a private copy.

    The private copy (for a folder holding only the exports, e.g. copied from elsewhere) is
    bulk-loaded from the build's N-Quads into a temporary folder and removed on exit.
    """
    built = graph_dir / STORE_DIR
    if built.is_dir():
        yield built
        return
    files = build_quad_files(graph_dir)
    with tempfile.TemporaryDirectory(prefix="trialkg-store-") as tmp:
        location = Path(tmp) / STORE_DIR
        bulk_load(location, files)
        yield location


def start_server(
    location: Path | None,
    port: int,
    *,
    read_only: bool = True,
    timeout_s: int | None = None,
    union_default_graph: bool = True,
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start `oxigraph serve[-read-only]` on 127.0.0.1:PORT (location None: an in-memory read-write store)."""
    cmd = [oxigraph_binary(), "serve-read-only" if read_only else "serve", "--bind", f"127.0.0.1:{port}"]
    if location is not None:
        cmd += ["--location", str(location)]
    if union_default_graph:
        cmd.append("--union-default-graph")
    if timeout_s is not None:
        cmd += ["--timeout-s", str(timeout_s)]
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the child owns it)
    try:
        # A new process group: Ctrl-C in the terminal reaches trialkg, which then stops the child itself.
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        if log:
            out.close()  # type: ignore[union-attr]


def wait_ready(proc: subprocess.Popen[bytes], url: str, *, deadline_s: float = 30.0) -> None:
    """Block until the SPARQL endpoint at `url` answers `ASK {}`; fail if the process exits first."""
    probe = url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    until = time.monotonic() + deadline_s
    while time.monotonic() < until:
        if proc.poll() is not None:
            raise TrialkgError(f"the oxigraph server exited with code {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(probe, timeout=1.0) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    stop_server(proc)
    raise TrialkgError(f"the oxigraph server did not answer at {url} within {deadline_s:.0f} s")


def stop_server(proc: subprocess.Popen[bytes], *, grace_s: float = 5.0) -> None:
    """Stop the server by its process id: SIGTERM, then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
