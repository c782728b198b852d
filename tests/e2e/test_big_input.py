"""A 600 MB document built by `trialkg build` in a process whose heap could not hold it (issue 9, item 1)."""

from __future__ import annotations

import copy
import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from testdata import DATA
from trialkg.cli.main import main

pytestmark = pytest.mark.e2e

CTGOV = DATA / "ctgov"
#: A good document built beside the big one, and its trial; a study to copy under other NCT ids.
GOOD, GOOD_ID = CTGOV / "NCT02063061.json", "NCT02063061"
STUDY = json.loads((CTGOV / "NCT04207047.json").read_text(encoding="utf-8"))


def study(nct_id: str) -> dict[str, Any]:
    out = copy.deepcopy(STUDY)
    out["protocolSection"]["identificationModule"]["nctId"] = nct_id
    return out


def listed_ids(out: Path) -> list[str]:
    result = CliRunner().invoke(main, ["list", "--graph", str(out), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return [t["nct_id"] for t in json.loads(result.stdout)]


def _run_limited(args: list[str], cwd: Path, max_bytes: int) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (max_bytes, max_bytes))

    return subprocess.run([sys.executable, "-m", "trialkg", *args], cwd=cwd, capture_output=True, text=True,
                          preexec_fn=limit, timeout=300, env={**os.environ})  # fmt: skip


def test_a_600_mb_json_file_streams_in_bounded_memory(tmp_path):
    """An array with 600 MB of padding between two studies: read one study at a time, under a heap limit
    (RLIMIT_DATA) of 512 MiB (the command with its store's threads needs over 384 MiB of address space), so
    the file could not be held whole."""
    doc = tmp_path / "padded.json"
    with doc.open("wb") as fh:
        fh.write(b"[" + json.dumps(study("NCT00000301")).encode() + b",")
        block = b" " * 2**20
        for _ in range(600):
            fh.write(block)
        fh.write(json.dumps(study("NCT00000302")).encode() + b"]")
    assert doc.stat().st_size > 600 * 2**20
    out = tmp_path / "out"
    result = _run_limited(["build", str(doc), str(GOOD), "--out", str(out), "--jobs", "1"], tmp_path, 512 * 2**20)
    assert result.returncode == 0, result.stderr[-2000:]
    assert {"NCT00000301", "NCT00000302", GOOD_ID} <= set(listed_ids(out))
