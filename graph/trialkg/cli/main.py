"""The `trialkg` command: a thin layer over the library. Exit codes as pySHACL: 0 ok, 1 not conforming, 2 error."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import click
import pyoxigraph as ox
from tqdm import tqdm

from trialkg import __version__
from trialkg.apps.related import DEFAULT_SCORER, RELATED_GRAPH, SCORERS, related, write_related_exports, write_relations
from trialkg.cache import CACHE_DIR
from trialkg.cli.common import DEFAULT_OUT, errors_exit_2, graph_option, json_option, one_line, print_json
from trialkg.cli.load import load_command
from trialkg.cli.output import MAX_COLUMN, cut, record_lines, table
from trialkg.cli.serve import serve_command
from trialkg.errors import TrialkgError
from trialkg.pipeline import DocumentReport, build_documents, resolve_inputs, source_names
from trialkg.rdf import iri
from trialkg.rdf.readback import list_trials, read_trial, resolve_trial
from trialkg.store import export
from trialkg.store.counts import graph_counts
from trialkg.store.oxigraph import open_graph


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trialkg")
def main() -> None:
    """Clinical-trial documents in, a validated linked-data knowledge graph out."""


@main.command()
@click.argument("inputs", nargs=-1)
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True,
    help="Folder the graph, its exports and the reports are written to.",
)  # fmt: skip
@click.option(
    "--format", "formats", type=click.Choice(export.FORMATS), multiple=True,
    help="Export format(s) to write (repeatable). Default: all of nq, nt, ttl, jsonld.",
)  # fmt: skip
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), default=None,
    help="Worker processes for reading, mapping and validating (default: one per CPU core).",
)  # fmt: skip
@click.option(
    "--shard-size", type=click.IntRange(min=1), default=None,
    help="Write the N-Quads as trialkg-00001.nq, ... of at most this many quads each (for bulk loaders).",
)  # fmt: skip
@click.option(
    "--mesh", "mesh", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None, metavar="FILE",
    help="An NLM MeSH descriptor file (desc20XX.xml or the MeSH RDF N-Triples, may be gzipped): its names and "
    "entry terms join the shipped lexicon for this build.",
)  # fmt: skip
@click.option("--include", "include", multiple=True, metavar="GLOB",
              help="In folders, read only files matching GLOB (on the name, or the path below the folder if it "
              "holds a /; repeatable), e.g. --include '*.json'.")  # fmt: skip
@click.option("--exclude", "exclude", multiple=True, metavar="GLOB",
              help="In folders, leave out files matching GLOB (repeatable), e.g. --exclude 'raw/*'.")  # fmt: skip
@click.option(
    "--clean", is_flag=True,
    help="Redo every document: forget the work a previous build into --out kept (by default a document that did "
    "not change, under the same trialkg, ontology, shapes and lexicon, is not read again).",
)  # fmt: skip
@click.option(
    "--scheduler", metavar="ADDRESS", default=None,
    help="Run the per-document work on the Dask distributed cluster whose scheduler is at ADDRESS "
    "(e.g. tcp://10.0.0.5:8786) instead of local worker processes; the workers must see the inputs and --out "
    "at the same paths.",
)  # fmt: skip
@click.option("--verbose", "-v", is_flag=True, help="List every document read, not only the failed ones.")
@json_option
@errors_exit_2
def build(
    inputs: tuple[str, ...], out_dir: Path, formats: tuple[str, ...], jobs: int | None, shard_size: int | None,
    mesh: Path | None, include: tuple[str, ...], exclude: tuple[str, ...], clean: bool, scheduler: str | None,
    verbose: bool, as_json: bool,
) -> None:  # fmt: skip
    """Build the graph from INPUTS: files, folders or globs (none: the bundled sample documents).

    Reads each document, maps it to RDF, validates it with the SHACL shapes and writes Turtle,
    JSON-LD and N-Triples (the merged graph, each trial once) and N-Quads (the same, plus what
    each source stated of a trial several documents describe, in that source's named graph)
    under --out, with an Oxigraph store (oxigraph/) that the query commands read. A document
    that cannot be read is reported and left out; the exit code is then 1. In folders, files whose
    content is not a trial document (READMEs, id lists, search feeds) are listed as skipped.
    """
    started = time.perf_counter()
    paths, missing = resolve_inputs(list(inputs), include=include, exclude=exclude)
    with tqdm(
        total=len(paths), unit="doc", desc="building", file=sys.stderr, disable=not sys.stderr.isatty(),
        dynamic_ncols=True,
    ) as bar:  # fmt: skip
        trials = 0

        def advance(doc: DocumentReport) -> None:
            nonlocal trials
            trials += len(doc.trials)
            rate = trials / max(time.perf_counter() - started, 1e-9)
            bar.set_postfix_str(f"{trials} trials, {rate:,.0f} trials/s", refresh=False)
            bar.update(1)

        report = build_documents(
            paths, out_dir, missing=missing, formats=formats or export.FORMATS,
            progress=advance, jobs=jobs or os.cpu_count() or 1, shard_size=shard_size, mesh=mesh,
            names=source_names(inputs, paths), clean=clean, scheduler=scheduler,
        )  # fmt: skip
    elapsed = time.perf_counter() - started
    if as_json:
        print_json({
            **report.to_json(), "written": [str(p) for p in report.written], "kept_previous": report.kept_previous,
            "timings": report.timings, "cache": report.cache,
        })  # fmt: skip
    else:
        listed = verbose or len(report.documents) <= 50
        for doc in report.documents:
            for problem in [doc.error] if doc.error else doc.record_errors:
                click.echo(f"FAILED  {one_line(problem)}", err=True)
            for warning in doc.warnings:
                click.echo(f"warning {one_line(warning)}", err=True)
            if doc.skipped:
                if listed:
                    click.echo(f"skipped {one_line(doc.file)}: {doc.skipped}")
            elif not doc.error and not doc.trials and doc.record_errors:  # e.g. a zip whose every member failed
                if len(doc.record_errors) > 1:
                    click.echo(
                        f"FAILED  {one_line(doc.file)}: no trial read, all {len(doc.record_errors)} failed", err=True
                    )
            elif not doc.error and listed:
                click.echo(
                    f"ok      {one_line(doc.file)} [{doc.format}] {len(doc.trials)} trial(s), {doc.triples} triples"
                )
        skipped = f", {len(report.skipped)} skipped (not trial documents)" if report.skipped else ""
        click.echo(
            f"read {len(report.documents) - len(report.skipped)} documents ({len(report.failed)} failed{skipped}) "
            f"in {elapsed:.2f} s "
            f"({report.trial_count / max(elapsed, 1e-9):,.0f} trials/s)"
        )
        if report.counts:
            click.echo(f"graph: {report.counts.summary()}")
        click.echo(report.summary())
        if report.cache.get("reused"):
            click.echo(
                f"reused the work of {report.cache['reused']} unchanged documents from {out_dir / CACHE_DIR} "
                f"(redid {report.cache['redone']}; --clean redoes all)"
            )
        if report.conflicts:
            with_conflicts = [c for c in report.conflicts if c["conflicts"]]
            click.echo(
                f"merged {len(report.conflicts)} trials read from several documents; "
                f"{len(with_conflicts)} with conflicting values (see {out_dir / 'conflicts.json'})"
            )
        if report.kept_previous:
            click.echo(f"no trial was read: nothing written, the previous output in {out_dir} is kept", err=True)
        else:
            click.echo("wrote " + ", ".join(str(p) for p in report.written))
    sys.exit(report.exit_code)


@main.command(name="list")
@graph_option
@json_option
@errors_exit_2
def list_command(graph_dir: Path, as_json: bool) -> None:
    """List the trials in a built graph (then, on stderr, what the graph holds)."""
    store = open_graph(graph_dir)
    trials = list_trials(store)
    if as_json:
        print_json(trials)
        return
    for t in trials:
        title, sources = one_line(t["brief_title"] or "(no title)"), one_line(", ".join(t["sources"]))
        click.echo(f"{t['nct_id'] or '-':12} {title}  [{sources}]")
        if not t["nct_id"]:
            click.echo(f"{'':12} id: {t['id']}")
    click.echo(graph_counts(store).summary(), err=True)


@main.command()
@click.argument("ident", metavar="ID")
@graph_option
@json_option
@errors_exit_2
def show(ident: str, graph_dir: Path, as_json: bool) -> None:
    """Show one trial (ID: an NCT id or a trial IRI), read back out of the graph."""
    store = open_graph(graph_dir)
    record = read_trial(store, resolve_trial(store, ident))
    if as_json:
        print_json(record)
        return
    for line in record_lines(record):
        click.echo(line)


@main.command(name="related")
@click.argument("ident", metavar="[ID]", required=False)
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="How many related trials.")
@click.option("--scorer", type=click.Choice(SCORERS), default=DEFAULT_SCORER, show_default=True,
              help="Ranking method (see benchmarks/related_eval.py for how they compare).")  # fmt: skip
@click.option("--all", "all_trials", is_flag=True,
              help="Rank every trial; write the relations into the graph (named graph …/graph/related).")  # fmt: skip
@graph_option
@json_option
@errors_exit_2
def related_command(ident: str | None, top: int, scorer: str, all_trials: bool, graph_dir: Path, as_json: bool) -> None:
    """The trials most related to ID (an NCT id or a trial IRI), ranked, each with what it shares."""
    store = open_graph(graph_dir, writable=all_trials)
    if all_trials:
        trials, relations = write_relations(store, top=top, scorer=scorer)
        written = write_related_exports(store, graph_dir)
        summary = {
            "trials": trials,
            "relations": relations,
            "graph": RELATED_GRAPH,
            "written": [str(p) for p in written],
        }
        print_json(summary) if as_json else click.echo(
            f"ranked {trials} trials: {relations} relations in <{RELATED_GRAPH}> (in the store); wrote "
            + ", ".join(map(str, written))
        )
        return
    if not ident:
        raise TrialkgError("give a trial ID (an NCT id or a trial IRI), or --all")
    ranking = related(store, resolve_trial(store, ident), top=top, scorer=scorer)
    if as_json:
        print_json([r.to_json() for r in ranking])
        return
    if not ranking:
        click.echo(
            f"{ident}: no other trial in the graph shares a condition, intervention, sponsor, paper, site or title word"
        )
    for r in ranking:
        click.echo(f"{r.rank:>2}. {r.nct_id or r.id}  score {r.score:.3f}  {one_line(r.brief_title or '(no title)')}")
        reasons = one_line("; ".join(f"{s.kind.replace('_', ' ')}: {s.label}" for s in r.shared[:8]))
        more = f"; +{len(r.shared) - 8} more" if len(r.shared) > 8 else ""
        click.echo(f"    shares {reasons}{more}")


@main.command()
@click.argument("ident", metavar="ID")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="How many related trials.")
@click.option("--scorer", type=click.Choice(SCORERS), default=DEFAULT_SCORER, show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PNG file to write (default: related-<ID>.png in the graph folder).")  # fmt: skip
@graph_option
@errors_exit_2
def plot(ident: str, top: int, scorer: str, out_path: Path | None, graph_dir: Path) -> None:
    """Draw a trial, its most related trials and what they share as a network picture (PNG)."""
    from trialkg.apps.plot import plot_related

    store = open_graph(graph_dir)
    trial = resolve_trial(store, ident)
    name = (ident if ident.upper().startswith("NCT") else trial.rsplit("/", 1)[-1]).upper()
    path = plot_related(store, trial, out_path or graph_dir / f"related-{name}.png", top=top, scorer=scorer)
    click.echo(f"wrote {path}")


# ---------------------------------------------------------------- match (issue 7: criteria constraints)


def _finite(value: float | None) -> float | None:
    """click's FloatRange lets nan through (every comparison with it is false)."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of years")
    return value


@main.command(name="match")
@click.option("--age", type=click.FloatRange(min=0, max=130), default=None, callback=lambda ctx, param, v: _finite(v),
              help="The patient's age in years.")  # fmt: skip
@click.option("--sex", type=click.Choice(["female", "male"], case_sensitive=False), default=None)
@click.option("--condition", "conditions", multiple=True,
              help="A condition the patient has (repeatable); only trials studying it are listed.")  # fmt: skip
@click.option("--measure", "measures", multiple=True, metavar="NAME=VALUE [UNIT]",
              help='A measured value, e.g. "SLEDAI=10" or "proteinuria=0.8 g/d" (repeatable).')  # fmt: skip
@click.option("--taking", multiple=True, help="A treatment the patient takes or took (repeatable).")
@click.option("--all", "show_all", is_flag=True, help="Also list the trials whose criteria exclude the patient.")
@graph_option
@json_option
@errors_exit_2
def match_command(
    age: float | None, sex: str | None, conditions: tuple[str, ...], measures: tuple[str, ...],
    taking: tuple[str, ...], show_all: bool, graph_dir: Path, as_json: bool,
) -> None:  # fmt: skip
    """Trials whose structured eligibility criteria do not exclude a patient, with the criteria that decided."""
    from trialkg.apps.match import Patient, Verdict, match, parse_measure

    patient = Patient(age=age, sex=sex.lower() if sex else None, conditions=conditions,
                      measures=tuple(parse_measure(m) for m in measures), taking=taking)  # fmt: skip
    results = [r for r in match(open_graph(graph_dir), patient) if show_all or r.verdict is not Verdict.EXCLUDED]
    if as_json:
        print_json([r.to_json() for r in results])
        return
    if not results:
        click.echo("no trial in the graph matches (try --all to see the excluding criteria)")
    for r in results:
        click.echo(f"{r.verdict.value:9} {r.nct_id or r.id}  {one_line(r.brief_title or '(no title)')}")
        for text in r.because:
            click.echo(f"    {'excluded by' if r.verdict is Verdict.EXCLUDED else 'meets'}: {one_line(cut(text, 100))}")
        for text in r.not_excluded_by:
            click.echo(f"    not excluded by: {one_line(cut(text, 100))}")
        if r.not_judged:
            click.echo(f"    not judged: {len(r.not_judged)} criteria (the profile does not say)")


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--engine", type=click.Choice(["pyshacl", "compiled"]), default="pyshacl", show_default=True,
              help="pyshacl: the reference SHACL engine; compiled: the fast checks the build runs.")  # fmt: skip
