"""`trialkg build`: documents in, one trial at a time through parse -> map -> validate -> store, exports out.

A bad document is reported and skipped, never fatal: the rest of the build goes on and the
report names the file and the problem.
"""

from __future__ import annotations

import glob
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import export, iri
from .errors import TrialkgError
from .mapping import map_trial
from .parsers import parse_file
from .readback import read_trial
from .resources import sample_files
from .store import quads, select
from .validate import ShaclResult, is_violation, sort_key, validate_triples

REPORT_FILE = "build-report.json"
CONFLICTS_FILE = "conflicts.json"
SHACL_REPORT_FILE = "validation-report.ttl"


@dataclass
class DocumentReport:
    """What became of one input document; `record_errors` are bad records inside an otherwise readable file."""

    file: str
    format: str | None = None
    trials: list[str] = field(default_factory=list)
    triples: int = 0
    unmapped: int = 0
    error: str | None = None
    record_errors: list[str] = field(default_factory=list)
    #: Values a trial states that no field could take (kept as unmapped text): reported, not fatal.
    warnings: list[str] = field(default_factory=list)


@dataclass
class TrialResult:
    """A SHACL result with the trial and source document it belongs to."""

    trial: str
    source: str
    result: ShaclResult


@dataclass
class BuildReport:
    documents: list[DocumentReport] = field(default_factory=list)
    shacl: list[TrialResult] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    #: Trials several sources describe, with the fields they state differently.
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> list[DocumentReport]:
        return [d for d in self.documents if d.error or d.record_errors]

    @property
    def trial_count(self) -> int:
        return sum(len(d.trials) for d in self.documents)

    @property
    def violations(self) -> int:
        return sum(1 for r in self.shacl if is_violation(r.result))

    @property
    def warnings(self) -> int:
        return sum(1 for r in self.shacl if r.result.severity == "Warning")

    @property
    def conforms(self) -> bool:
        return self.violations == 0

    @property
    def exit_code(self) -> int:
        """0 all read and conforming; 1 a document failed or the data does not conform."""
        return 0 if self.conforms and not self.failed else 1

    def summary(self) -> str:
        verdict = "conforms" if self.conforms else "does NOT conform"
        return (
            f"SHACL: {self.trial_count} trials validated, {verdict} "
            f"({self.violations} violations, {self.warnings} warnings)"
        )

    def to_json(self) -> dict[str, Any]:
        """The deterministic part of the report (no timings, no absolute paths)."""
        return {
            "documents": [asdict(d) for d in self.documents],
            "trials": self.trial_count,
            "failed_documents": len(self.failed),
            "merged_trials": len(self.conflicts),
            "trials_with_conflicts": sum(1 for c in self.conflicts if c["conflicts"]),
            "shacl": {
                "conforms": self.conforms,
                "violations": self.violations,
                "warnings": self.warnings,
                "results": [{"trial": r.trial, "source": r.source, **asdict(r.result)} for r in self.shacl],
            },
        }


def expand_inputs(inputs: Sequence[str]) -> tuple[list[Path], list[DocumentReport]]:
    """Files, folders (searched recursively) and glob patterns -> sorted files; unmatched inputs as errors."""
    files: dict[Path, None] = {}
    missing = []
    for item in inputs:
        path = Path(item)
        if path.is_file():
            files[path] = None
        elif path.is_dir():
            files.update(dict.fromkeys(_documents_under(path)))
        else:
            matches = sorted(Path(m) for m in glob.glob(item, recursive=True))
            found = [m for m in matches if m.is_file()] + [
                f for m in matches if m.is_dir() for f in _documents_under(m)
            ]
            if found:
                files.update(dict.fromkeys(found))
            else:
                missing.append(DocumentReport(file=item, error=f"{item}: no such file, folder or matching glob"))
    return sorted(files), missing


def _documents_under(folder: Path) -> Iterator[Path]:
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts):
            yield p


def resolve_inputs(inputs: Sequence[str]) -> tuple[list[Path], list[DocumentReport]]:
    """The documents a build reads (no inputs: the bundled samples), and inputs that matched nothing."""
    return expand_inputs(inputs) if inputs else (sample_files(), [])


def build(
    inputs: Sequence[str],
    out_dir: Path,
    *,
    formats: Iterable[str] = export.FORMATS,
    progress: Callable[[Path], None] | None = None,
    jobs: int = 1,
) -> BuildReport:
    """Build the graph from `inputs` (no inputs: the bundled samples) and write it under `out_dir`."""
    paths, missing = resolve_inputs(inputs)
    return build_documents(paths, out_dir, missing=missing, formats=formats, progress=progress, jobs=jobs)


