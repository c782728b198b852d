"""Does a build count each fact once? Checks a built folder the way issue W2 2/7 asks, and prints the figures.

    python benchmarks/graph_consistency.py BUILD_DIR [--trials 20]

For every shipped query (graph/trialkg/queries/*.rq; those that take ?trial bound to every
multi-source trial and to `--trials` single-source ones) the rows with and without DISTINCT; a few
aggregates over the default graph against their DISTINCT form; the counts of store/counts.py
against build-report.json, the lines of trialkg.nt / trialkg.nq and a fresh bulk load of the
N-Quads. Prints one line per check and a verdict; nothing is asserted (exit 1 if a check differs).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
from trialkg.rdf.queries import select
from trialkg.resources import query_text
from trialkg.store.counts import graph_counts
from trialkg.store.load import load_bulk
from trialkg.store.oxigraph import open_graph

QUERIES = sorted((Path(__file__).resolve().parent.parent / "graph" / "trialkg" / "queries").glob("*.rq"))
TK = "https://w3id.org/trialkg/ontology#"
#: Aggregates a user writes, each over its pattern's rows ({D}: DISTINCT or nothing).
AGGREGATES = {
    "titles per trial": f"SELECT ?t (COUNT(*) AS ?n) WHERE {{ SELECT {{D}} ?t ?x WHERE {{ ?t <{TK}briefTitle> ?x }} }} "
    "GROUP BY ?t",
    "criteria": f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT {{D}} ?t ?c ?x WHERE {{ ?t <{TK}eligibilityCriterion> ?c . "
    f"?c <{TK}text> ?x }} }}",
    "conditions": f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT {{D}} ?t ?c WHERE {{ ?t <{TK}condition> ?c }} }}",
    "sponsors": f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT {{D}} ?t ?o WHERE {{ ?t <{TK}leadSponsor> ?o }} }}",
    "statements": "SELECT (COUNT(*) AS ?n) WHERE { SELECT {D} ?s ?p ?o WHERE { ?s ?p ?o } }",
}


def rows(store: ox.Store, query: str, trial: str | None) -> Counter[tuple[str | None, ...]]:
    projection = re.sub(r"\((?:[^()]|\([^()]*\))*\)", "", query[query.index("SELECT") : query.index("WHERE")])
    subs = {ox.Variable("trial"): ox.NamedNode(trial)} if trial and re.search(r"\?trial\b", projection) else {}
    solutions = store.query(query, substitutions=subs)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return Counter(tuple(str(s[n]) if s[n] is not None else None for n in names) for s in solutions)


def _lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build", type=Path)
    parser.add_argument("--trials", type=int, default=20, help="single-source trials to bind ?trial to")
    args = parser.parse_args()
    store = open_graph(args.build)
    bad = 0
    multi = [r["trial"] for r in select(store, "multi_source_trials")]
    single = [r["trial"] for r in select(store, "list_trials") if r["trial"] not in set(multi)]
    bound = multi + sorted(set(single))[: args.trials]
    print(f"{len(multi)} multi-source trials; ?trial bound to those and {len(bound) - len(multi)} others")
    for path in QUERIES:
        text = query_text(path.stem)
        distinct = text if "SELECT DISTINCT" in text else text.replace("SELECT", "SELECT DISTINCT", 1)
        plain = text.replace("SELECT DISTINCT", "SELECT", 1)
        started, differ, total = time.perf_counter(), 0, 0
        for trial in bound if "?trial" in text else [None]:
            a, b = rows(store, plain, trial), rows(store, distinct, trial)
            total += sum(a.values())
            differ += a != b
        bad += differ > 0
        verdict = "same" if not differ else f"DIFFER for {differ} binding(s)"
        print(f"  {path.name:<36} {total:>9,} rows  {verdict}  ({time.perf_counter() - started:.1f} s)")
    for name, query in AGGREGATES.items():
        a = rows(store, query.replace("{D}", ""), None)
        b = rows(store, query.replace("{D}", "DISTINCT"), None)
        bad += a != b
        shown = next(iter(a))[-1].split('"')[1] if len(a) == 1 else f"{len(a):,} groups"
        print(f"  aggregate {name:<26} {shown:>12}  {'same as DISTINCT' if a == b else 'DIFFERS from DISTINCT'}")
    counts = graph_counts(store)
    report = json.loads((args.build / "build-report.json").read_text(encoding="utf-8"))
    nt, nq = (_lines(args.build / name) for name in ("trialkg.nt", "trialkg.nq"))
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load_bulk(args.build, Path(tmp) / "store")
    checks = {
        "build-report.json counts": report["counts"] == counts.to_json(),
        "build-report.json trials": report["trials"] == counts.trials,
        "trialkg.nt lines = triples": nt == counts.triples,
        "trialkg.nq lines = quads": nq == counts.quads,
        "bulk load sent = counted = quads": loaded.triples == loaded.counted == counts.quads,
    }
    print(f"  counts: {counts.summary()}")
    for name, ok in checks.items():
        bad += not ok
        print(f"  {name:<36} {'agrees' if ok else 'DIFFERS'}")
    print("verdict:", "every check agrees" if not bad else f"{bad} check(s) differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
