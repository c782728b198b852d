"""Registry scale: build (worker path, end to end, refresh), export, store, load and query figures, fast vs naive.

The corpus is `benchmarks/scale_corpus.py`'s: real registry records as templates with conditions,
interventions, sponsors and sites renamed by a Zipf draw and MeSH ids remapped to tree siblings, in
the registry's bulk-download layout (one zip, one JSON file per study), so most entities are rare
and a few common, as in the registry.

Fast path: `trialkg build` (worker processes, compiled SHACL shapes, Oxigraph serialisers and
store), queries on the on-disk Oxigraph store in-process and through an `oxigraph` server.
Worker path: the build's "read, map, validate, serialise" step alone (no store, no joins).
Refresh: the build again into the same folder after 1% of the studies changed (the cache reuses
the other 99%). Baseline: with `--baseline-python`, the same builds by another installation of
trialkg (e.g. the code before a change), in the same run, for before/after ratios.
Naive path: the same N-Quads into trialkg's rdflib back end (`benchmarks/rdflib_baseline.py`, the
in-memory Dataset), rdflib's Turtle serialiser and SPARQL engine, the same query through the same
interface (run only up to --naive-max trials: at 100k it needs tens of GB).

    python benchmarks/scale.py --sizes 10000 100000 --work /tmp/trialkg-scale \
        [--baseline-python /path/to/old/venv/bin/python] [--no-queries]

Prints one table, sizes side by side, and the projection to the registry's 580,000 trials. Peak RSS
is the whole process tree's (parent + workers), sampled every 0.1 s from /proc; CPU seconds are the
tree's user + system time (steadier than wall time on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
REGISTRY = 580_000
RELATED_QUERY = (ROOT / "graph" / "trialkg" / "queries" / "related_by_shared_entities.rq").read_text()
TRIAL_CLASS = "https://w3id.org/trialkg/ontology#Trial"


# ------------------------------------------------------------------------------------------- corpus


def make_corpus(size: int, work: Path) -> Path:
    """The realistic corpus of `size` studies as a bulk zip (cached in `work`)."""
    from scale_corpus import write_zip

    path = work / f"corpus-{size}.zip"
    if not path.exists():
        work.mkdir(parents=True, exist_ok=True)
        write_zip(size, path)
    return path


# ------------------------------------------------------------------------------------------- measuring


def tree_rss(pid: int) -> int:
    """Resident memory of `pid` and all its descendants, in bytes."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, ()))
    return total


def run_measured(cmd: list[str], **kwargs) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run `cmd`; (result, wall seconds, peak RSS of its process tree); CPU seconds of the tree in CPU[-1]."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), time.perf_counter() - start, peak[0]


#: CPU seconds (user + system) of each run_measured call's process tree, the last one last.
CPU: list[float] = []


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2] * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).exists():
        raise SystemExit("the `oxigraph` server is not installed (pip install oxigraph)")
    return found


