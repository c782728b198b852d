"""A build's output folder under attack (issue 17, items 1, 4, 12): concurrent builds, builds that read nothing,
a folder that cannot be written, a disk that fills up. Each ends in one line and exit 2 (or 1), never a
traceback, and a good previous graph is never replaced by an empty or partial one."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_kit import GOOD, cli, good_build, listed, one_error_line, snapshot
from testdata import SEEDS

BIG = Path("/work/shared/ctgov/ctgov_v2_dtx_userzetsu/ctg-studies.json")


def trial_count(out: Path) -> int:
    return len(listed(out))


# -- item 1: one build at a time into a folder


def test_a_second_build_into_a_locked_folder_is_refused_and_the_first_is_kept(tmp_path: Path) -> None:
    from trialkg.pipeline import output_lock  # (here: the code before issue 17 had no lock at all)

    out = tmp_path / "out"
    before = good_build(out)
    with output_lock(out):  # as a build in another process holds it
        line = one_error_line(cli("build", str(GOOD), "--out", str(out), "--jobs", "1"))
    assert str(out) in line and "another build" in line
    assert snapshot(out) == before and trial_count(out) == len(SEEDS)


def test_the_lock_is_free_again_after_a_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    good_build(out)
    assert cli("build", str(GOOD), "--out", str(out), "--jobs", "1").exit_code == 0
    assert trial_count(out) == 1


@pytest.mark.e2e
@pytest.mark.skipif(not BIG.is_file(), reason="needs /work/shared/ctgov")
def test_two_builds_at_once_never_leave_an_empty_graph(tmp_path: Path) -> None:
    """The issue's reproduction: a long build, and while it runs a second build of the seeds into the same folder."""
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "trialkg", "build", "--out", str(out), "--jobs", "1"]
    first = subprocess.Popen([*cmd, str(BIG)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    until = time.monotonic() + 60
    while not list(out.glob(".build-*")) and time.monotonic() < until and first.poll() is None:
        time.sleep(0.02)
    second = subprocess.run([*cmd, *map(str, SEEDS)], capture_output=True, text=True, timeout=300)
    first.communicate(timeout=600)
    assert first.returncode in (0, 1)
    assert second.returncode == 2 and "another build" in second.stderr, second.stderr
    assert "Traceback" not in second.stderr
    report = json.loads((out / "build-report.json").read_text("utf-8"))
    assert report["trials"] > 0 and trial_count(out) == report["trials"]
    assert (out / "trialkg.nq").stat().st_size > 0


# -- item 4: a build that reads nothing replaces nothing


def test_an_empty_folder_keeps_the_previous_graph(tmp_path: Path) -> None:
    out, empty = tmp_path / "out", tmp_path / "empty"
    empty.mkdir()
    before = good_build(out)
    line = one_error_line(cli("build", str(empty), "--out", str(out)))
    assert "no document" in line and "previous output is kept" in line
    assert snapshot(out) == before and trial_count(out) == len(SEEDS)


def test_a_mistyped_path_is_an_error_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = good_build(out)
    typo = str(tmp_path / "seeds-typo")
    line = one_error_line(cli("build", typo, str(GOOD), "--out", str(out)))
    assert typo in line and "no such file" in line
    assert snapshot(out) == before and trial_count(out) == len(SEEDS)


def test_documents_that_all_fail_keep_the_previous_graph(tmp_path: Path) -> None:
    out, bad = tmp_path / "out", tmp_path / "bad.json"
    bad.write_text("[1, 2", encoding="utf-8")
    before = good_build(out)
    result = cli("build", str(bad), "--out", str(out), "--jobs", "1")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "FAILED" in result.stderr and "previous output" in result.stderr and "wrote" not in result.stdout
    assert snapshot(out) == before and trial_count(out) == len(SEEDS)


# -- item 12: an output that cannot be written is one line and exit 2


def test_an_output_folder_that_cannot_be_made_is_one_line() -> None:
    # /sys refuses new folders even to root: a real unwritable place, whoever runs the tests.
    line = one_error_line(cli("build", str(GOOD), "--out", "/sys/trialkg-out", "--jobs", "1"))
    assert "/sys/trialkg-out" in line and "cannot write" in line


def _disk_full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize(
    "stage",
    [
        "trialkg.store.export.DocumentFragments._segment",
        "trialkg.store.export.write_exports",
        "trialkg.pipeline.load_store",
    ],
    ids=["fragment", "export", "store"],
)
def test_disk_full_at_each_stage_is_one_line_and_keeps_the_previous_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    out = tmp_path / "out"
    before = good_build(out)
    monkeypatch.setattr(stage, _disk_full)
    line = one_error_line(cli("build", str(GOOD), "--out", str(out), "--jobs", "1"))
    assert str(out) in line and "No space left on device" in line and "previous output is kept" in line
    assert snapshot(out) == before
    assert not list(out.glob(".build-*"))  # the work folder is cleaned up
