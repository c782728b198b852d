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


# ---------------------------------------------------------------- Virtuoso (Debian's virtuoso-opensource)


@dataclass
class VirtuosoServer:
    """A `virtuoso-t` started on free loopback ports over a database in a temporary folder."""

    proc: Any
    sql_port: int
    http_port: int
    log: Path


def ensure_virtuoso() -> None:
    """Install Debian's virtuoso-opensource when it is missing (as .ci/run does; apt-get needs root)."""
    import os
    import shutil
    import subprocess

    if shutil.which("virtuoso-t") and shutil.which("isql-vt"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        import pytest

        pytest.skip("virtuoso-opensource is not installed (apt-get install virtuoso-opensource)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "virtuoso-opensource"], check=True, env=env)


def start_virtuoso(work: Path, dirs_allowed: Path) -> VirtuosoServer:
    """virtuoso-t in the foreground with its own virtuoso.ini; returns once it accepts SQL connections."""
    import subprocess
    import time

    from trialkg.store.server import free_port

    sql_port, http_port = free_port(), free_port()
    db = work / "db"
    db.mkdir(parents=True)
    ini = work / "virtuoso.ini"
    ini.write_text(
        f"[Database]\nDatabaseFile = {db}/virtuoso.db\nErrorLogFile = {db}/virtuoso.log\nLockFile = {db}/virtuoso.lck\n"
        f"TransactionFile = {db}/virtuoso.trx\nxa_persistent_file = {db}/virtuoso.pxa\n"
        f"[TempDatabase]\nDatabaseFile = {db}/virtuoso-temp.db\nTransactionFile = {db}/virtuoso-temp.trx\n"
        f"[Parameters]\nServerPort = 127.0.0.1:{sql_port}\nDirsAllowed = ., {dirs_allowed}\n"
        "NumberOfBuffers = 10000\nMaxDirtyBuffers = 6000\n"
        f"[HTTPServer]\nServerPort = 127.0.0.1:{http_port}\nServerRoot = {work}\n"
        "[SPARQL]\nResultSetMaxRows = 1000000\n",
        encoding="utf-8",
    )
    log = work / "virtuoso.out"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            ["virtuoso-t", "+foreground", "+configfile", str(ini)], cwd=work, stdout=fh, stderr=subprocess.STDOUT
        )
    until = time.monotonic() + 120
    while time.monotonic() < until:
        if "Server online at" in log.read_text("utf-8", "replace"):
            return VirtuosoServer(proc, sql_port, http_port, log)
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    stop_virtuoso(VirtuosoServer(proc, sql_port, http_port, log))
    raise AssertionError(f"virtuoso-t did not start: {log.read_text('utf-8', 'replace')[-2000:]}")


def stop_virtuoso(server: VirtuosoServer) -> None:
    """SIGTERM by pid (Virtuoso checkpoints and exits), SIGKILL if it lingers."""
    import subprocess

    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
