"""Folders as users download them: only trial documents are read (by content), the rest listed as skipped;
--include/--exclude globs; documents named by their path below the input folder (issue 18)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from testdata import DATA
from trialkg.cli.main import main
from trialkg.pipeline import expand_inputs, source_names

CTGOV = DATA / "ctgov"


@pytest.fixture
def download(tmp_path: Path) -> Path:
    """A download folder: two studies of one file name in two subfolders, a README, an RSS search feed,
    an id list, a study saved under a misleading .txt name and a binary file."""
    root = tmp_path / "download"
    for sub, study in [("a", "NCT02063061.json"), ("b", "NCT03453554.json")]:
        (root / sub).mkdir(parents=True)
        shutil.copy(CTGOV / study, root / sub / "ctg-studies.json")
    shutil.copy(CTGOV / "README.md", root / "README.md")
    shutil.copy(CTGOV / "covid_search.xml", root / "search.xml")
    (root / "ids.txt").write_text("NCT00000001\nNCT00000002\n", encoding="utf-8")
    shutil.copy(CTGOV / "NCT00513591.xml", root / "study.txt")  # content decides, not the name
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    return root


def _build(tmp_path: Path, *args: str) -> tuple[int, dict]:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", *args, "--out", str(out), "--jobs", "1"], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result.exit_code, json.loads((out / "build-report.json").read_text(encoding="utf-8"))


def test_a_download_folder_builds_with_its_readme_skipped_not_failed(download: Path, tmp_path: Path) -> None:
    code, report = _build(tmp_path, str(download))
    assert code == 0 and report["failed_documents"] == 0
    skipped = {Path(d["file"]).name: d["skipped"] for d in report["documents"] if d["skipped"]}
    assert set(skipped) == {"README.md", "search.xml", "ids.txt", "logo.png"}
    assert (
        "not a trial document" in skipped["README.md"]
        and "NUL" in skipped["logo.png"]
        or "binary" in skipped["logo.png"]
    )
    read = sorted(Path(d["file"]).relative_to(download).as_posix() for d in report["documents"] if d["trials"])
    assert read == ["a/ctg-studies.json", "b/ctg-studies.json", "study.txt"]


def test_sources_are_named_by_their_path_below_the_input(download: Path, tmp_path: Path) -> None:
    _build(tmp_path, str(download))
    listed = CliRunner().invoke(main, ["list", "--graph", str(tmp_path / "out"), "--json"])
    sources = sorted(s for t in json.loads(listed.output) for s in t["sources"])
    assert sources == ["a/ctg-studies.json", "b/ctg-studies.json", "study.txt"]


def test_a_file_named_on_the_command_line_is_read_and_fails_if_it_is_not_a_trial(
    download: Path, tmp_path: Path
) -> None:
    code, report = _build(tmp_path, str(download / "README.md"), str(download / "a" / "ctg-studies.json"))
    assert code == 1 and report["failed_documents"] == 1 and report["skipped_documents"] == 0


@pytest.mark.parametrize(
    ("include", "exclude", "read"),
    [
        (["*.json"], [], ["a/ctg-studies.json", "b/ctg-studies.json"]),
        ([], ["b/*"], ["a/ctg-studies.json", "study.txt"]),
        (["*.json", "*.txt"], ["a/*"], ["b/ctg-studies.json", "study.txt"]),
    ],
)
def test_include_and_exclude_globs(download: Path, include: list[str], exclude: list[str], read: list[str]) -> None:
    paths, _ = expand_inputs([str(download)], include=include, exclude=exclude)
    assert sorted(source_names([str(download)], paths).values()) == read


def test_include_and_exclude_on_the_command_line(download: Path, tmp_path: Path) -> None:
    code, report = _build(tmp_path, str(download), "--include", "*.json", "--exclude", "b/*")
    assert code == 0 and [Path(d["file"]).parent.name for d in report["documents"]] == ["a"]