@graph_option
@json_option
@errors_exit_2
def validate(files: tuple[Path, ...], engine: str, graph_dir: Path, as_json: bool) -> None:
    """Validate a built graph (or RDF FILES) against the SHACL shapes. Exit 0 conforms, 1 not, 2 error."""
    from trialkg.cli.validate import run_validate

    sys.exit(run_validate(list(files), graph_dir, as_json=as_json, engine=engine))


QUERY_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
                 "json": ox.QueryResultsFormat.JSON}  # fmt: skip


@main.command()
@click.argument("query")
@graph_option
@click.option("--endpoint", default=None, metavar="URL",
              help="Query this SPARQL endpoint (e.g. `trialkg serve`'s) instead of the built graph.")  # fmt: skip
@click.option("--update", "allow_update", is_flag=True,
              help="Allow a SPARQL update (INSERT/DELETE/...) and persist it; refused without this flag.")  # fmt: skip
@click.option("--format", "out_format", type=click.Choice(["table", *QUERY_FORMATS]), default=None,
              help="SELECT results as a table (default, IRIs shortened to CURIEs, long cells cut with …), SPARQL "
              "JSON, CSV or TSV (whole values, for other tools). CONSTRUCT/DESCRIBE print N-Triples.")  # fmt: skip
@click.option("--allow-service", is_flag=True,
              help="Allow SERVICE (a federated query: the query engine fetches the URLs it names); refused without "
              "this flag.")  # fmt: skip
