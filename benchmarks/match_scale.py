"""`trialkg match` on a multi-source build: wall time and peak RSS, this tree against a baseline tree.

    python benchmarks/match_scale.py [--build-dir DIR] [--baseline-src PATH] [--repeat 3]
                                     [--limit-s 120] [--limit-gb 4] [INPUT ...]

Builds INPUTS (default: ../shared/ctgov/ctgov_v2_leukemia_dgg32 and aact_fixtures, where some
studies come from several files) with each tree into its own folder, then runs, as a user would,
`python -m trialkg match --age 67 --sex male --condition "acute myeloid leukemia"` in a fresh
process, `--repeat` times, and prints the median wall time and the peak RSS of the process
(VmHWM from /proc, polled every 20 ms; Linux) with the ratio to the baseline. `--baseline-src` is another checkout's
`graph/` folder (e.g. a `git worktree` of an older commit); the baseline's runs are killed at
`--limit-s` seconds or `--limit-gb` of RSS, and then printed as "> limit". Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "ctgov"
DEFAULT_INPUTS = [SHARED / "ctgov_v2_leukemia_dgg32", SHARED / "aact_fixtures"]
MATCH = ["match", "--age", "67", "--sex", "male", "--condition", "acute myeloid leukemia", "--json"]


def _peak_rss(pid: int) -> int:
    """The process's peak resident set so far (VmHWM), in bytes; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run(src: Path, args: list[str], limit_s: float, limit_bytes: float) -> tuple[float, int, str]:
    """(wall seconds, peak RSS bytes, outcome) of `python -m trialkg ARGS` with `src` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "trialkg", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak, outcome = 0, "ok"
    while proc.poll() is None:
        peak = max(peak, _peak_rss(proc.pid))
        if time.perf_counter() - started > limit_s or peak > limit_bytes:
            outcome = f"killed at {time.perf_counter() - started:.0f} s, {peak / 1e9:.1f} GB"
            proc.kill()
            break
        time.sleep(0.02)
    proc.wait()
    if outcome == "ok" and proc.returncode not in (0, 1):
        outcome = f"exit {proc.returncode}: {proc.stderr.read().decode()[-300:] if proc.stderr else ''}"
    return time.perf_counter() - started, peak, outcome


def measure(name: str, src: Path, inputs: list[Path], out: Path, repeat: int, limits: tuple[float, float]) -> dict:
    if not (out / "oxigraph").is_dir():
        wall, peak, outcome = run(src, ["build", *map(str, inputs), "--out", str(out), "--jobs", "2"], 3600, 1e12)
        print(f"{name}: built {out} in {wall:.1f} s ({outcome})", flush=True)
    runs = [run(src, [*MATCH, "--graph", str(out)], *limits) for _ in range(repeat)]
    for wall, peak, outcome in runs:
        print(f"{name}: match {wall:.2f} s, peak RSS {peak / 1e6:,.0f} MB ({outcome})", flush=True)
    done = [r for r in runs if r[2] == "ok"]
    return {
        "wall": statistics.median(r[0] for r in done) if done else None,
        "rss": max(r[1] for r in done) if done else None,
        "outcome": "ok" if done else runs[0][2],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*", type=Path, default=DEFAULT_INPUTS)
    parser.add_argument("--build-dir", type=Path, default=None, help="where the builds go (default: a temp folder)")
    parser.add_argument("--baseline-src", type=Path, default=None, help="another checkout's graph/ folder")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit-s", type=float, default=120.0)
    parser.add_argument("--limit-gb", type=float, default=4.0)
    args = parser.parse_args()
    base = args.build_dir or Path(tempfile.mkdtemp(prefix="match-scale-"))
    limits = (args.limit_s, args.limit_gb * 1e9)
    this = measure("this tree", ROOT / "graph", args.inputs, base / "this", args.repeat, limits)
    rows = [("this tree", this)]
    if args.baseline_src:
        rows.append(("baseline", measure("baseline", args.baseline_src, args.inputs, base / "baseline", 1, limits)))
    print(f"\n{'tree':<10} {'match wall (median)':>20} {'peak RSS':>12}  ratio to baseline")
    for name, m in rows:
        if m["wall"] is None:
            print(f"{name:<10} {'> limit':>20} {'':>12}  {m['outcome']}")
            continue
        ratio = ""
        if len(rows) > 1 and rows[1][1]["wall"] is not None and name != "baseline":
            ratio = f"{m['wall'] / rows[1][1]['wall']:.3f}x time, {m['rss'] / rows[1][1]['rss']:.3f}x RSS"
        elif len(rows) > 1 and name != "baseline":
            ratio = f"baseline did not finish ({rows[1][1]['outcome']})"
        print(f"{name:<10} {m['wall']:>19.2f}s {m['rss'] / 1e6:>10,.0f}MB  {ratio}")


if __name__ == "__main__":
    main()
