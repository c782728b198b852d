"""What the hostile tests (tests/hostile/, issue 17) share: the CLI, its one error line, a good build to keep."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from testdata import DATA, SEEDS
from trialkg.cli.main import main

GOOD = DATA / "ctgov" / "NCT02063061.json"
STUDY: dict[str, Any] = json.loads((DATA / "ctgov" / "NCT04207047.json").read_text(encoding="utf-8"))


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def one_error_line(result: Result) -> str:
    """The command failed with exit 2 and exactly one `error:` line, no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def snapshot(out: Path) -> dict[str, bytes]:
    """Every output file's bytes (to show later that nothing changed)."""
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}


def good_build(out: Path) -> dict[str, bytes]:
    """The seeds built into `out`; returns its snapshot."""
    result = cli("build", *map(str, SEEDS), "--out", str(out), "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    return snapshot(out)


def listed(out: Path) -> list[dict[str, Any]]:
    result = cli("list", "--graph", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    trials: list[dict[str, Any]] = json.loads(result.stdout)
    return trials


def study(nct_id: str = "NCT04207047", **title: str) -> dict[str, Any]:
    """A real study with another NCT id (and brief title, if given)."""
    out = copy.deepcopy(STUDY)
    ident = out["protocolSection"]["identificationModule"]
    ident["nctId"] = nct_id
    if "brief_title" in title:
        ident["briefTitle"] = title["brief_title"]
    return out


def lines_about(result: Result, doc: Path | str, kind: str) -> list[str]:
    """The FAILED / warning / ok lines naming `doc`."""
    return [line for line in result.output.splitlines() if line.startswith(kind) and str(doc) in line]
