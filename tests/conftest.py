"""Shared fixtures: where the test data lives, and small helpers to build graphs in a temp folder."""

from __future__ import annotations

from pathlib import Path

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
