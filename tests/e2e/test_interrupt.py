"""A build killed with SIGKILL at any point leaves the previous output whole (issue 9, item 4).

An output folder holds a previous build (the seeds). `trialkg build` of a corpus that takes a few seconds
(tests/data/ctgov and copies of it) is started into that folder and killed -9 after seeded random delays,
from while Python starts until the exports are written. After each kill every output file is byte for byte
either the previous build's or the finished new build's (each file is replaced whole, by rename), and no
file other than the output names is visible. Re-running the build then gives bytes identical to a clean
build in a fresh folder.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from testdata import DATA, SEEDS
from trialkg.pipeline import build
from trialkg.store.oxigraph import open_graph

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
#: How many times the build is killed, and the seed of the delays.
KILLS, SEED = 5, 9


def files(folder: Path) -> dict[str, bytes]:
    """The visible files of a folder (temporary files are hidden: '.NAME.XXXX.tmp'; the store is a folder)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".") and p.is_file()}


def trials_in_store(out: Path) -> int:
    """How many trials the query commands find (the store folder, or the one a swap left aside)."""
    store = open_graph(out)
    query = "SELECT DISTINCT ?t WHERE { GRAPH ?g { ?t a <https://w3id.org/trialkg/ontology#Trial> } }"
    return len(list(store.query(query)))


def start_build(corpus: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "graph"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, "-m", "trialkg", "build", str(corpus), "--out", str(out), "--jobs", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
    )  # fmt: skip


def wait_for(out: Path, previous: dict[str, bytes], moment: str, process: subprocess.Popen[bytes]) -> None:
    """Poll until the build is `writing` an export (staged in its hidden work folder), or has `renamed` one
    new output into place."""
    while process.poll() is None:
        if moment == "writing" and any(p.name.endswith(".tmp") for p in out.glob(".build-*/staged/.*")):
            return
        if moment == "renamed" and any(
            not p.name.startswith(".")
            and p.is_file()
            and p.name in previous
            and p.stat().st_size != len(previous[p.name])
            for p in out.iterdir()
        ):
            return
        time.sleep(0.0005)
    raise AssertionError(f"the build ended before the moment {moment!r}")


def run_build(corpus: Path, out: Path) -> float:
    """Build to the end; the seconds it took."""
    started = time.perf_counter()
    assert start_build(corpus, out).wait(timeout=600) == 0
    return time.perf_counter() - started


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    studies = sorted((DATA / "ctgov").glob("NCT*"))
    for copy in range(6):
        for study in studies:
            shutil.copyfile(study, folder / f"copy{copy}_{study.name}")
    return folder


def test_kill_9_leaves_the_previous_output_whole_and_a_rerun_is_byte_identical(tmp_path, corpus):
    clean = tmp_path / "clean"
    duration = run_build(corpus, clean)
    new = files(clean)

    new_trials = trials_in_store(clean)
    out = tmp_path / "out"
    build([str(p) for p in SEEDS], out)
    previous = files(out)
    previous_trials = trials_in_store(out)
    assert previous.keys() == new.keys() and previous["trialkg.nq"] != new["trialkg.nq"]

    rng = random.Random(SEED)
    # Most kills anywhere in the run; the last ones in its final quarter, where the exports are written.
    delays = sorted(rng.uniform(0.1, duration) for _ in range(KILLS - 2)) + [
        rng.uniform(0.75 * duration, duration) for _ in range(2)
    ]
    # Two kills aimed at the export phase: while a temporary file is being written, and between renames.
    moments: list[float | str] = [*delays, "writing", "renamed"]
    outcomes = []
    for delay in moments:
        process = start_build(corpus, out)
        if isinstance(delay, float):
            time.sleep(delay)
        else:
            wait_for(out, previous, delay, process)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        now = files(out)
        assert now.keys() == previous.keys(), f"after a kill at {delay}: {sorted(now)}"
        for name, data in now.items():
            assert data in (previous[name], new[name]), f"{name} after a kill at {delay} is neither build's"
        outcomes.append(sum(now[n] == new[n] for n in now))
        assert trials_in_store(out) in (previous_trials, new_trials), f"the store after a kill at {delay}"
        # The next kill must again find a whole previous build: put it back if this run got far enough to write.
        for name in now:
            (out / name).write_bytes(previous[name])

    run_build(corpus, out)
    assert files(out) == new
    stale = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    print(f"kills at {', '.join(f'{d:.2f}' if isinstance(d, float) else d for d in moments)} (run {duration:.2f} s);"
          f" new files after each: {outcomes};"
          f" hidden temporary files left by the kills: {len(stale)}")  # fmt: skip
