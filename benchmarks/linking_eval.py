"""Entity linking, measured: precision and recall of mention -> MeSH links against the registry's own pairings.

    python benchmarks/linking_eval.py [CTGOV_DIR] [--write-labelled tests/data/linking/labelled.tsv]

The labelled list: every stated condition and intervention name of the registry records in
CTGOV_DIR (default: shared/ctgov) that the registry's browse modules pair with a descriptor by
its own text evidence (trialkg.mesh methods exact, inverted, as-found, sole); the truth is the
set of descriptors so paired with that name in that trial.

Leave-one-trial-out: the lexicon used to resolve trial T's names is rebuilt from every record
except T (all copies of T's NCT id), so no name is resolved with its own pairing. The curated
synonym file is used as shipped. The registry's own pairing of T is NOT used (that would be
reading the answer); only lexicon lookups (exact, synonym, fuzzy) are measured.

Precision = correct links / links made; recall = truth pairs found / truth pairs. Rows: all links,
and only the primary link (the one that names the shared node). Also per kind and per method.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from trialkg.normalize import lexicon as L
from trialkg.normalize import make_lexicon as M
from trialkg.normalize.linking import primary, resolve

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "ctgov"


def labelled_items(trials, ev):  # type: ignore[no-untyped-def]
    ui_of_label = {M.key(label): ui for ui, label in ev.labels.items()}
    truth: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for t in trials:
        for kind, name, ui, _label in M.registry_pairs(t, ui_of_label):
            truth[(M.trial_id(t), kind, name)].add(ui)
    return truth


def lexicon_without(ev, tid, curated, xrefs):  # type: ignore[no-untyped-def]
    rows = [L.Entry(r[0], r[1], r[2], r[3], r[4], int(r[5]), int(r[6])) for r in M.rows(ev, without=tid)]
    return L.Lexicon.from_entries([*rows, *curated], xrefs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ctgov", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--write-labelled", type=Path, default=None)
    args = parser.parse_args()
    start = time.perf_counter()
    trials = M.read_trials(M.corpus_files([args.ctgov]))
    ev = M.collect(trials)
    truth = labelled_items(trials, ev)
    curated = list(L.curated_entries(L.data_path("synonyms.tsv")))
    xrefs = L.read_xrefs(L.data_path("xrefs.tsv"))
    if args.write_labelled:
        lines = [
            "# Labelled mention -> MeSH links from ClinicalTrials.gov records (public domain) in shared/ctgov:",
            "# the registry's own browse-module pairings (trialkg.mesh exact/inverted/as-found/sole).",
            "# Made by benchmarks/linking_eval.py --write-labelled.",
            "nct_id\tkind\tmention\tmesh_uis",
        ]
        lines += [f"{t}\t{k}\t{n}\t{' '.join(sorted(u))}" for (t, k, n), u in sorted(truth.items())]
        args.write_labelled.write_text("\n".join(lines) + "\n", encoding="utf-8")

    by_trial: dict[str, list[tuple[str, str, set[str]]]] = defaultdict(list)
    for (tid, kind, name), uis in truth.items():
        by_trial[tid].append((kind, name, uis))
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    method_counts: dict[str, Counter[str]] = defaultdict(Counter)
    for tid in sorted(by_trial):
        lex = lexicon_without(ev, tid, curated, xrefs)
        for kind, name, uis in by_trial[tid]:
            links = resolve(name, kind, lex)
            top = primary(links)
            for scope, made in (("all links", links), ("primary link", (top,) if top else ())):
                for group in (f"{kind}", "all"):
                    c = counts[(scope, group)]
                    c["truth"] += len(uis)
                    c["made"] += len(made)
                    c["correct"] += sum(1 for lk in made if lk.ui in uis)
                    c["found"] += len(uis & {lk.ui for lk in made})
            for lk in links:
                method_counts[lk.method]["made"] += 1
                method_counts[lk.method]["correct"] += lk.ui in uis
    print(
        f"{len(truth)} labelled mentions in {len(by_trial)} trials, leave-one-trial-out "
        f"({time.perf_counter() - start:.1f} s)\n"
    )
    print("| links | kind | truth pairs | links made | precision | recall |")
    print("|---|---|---|---|---|---|")
    for (scope, group), c in sorted(counts.items(), key=lambda kv: (kv[0][0] != "all links", kv[0][1] != "all", kv[0])):
        p = c["correct"] / c["made"] if c["made"] else float("nan")
        r = c["found"] / c["truth"] if c["truth"] else float("nan")
        print(f"| {scope} | {group} | {c['truth']} | {c['made']} | {p:.3f} | {r:.3f} |")
    print("\n| method | links | precision |")
    print("|---|---|---|")
    for method, c in sorted(method_counts.items()):
        print(f"| {method} | {c['made']} | {c['correct'] / c['made']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
