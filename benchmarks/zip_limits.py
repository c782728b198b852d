"""Time to read (or refuse) hostile zips, by size (issue 17, item 7): linear in what is read, flat past the limits.

Each zip holds one real study made large in one of two ways: trailing whitespace (a zip bomb: 1 MB of zip
inflates to a gigabyte) or a long brief title. Sizes below the limits (64 MiB per member, 1 MiB per string)
are read; sizes above are refused while streaming. Printed per size: seconds, seconds per MiB and the ratio
to the smallest size's time (timings are noisy on a shared machine: run it a few times).

    python benchmarks/zip_limits.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "graph"))

STUDY = (ROOT / "tests/data/ctgov/NCT04207047.json").read_bytes()
MIB = 1 << 20
CASES = {
    "whitespace": [8, 16, 32, 63, 128, 256],  # MiB of whitespace after the study
    "title": [0.25, 0.5, 0.99, 2, 17, 35, 128],  # MiB of brief title
}


def member(kind: str, mib: float) -> bytes:
    if kind == "whitespace":
        return STUDY.rstrip()[:-1] + b" " * int(mib * MIB) + b"}"
    study = json.loads(STUDY)
    study["protocolSection"]["identificationModule"]["briefTitle"] = "T" * int(mib * MIB)
    return json.dumps(study).encode()


def read_zip(path: Path) -> str:
    from trialkg.errors import RecordParseError
    from trialkg.parsers import parse_file

    outcomes = [type(r).__name__ if isinstance(r, RecordParseError) else "read" for r in parse_file(path)]
    return ",".join(outcomes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="runs per size; the fastest is shown")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for kind, sizes in CASES.items():
            print(f"\n{kind:10} {'MiB':>7} {'zip KB':>8} {'outcome':>16} {'s':>7} {'s/MiB':>7} {'x smallest':>10}")
            base = None
            for mib in sizes:
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                    zf.writestr("study.json", member(kind, mib))
                path = Path(tmp) / f"{kind}-{mib}.zip"
                path.write_bytes(buf.getvalue())
                best, outcome = float("inf"), ""
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    outcome = read_zip(path)
                    best = min(best, time.perf_counter() - started)
                base = base or best
                print(f"{'':10} {mib:7g} {path.stat().st_size / 1000:8,.0f} {outcome:>16} {best:7.2f} "
                      f"{best / mib:7.3f} {best / base:10.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
