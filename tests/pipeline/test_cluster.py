"""`trialkg build --scheduler`: the worker path on a Dask distributed cluster gives a local build's bytes.

The cluster is a real `distributed.LocalCluster` (a scheduler and two worker processes on loopback),
started and stopped by the tests.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from testdata import DATA, SEEDS
from trialkg.cli import main
from trialkg.pipeline import build

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow

STUDIES = sorted((DATA / "ctgov").glob("NCT*"))


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.wait_for_workers(2, timeout=120)
        yield cluster.scheduler_address


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    for path in [*SEEDS, *STUDIES]:
        shutil.copy(path, folder / path.name)
    with zipfile.ZipFile(folder / "bulk.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in (DATA / "ctgov").glob("NCT*.json"):
            text = path.read_text(encoding="utf-8")
            zf.writestr(f"copy-{path.name}", text.replace(path.stem, "NCT9" + path.stem[4:]))
    return folder


def test_a_cluster_build_is_byte_identical_to_a_local_build(scheduler, inputs, tmp_path):
    local = build([str(inputs)], tmp_path / "local", jobs=2)
    on_cluster = build([str(inputs)], tmp_path / "cluster", scheduler=scheduler)
    assert on_cluster.cache["redone"] == local.cache["redone"] > len(SEEDS)
    assert outputs(tmp_path / "cluster") == outputs(tmp_path / "local")
    assert on_cluster.trial_count == local.trial_count > 0


def test_the_cli_runs_on_the_cluster_and_refreshes_incrementally(scheduler, inputs, tmp_path):
    out = tmp_path / "out"
    args = ["build", str(inputs), "--out", str(out), "--scheduler", scheduler]
    first = CliRunner().invoke(main, args)
    assert first.exit_code in (0, 1), first.output  # exit 1: the seed corpus has non-conforming trials
    second = CliRunner().invoke(main, args)
    assert "reused the work of" in second.output
    build([str(inputs)], tmp_path / "local", jobs=1)
    assert outputs(out) == outputs(tmp_path / "local")


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(
        main, ["build", str(SEEDS[0]), "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler" in result.output