@json_option
@errors_exit_2
def query(
    query: str,
    graph_dir: Path,
    endpoint: str | None,
    allow_update: bool,
    out_format: str | None,
    allow_service: bool,
    as_json: bool,
) -> None:
    """Run a SPARQL query (text, or a .rq file) over the built graph (its merged default graph). Read-only
    unless --update is given (with --endpoint, give the store's update URL then)."""
    from trialkg.store import sparql

    if as_json and out_format not in (None, "json"):
        raise click.UsageError("--json is --format json; give one of them")
    out_format = "json" if as_json else out_format or "table"
    path = Path(query)
    text = path.read_text(encoding="utf-8") if query.endswith(".rq") and path.is_file() else query
    if allow_update and sparql.operation_kind(text) == "update":
        if endpoint:
            sparql.update_remote(endpoint, text)
            click.echo(f"update applied at {endpoint}")
        else:
            written = sparql.update_local(graph_dir, text)
            click.echo("update applied; rewrote " + (", ".join(map(str, written)) or "nothing"))
        return
    result = (
        sparql.run_remote(endpoint, text, allow_service=allow_service)
        if endpoint
        else sparql.run_local(graph_dir, text, allow_service=allow_service)
    )
    if isinstance(result, ox.QueryBoolean):
        answer = bool(result)
        click.echo(json.dumps({"head": {}, "boolean": answer}) if out_format == "json" else str(answer).lower())
    elif isinstance(result, ox.QuerySolutions):
        if out_format == "table":
            _print_table(result)
            return
        data = result.serialize(format=QUERY_FORMATS[out_format])
        assert isinstance(data, bytes)
        if out_format == "json":
            click.echo(json.dumps(json.loads(data), indent=2, ensure_ascii=False))
        else:
            click.echo(data.decode("utf-8"), nl=False)
    else:
        data = result if isinstance(result, bytes) else ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
        assert isinstance(data, bytes)
        click.echo(data.decode("utf-8"), nl=False)


