"""Inputs that are not documents, and text that is not one line (issue 17, items 13 and 15).

A FIFO would block a build forever, /dev/zero never ends, a symlink loop reads as missing: given as an input,
each is an error naming what it is, before any work; found inside a folder, each is reported (FAILED, exit 1)
and the rest is built. A build's output folder inside its input folder is not read back. File names and titles
with newlines or ANSI escapes are printed escaped, one line each; `match --age nan` is refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_kit import GOOD, cli, lines_about, listed, one_error_line, study


def build_cmd(*args: str) -> subprocess.CompletedProcess[str]:
    """`trialkg build` in a subprocess with a time limit: a FIFO opened by mistake would block it forever."""
    return subprocess.run([sys.executable, "-m", "trialkg", "build", "--jobs", "1", *args],
                          capture_output=True, text=True, timeout=300)  # fmt: skip


@pytest.fixture
def specials(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    return {"a named pipe (FIFO)": fifo, "a character device": zero, "a symbolic link loop": loop}


@pytest.mark.parametrize("kind", ["a named pipe (FIFO)", "a character device", "a symbolic link loop"])
def test_a_special_file_as_input_is_named_before_any_work(tmp_path: Path, specials: dict[str, Path], kind: str) -> None:
    out = tmp_path / "out"
    line = one_error_line(cli("build", str(specials[kind]), str(GOOD), "--out", str(out)))
    assert str(specials[kind]) in line and kind in line
    assert not (out / "trialkg.nq").exists()


def test_special_files_inside_a_folder_are_reported_and_the_rest_built(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.json").write_bytes(GOOD.read_bytes())
    os.mkfifo(folder / "pipe.json")
    (folder / "zero.json").symlink_to("/dev/zero")
    (folder / "loop.json").symlink_to(folder / "loop.json")
    out = tmp_path / "out"
    result = build_cmd(str(folder), "--out", str(out))
    assert result.returncode == 1, result.stderr
    failed = [line for line in result.stderr.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 3, result.stderr
    for name, kind in [("pipe.json", "FIFO"), ("zero.json", "character device"), ("loop.json", "link loop")]:
        assert any(name in line and kind in line for line in failed), (name, failed)
    assert [t["nct_id"] for t in listed(out)] == ["NCT02063061"]


def test_an_output_folder_inside_the_input_folder_is_not_read_back(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.json").write_bytes(GOOD.read_bytes())
    out = folder / "output"
    for _ in range(2):
        result = cli("build", str(folder), "--out", str(out), "--jobs", "1")
        assert result.exit_code == 0, result.output
        assert "FAILED" not in result.output
    assert json.loads((out / "build-report.json").read_text("utf-8"))["documents"][0]["file"].endswith("good.json")


# -- one line stays one line


def test_a_file_name_with_a_newline_and_an_ansi_escape_is_printed_escaped(tmp_path: Path) -> None:
    doc = tmp_path / "bad\nname\x1b[31m.json"
    doc.write_text("[1, 2", "utf-8")
    result = cli("build", str(doc), str(GOOD), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert "\x1b" not in result.output
    failed = [line for line in result.stderr.splitlines() if line.startswith("FAILED")]
    assert failed and all("bad\\nname\\x1b[31m.json" in line for line in failed)
    assert not any(line.startswith("name") for line in result.output.splitlines())


def test_a_title_with_control_characters_is_listed_on_one_line(tmp_path: Path) -> None:
    doc = tmp_path / "title.json"
    doc.write_text(json.dumps(study("NCT90000020", brief_title="Evil\ntitle\x1b[2J\u202e")), "utf-8")
    out = tmp_path / "out"
    assert cli("build", str(doc), "--out", str(out), "--jobs", "1").exit_code in (0, 1)
    result = cli("list", "--graph", str(out))
    assert "\x1b" not in result.output and "\u202e" not in result.output
    (line,) = [line for line in result.output.splitlines() if "NCT90000020" in line]
    assert "Evil\\ntitle\\x1b[2J\\u202e" in line


def test_an_error_message_is_one_line(tmp_path: Path) -> None:
    typo = str(tmp_path / "no\nsuch\x1b[0m")
    line = one_error_line(cli("build", typo, "--out", str(tmp_path / "out")))
    assert "no\\nsuch\\x1b[0m" in line


@pytest.mark.parametrize("age", ["nan", "NaN", "inf"])
def test_match_refuses_an_age_that_is_not_a_number(sample_build: Path, age: str) -> None:
    result = cli("match", "--age", age, "--graph", str(sample_build))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--age" in result.output


def test_lines_about_helper_sees_ok_lines(tmp_path: Path) -> None:
    result = cli("build", str(GOOD), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert len(lines_about(result, GOOD, "ok")) == 1
