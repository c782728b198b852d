"""Related trials, measured: against the sources' own lists, by topic coherence, and by speed.

    python benchmarks/related_eval.py [CTGOV_DIR] [--queries 60] [--seed 7] [--jobs 2] [--scorers idf_sum,...]

Builds the bundled samples and the registry records in CTGOV_DIR (default: shared/ctgov) into
temporary folders, then prints three tables. Nothing here asserts a time; it only prints.

(a) Source lists. Some sources name related trials themselves (`related_trials` in `read_trial`
    records: the "Related Clinical Trials" list of registry-derived pages, expanded-access links
    of registry JSON). related.py never reads those lists (queries/related_candidates.rq skips
    them), so they are a held-out judgement. For every trial with such a list, `related()` with
    each scorer is scored by precision@k, recall@k and nDCG@k (k = 5, 10, binary gains), counting
    only listed trials that are in the graph. The table says how many lists and listed trials
    were usable: on these builds, very few.

(b) Topic coherence (registry corpus). Does a scorer find trials about the same disease from
    what else trials share? For each sampled query trial with at least one condition MeSH
    descriptor, the top-10 neighbours are ranked with the condition-side signals taken out
    (kinds condition, condition_mesh, condition_mesh_ancestor, and every condition MeSH IRI), and
    then judged against the full graph: the share of neighbours sharing at least one condition
    MeSH descriptor with the query, and the share sharing at least one MeSH "ancestor-or-self"
    (the union of a trial's condition descriptors and their ancestors: the same branch of the
    tree). A neighbour without condition MeSH counts as a miss.

    How the leave-signal-out ranking is done: `related()` takes its candidates from SPARQL
    (which would put the condition links back), so this script ranks over an EntityGraph copy
    with the condition-side nodes removed: candidates are the trials two hops away in that graph
    (shared words by related.py's own rule, `candidates()` called with an empty store), and each
    is explained and scored with related.py's own `_explain`, `_score_idf_sum`,
    `_score_weighted_jaccard` and `_ppr_scores` (PPR runs on the filtered graph too, so it cannot
    walk through a condition node). The same ranker on the unfiltered graph, with the SPARQL
    query's MeSH rule, reproduces `related()`: (c) compares the top-10 lists on every timed
    query and prints the count. (Where they differ it is a site spelled in two cases, "LYON
    Cedex 03" / "Lyon Cedex 03": one casefolded node in the entity graph, two literals to the
    SPARQL join.) Rows:
      all signals                      the unfiltered graph (what `related()` returns)
      no condition signals             condition-side nodes removed
      no condition signals, no words   also the title/summary words removed (words can name the
                                       disease, so this row shows what the structured links alone do)
    Baselines, exact expectations rather than draws: a random other trial of the corpus, and a
    random candidate of the no-condition graph (a trial sharing anything non-condition). The
    corpus is dominated by one descriptor, so shares are also given for the queries that do not
    have it (the "minority" columns): there, chance is low and the scorers have to work.

(c) Latency: wall time of `related(store, trial, top=10, scorer=..., entity_graph=eg)` per
    sampled query (the entity graph loaded once; its load time, the store's load time and the
    time of `candidates()` alone are printed separately). p50, p95 and max.

The sampled queries (--queries, with --seed; 0 for every trial) are the same for (b) and (c) and
for every scorer; (b) uses those with a condition MeSH descriptor. With 60 queries a share is
known to about +-6 points and the run takes a few minutes; `--queries 0` ranks every trial
(about three quarters of an hour, most of it PPR).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from trialkg.apps import related as R
from trialkg.pipeline import build
from trialkg.rdf.readback import read_trial
from trialkg.store.oxigraph import open_graph

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "ctgov"
CONDITION_KINDS = frozenset({"condition", "condition_mesh", "condition_mesh_ancestor"})
TOP = 10
SCORERS = list(R.SCORERS)  # --scorers narrows it
_WORD = getattr(R, "_TERM", "urn:trialkg:term:")  # shared words' entity prefix in the EntityGraph
_EMPTY = ox.Store()  # `candidates()` on an empty store gives only the shared words, by related.py's rule

_MESH_QUERY = """
PREFIX trialkg: <https://w3id.org/trialkg/ontology#>
SELECT ?trial ?p ?mesh WHERE {
  VALUES ?p { trialkg:meshCondition trialkg:meshConditionAncestor }
  ?trial a trialkg:Trial ; ?p ?mesh .
}
"""


@dataclass(frozen=True)
class Truth:
    """Each trial's condition MeSH descriptors and their ancestors, from the full graph."""

    desc: dict[str, frozenset[str]]
    anc: dict[str, frozenset[str]]

    def branch(self, trial: str) -> frozenset[str]:
        return self.desc.get(trial, frozenset()) | self.anc.get(trial, frozenset())

    def every(self) -> set[str]:
        return {m for sets in (self.desc, self.anc) for ms in sets.values() for m in ms}


