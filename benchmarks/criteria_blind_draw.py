"""Draw the legacy-XML blind sample of eligibility criteria (issue 19), unlabelled, reproducibly.

    python benchmarks/criteria_blind_draw.py [--seed 19] [--n 160] > draw.jsonl

Records are taken in a seeded random order from shared/ctgov/ctgov_xml_2023_reesewang25/, skipping the
records read while the rules were written (EXCLUDED) and those already in tests/data/criteria_labels.jsonl;
from each record one criterion of at most 300 characters is drawn at random (inclusion and exclusion alike,
headed or headerless: the criteria as trialkg's XML parser reads them). The labels are then written by hand
(tests/data/criteria_labels_legacy_blind.md says how).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from trialkg.parsers import parse_file

ROOT = Path(__file__).resolve().parents[1]
LEGACY = ROOT.parent / "shared" / "ctgov" / "ctgov_xml_2023_reesewang25"
#: Records read while the headerless reader and the new rules were written (exploration draws with seed 1).
EXCLUDED_SEED, EXCLUDED_N = 1, 40
EXCLUDED_EXTRA = {"NCT00005877", "NCT00004285", "NCT00004914", "NCT00003601", "NCT00492921", "NCT00001246"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--n", type=int, default=160)
    args = ap.parse_args()
    files = sorted(LEGACY.rglob("*.xml"))
    excluded = {p.stem for p in random.Random(EXCLUDED_SEED).sample(files, EXCLUDED_N)} | EXCLUDED_EXTRA
    labels = ROOT / "tests" / "data" / "criteria_labels.jsonl"
    excluded |= {json.loads(line)["nct_id"] for line in labels.read_text(encoding="utf-8").splitlines() if line}
    rng = random.Random(args.seed)
    order = files[:]
    rng.shuffle(order)
    drawn = 0
    for path in order:
        if path.stem in excluded or drawn >= args.n:
            continue
        (trial,) = parse_file(path)
        items = [
            (polarity, n, text)
            for polarity, texts in (("inclusion", trial.inclusion_criteria), ("exclusion", trial.exclusion_criteria))
            for n, text in enumerate(texts, 1)
            if len(text) <= 300
        ]
        if not items:
            continue
        polarity, order_in_record, text = rng.choice(items)
        names = [i.name for i in trial.interventions] + [o for i in trial.interventions for o in i.other_names]
        row = {
            "id": 3000 + drawn, "split": "legacy-blind",
            "source": str(path.relative_to(ROOT.parent)), "nct_id": trial.nct_id,
            "polarity": polarity, "order": order_in_record, "text": text,
            "context": {"conditions": list(trial.conditions), "interventions": names},
            "constraints": [],
        }  # fmt: skip
        print(json.dumps(row, ensure_ascii=False))
        drawn += 1


if __name__ == "__main__":
    main()