def _print_table(solutions: ox.QuerySolutions) -> None:
    names = [v.value for v in solutions.variables]
    rows = [[_cell(s[n]) for n in names] for s in solutions]
    for line in table(names, rows):
        click.echo(line)
    cut_cells = any(len(c) > MAX_COLUMN for r in rows for c in r)
    click.echo(f"({len(rows)} rows" + ("; cells cut with …, --format tsv shows them whole)" if cut_cells else ")"))


def _cell(term: Any) -> str:
    """A term as the table shows it: an IRI as a CURIE of the project's prefixes where one fits, a literal's text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in _TABLE_PREFIXES:
            if term.value.startswith(namespace) and len(term.value) > len(namespace):
                return f"{prefix}:{term.value[len(namespace) :]}"
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term.value)


#: (prefix, namespace), longest namespace first, for the query table's CURIEs.
_TABLE_PREFIXES = sorted(iri.PREFIXES.items(), key=lambda item: -len(item[1]))


@main.command()
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("output/ontology.png"), show_default=True, help="PNG file to write.")  # fmt: skip
@errors_exit_2
def diagram(out_path: Path) -> None:
    """Draw the ontology (classes, their fields, object properties) as a PNG picture."""
    from trialkg.rdf.diagram import render_png
    from trialkg.resources import ontology_graph

    out_path.parent.mkdir(parents=True, exist_ok=True)
    renderer = render_png(ontology_graph(), out_path)
    click.echo(f"wrote {out_path} (drawn with {renderer})")


@main.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="The trialkg source checkout.")  # fmt: skip
@click.option("--check", is_flag=True, help="Only report drift (exit 1), write nothing.")
@errors_exit_2
def gen(root: Path, check: bool) -> None:
    """Regenerate context.jsonld, vocab.py and docs/ontology.dot from ontology/trialkg.ttl."""
    from trialkg.rdf.gen import generated_files, write_generated

    if check:
        stale = [p for p, text in generated_files(root).items() if not p.exists() or p.read_text("utf-8") != text]
        for p in stale:
            click.echo(f"out of date: {p}")
        sys.exit(1 if stale else 0)
    for p in write_generated(root):
        click.echo(f"wrote {p}")


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="TSV file to write (default: the package's data/mesh_lexicon.tsv in this checkout).")  # fmt: skip
@errors_exit_2
def lexicon(folders: tuple[Path, ...], out_path: Path | None) -> None:
    """Regenerate the MeSH lexicon from registry records in FOLDERS (their MeSH browse modules' pairings)."""
    from trialkg.normalize.make_lexicon import DEFAULT_OUT, make_lexicon

    trials, rows = make_lexicon(list(folders), out_path or DEFAULT_OUT)
    click.echo(f"{trials} trials -> {rows} rows in {out_path or DEFAULT_OUT}", err=True)


main.add_command(serve_command)
main.add_command(load_command)

if __name__ == "__main__":
    main()