class OxigraphServer:
    """An `oxigraph serve` on loopback for the duration of a `with` block."""

    def __init__(self, location: Path, *, read_only: bool) -> None:
        self.port = free_port()
        command = "serve-read-only" if read_only else "serve"
        self.proc = subprocess.Popen(
            [oxigraph_binary(), command, "--location", str(location), "--bind", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> OxigraphServer:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/query?query=ASK%7B%7D", timeout=2).read()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("oxigraph server did not start")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def query(self, text: str) -> bytes:
        data = urllib.parse.urlencode({"query": text, "union-default-graph": ""}).encode()
        request = urllib.request.Request(
            self.url + "/query", data=data, headers={"Accept": "application/sparql-results+json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read()


def bound(query: str, trial: str) -> str:
    """The related query with ?trial fixed by a VALUES clause (trial IRIs come from our own store)."""
    assert re.fullmatch(r"https://w3id\.org/trialkg/trial/NCT\d{8}", trial)
    return query.replace("WHERE {", f"WHERE {{ VALUES ?trial {{ <{trial}> }}", 1)


# ------------------------------------------------------------------------------------------- steps


def fast_build(corpus: Path, out: Path, jobs: int, *, python: str = sys.executable, clean: bool = True) -> dict:
    """`trialkg build` of `corpus` into `out` in a new process (its start included); `clean`: a fresh folder."""
    if clean:
        shutil.rmtree(out, ignore_errors=True)
    result, seconds, peak = run_measured(
        [python, "-m", "trialkg", "build", str(corpus), "--out", str(out), "--jobs", str(jobs), "--json"]
    )
    if result.returncode not in (0, 1):
        raise SystemExit(f"build failed: {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    triples = sum(d["triples"] for d in report["documents"])
    return {
        "trials": report["trials"], "triples": triples, "seconds": seconds, "peak_rss": peak, "cpu": CPU[-1],
        "timings": report["timings"], "violations": report["shacl"]["violations"], "cache": report.get("cache", {}),
        "store_bytes": sum(f.stat().st_size for f in (out / "oxigraph").rglob("*") if f.is_file()),
        "sizes": {p.name: p.stat().st_size for p in out.glob("trialkg.*")},
    }  # fmt: skip


def refresh_build(corpus: Path, out: Path, jobs: int, share: float, check: bool) -> dict:
    """The build again into `out` (which holds the build of `corpus`) after `share` of the studies changed.

    The changed zip takes the corpus's path (the build reads the same input as a daily refresh would),
    then the original is put back. `check`: also a clean build of the changed corpus, compared byte for byte.
    """
    from scale_corpus import changed_copy

    original = corpus.with_name(corpus.name + ".orig")
    changed, count = changed_copy(corpus, corpus.with_name(corpus.name + ".changed"), share)
    corpus.replace(original)
    try:
        changed.replace(corpus)
        figures = fast_build(corpus, out, jobs, clean=False)
        if check:
            clean_out = out.with_name(out.name + "-clean")
            fast_build(corpus, clean_out, jobs)
            figures["identical_to_clean"] = identical(out, clean_out)
            shutil.rmtree(clean_out, ignore_errors=True)
    finally:
        original.replace(corpus)
    figures["changed"] = count
    return figures


def identical(one: Path, other: Path) -> bool:
    """Whether two build folders hold the same bytes in every published file."""
    names = sorted(p.name for p in one.iterdir() if p.is_file())
    return names == sorted(p.name for p in other.iterdir() if p.is_file()) and all(
        (one / n).read_bytes() == (other / n).read_bytes() for n in names
    )


def sample_trials(store_dir: Path, n: int) -> list[str]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_dir))
    trials = sorted(
        q.subject.value
        for q in store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                         ox.NamedNode(TRIAL_CLASS), None)
    )  # fmt: skip
    return random.Random(7).sample(trials, min(n, len(trials)))


def fast_queries(out: Path, trials: list[str], related_sample: int, ranked: bool) -> dict:
    import pyoxigraph as ox
    from trialkg.apps.related import load_entity_graph, related
    from trialkg.rdf.queries import select
    from trialkg.store.oxigraph import open_graph

    store = open_graph(out)
    latencies = []
    for trial in trials:
        start = time.perf_counter()
        select(store, "related_by_shared_entities", {"trial": ox.NamedNode(trial)})
        latencies.append(time.perf_counter() - start)
    figures = {"sparql_related": percentiles(latencies)}
    if not ranked:
        return figures
    start = time.perf_counter()
    eg = load_entity_graph(store)
    figures["entity_graph_seconds"] = time.perf_counter() - start
    ranked = []
    for trial in trials[:related_sample]:
        start = time.perf_counter()
        related(store, trial, top=10, entity_graph=eg)
        ranked.append(time.perf_counter() - start)
    figures["ranked_related"] = percentiles(ranked)
    return figures


def served_queries(out: Path, trials: list[str]) -> dict[str, tuple[float, float]]:
    """Related-query latency through the oxigraph server alone and through `trialkg serve` (its proxy)."""
    figures = {}
    with OxigraphServer(out / "oxigraph", read_only=True) as server:
        figures["oxigraph"] = _latencies(server, trials)
    with TrialkgServe(out) as server:
        figures["trialkg serve"] = _latencies(server, trials)
    return figures


def _latencies(server: OxigraphServer, trials: list[str]) -> tuple[float, float]:
    server.query(bound(RELATED_QUERY, trials[0]))  # warm-up
    latencies = []
    for trial in trials:
        start = time.perf_counter()
        server.query(bound(RELATED_QUERY, trial))
        latencies.append(time.perf_counter() - start)
    return percentiles(latencies)


class TrialkgServe(OxigraphServer):
    """`trialkg serve` on loopback (its proxy in front of `oxigraph serve-read-only`)."""

    def __init__(self, graph_dir: Path) -> None:  # noqa: D107 - same protocol as OxigraphServer
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "trialkg", "serve", "--graph", str(graph_dir), "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"


def server_load(out: Path, work: Path, *, http: bool) -> dict:
    """Seconds to load trialkg.nq into a running Oxigraph server (HTTP, Graph Store Protocol) and offline."""
    nq = out / "trialkg.nq"
    figures = {}
    location = work / "server-store"
    shutil.rmtree(location, ignore_errors=True)
    if not http:
        return _bulk_load(nq, location, figures)
    with OxigraphServer(location, read_only=False) as server:
        start = time.perf_counter()
        with open(nq, "rb") as body:
            request = urllib.request.Request(
                server.url + "/store", data=body, method="POST",
                headers={"Content-Type": "application/n-quads", "Content-Length": str(nq.stat().st_size)},
            )  # fmt: skip
            urllib.request.urlopen(request, timeout=3600).read()
        figures["http_seconds"] = time.perf_counter() - start
    return _bulk_load(nq, location, figures)


def _bulk_load(nq: Path, location: Path, figures: dict) -> dict:
    """Offline loads: trialkg's in-process loader (`trialkg load --oxigraph-location`) and the `oxigraph load` CLI."""
    from trialkg.store.oxigraph import load_store

    shutil.rmtree(location, ignore_errors=True)
    start = time.perf_counter()
    load_store(location, [nq], lambda store: None)
    figures["trialkg_bulk_seconds"] = time.perf_counter() - start
    shutil.rmtree(location, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(nq)], check=True,
                   capture_output=True)  # fmt: skip
    figures["bulk_seconds"] = time.perf_counter() - start
    shutil.rmtree(location, ignore_errors=True)
    return figures


NAIVE_SCRIPT = r"""
import json, sys, time, rdflib
from rdflib_baseline import RdflibBackend
nq, ttl, trials = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
query = open(sys.argv[4]).read()
start = time.perf_counter()
backend = RdflibBackend()
backend.load_nquads(nq)
parse = time.perf_counter() - start
quads = len(backend)
graph = rdflib.Graph()
for s, p, o, _g in backend.dataset.quads((None, None, None, None)):
    graph.add((s, p, o))
serialize = None
if len(graph) <= int(sys.argv[5]):  # rdflib's Turtle serialiser slows down badly on big graphs
    start = time.perf_counter()
    graph.serialize(ttl, format="turtle")
    serialize = time.perf_counter() - start
lat = []
for t in trials:
    start = time.perf_counter()
    backend.select(query, {"trial": t})
    lat.append(time.perf_counter() - start)
print(json.dumps({"parse": parse, "quads": quads, "turtle": serialize, "latencies": lat}))
"""


def naive_path(out: Path, work: Path, trials: list[str], turtle_max: int) -> dict:
    script = work / "naive.py"
    script.write_text(NAIVE_SCRIPT)
    query_file = work / "related.rq"
    query_file.write_text(RELATED_QUERY)
    result, seconds, peak = run_measured(
        [sys.executable, str(script), str(out / "trialkg.nq"), str(work / "naive.ttl"), json.dumps(trials),
         str(query_file), str(turtle_max)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "benchmarks"), os.environ.get("PYTHONPATH")]))},
    )  # fmt: skip
    if result.returncode:
        return {"error": result.stderr[-500:]}
    figures = json.loads(result.stdout)
    figures["peak_rss"] = peak
    figures["sparql_related"] = percentiles(figures.pop("latencies"))
    return figures


