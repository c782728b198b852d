"""Shared fixtures: where the test data lives, and small helpers to build graphs in a temp folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from servers import OXIGRAPH_MISSING, oxigraph_installed, start_serve, stop_serve
from testdata import SEEDS

# Hypothesis draws a tenth of its examples while working (explicit counts too: strategies.examples scales them),
# all of them with HYPOTHESIS_PROFILE=ci, which .ci/run sets.
settings.register_profile("ci", settings.get_profile("default"))
settings.register_profile("dev", max_examples=10)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens", action="store_true", default=False,
        help="Rewrite tests/golden/graphs from the current code instead of comparing.",
    )  # fmt: skip


@pytest.fixture(autouse=True, scope="session")
def _mesh_cache_in_a_temp_folder(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Compiled MeSH lexicons (normalize.mesh_file) go to a temp folder, never the user's ~/.cache."""
    old = os.environ.get("TRIALKG_CACHE_DIR")
    os.environ["TRIALKG_CACHE_DIR"] = str(tmp_path_factory.mktemp("trialkg-cache"))
    yield
    if old is None:
        del os.environ["TRIALKG_CACHE_DIR"]
    else:
        os.environ["TRIALKG_CACHE_DIR"] = old


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five seeds built once into a folder shared by the read-only tests."""
    from trialkg.pipeline import build

    out = tmp_path_factory.mktemp("seed-build")
    report = build([str(p) for p in SEEDS], out)
    assert not report.failed, [d.error for d in report.failed]
    return out


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`trialkg build --out DIR` of the bundled sample documents, once per session."""
    from click.testing import CliRunner
    from trialkg.cli.main import main

    out = tmp_path_factory.mktemp("sample-build")
    result = CliRunner().invoke(main, ["build", "--out", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def oxigraph_rw() -> Any:
    """A fresh, empty, in-memory read-write `oxigraph serve` on 127.0.0.1; yields its base URL."""
    if not oxigraph_installed():
        pytest.skip(OXIGRAPH_MISSING)
    from trialkg.store.server import free_port, start_server, stop_server, wait_ready

    port = free_port()
    proc = start_server(None, port, read_only=False)
    try:
        wait_ready(proc, f"http://127.0.0.1:{port}/query")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc, grace_s=2)
        assert proc.poll() is not None


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
