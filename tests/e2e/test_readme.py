"""The README's quickstart is run as written, in a clean copy of the repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import rdflib
from testdata import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def quickstart_commands() -> tuple[str, str]:
    """(the run command, the test command): the two lines of the Quickstart's code block."""
    section = README.split("## Quickstart", 1)[1]
    block = re.search(r"```(?:sh|bash)\n(.*?)```", section, re.S)
    assert block, "README: no code block under ## Quickstart"
    lines = [ln for ln in block.group(1).splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(lines) == 2, lines
    return lines[0], lines[1]


def test_ci_runs_exactly_the_readme_test_command():
    _run, test = quickstart_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()


@pytest.mark.e2e
def test_quickstart_run_command_works_in_a_clean_copy(tmp_path):
    run, _test = quickstart_commands()
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    files = tracked.stdout.split() if tracked.returncode == 0 else []
    copy = tmp_path / "trialkg"
    if files:
        for name in files:
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    else:  # not a git checkout: copy the tree minus local state
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", ".venv", "output", "build", "*.egg-info"))
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    result = subprocess.run(["bash", "-c", run], cwd=copy, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "conforms" in result.stdout
    out = copy / "output"
    assert len(rdflib.Graph().parse(out / "trialkg.ttl", format="turtle")) > 300
    assert len(rdflib.Graph().parse(out / "trialkg.jsonld", format="json-ld")) > 300
    assert Path(out / "build-report.json").is_file()
