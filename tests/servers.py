"""A real Oxigraph server and `trialkg serve`, started on loopback and stopped by process id."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OXIGRAPH_MISSING = "the `oxigraph` server binary is not installed (pip install 'trialkg[server]')"


def oxigraph_installed() -> bool:
    from trialkg.errors import TrialkgError
    from trialkg.store.server import oxigraph_binary

    try:
        oxigraph_binary()
    except TrialkgError:
        return False
    return True


def pid_alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child of ours still answers kill 0; waitpid reaps it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


@dataclass
class Served:
    """A running `trialkg serve` process: its endpoint, its process and its oxigraph child's pid."""

    url: str
    proc: Any
    oxigraph_pid: int
    log: Path


def start_serve(graph_dir: Path, log: Path, *args: str) -> Served:
    """Run `trialkg serve` as a subprocess on a free port; returns once its endpoint line is printed."""
    import os
    import re
    import subprocess
    import sys
    import time

    from trialkg.store.server import free_port

    port = free_port()
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "trialkg", "serve", "--graph", str(graph_dir), "--port", str(port), *args],
            stdout=fh, stderr=subprocess.STDOUT, env=os.environ.copy(),
        )  # fmt: skip
    until = time.monotonic() + 60
    while time.monotonic() < until:
        found = re.search(r"SPARQL endpoint (http://\S+) .*oxigraph pid (\d+)", log.read_text("utf-8", "replace"))
        if found:
            return Served(found.group(1), proc, int(found.group(2)), log)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise AssertionError(f"trialkg serve did not start: {log.read_text('utf-8', 'replace')}")


def stop_serve(served: Served) -> None:
    """SIGTERM `trialkg serve` by pid; kill it and its oxigraph child by pid if either lingers."""
    import os
    import signal
    import subprocess

    if served.proc.poll() is None:
        served.proc.send_signal(signal.SIGTERM)
        try:
            served.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            served.proc.kill()
            served.proc.wait()
    if pid_alive(served.oxigraph_pid):
        os.kill(served.oxigraph_pid, signal.SIGKILL)


def serve_in_thread(proxy: Any) -> threading.Thread:
    """Run a `trialkg serve` proxy (store.endpoint.serving) in this process, for tests that need no subprocess."""
    thread = threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return thread