def read_truth(store: ox.Store) -> Truth:
    found: dict[str, dict[str, set[str]]] = {p: defaultdict(set) for p in ("meshCondition", "meshConditionAncestor")}
    for row in store.query(_MESH_QUERY):  # type: ignore[union-attr]
        found[row["p"].value.rsplit("#", 1)[1]][row["trial"].value].add(row["mesh"].value)
    desc, anc = found["meshCondition"], found["meshConditionAncestor"]
    return Truth({t: frozenset(m) for t, m in desc.items()}, {t: frozenset(m) for t, m in anc.items()})


# ---------------------------------------------------------------- ranking over an EntityGraph


def without(eg: R.EntityGraph, drop: Callable[[str], bool]) -> R.EntityGraph:
    """A copy of `eg` without the entity nodes `drop` picks (trials and everything else kept)."""
    graph = eg.graph.copy()
    graph.remove_nodes_from([n for n in eg.graph if n not in eg.trials and drop(n)])
    return R.EntityGraph(graph=graph, trials=eg.trials, labels=eg.labels, kinds=eg.kinds)


def graph_candidates(eg: R.EntityGraph, trial: str, truth: Truth, mesh: set[str]) -> dict[str, set[str]]:
    """Trials two hops from `trial` in `eg`, with the entities shared: what `candidates()` finds with SPARQL.

    A condition MeSH node (in `mesh`) is shared the way queries/related_candidates.rq shares it:
    both trials have it as a descriptor, or the other trial has it as an ancestor.
    """
    found: dict[str, set[str]] = defaultdict(set)
    for other, words in R.candidates(_EMPTY, trial, eg).items():
        found[other] |= words
    mine = truth.desc.get(trial, frozenset())
    for entity in eg.graph.adj.get(trial, {}):
        if entity.startswith(_WORD) or entity not in eg.kinds:
            continue
        for other in eg.graph[entity]:
            if other == trial:
                continue
            if entity in mesh and not (
                entity in truth.anc.get(other, ()) or (entity in mine and entity in truth.desc.get(other, ()))
            ):
                continue
            found[other].add(entity)
    return found


def rank(eg: R.EntityGraph, trial: str, scorer: str, found: dict[str, set[str]]) -> list[str]:
    """The top trials among `found` by `scorer`, exactly as `related()` orders them."""
    ppr = R._ppr_scores(eg, trial) if scorer == "ppr" else {}
    scored = []
    for other, entities in found.items():
        shared = R._explain(eg, trial, other, entities)
        if scorer == "idf_sum":
            score = R._score_idf_sum(eg, trial, other, shared)
        elif scorer == "weighted_jaccard":
            score = R._score_weighted_jaccard(eg, trial, other, shared)
        else:
            score = ppr.get(other, 0.0)
        scored.append((score, other))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [other for _, other in scored[:TOP]]


# ---------------------------------------------------------------- metrics


