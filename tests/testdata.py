"""Where the test data lives: the repository, tests/data, the seeds, the unseen documents, the goldens."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SEEDS = sorted((DATA / "seeds").glob("*.txt"))
UNSEEN = sorted((DATA / "unseen").glob("*/*.txt"))
GOLDEN = ROOT / "tests" / "golden"
SHAPES = ROOT / "tests" / "shapes"
