"""How much of eligibility the criteria rules turn into constraints, and how often they are right.

    python benchmarks/criteria_eval.py [--ctgov DIR] [--seeds DIR] [--labels FILE] [--errors]

Prints:
- coverage: the share of criteria with at least one constraint, over the seed documents and over
  the real registry records (shared/ctgov), with the constraints per kind;
- age reconciliation: trials whose criteria state an age bound that differs from the record's
  minimum/maximum age;
- precision and recall of constraints against hand-labelled criteria (tests/data/criteria_labels.jsonl),
  overall and per kind, and per split: "development" (155 criteria read while the rules were written),
  "held-out" (54 criteria labelled blind once the rules existed; general fixes followed its errors) and
  "final-held-out" (60 criteria labelled blind after that; the least biased estimate). A constraint counts as right when kind, variable, comparator, value, upper
  value and unit all equal a label's (variables compared case-insensitively); windows are scored apart.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from trialkg.model import CriterionKind
from trialkg.normalize.criteria import Constraint, parse_criterion, parse_trial, reconcile_age
from trialkg.parsers import parse_file

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CTGOV = ROOT.parent / "shared" / "ctgov"


def key(c: dict[str, Any]) -> tuple[Any, ...]:
    """What must agree for a constraint to count as right (window scored apart)."""
    value = c["value"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = round(float(value), 6)
    vmax = None if c["value_max"] is None else round(float(c["value_max"]), 6)
    return (c["kind"], c["variable"].casefold(), c["comparator"], value, vmax, c["unit"])


def predicted(row: dict[str, Any]) -> list[Constraint]:
    ctx = row.get("context", {})
    return list(parse_criterion(row["text"], CriterionKind(row["polarity"]), conditions=ctx.get("conditions", ()),
                                interventions=ctx.get("interventions", ())))  # fmt: skip


def is_numeric(c: dict[str, Any]) -> bool:
    """A numeric constraint: a variable compared with a number (ages, measurements, scores, counts)."""
    value = c["value"]
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def score(rows: list[dict[str, Any]], *, show_errors: bool = False, numeric_only: bool = False) -> dict[str, Any]:
    """Micro precision/recall over the labelled criteria, overall and by kind (only numeric constraints, if asked)."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    windows = Counter[str]()
    for row in rows:
        labelled = [c for c in row["constraints"] if is_numeric(c) or not numeric_only]
        gold = Counter(key(c) for c in labelled)
        gold_windows = {key(c): c.get("window") for c in labelled}
        for c in predicted(row):
            if numeric_only and not is_numeric(c.to_json()):
                continue
            k = key(c.to_json())
            if gold[k] > 0:
                gold[k] -= 1
                tp[c.kind.value] += 1
                windows["right" if gold_windows.get(k) == c.window else "wrong"] += 1
            else:
                fp[c.kind.value] += 1
                if show_errors:
                    print(f"  FP #{row['id']}: {k}  <- {row['text'][:100]}")
        for k, n in gold.items():
            fn[k[0]] += n
            if show_errors and n:
                print(f"  FN #{row['id']}: {k}  <- {row['text'][:100]}")
    kinds = sorted(set(tp) | set(fp) | set(fn))
    per_kind = {
        k: {"tp": tp[k], "fp": fp[k], "fn": fn[k], "precision": _ratio(tp[k], tp[k] + fp[k]),
            "recall": _ratio(tp[k], tp[k] + fn[k])}
        for k in kinds
    }  # fmt: skip
    t, p, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    return {
        "criteria": len(rows),
        "labelled_constraints": t + n,
        "predicted_constraints": t + p,
        "precision": _ratio(t, t + p),
        "recall": _ratio(t, t + n),
        "window_agreement": _ratio(windows["right"], windows["right"] + windows["wrong"]),
        "per_kind": per_kind,
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def coverage(paths: list[Path]) -> dict[str, Any]:
    criteria = with_facet = with_number = trials = age_conflicts = 0
    kinds: Counter[str] = Counter()
    for path in paths:
        try:
            parsed = list(parse_file(path))
        except Exception:  # noqa: BLE001 - odd corpus files are counted elsewhere (ctgov_corpus.py)
            continue
        for trial in parsed:
            trials += 1
            for crit in parse_trial(trial):
                criteria += 1
                with_facet += bool(crit.constraints)
                with_number += any(is_numeric(c.to_json()) for c in crit.constraints)
                kinds.update(c.kind.value for c in crit.constraints)
            age_conflicts += bool(reconcile_age(trial)[1])
    return {"trials": trials, "criteria": criteria, "with_constraint": with_facet,
            "share": _ratio(with_facet, criteria), "with_numeric_constraint": with_number,
            "numeric_share": _ratio(with_number, criteria), "constraints_by_kind": dict(kinds.most_common()),
            "trials_whose_criteria_disagree_with_record_age": age_conflicts}  # fmt: skip


def coverage_by_folder(root: Path) -> dict[str, Any]:
    """Coverage over every corpus folder, and per folder (their criteria are written differently)."""
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    per = {f.name: coverage(files(f)) for f in folders}
    keys = ("trials", "criteria", "with_constraint", "with_numeric_constraint")
    total: dict[str, Any] = {k: sum(v[k] for v in per.values()) for k in keys}
    total["share"] = _ratio(total["with_constraint"], total["criteria"])
    total["numeric_share"] = _ratio(total["with_numeric_constraint"], total["criteria"])
    kinds: Counter[str] = Counter()
    for v in per.values():
        kinds.update(v["constraints_by_kind"])
    total["constraints_by_kind"] = dict(kinds.most_common())
    return {"all": total, "by_folder": per}


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in {".json", ".xml", ".txt"})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ctgov", type=Path, default=DEFAULT_CTGOV)
    ap.add_argument("--seeds", type=Path, default=ROOT / "tests" / "data" / "seeds")
    ap.add_argument("--labels", type=Path, default=ROOT / "tests" / "data" / "criteria_labels.jsonl")
    ap.add_argument(
        "--blind",
        type=Path,
        default=ROOT / "tests" / "data" / "criteria_labels_legacy_blind.jsonl",
        help="The legacy-XML blind sample (numeric constraints only, issue 19).",
    )
    ap.add_argument("--no-coverage", action="store_true", help="Skip the corpus coverage (the slow part).")
    ap.add_argument("--errors", action="store_true", help="List every false positive and false negative.")
    args = ap.parse_args()

    rows = [json.loads(line) for line in args.labels.read_text(encoding="utf-8").splitlines() if line.strip()]
    sources = Counter(r["source"].split("/")[2] if r["source"].startswith("shared/") else "seeds" for r in rows)
    blind = [json.loads(line) for line in args.blind.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = {
        "coverage_seeds": None if args.no_coverage else coverage([p for p in files(args.seeds) if p.suffix == ".txt"]),
        "coverage_ctgov": coverage_by_folder(args.ctgov) if args.ctgov.is_dir() and not args.no_coverage else None,
        # Issue 19's blind sample: 300 legacy-XML criteria, numeric constraints labelled (criteria_labels_legacy_blind.md).
        "legacy_blind_numeric": score(blind, show_errors=args.errors, numeric_only=True),
        "labelled_sample": {"sources": dict(sources), **score(rows, show_errors=args.errors)},
        # The development rows were read while the rules were written; the held-out rows were labelled after.
        "by_split": {
            split: score([r for r in rows if r["split"] == split], show_errors=False)
            for split in sorted({r["split"] for r in rows})
        },
        "by_split_numeric": {
            split: score([r for r in rows if r["split"] == split], numeric_only=True)
            for split in sorted({r["split"] for r in rows})
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
