"""`trialkg validate`: a built graph or RDF files against the shapes, reported by trial."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import click

from trialkg.apps.related import RELATED_FILES
from trialkg.errors import TrialkgError
from trialkg.store.export import RDFLIB_PARSERS, rdflib_parser
from trialkg.store.oxigraph import QUADS_FILE, quad_files
from trialkg.validate.report import Context, validate_files
from trialkg.validate.results import ShaclResult, field_of, is_violation


def _rdf_format(path: Path) -> str:
    fmt = rdflib_parser(path)
    if fmt is None:
        raise TrialkgError(f"{path}: unknown RDF format (expected one of {', '.join(RDFLIB_PARSERS)})")
    return fmt


def run_validate(files: list[Path], graph_dir: Path, *, as_json: bool, engine: str = "pyshacl") -> int:
    """Validate and print the report; returns the exit code (0 conforms, 1 violations)."""
    if not files:
        files = quad_files(graph_dir)
        if not files:
            raise TrialkgError(f"{graph_dir}: no built graph here ({QUADS_FILE} is missing); run `trialkg build`")
        if (graph_dir / RELATED_FILES["nq"]).is_file():
            files.append(graph_dir / RELATED_FILES["nq"])
    results, context = validate_files(files, _rdf_format, engine=engine)
    violations = sum(1 for r in results if is_violation(r))
    if as_json:
        click.echo(json.dumps({
            "conforms": violations == 0,
            "violations": violations,
            "results": [{**r.__dict__, "field": field_of(r), **context.get(r.focus, {})} for r in results],
        }, indent=2, ensure_ascii=False))  # fmt: skip
    else:
        shown = _print_report(results, context)
        shown_violations = sum(1 for r in shown if is_violation(r))
        also = f" ({violations} SHACL results)" if shown_violations != violations else ""
        click.echo(f"{'conforms' if violations == 0 else 'does NOT conform'}: "
                   f"{shown_violations} violations{also}, {len(shown) - shown_violations} other results")  # fmt: skip
    return 0 if violations == 0 else 1


def _said_once(results: list[ShaclResult]) -> list[ShaclResult]:
    """One result per thing wrong: SHACL reports a bad value once per constraint it breaks (datatype and
    node kind, say), with the same shape message; a person needs to read it once."""
    seen: dict[tuple[str, str | None, str, str, str | None], ShaclResult] = {}
    for r in results:
        seen.setdefault((r.focus, r.path, r.severity, r.message, r.value), r)
    return list(seen.values())


def _print_report(results: list[ShaclResult], context: Context) -> list[ShaclResult]:
    """Print the results by trial, each once; returns those printed."""
    shown = _said_once(results)
    by_trial: dict[str, list[ShaclResult]] = defaultdict(list)
    for r in shown:
        by_trial[context.get(r.focus, {}).get("trial") or r.focus].append(r)
    for trial in sorted(by_trial):
        ctx = context.get(trial, {})
        click.echo(f"Trial {ctx.get('nct_id') or trial}  (source: {ctx.get('source') or 'unknown'})")
        for r in by_trial[trial]:
            where = "" if r.focus == trial else f"\n              at {r.focus}"
            value = f" [value: {r.value}]" if r.value is not None else ""
            click.echo(f"  {r.severity:9} {field_of(r)}: {r.message.partition(': ')[2] or r.message}{value}{where}")
    return shown
