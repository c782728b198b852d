"""Shared fixtures: where the test data lives, and small helpers to build graphs in a temp folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SEEDS = sorted((DATA / "seeds").glob("*.txt"))
UNSEEN = sorted((DATA / "unseen").glob("*/*.txt"))
GOLDEN = ROOT / "tests" / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens", action="store_true", default=False,
        help="Rewrite tests/golden/graphs from the current code instead of comparing.",
    )  # fmt: skip


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five seeds built once into a folder shared by the read-only tests."""
    from trialkg.build import build

    out = tmp_path_factory.mktemp("seed-build")
    report = build([str(p) for p in SEEDS], out)
    assert not report.failed, [d.error for d in report.failed]
    return out


# --- A real Oxigraph server and `trialkg serve`, started on loopback and stopped by process id ---

OXIGRAPH_MISSING = "the `oxigraph` server binary is not installed (pip install 'trialkg[server]')"


def oxigraph_installed() -> bool:
    from trialkg.errors import TrialkgError
    from trialkg.oxigraph_server import oxigraph_binary

    try:
        oxigraph_binary()
    except TrialkgError:
        return False
    return True


def _pid_alive(pid: int) -> bool:
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


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`trialkg build --out DIR` of the bundled sample documents, once per session."""
    from click.testing import CliRunner
    from trialkg.cli import main

    out = tmp_path_factory.mktemp("sample-build")
    result = CliRunner().invoke(main, ["build", "--out", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def oxigraph_rw() -> Any:
    """A fresh, empty, in-memory read-write `oxigraph serve` on 127.0.0.1; yields its base URL."""
    if not oxigraph_installed():
        pytest.skip(OXIGRAPH_MISSING)
    from trialkg.oxigraph_server import free_port, start_server, stop_server, wait_ready

    port = free_port()
    proc = start_server(None, port, read_only=False)
    try:
        wait_ready(proc, f"http://127.0.0.1:{port}/query")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc, grace_s=2)
        assert proc.poll() is not None


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

    from trialkg.oxigraph_server import free_port

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
    if _pid_alive(served.oxigraph_pid):
        os.kill(served.oxigraph_pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def served(sample_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """`trialkg serve` over the sample build with a 1 s timeout and at most 20 results."""
    if not oxigraph_installed():
        pytest.skip(OXIGRAPH_MISSING)
    s = start_serve(
        sample_build, tmp_path_factory.mktemp("serve") / "serve.log", "--timeout", "1", "--max-results", "20"
    )
    try:
        yield s
    finally:
        stop_serve(s)
