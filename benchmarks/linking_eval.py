"""Entity linking, measured: precision and recall of mention -> MeSH links against the registry's own pairings.

    python benchmarks/linking_eval.py [CTGOV_DIR] [--write-labelled tests/data/linking/labelled.tsv]
    python benchmarks/linking_eval.py --mesh ../shared/mesh/mesh2024-descriptors.xml.gz [--sample 400]

The labelled list: every stated condition and intervention name of the registry records in
CTGOV_DIR (default: shared/ctgov) that the registry's browse modules pair with a descriptor by
its own text evidence (normalize.mesh_pairing methods exact, inverted, as-found, sole); the truth is the
set of descriptors so paired with that name in that trial.

Leave-one-trial-out: the lexicon used to resolve trial T's names is rebuilt from every record
except T (all copies of T's NCT id), so no name is resolved with its own pairing. The curated
synonym file is used as shipped. The registry's own pairing of T is NOT used (that would be
reading the answer); only lexicon lookups (exact, synonym, fuzzy) are measured.

Precision = correct links / links made; recall = truth pairs found / truth pairs. Rows: all links,
and only the primary link (the one that names the shared node). Also per kind and per method, and per
format: the legacy XML records (their browse terms, names without ids, as truth) apart from the API JSON.

With --mesh FILE (issue 19), the truth's descriptor names resolve through the MeSH file too (all legacy
XML browse terms, not only those another record names with an id), and three lexicons are measured:
  shipped, LOO          the registry rows without the trial + curated synonyms (the default build);
  MeSH + curated        the MeSH file's names and entry terms + curated synonyms, no registry rows (so no
                        trial's own pairing can leak in: no leave-one-out needed), all labelled mentions;
  MeSH + shipped, LOO   both (what `build --mesh` uses), leave-one-trial-out, on --sample trials drawn with a
                        fixed seed (each trial's lexicon is the MeSH one with its registry rows overlaid).
It also prints how many legacy-XML MeSH names resolve to a descriptor id, with and without the file.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from trialkg.ids import is_mesh_ui
from trialkg.normalize import lexicon as L
from trialkg.normalize import make_lexicon as M
from trialkg.normalize.linking import primary, resolve
from trialkg.normalize.mesh_file import mesh_entries

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "ctgov"


def labelled_items(trials, ev, mesh_names=None):  # type: ignore[no-untyped-def]
    ui_of_label = {M.key(label): ui for ui, label in ev.labels.items()} | (mesh_names or {})
    truth: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for t in trials:
        for kind, name, ui, _label in M.registry_pairs(t, ui_of_label):
            truth[(M.trial_id(t), kind, name)].add(ui)
    return truth


def lexicon_without(ev, tid, curated, xrefs):  # type: ignore[no-untyped-def]
    rows = [L.Entry(r[0], r[1], r[2], r[3], r[4], int(r[5]), int(r[6])) for r in M.rows(ev, without=tid)]
    return L.Lexicon.from_entries([*rows, *curated], xrefs)


def _cells(items) -> str:  # type: ignore[no-untyped-def]
    """truth pairs | links made | precision | recall | of (truth set, links) pairs."""
    n_truth = sum(len(uis) for uis, _ in items)
    made = sum(len(links) for _, links in items)
    correct = sum(1 for uis, links in items for lk in links if lk.ui in uis)
    found = sum(len(uis & {lk.ui for lk in links}) for uis, links in items)
    p = correct / made if made else float("nan")
    return f"{n_truth} | {made} | {p:.3f} | {found / n_truth:.3f} |"


def legacy_resolution(trials, lexicons) -> None:  # type: ignore[no-untyped-def]
    """How many MeSH terms of legacy-XML records (names without ids) each lexicon resolves to a descriptor id."""
    terms = [m.term for t in trials if t.source.format == "ctgov_xml"
             for m in (*t.condition_meshes, *t.intervention_meshes) if not is_mesh_ui(m.id)]  # fmt: skip
    print(f"\nLegacy-XML MeSH names (condition_browse/intervention_browse mesh_term, no ids): {len(terms)}\n")
    print("| lexicon | resolved to a descriptor id | share |")
    print("|---|---|---|")
    for name, lex in lexicons:
        n = sum(lex.descriptor_named(term) is not None for term in terms)
        print(f"| {name} | {n} | {n / len(terms):.3f} |" if terms else f"| {name} | 0 | - |")
    missing = Counter(term for term in terms if lexicons[-1][1].descriptor_named(term) is None)
    if missing:
        print(
            "\nNot resolved by the last lexicon (most frequent): "
            + "; ".join(f"{t} ({n})" for t, n in missing.most_common(10))
        )


def _table(title: str, results) -> None:  # type: ignore[no-untyped-def]
    print(f"\n{title}\n")
    print("| links | kind | format | truth pairs | links made | precision | recall |")
    print("|---|---|---|---|---|---|---|")
    for scope in ("all links", "primary link"):
        for group in ("all", "condition", "intervention"):
            for fmt in ("all", "ctgov_json", "ctgov_xml"):
                if fmt != "all" and group != "all":
                    continue
                rows = [r for r in results if group in ("all", r[0]) and fmt in ("all", r[5])]
                if not rows:
                    continue
                pick = (
                    (lambda links: links)
                    if scope == "all links"
                    else (lambda links: [x for x in [primary(links)] if x])
                )
                print(
                    f"| {scope} | {group} | {fmt} | " + _cells([(uis, pick(links)) for _k, _n, uis, links, *_ in rows])
                )


def main_mesh(args, trials, ev, curated, xrefs) -> int:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    mesh_rows = [e for e in mesh_entries(args.mesh) if e.key]
    mesh_names = {e.key: e.ui for e in mesh_rows if e.source == "mesh-label"}
    truth = labelled_items(trials, ev, mesh_names)
    fmt_of = {M.trial_id(t): t.source.format for t in trials}
    mesh_curated = L.Lexicon.from_entries([*mesh_rows, *curated], xrefs)
    print(
        f"{len(truth)} labelled mentions in {len({k[0] for k in truth})} trials, truth names resolved through "
        f"{args.mesh.name} as well ({time.perf_counter() - start:.1f} s to read it and build the lexicon)"
    )
    by_trial: dict[str, list[tuple[str, str, set[str]]]] = defaultdict(list)
    for (tid, kind, name), uis in truth.items():
        by_trial[tid].append((kind, name, uis))
    sample = sorted(random.Random(19).sample(sorted(by_trial), min(args.sample, len(by_trial))))
    results: dict[str, list] = {"shipped, LOO": [], "MeSH + curated": [], "MeSH + shipped, LOO": []}  # type: ignore[type-arg]
    for tid in sorted(by_trial):
        lex = lexicon_without(ev, tid, curated, xrefs)
        both = mesh_curated.overlaid(lex.all_entries()) if tid in sample else None
        for kind, name, uis in by_trial[tid]:
            results["shipped, LOO"].append((kind, name, uis, resolve(name, kind, lex), None, fmt_of[tid], tid))
            results["MeSH + curated"].append(
                (kind, name, uis, resolve(name, kind, mesh_curated), None, fmt_of[tid], tid)
            )
            if both is not None:
                results["MeSH + shipped, LOO"].append(
                    (kind, name, uis, resolve(name, kind, both), None, fmt_of[tid], tid)
                )
    print(f"(all three measured in {time.perf_counter() - start:.1f} s; the machine was shared)")
    for name, rows in results.items():
        scope = f"{len(sample)} trials drawn with seed 19" if name == "MeSH + shipped, LOO" else "all labelled trials"
        _table(f"Lexicon: {name} ({scope})", rows)
    sampled = [r for r in results["shipped, LOO"] if r[6] in sample]
    _table(f"Lexicon: shipped, LOO, on the same {len(sample)} sampled trials (the baseline of the row above)", sampled)
    legacy_resolution(
        trials, [("shipped", L.default_lexicon()), ("shipped + MeSH file", L.default_lexicon().overlaid(mesh_rows))]
    )
    if args.errors:
        print("\nWrong links with MeSH + shipped (method, confidence, mention -> descriptor; truth):")
        for kind, name, uis, links, *_ in results["MeSH + shipped, LOO"]:
            for lk in links:
                if lk.ui not in uis:
                    print(f"  {lk.method:8} {lk.confidence:.2f} {kind:12} {name!r} -> {lk.label} ; truth {sorted(uis)}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ctgov", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--write-labelled", type=Path, default=None)
    parser.add_argument("--errors", action="store_true", help="List every wrong link.")
    parser.add_argument(
        "--mesh", type=Path, default=None, help="A MeSH descriptor file (NLM desc20XX.xml or N-Triples)."
    )
    parser.add_argument("--sample", type=int, default=400, help="Trials for the MeSH + shipped LOO rows (seed 19).")
    args = parser.parse_args()
    start = time.perf_counter()
    trials = M.read_trials(M.corpus_files([args.ctgov]))
    ev = M.collect(trials)
    curated = list(L.curated_entries(L.data_path("synonyms.tsv")))
    xrefs = L.read_xrefs(L.data_path("xrefs.tsv"))
    if args.mesh:
        return main_mesh(args, trials, ev, curated, xrefs)
    truth = labelled_items(trials, ev)
    if args.write_labelled:
        lines = [
            "# Labelled mention -> MeSH links from ClinicalTrials.gov records (public domain) in shared/ctgov:",
            "# the registry's own browse-module pairings (normalize.mesh_pairing exact/inverted/as-found/sole).",
            "# Made by benchmarks/linking_eval.py --write-labelled.",
            "nct_id\tkind\tmention\tmesh_uis",
        ]
        lines += [f"{t}\t{k}\t{n}\t{' '.join(sorted(u))}" for (t, k, n), u in sorted(truth.items())]
        args.write_labelled.write_text("\n".join(lines) + "\n", encoding="utf-8")

    by_trial: dict[str, list[tuple[str, str, set[str]]]] = defaultdict(list)
    for (tid, kind, name), uis in truth.items():
        by_trial[tid].append((kind, name, uis))
    # (kind, name, truth, links, truth descriptors the lexicon knows at all) per labelled mention
    results = []
    for tid in sorted(by_trial):
        lex = lexicon_without(ev, tid, curated, xrefs)
        known = {e.ui for e in lex.all_entries()}
        for kind, name, uis in by_trial[tid]:
            results.append((kind, name, uis, resolve(name, kind, lex), uis & known))
    print(
        f"{len(truth)} labelled mentions in {len(by_trial)} trials, leave-one-trial-out "
        f"({time.perf_counter() - start:.1f} s)\n"
    )
    print("| links | kind | truth pairs | links made | precision | recall |")
    print("|---|---|---|---|---|---|")
    for scope in ("all links", "primary link"):
        for group in ("all", "condition", "intervention"):
            rows = [r for r in results if group in ("all", r[0])]
            pick = (lambda links: links) if scope == "all links" else (lambda links: [x for x in [primary(links)] if x])
            print(f"| {scope} | {group} | " + _cells([(uis, pick(links)) for _k, _n, uis, links, _kn in rows]))
    n_truth = sum(len(r[2]) for r in results)
    reachable = sum(len(r[4]) for r in results)
    print(
        f"\nRecall ceiling: {reachable} of {n_truth} truth pairs ({reachable / n_truth:.3f}) name a descriptor that the "
        "lexicon without the trial holds at all; the rest use a descriptor no other record names (a MeSH file, "
        "--mesh, is the only way to reach them).\n"
    )
    print("| method | links | correct | precision |")
    print("|---|---|---|---|")
    by_method: dict[str, Counter[str]] = defaultdict(Counter)
    for _k, _n, uis, links, _kn in results:
        for lk in links:
            by_method[lk.method]["made"] += 1
            by_method[lk.method]["correct"] += lk.ui in uis
    for method, c in sorted(by_method.items()):
        print(f"| {method} | {c['made']} | {c['correct']} | {c['correct'] / c['made']:.3f} |")
    print("\nOperating points: links kept if their confidence is at least the threshold (all methods), or without the")
    print("partial (broadMatch) and fuzzy methods.\n")
    print("| min confidence | links | precision | recall | links (no partial/fuzzy) | precision | recall |")
    print("|---|---|---|---|---|---|---|")
    for threshold in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
        both = []
        for drop in ((), ("partial", "fuzzy")):
            kept = [(uis, [lk for lk in links if lk.confidence >= threshold and lk.method not in drop])
                    for _k, _n, uis, links, _kn in results]  # fmt: skip
            both.append(_cells(kept).rstrip(" |").split(" | ")[1:])
        print(f"| {threshold:.2f} | " + " | ".join(both[0] + both[1]) + " |")
    if args.errors:
        print("\nWrong links (method, confidence, mention -> descriptor; truth):")
        for kind, name, uis, links, _kn in results:
            for lk in links:
                if lk.ui not in uis:
                    print(f"  {lk.method:8} {lk.confidence:.2f} {kind:12} {name!r} -> {lk.label} ; truth {sorted(uis)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