def build_documents(
    paths: Sequence[Path],
    out_dir: Path,
    *,
    missing: Sequence[DocumentReport] = (),
    formats: Iterable[str] = export.FORMATS,
    progress: Callable[[Path], None] | None = None,
    jobs: int = 1,
) -> BuildReport:
    """Read `paths` one document and one trial at a time into a store, then write exports and reports.

    With jobs > 1, documents are read, mapped and validated in that many worker processes; the
    output is the same bytes whatever the number of workers (exports are sorted).
    """
    report = BuildReport(documents=list(missing))
    store = ox.Store()
    for path, (doc, results, nquads) in zip(paths, _read_all(paths, jobs), strict=True):
        report.documents.append(doc)
        report.shacl.extend(results)
        if nquads:
            store.load(nquads, format=ox.RdfFormat.N_QUADS)
        if progress:
            progress(path)
    report.conflicts = find_conflicts(store)
    report.documents.sort(key=lambda d: d.file)
    report.shacl.sort(key=lambda r: (r.trial, r.source, *sort_key(r.result)))
    out_dir.mkdir(parents=True, exist_ok=True)
    report.written = export.export(store, out_dir, formats)
    _write_reports(report, out_dir)
    return report


DocumentResult = tuple[DocumentReport, list[TrialResult], bytes]


def _read_all(paths: Sequence[Path], jobs: int) -> Iterator[DocumentResult]:
    if jobs <= 1 or len(paths) < 2:
        yield from map(read_document, paths)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        # In input order, a few documents ahead per worker: bounded memory, steady progress.
        yield from pool.map(read_document, paths, chunksize=4)


def read_document(path: Path) -> DocumentResult:
    """One document through parse -> map -> validate: its report, SHACL results and N-Quads."""
    doc = DocumentReport(file=str(path))
    results: list[TrialResult] = []
    statements: list[ox.Quad] = []
    try:
        for trial in parse_file(path):
            if isinstance(trial, TrialkgError):
                doc.record_errors.append(str(trial))
                continue
            doc.format = trial.source.format
            mapped = map_trial(trial)
            results.extend(TrialResult(str(mapped.trial_iri), path.name, r) for r in validate_triples(mapped.triples))
            statements.extend(quads(mapped.triples, mapped.graph_iri))
            doc.trials.append(str(mapped.trial_iri))
            doc.triples += len(mapped.triples)
            doc.unmapped += len(trial.unmapped)
            doc.warnings.extend(f"{path}: {warning}" for warning in trial.warnings)
    except TrialkgError as exc:
        doc.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - one document's bug must not end the build
        doc.error = f"{path}: internal error while reading the document ({type(exc).__name__}: {exc})"
    nquads = ox.serialize(statements, format=ox.RdfFormat.N_QUADS) if statements else b""
    assert isinstance(nquads, bytes)
    return doc, results, nquads


def find_conflicts(store: ox.Store) -> list[dict[str, Any]]:
    """Every trial read from more than one document, with its sources and conflicting fields."""
    merged = []
    for row in select(store, "multi_source_trials"):
        record = read_trial(store, row["trial"])
        merged.append(
            {
                "trial": row["trial"],
                "nct_id": record["nct_id"],
                "sources": record["provenance"]["sources"],
                "conflicts": record["conflicts"],
            }
        )
    return merged


def _write_reports(report: BuildReport, out_dir: Path) -> None:
    text = json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    export.write_text_atomic(out_dir / REPORT_FILE, text)
    conflicts = json.dumps(report.conflicts, indent=2, ensure_ascii=False) + "\n"
    export.write_text_atomic(out_dir / CONFLICTS_FILE, conflicts)
    export.write_atomic(out_dir / SHACL_REPORT_FILE, lambda fh: fh.write(shacl_report_turtle(report)))


def shacl_report_turtle(report: BuildReport) -> bytes:
    """The build's SHACL validation report as RDF, results given stable IRIs so the bytes repeat."""
    sh = "http://www.w3.org/ns/shacl#"
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    root = ox.NamedNode(f"{iri.BASE}report/validation")
    triples = [
        ox.Triple(root, rdf_type, ox.NamedNode(sh + "ValidationReport")),
        ox.Triple(root, ox.NamedNode(sh + "conforms"), ox.Literal(str(report.conforms).lower(),
                  datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))),
    ]  # fmt: skip
    for item in report.shacl:
        r = item.result
        key = "\x1f".join((item.trial, item.source, *sort_key(r)))
        node = ox.NamedNode(f"{iri.BASE}report/result/{hashlib.sha256(key.encode()).hexdigest()[:24]}")
        triples += [
            ox.Triple(root, ox.NamedNode(sh + "result"), node),
            ox.Triple(node, rdf_type, ox.NamedNode(sh + "ValidationResult")),
            ox.Triple(node, ox.NamedNode(sh + "focusNode"), ox.NamedNode(r.focus)),
            ox.Triple(node, ox.NamedNode(sh + "resultSeverity"), ox.NamedNode(sh + r.severity)),
            ox.Triple(node, ox.NamedNode(sh + "resultMessage"), ox.Literal(r.message)),
            ox.Triple(node, ox.NamedNode(sh + "sourceConstraintComponent"), ox.NamedNode(r.component)),
        ]
        if r.path:
            triples.append(ox.Triple(node, ox.NamedNode(sh + "resultPath"), ox.NamedNode(r.path)))
        if r.value is not None:
            triples.append(ox.Triple(node, ox.NamedNode(sh + "value"), ox.Literal(r.value)))
    out = ox.serialize(
        sorted(set(triples), key=str), format=ox.RdfFormat.TURTLE, prefixes={"sh": sh, "trialkg": iri.ONTOLOGY}
    )
    assert isinstance(out, bytes)
    return out