def ndcg(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, t in enumerate(ranked[:k]) if t in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else float("nan")


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


# ---------------------------------------------------------------- (a) source lists


def source_lists(name: str, store: ox.Store, eg: R.EntityGraph) -> None:
    by_nct = {info.nct_id: t for t, info in eg.trials.items() if info.nct_id}
    lists, listed, usable_listed = 0, 0, 0
    usable: list[tuple[str, set[str]]] = []
    for trial in sorted(eg.trials):
        names = [n for n in read_trial(store, trial)["related_trials"] if by_nct.get(n) != trial]
        if not names:
            continue
        lists += 1
        listed += len(names)
        relevant = {by_nct[n] for n in names if n in by_nct}
        usable_listed += len(relevant)
        if relevant:
            usable.append((trial, relevant))
    print(f"  {name}: {len(eg.trials)} trials; {lists} trials list related trials ({listed} listed); "
          f"{usable_listed} listed trials are in the graph, in {len(usable)} usable lists")  # fmt: skip
    if not usable:
        print("    nothing to measure: no listed trial is in the graph")
        return
    print(f"    {'scorer':<17} {'P@5':>6} {'R@5':>6} {'nDCG@5':>7} {'P@10':>6} {'R@10':>6} {'nDCG@10':>8}")
    for scorer in SCORERS:
        sums: Counter[str] = Counter()
        for trial, relevant in usable:
            ranked = [r.id for r in R.related(store, trial, top=TOP, scorer=scorer, entity_graph=eg)]
            for k in (5, 10):
                hits = len(set(ranked[:k]) & relevant)
                sums[f"P@{k}"] += hits / k
                sums[f"R@{k}"] += hits / len(relevant)
                sums[f"nDCG@{k}"] += ndcg(ranked, relevant, k)
        m = {key: value / len(usable) for key, value in sums.items()}
        print(f"    {scorer:<17} {m['P@5']:>6.3f} {m['R@5']:>6.3f} {m['nDCG@5']:>7.3f} "
              f"{m['P@10']:>6.3f} {m['R@10']:>6.3f} {m['nDCG@10']:>8.3f}")  # fmt: skip
    for trial, relevant in usable:
        print(f"    list of {eg.trials[trial].nct_id or trial}: "
              f"{', '.join(sorted(eg.trials[t].nct_id or t for t in relevant))} in the graph")  # fmt: skip


# ---------------------------------------------------------------- (b) topic coherence

VARIANTS = ("all signals", "no condition signals", "no condition signals, no words")
_STATE: dict[str, Any] = {}  # what the worker processes rank with (inherited by fork)


def _coherence_one(trial: str) -> dict[str, Any]:
    truth: Truth = _STATE["truth"]
    graphs: dict[str, R.EntityGraph] = _STATE["graphs"]
    out: dict[str, Any] = {"ranked": {}}
    for variant, eg in graphs.items():
        found = graph_candidates(eg, trial, truth, _STATE["mesh"])
        if variant == "no condition signals":
            out["candidates"] = sorted(found)
        for scorer in SCORERS:
            out["ranked"][variant, scorer] = rank(eg, trial, scorer, found)
    return out


def coherence(store: ox.Store, eg: R.EntityGraph, sample: list[str], jobs: int) -> dict[str, list[str]]:
    """Print table (b); return the all-signals top-10 of every sampled query and scorer (for (c)'s check)."""
    truth = read_truth(store)
    condition_nodes = truth.every()

    def is_condition(n: str) -> bool:
        return eg.kinds.get(n) in CONDITION_KINDS or n in condition_nodes

    _STATE["truth"], _STATE["mesh"] = truth, condition_nodes
    _STATE["graphs"] = {
        "all signals": eg,
        "no condition signals": without(eg, is_condition),
        "no condition signals, no words": without(eg, lambda n: is_condition(n) or n.startswith(_WORD)),
    }
    queries = [t for t in sample if truth.desc.get(t)]
    counts = Counter(m for t in eg.trials for m in truth.desc.get(t, ()))
    top_mesh, top_n = counts.most_common(1)[0]
    minority = {t for t in queries if top_mesh not in truth.desc[t]}
    started = time.perf_counter()
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.map(_coherence_one, queries, chunksize=1)
    else:
        results = [_coherence_one(t) for t in queries]
    took = time.perf_counter() - started

    others = [t for t in eg.trials]

    def shares(trial: str, neighbours: Sequence[str]) -> tuple[int, int]:
        d, b = truth.desc[trial], truth.branch(trial)
        return sum(1 for o in neighbours if d & truth.desc.get(o, frozenset())), sum(
            1 for o in neighbours if b & truth.branch(o)
        )

    def row(label: str, per_query: dict[str, tuple[float, float, float]]) -> None:
        """per_query: trial -> (descriptor hits, branch hits, neighbours), summed over a query set."""
        cells = []
        for subset in (queries, [t for t in queries if t in minority]):
            hit_d = sum(per_query[t][0] for t in subset)
            hit_b = sum(per_query[t][1] for t in subset)
            n = sum(per_query[t][2] for t in subset)
            cells += [hit_d / n if n else float("nan"), hit_b / n if n else float("nan")]
        returned = sum(per_query[t][2] for t in queries) / len(queries)
        print(f"  {label:<52} {cells[0]:>7.1%} {cells[1]:>7.1%}   {cells[2]:>7.1%} {cells[3]:>7.1%}   {returned:>5.1f}")

    label_top = eg.labels.get(top_mesh, top_mesh.rsplit("/", 1)[-1])
    print(f"  {len(queries)} sampled queries with a condition MeSH descriptor ({len(minority)} without the most "
          f"common one, {label_top!r}, which {top_n} of {len(eg.trials)} trials have)")  # fmt: skip
    print(f"  ranked {len(VARIANTS)} graphs x {len(SCORERS)} scorers in {took:.0f} s ({jobs} processes)")
    print(f"  {'share of top-10 neighbours sharing a condition':<52} {'all queries':^17}   {'minority':^17}   "
          f"{'neigh-':>5}")  # fmt: skip
    print(f"  {'':<52} {'descr.':>7} {'branch':>7}   {'descr.':>7} {'branch':>7}   {'bours':>5}")
    ranked_all: dict[str, list[str]] = {}
    for variant in VARIANTS:
        for scorer in SCORERS:
            per_query = {}
            for trial, result in zip(queries, results, strict=True):
                ranked = result["ranked"][variant, scorer]
                per_query[trial] = (*shares(trial, ranked), len(ranked))
                if variant == "all signals":
                    ranked_all[f"{scorer} {trial}"] = ranked
            row(f"{variant}: {scorer}", per_query)
    expected_trial, expected_cand = {}, {}
    for trial, result in zip(queries, results, strict=True):
        pool = [o for o in others if o != trial]
        d, b = shares(trial, pool)
        expected_trial[trial] = (TOP * d / len(pool), TOP * b / len(pool), TOP)
        cands = result["candidates"]
        d, b = shares(trial, cands) if cands else (0, 0)
        n = min(TOP, len(cands))
        expected_cand[trial] = (n * d / len(cands), n * b / len(cands), n) if cands else (0, 0, 0)
    row("baseline: a random other trial", expected_trial)
    row("baseline: a random no-condition candidate", expected_cand)
    return ranked_all


# ---------------------------------------------------------------- (c) latency


def latency(store: ox.Store, eg: R.EntityGraph, sample: list[str], ranked_all: dict[str, list[str]]) -> None:
    print(f"  {len(sample)} sampled queries, top {TOP}; {'p50':>9} {'p95':>9} {'max':>9}   same top-10 as (b)'s ranker")
    times: list[float] = []
    for trial in sample:
        started = time.perf_counter()
        R.candidates(store, trial, eg)
        times.append(time.perf_counter() - started)
    print(f"  {'candidates() alone (SPARQL + words)':<38} {seconds(percentile(times, 50)):>9} "
          f"{seconds(percentile(times, 95)):>9} {seconds(max(times)):>9}")  # fmt: skip
    for scorer in SCORERS:
        times, same, checked = [], 0, 0
        for trial in sample:
            started = time.perf_counter()
            found = R.related(store, trial, top=TOP, scorer=scorer, entity_graph=eg)
            times.append(time.perf_counter() - started)
            key = f"{scorer} {trial}"
            if key in ranked_all:
                checked += 1
                same += [r.id for r in found] == ranked_all[key]
        print(f"  {'related(), ' + scorer:<38} {seconds(percentile(times, 50)):>9} "
              f"{seconds(percentile(times, 95)):>9} {seconds(max(times)):>9}   {same}/{checked}")  # fmt: skip


# ---------------------------------------------------------------- main


def load(out: Path) -> tuple[ox.Store, R.EntityGraph, float, float]:
    started = time.perf_counter()
    store = open_graph(out)
    store_s = time.perf_counter() - started
    started = time.perf_counter()
    eg = R.load_entity_graph(store)
    return store, eg, store_s, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ctgov", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--queries", type=int, default=60, help="sampled query trials for (b) and (c); 0: all")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the build and for (b)")
    parser.add_argument("--scorers", default=",".join(R.SCORERS), help="comma-separated (default: all)")
    args = parser.parse_args()
    SCORERS[:] = [s for s in args.scorers.split(",") if s]
    if not SCORERS or set(SCORERS) - set(R.SCORERS):
        parser.error(f"--scorers: choose from {', '.join(R.SCORERS)}")
    if not args.ctgov.is_dir():
        print(f"no corpus at {args.ctgov}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        samples_out, corpus_out = Path(tmp) / "samples", Path(tmp) / "corpus"
        build([], samples_out, formats=("nq",))
        started = time.perf_counter()
        report = build([str(args.ctgov)], corpus_out, formats=("nq",), jobs=args.jobs)
        build_s = time.perf_counter() - started
        s_store, s_eg, _, _ = load(samples_out)
        store, eg, store_s, eg_s = load(corpus_out)
        print(f"== corpus {args.ctgov}: {report.trial_count} trials built in {build_s:.1f} s ({args.jobs} jobs); "
              f"store load {seconds(store_s)}; entity graph load {seconds(eg_s)} "
              f"({eg.graph.number_of_nodes()} nodes, {eg.graph.number_of_edges()} edges)")  # fmt: skip
        print(f"   entity kinds: {', '.join(f'{k} {n}' for k, n in Counter(eg.kinds.values()).most_common())}")

        print("== (a) against the related-trials lists the sources give")
        source_lists("bundled samples", s_store, s_eg)
        source_lists("registry corpus", store, eg)

        trials = sorted(eg.trials)
        n = len(trials) if args.queries <= 0 else min(args.queries, len(trials))
        sample = sorted(random.Random(args.seed).sample(trials, n))
        print(f"== (b) topic coherence, leave the condition signals out (corpus, seed {args.seed})")
        ranked_all = coherence(store, eg, sample, args.jobs)
        print(f"== (c) latency at {len(trials)} trials (store load {seconds(store_s)}, "
              f"entity graph load {seconds(eg_s)}, both once)")  # fmt: skip
        latency(store, eg, sample, ranked_all)
    return 0


if __name__ == "__main__":
    sys.exit(main())
