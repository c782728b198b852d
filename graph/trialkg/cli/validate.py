"""`trialkg validate`: a built graph or RDF files against the shapes, reported by trial."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import click
import rdflib

from trialkg.apps.related import RELATED_FILES
from trialkg.errors import TrialkgError
from trialkg.store.export import RDFLIB_PARSERS, rdflib_parser
from trialkg.store.oxigraph import QUADS_FILE, quad_files
from trialkg.validate import compiled as compiled_shapes
from trialkg.validate.results import ShaclResult, field_of, is_violation, sort_key, validate_graph


def load_graphs(files: list[Path]) -> tuple[rdflib.Graph, list[rdflib.Graph]]:
    """(everything as one graph, the graphs to validate one by one).

    Named graphs (N-Quads, TriG) are validated each on its own: a build keeps one per source
    document, and two sources that disagree about a trial are a conflict to report, not a
    violation. Triples outside named graphs are validated together.
    """
    union = rdflib.Graph()
    separate: list[rdflib.Graph] = []
    plain = rdflib.Graph()
    for path in files:
        fmt = rdflib_parser(path)
        if fmt is None:
            raise TrialkgError(f"{path}: unknown RDF format (expected one of {', '.join(RDFLIB_PARSERS)})")
        try:
            if fmt in ("nquads", "trig"):
                ds = rdflib.Dataset()
                ds.parse(path, format=fmt)
                by_graph: dict[rdflib.term.Node, rdflib.Graph] = defaultdict(rdflib.Graph)
                for s, p, o, g in ds.quads((None, None, None, None)):
                    union.add((s, p, o))
                    target = plain if g is None or g == rdflib.graph.DATASET_DEFAULT_GRAPH_ID else by_graph[g]
                    target.add((s, p, o))
                separate.extend(by_graph[g] for g in sorted(by_graph, key=str))
            else:
                graph = rdflib.Graph().parse(path, format=fmt)
                for triple in graph:
                    union.add(triple)
                    plain.add(triple)
        except Exception as exc:  # noqa: BLE001 - rdflib raises many kinds for bad syntax
            raise TrialkgError(f"{path}: not valid {fmt}: {exc}") from exc
    if len(plain):
        separate.append(plain)
    return union, separate


def run_validate(files: list[Path], graph_dir: Path, *, as_json: bool, engine: str = "pyshacl") -> int:
    """Validate and print the report; returns the exit code (0 conforms, 1 violations)."""
    if not files:
        files = quad_files(graph_dir)
        if not files:
            raise TrialkgError(f"{graph_dir}: no built graph here ({QUADS_FILE} is missing); run `trialkg build`")
        if (graph_dir / RELATED_FILES["nq"]).is_file():
            files.append(graph_dir / RELATED_FILES["nq"])
    data, graphs = load_graphs(files)
    check = validate_graph if engine == "pyshacl" else lambda graph: compiled_shapes.validate(list(graph))
    results = sorted({r for graph in graphs for r in check(graph)}, key=sort_key)
    violations = sum(1 for r in results if is_violation(r))
    context = _trial_context(data)
    if as_json:
        click.echo(json.dumps({
            "conforms": violations == 0,
            "violations": violations,
            "results": [{**r.__dict__, "field": field_of(r), **context.get(r.focus, {})} for r in results],
        }, indent=2, ensure_ascii=False))  # fmt: skip
    else:
        _print_report(results, context)
        click.echo(f"{'conforms' if violations == 0 else 'does NOT conform'}: "
                   f"{violations} violations, {len(results) - violations} other results")  # fmt: skip
    return 0 if violations == 0 else 1


def _trial_context(data: rdflib.Graph) -> dict[str, dict[str, str | None]]:
    """For every node, the trial it belongs to (NCT id) and the source document's file name."""
    rows = data.query(
        """
        PREFIX trialkg: <https://w3id.org/trialkg/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?node ?trial ?nct ?file WHERE {
          ?trial a trialkg:Trial .
          { ?trial a trialkg:Trial . BIND(?trial AS ?node) }
          UNION
          { ?trial ?link ?node . FILTER(isIRI(?node)) FILTER NOT EXISTS { ?node a trialkg:Trial } }
          OPTIONAL { ?trial trialkg:nctId ?nct }
          OPTIONAL { ?trial prov:wasDerivedFrom/trialkg:fileName ?file }
        }
        """
    )
    out: dict[str, dict[str, str | None]] = {}
    for row in rows:
        node, trial, nct, file = (str(x) if x is not None else None for x in row)  # type: ignore[union-attr]
        entry = out.setdefault(node, {"trial": trial, "nct_id": nct, "source": file})  # type: ignore[arg-type]
        if file and entry["source"] and file not in entry["source"].split(", "):
            entry["source"] = ", ".join(sorted({*entry["source"].split(", "), file}))
    return out


def _print_report(results: list[ShaclResult], context: dict[str, dict[str, str | None]]) -> None:
    by_trial: dict[str, list[ShaclResult]] = defaultdict(list)
    for r in results:
        by_trial[context.get(r.focus, {}).get("trial") or r.focus].append(r)
    for trial in sorted(by_trial):
        ctx = context.get(trial, {})
        click.echo(f"Trial {ctx.get('nct_id') or trial}  (source: {ctx.get('source') or 'unknown'})")
        for r in by_trial[trial]:
            where = "" if r.focus == trial else f"\n              at {r.focus}"
            value = f" [value: {r.value}]" if r.value is not None else ""
            click.echo(f"  {r.severity:9} {field_of(r)}: {r.message.partition(': ')[2] or r.message}{value}{where}")
