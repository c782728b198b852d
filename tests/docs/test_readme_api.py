"""The README's Python API example runs as written, on the seeds copied to `studies/`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from testdata import ROOT, SEEDS


def api_example() -> str:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Python API", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block, "README: no python block under ## Python API"
    return block.group(1)


def test_the_api_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "studies").mkdir()
    for seed in SEEDS:
        shutil.copy(seed, tmp_path / "studies" / seed.name)
    monkeypatch.chdir(tmp_path)
    names: dict[str, object] = {}
    exec(compile(api_example(), "README.md", "exec"), names)  # noqa: S102 - the README's own example
    report, graph = names["report"], names["graph"]
    assert not report.failed and report.trial_count == len(SEEDS)  # type: ignore[attr-defined]
    assert graph.show("NCT04397107")["nct_id"] == "NCT04397107"  # type: ignore[attr-defined]
    assert (tmp_path / "output" / "oxigraph").is_dir()