# ------------------------------------------------------------------------------------------- report


def mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def ms(pair: tuple[float, float]) -> str:
    return f"{pair[0]:.1f} / {pair[1]:.1f} ms"


WORKER_STEP = "read, map, validate, serialise"


def _steps(timings: dict[str, float]) -> tuple[float, float, float]:
    """(worker path, joining the exports, the store) seconds of a build's timings."""
    exports = sum(v for k, v in timings.items() if k.startswith("export") or k == "shared-node triples")
    return timings[WORKER_STEP], exports, timings["store load + merge check"]


def rows(results: dict[int, dict]) -> Iterator[tuple[str, ...]]:
    sizes = sorted(results)

    def row(label: str, get) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
        cells = []
        for size in sizes:
            try:
                cells.append(get(results[size]))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("-")
        return (label, *cells)

    def worker(b: dict) -> float:
        return b["trials"] / b["timings"][WORKER_STEP]

    def e2e(b: dict) -> float:
        return b["trials"] / b["seconds"]

    yield ("", *(f"{s:,} trials" for s in sizes))
    yield row("triples", lambda r: f"{r['build']['triples']:,}")
    yield row(
        "FAST build wall time (process start, read+map+SHACL+export+store)", lambda r: f"{r['build']['seconds']:.1f} s"
    )
    yield row("  end to end trials/s", lambda r: f"{e2e(r['build']):,.0f}")
    yield row("  worker path trials/s (read, link, criteria, map, validate, serialise)",
              lambda r: f"{worker(r['build']):,.0f}")  # fmt: skip
    yield row(
        "  CPU ms per trial (process tree, user+system)",
        lambda r: f"{1000 * r['build']['cpu'] / r['build']['trials']:.1f}",
    )
    yield row("  triples/s", lambda r: f"{r['build']['triples'] / r['build']['seconds']:,.0f}")
    yield row("  peak RSS (all processes)", lambda r: mb(r["build"]["peak_rss"]))
    yield row("BASELINE build (--baseline-python) wall time", lambda r: f"{r['baseline']['seconds']:.1f} s")
    yield row("  end to end trials/s", lambda r: f"{e2e(r['baseline']):,.0f}")
    yield row("  worker path trials/s", lambda r: f"{worker(r['baseline']):,.0f}")
    yield row("  CPU ms per trial", lambda r: f"{1000 * r['baseline']['cpu'] / r['baseline']['trials']:.1f}")
    yield row("  peak RSS (all processes)", lambda r: mb(r["baseline"]["peak_rss"]))
    yield row("  same output bytes as FAST", lambda r: "yes" if r["baseline"]["identical"] else "NO")
    yield row("FAST / BASELINE end to end", lambda r: f"{e2e(r['build']) / e2e(r['baseline']):.2f}x")
    yield row("FAST / BASELINE worker path", lambda r: f"{worker(r['build']) / worker(r['baseline']):.2f}x")
    yield row("ONE worker (--jobs 1) worker path trials/s", lambda r: f"{worker(r['one_worker']):,.0f}")
    yield row("  all workers / one worker", lambda r: f"{worker(r['build']) / worker(r['one_worker']):.2f}x")
    yield row("REFRESH after 1% changed: wall time", lambda r: f"{r['refresh']['seconds']:.1f} s "
              f"({r['refresh']['changed']:,} studies changed)")  # fmt: skip
    yield row(
        "  share of the full build's time", lambda r: f"{100 * r['refresh']['seconds'] / r['build']['seconds']:.1f}%"
    )
    yield row(
        "  documents reused / redone",
        lambda r: f"{r['refresh']['cache']['reused']:,} / {r['refresh']['cache']['redone']:,}",
    )
    yield row("  worker path / exports / store", lambda r: " / ".join(
        f"{v:.1f} s" for v in _steps(r["refresh"]["timings"])))  # fmt: skip
    yield row("  byte-identical to a clean build", lambda r: "yes" if r["refresh"]["identical_to_clean"] else "NO")
    yield row(f"PROJECTED full build, {REGISTRY:,} trials", lambda r: f"{REGISTRY / e2e(r['build']) / 60:,.0f} min")
    yield row(f"  baseline, {REGISTRY:,} trials", lambda r: f"{REGISTRY / e2e(r['baseline']) / 60:,.0f} min")
    yield row(f"PROJECTED refresh (1%), {REGISTRY:,} trials",
              lambda r: f"{r['refresh']['seconds'] * REGISTRY / r['build']['trials'] / 60:,.1f} min")  # fmt: skip
    yield row("  SHACL violations", lambda r: str(r["build"]["violations"]))
    for step in ("read, map, validate, serialise", "export nq", "shared-node triples", "export nt", "export ttl",
                 "export jsonld", "store load + merge check"):  # fmt: skip
        yield row(f"  {step}", lambda r, step=step: f"{r['build']['timings'][step]:.1f} s")
    yield row("  store on disk", lambda r: mb(r["build"]["store_bytes"]))
    yield row("  trialkg.nq / .ttl / .jsonld", lambda r: " / ".join(
        mb(r["build"]["sizes"][f"trialkg.{x}"]) for x in ("nq", "ttl", "jsonld")))  # fmt: skip
    yield row("load into oxigraph server (HTTP POST)", lambda r: f"{r['load']['http_seconds']:.1f} s"
              if "http_seconds" in r["load"] else "not run")  # fmt: skip
    yield row("load in-process (`trialkg load --oxigraph-location`)",
              lambda r: f"{r['load']['trialkg_bulk_seconds']:.1f} s")  # fmt: skip
    yield row("load with `oxigraph load` (offline bulk)", lambda r: f"{r['load']['bulk_seconds']:.1f} s")
    yield row("related SPARQL in-process p50/p95", lambda r: ms(r["queries"]["sparql_related"]))
    yield row("related SPARQL via oxigraph server p50/p95", lambda r: ms(r["served"]["oxigraph"]))
    yield row("related SPARQL via `trialkg serve` p50/p95", lambda r: ms(r["served"]["trialkg serve"]))
    yield row("ranked `related` entity graph load", lambda r: f"{r['queries']['entity_graph_seconds']:.1f} s")
    yield row("ranked `related` p50/p95", lambda r: ms(r["queries"]["ranked_related"]))
    yield row("NAIVE rdflib parse N-Quads", lambda r: f"{r['naive']['parse']:.1f} s "
              f"({r['naive']['quads'] / r['naive']['parse']:,.0f} quads/s)")  # fmt: skip
    yield row("  rdflib Turtle export", lambda r: "not run (too slow)" if r["naive"]["turtle"] is None
              else f"{r['naive']['turtle']:.1f} s")  # fmt: skip
    yield row("  peak RSS", lambda r: mb(r["naive"]["peak_rss"]))
    yield row("  related SPARQL p50/p95", lambda r: ms(r["naive"]["sparql_related"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/trialkg-scale"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--naive-max", type=int, default=10000, help="largest size the rdflib path runs at")
    parser.add_argument("--naive-turtle-max", type=int, default=500_000,
                        help="largest graph (triples) rdflib's Turtle serialiser is timed on")  # fmt: skip
    parser.add_argument("--queries", type=int, default=200, help="trials sampled for query latency")
    parser.add_argument("--ranked", type=int, default=50, help="trials sampled for ranked `related` latency")
    parser.add_argument("--ranked-max", type=int, default=100000,
                        help="largest size ranked `related` runs at (its entity graph is in memory)")  # fmt: skip
    parser.add_argument("--baseline-python", help="the python of another trialkg installation, built the same way")
    parser.add_argument("--one-worker-max", type=int, default=10_000, help="largest size also built with --jobs 1")
    parser.add_argument("--check-refresh-max", type=int, default=10_000,
                        help="largest size whose refresh is compared with a clean build, byte for byte")  # fmt: skip
    parser.add_argument("--no-queries", action="store_true", help="builds only: no query, server or load figures")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--resume", type=Path, help="figures of an earlier run (--json): its sizes are not re-run")
    parser.add_argument("--queries-large", type=int, default=50, help="query sample above 10k trials")
    parser.add_argument("--http-load-max", type=int, default=10000,
                        help="largest size loaded over HTTP (at ~27k quads/s it takes half an hour at 100k)")  # fmt: skip
    args = parser.parse_args()
    results: dict[int, dict] = {}
    if args.resume and args.resume.exists():  # sizes measured by an earlier run are kept as they are
        results = {int(k): v for k, v in json.loads(args.resume.read_text()).items()}
    samples: dict[int, list[str]] = {}
    for size in args.sizes:  # the fast path at every size first: the naive one can take very long
        out = args.work / f"out-{size}"
        queries = args.queries if size <= 10_000 else args.queries_large
        if size in results:
            samples[size] = sample_trials(out / "oxigraph", queries)
            continue
        print(f"== {size:,} trials", file=sys.stderr, flush=True)
        corpus = make_corpus(size, args.work)
        r: dict = {"build": fast_build(corpus, out, args.jobs)}
        print(f"   built: {json.dumps(r['build'])}", file=sys.stderr, flush=True)
        if args.baseline_python:
            base_out = args.work / f"out-{size}-baseline"
            r["baseline"] = fast_build(corpus, base_out, args.jobs, python=args.baseline_python)
            r["baseline"]["identical"] = identical(out, base_out)
            shutil.rmtree(base_out, ignore_errors=True)
            print(f"   baseline: {json.dumps(r['baseline'])}", file=sys.stderr, flush=True)
        if size <= args.one_worker_max:
            one_out = args.work / f"out-{size}-one"
            r["one_worker"] = fast_build(corpus, one_out, 1)
            shutil.rmtree(one_out, ignore_errors=True)
        r["refresh"] = refresh_build(corpus, out, args.jobs, 0.01, check=size <= args.check_refresh_max)
        print(f"   refreshed: {json.dumps(r['refresh'])}", file=sys.stderr, flush=True)
        samples[size] = sample_trials(out / "oxigraph", queries)
        if not args.no_queries:
            r["queries"] = fast_queries(out, samples[size], args.ranked, size <= args.ranked_max)
            print(f"   queried in-process: {json.dumps(r['queries'])}", file=sys.stderr, flush=True)
            r["served"] = served_queries(out, samples[size])
            r["load"] = server_load(out, args.work, http=size <= args.http_load_max)
        results[size] = r
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    for size in [s for s in args.sizes if s <= args.naive_max and s in samples]:
        print(f"== naive path, {size:,} trials", file=sys.stderr, flush=True)
        results[size]["naive"] = naive_path(
            args.work / f"out-{size}", args.work, samples[size][:20], args.naive_turtle_max
        )
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    table = list(rows(results))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    print(f"\n{os.cpu_count()} CPU cores; build --jobs {args.jobs}; python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
