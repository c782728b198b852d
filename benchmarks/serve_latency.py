"""Related-trials query latency: in-process pyoxigraph vs the oxigraph server vs `trialkg serve`.

    python benchmarks/serve_latency.py BUILD_DIR [--queries 200] [--warmup 20] [--seed 7]

BUILD_DIR is what `trialkg build --out BUILD_DIR` wrote. For a sample of trials, runs the
related-trials candidate query (graph/trialkg/queries/related_candidates.rq, the SPARQL half of
`trialkg related`) three ways and prints p50/p95/max in milliseconds:
  in-process        pyoxigraph Store loaded from the build, ?trial bound as a parameter
  oxigraph server   `oxigraph serve-read-only` over HTTP (no proxy), ?trial as VALUES
  trialkg serve     the `trialkg serve` command (proxy + oxigraph), ?trial as VALUES
HTTP clients use one new connection per query, as urllib does. Nothing is asserted; it only prints.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
from trialkg.rdf.queries import select
from trialkg.resources import query_text
from trialkg.store.oxigraph import open_graph, store_location
from trialkg.store.server import free_port, start_server, stop_server, wait_ready


def with_trial(iri: str) -> str:
    """The candidate query with ?trial fixed by a VALUES block (the protocol has no bound parameters)."""
    values = f"VALUES ?trial {{ {ox.NamedNode(iri)} }}"
    return re.sub(r"WHERE \{", "WHERE {\n  " + values.replace("\\", "\\\\"), query_text("related_candidates"), count=1)


def http_rows(url: str, query: str) -> int:
    body = urllib.parse.urlencode({"query": query}).encode()
    req = urllib.request.Request(url, data=body, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        result = ox.parse_query_results(resp.read(), format=ox.QueryResultsFormat.JSON)
    assert isinstance(result, ox.QuerySolutions)
    return sum(1 for _ in result)


def timed(run: Callable[[str], int], trials: list[str], warmup: int) -> tuple[list[float], int]:
    for iri in trials[:warmup]:
        run(iri)
    times, rows = [], 0
    for iri in trials:
        start = time.perf_counter()
        rows += run(iri)
        times.append((time.perf_counter() - start) * 1000)
    return times, rows


def wait_http(url: str, proc: subprocess.Popen[bytes], deadline_s: float = 120) -> None:
    until = time.monotonic() + deadline_s
    while time.monotonic() < until:
        if proc.poll() is not None:
            sys.exit(f"trialkg serve exited with code {proc.returncode}")
        try:
            http_rows(url, "SELECT * WHERE {} LIMIT 1")
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("trialkg serve did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    store = open_graph(args.build_dir)
    load_s = time.perf_counter() - started
    trials = sorted(r["trial"] for r in select(store, "list_trials") if "trial" in r)
    if not trials:
        sys.exit(f"{args.build_dir}: no trials in the build")
    sample = random.Random(args.seed).choices(trials, k=args.queries)
    print(f"build {args.build_dir}: {len(store)} quads, {len(trials)} trials (in-memory load {load_s:.2f} s)")
    print(f"{args.queries} related-candidate queries (+{args.warmup} warm-up), trials drawn with seed {args.seed}")

    results: dict[str, tuple[list[float], int]] = {}
    results["in-process"] = timed(
        lambda iri: len(select(store, "related_candidates", {"trial": ox.NamedNode(iri)})), sample, args.warmup
    )

    with store_location(args.build_dir) as location:
        port = free_port()
        server = start_server(location, port)
        try:
            url = f"http://127.0.0.1:{port}/query"
            wait_ready(server, url)
            results["oxigraph server"] = timed(lambda iri: http_rows(url, with_trial(iri)), sample, args.warmup)
        finally:
            stop_server(server)

    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "trialkg", "serve", "--graph", str(args.build_dir), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/query"
        wait_http(url, serve)
        results["trialkg serve"] = timed(lambda iri: http_rows(url, with_trial(iri)), sample, args.warmup)
    finally:
        serve.terminate()
        serve.wait(timeout=30)

    print(f"{'path':18} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'mean ms':>8} {'rows':>9}")
    for name, (times, rows) in results.items():
        q = statistics.quantiles(times, n=100)
        print(f"{name:18} {q[49]:8.2f} {q[94]:8.2f} {max(times):8.2f} {statistics.mean(times):8.2f} {rows:9d}")
    same = len({rows for _, rows in results.values()}) == 1
    print("same rows on every path" if same else "ROW COUNTS DIFFER between paths")


if __name__ == "__main__":
    main()
