"""The `oxigraph` command-line server (PyPI package `oxigraph`), run as a child process.

trialkg finds the binary, starts the server, waits until it answers, and stops it by its process
id; nothing is left running behind a command. It serves store folders written by pyoxigraph (same
0.5 release line); loading them is store/oxigraph.py's job.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from trialkg.errors import TrialkgError


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


def start_server(
    location: Path | None,
    port: int,
    *,
    read_only: bool = True,
    timeout_s: int | None = None,
    union_default_graph: bool = False,
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start `oxigraph serve[-read-only]` on 127.0.0.1:PORT (location None: an in-memory read-write store).

    The default graph is the store's own (a build's merged view), not the union of the named graphs,
    which would repeat a multi-source trial's facts once per source.
    """
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
        return subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_dies_with_parent(),
        )  # fmt: skip
    finally:
        if log:
            out.close()  # type: ignore[union-attr]


#: prctl(2) option: the signal the kernel sends this process when its parent dies.
_PR_SET_PDEATHSIG = 1


def _dies_with_parent() -> Callable[[], None] | None:
    """For the child, before exec: ask Linux to SIGKILL it when trialkg dies, even by kill -9.

    (Other systems: None; there the server is stopped by stop_server only.)
    """
    if not sys.platform.startswith("linux"):
        return None
    parent = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)

    def arm() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return arm


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
