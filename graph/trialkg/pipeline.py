"""`trialkg build`: documents in, one trial at a time through parse -> map -> validate -> store, exports out.

A bad document is reported and skipped, never fatal: the rest of the build goes on and the
report names the file and the problem.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pyoxigraph as ox

from trialkg import cache
from trialkg.errors import TrialkgError
from trialkg.normalize.enrich import enrich
from trialkg.normalize.mesh_file import lexicon_with_mesh
from trialkg.parsers import bulk_zip_members, document_digest, file_digest, parse_file, parse_zip_member
from trialkg.rdf.mapping import MappedTrial, map_trial
from trialkg.rdf.queries import select
from trialkg.rdf.readback import read_trial
from trialkg.rdf.terms import quads
from trialkg.resources import sample_files
from trialkg.store import export
from trialkg.store.oxigraph import STORE_DIR, load_store, recover_store, replace_store
from trialkg.validate import compiled as compiled_shapes
from trialkg.validate import report as validation_report
from trialkg.validate.results import ShaclResult, TrialResult, is_violation, sort_key

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
class BuildReport:
    documents: list[DocumentReport] = field(default_factory=list)
    shacl: list[TrialResult] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    #: Trials several sources describe, with the fields they state differently.
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    #: Seconds per build step (read, each export, store); not in the report file, which must repeat.
    timings: dict[str, float] = field(default_factory=dict)
    #: Documents (bulk-zip members counted one by one) whose work came from the cache, and those redone.
    cache: dict[str, int] = field(default_factory=dict)

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
    progress: Callable[[DocumentReport], None] | None = None,
    jobs: int = 1,
    shard_size: int | None = None,
    mesh: Path | None = None,
    clean: bool = False,
    scheduler: str | None = None,
) -> BuildReport:
    """Build the graph from `inputs` (no inputs: the bundled samples) and write it under `out_dir`.

    `mesh`: an NLM MeSH descriptor file (XML or N-Triples) whose names and entry terms join the lexicon.
    """
    paths, missing = resolve_inputs(inputs)
    return build_documents(
        paths, out_dir, missing=missing, formats=formats, progress=progress, jobs=jobs, shard_size=shard_size,
        mesh=mesh, clean=clean, scheduler=scheduler,
    )  # fmt: skip


def build_documents(
    paths: Sequence[Path],
    out_dir: Path,
    *,
    missing: Sequence[DocumentReport] = (),
    formats: Iterable[str] = export.FORMATS,
    progress: Callable[[DocumentReport], None] | None = None,
    jobs: int = 1,
    shard_size: int | None = None,
    mesh: Path | None = None,
    clean: bool = False,
    scheduler: str | None = None,
) -> BuildReport:
    """Read `paths` one document and one trial at a time into export fragments, then join them and load the store.

    With jobs > 1, documents are read, mapped, validated and serialised in that many worker
    processes (with `scheduler`, on the workers of that Dask cluster); each member of a bulk zip is
    a document of its own. Fragments are joined in input order, so the output is the same bytes
    whatever the number of workers. Memory is bounded by a document's trials in flight, not by the
    input size. The work of every document is kept in the output folder's cache and reused by the
    next build for every document that did not change (`clean`: forget it and redo everything).
    """
    report = BuildReport(documents=list(missing))
    mesh_path = str(mesh) if mesh else None
    lexicon_with_mesh(mesh_path)  # a bad MeSH file fails the build here, once, not in every document
    wanted = [f for f in export.FORMATS if f in set(formats)]
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out_dir)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=out_dir))
    staged = work / "staged"  # every output is made here, then published by rename in one short loop
    staged.mkdir()
    try:
        # N-Quads fragments are always written: the store is loaded from them.
        written_formats = tuple(dict.fromkeys(["nq", *wanted]))
        cache_dir = out_dir / cache.CACHE_DIR
        if clean:
            cache.clear(cache_dir)
        salt = cache.fingerprint([*written_formats, file_digest(mesh) if mesh else ""])
        tasks = document_tasks(paths, work, written_formats, mesh_path, cache_dir, salt)
        stems = [task.stem for task in tasks]
        clock = _Clock(report.timings)
        used: set[str] = set()
        for doc, results, reused in _documents(tasks, _read_all(tasks, jobs, scheduler), used):
            report.documents.append(doc)
            report.shacl.extend(results)
            report.cache["reused"] = report.cache.get("reused", 0) + reused
            if progress:
                progress(doc)
        report.cache["redone"] = len(tasks) - report.cache.get("reused", 0)
        report.cache["pruned"] = cache.prune(cache_dir, used)
        clock.lap("read, map, validate, serialise")
        exports = _write_exports(stems, staged, wanted, shard_size, clock)
        nquads = [p for p in exports if p.suffix == ".nq"] or [_joined_nquads(stems, work)]
        report.conflicts = _load_store(staged / STORE_DIR, nquads)
        clock.lap("store load + merge check")
        report.documents.sort(key=lambda d: d.file)
        report.shacl = sorted(set(report.shacl), key=lambda r: (r.trial, r.source, *sort_key(r.result)))
        _write_reports(report, staged)
        report.written = _publish(staged, out_dir, [p.name for p in exports])
        clock.lap("reports")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def _publish(staged: Path, out_dir: Path, exports: Sequence[str]) -> list[Path]:
    """Move every staged output into `out_dir` by rename (files one by one, the store folder by a swap).

    Each file and the store are always whole; a kill inside this loop (milliseconds) can leave
    some outputs from the new build and some from the previous one. N-Quads files of the previous
    build that this one does not write (shards vs one file) are removed last.
    """
    for path in sorted(staged.iterdir()):
        if path.is_file():
            os.replace(path, out_dir / path.name)
    replace_store(staged / STORE_DIR, out_dir / STORE_DIR)
    if any(name.endswith(export.SINKS["nq"].suffix) for name in exports):
        for old in [*out_dir.glob(export.SHARD_GLOB), out_dir / export.SINKS["nq"].file_name()]:
            if old.name not in exports:
                old.unlink(missing_ok=True)
    return [out_dir / name for name in exports] + [out_dir / STORE_DIR]


class _Clock:
    def __init__(self, laps: dict[str, float]) -> None:
        self.laps, self.last = laps, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 3)
        self.last = now


def _write_exports(
    stems: Sequence[Path], out_dir: Path, formats: Sequence[str], shard_size: int | None, clock: _Clock
) -> list[Path]:
    return export.write_exports(stems, out_dir, formats, shard_size=shard_size, lap=clock.lap)


def _joined_nquads(stems: Sequence[Path], work: Path) -> Path:
    """The N-Quads the store is loaded from when they are not exported."""
    return export.write_exports(stems, work, ["nq"])[0]


def _load_store(store_dir: Path, nquads: Sequence[Path]) -> list[dict[str, Any]]:
    """Load the build into a new on-disk Oxigraph store; returns the trials merged from several documents."""
    return load_store(store_dir, nquads, find_conflicts)


def _remove_leftovers(out_dir: Path) -> None:
    """Work folders and temporary files an interrupted build left behind (they are never read)."""
    for leftover in out_dir.glob(".build-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in out_dir.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)
    recover_store(out_dir)


class Task(NamedTuple):
    """All a worker needs to read one document (picklable, for worker processes and cluster workers)."""

    path: Path
    #: Where the document's fragment files go (this stem and each sink's fragment suffix).
    stem: Path
    formats: tuple[str, ...]
    mesh: str | None
    #: The member's position and name when the document is a member of a bulk zip.
    member: tuple[int, str] | None = None
    #: The output folder's cache, and the fingerprint of the build's code and settings.
    cache: Path | None = None
    salt: str = ""


#: A document's report, its SHACL results, its cache key (None: not kept) and whether it came from the cache.
DocumentResult = tuple[DocumentReport, list[TrialResult], str | None, bool]


def document_tasks(
    paths: Sequence[Path], work: Path, formats: tuple[str, ...], mesh: str | None, cache_dir: Path | None, salt: str
) -> list[Task]:
    """One task per document, in input order; a bulk zip becomes one task per member, so every worker reads it."""
    tasks: list[Task] = []
    for path in paths:
        members = bulk_zip_members(path)
        parts: list[tuple[int, str] | None] = list(enumerate(members)) if members else [None]
        for member in parts:
            stem = work / f"{len(tasks):07d}"
            tasks.append(Task(path, stem, formats, mesh, member, cache_dir, salt))
    return tasks


def _documents(
    tasks: Sequence[Task], results: Iterable[DocumentResult], used: set[str]
) -> Iterator[tuple[DocumentReport, list[TrialResult], int]]:
    """The tasks' results as documents (a bulk zip's members joined into one), with how many came from the cache."""
    pending: tuple[DocumentReport, list[TrialResult], int] | None = None
    pending_path: Path | None = None
    for task, (doc, shacl, key, from_cache) in zip(tasks, results, strict=True):
        reused = int(from_cache)
        if key is not None:
            used.add(key)
        if task.member is not None and pending is not None and pending_path == task.path:
            _join_member(pending[0], doc)
            pending[1].extend(shacl)
            pending = (pending[0], pending[1], pending[2] + reused)
            continue
        if pending is not None:
            yield pending
        pending, pending_path = (doc, list(shacl), reused), task.path
    if pending is not None:
        yield pending


def _join_member(into: DocumentReport, member: DocumentReport) -> None:
    """Add one bulk-zip member's report to the zip's (the report read as one document names the zip once)."""
    into.format = member.format or into.format
    into.trials.extend(member.trials)
    into.triples += member.triples
    into.unmapped += member.unmapped
    into.record_errors.extend(member.record_errors)
    into.warnings.extend(member.warnings)
    into.error = into.error or member.error


def _read_all(tasks: Sequence[Task], jobs: int, scheduler: str | None = None) -> Iterator[DocumentResult]:
    if scheduler:
        yield from _read_on_cluster(tasks, scheduler)
        return
    if jobs <= 1 or len(tasks) < 2:
        yield from map(read_document, tasks)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        # In input order, a few documents ahead per worker: bounded memory, steady progress.
        yield from pool.map(read_document, tasks, chunksize=4)


def _read_on_cluster(tasks: Sequence[Task], scheduler: str) -> Iterator[DocumentResult]:
    """The tasks on the workers of the Dask cluster at `scheduler`, results in input order.

    The workers must see the inputs, the MeSH file and the output folder at the same paths (a shared
    file system): they read the documents and write the fragments there, as local workers do.
    """
    try:
        from distributed import Client
    except ImportError as exc:
        raise TrialkgError(
            f"--scheduler {scheduler}: Dask distributed is not installed (pip install 'trialkg[cluster]')"
        ) from exc
    try:
        client = Client(scheduler, timeout=30)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise TrialkgError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})") from exc
    # pure=False: two tasks are never the same computation (each has its own fragment stem).
    with client, client.get_executor(pure=False) as executor:  # type: ignore[no-untyped-call]
        yield from executor.map(read_document, tasks)


#: Trials validated together: SHACL's SPARQL constraints run once per batch, not once per trial.
BATCH_SIZE = 64


def read_document(task: Task) -> DocumentResult:
    """One document through parse -> map -> validate -> fragments: its report, SHACL results and cache key.

    With a cache, a document whose key is there is not read: its kept fragments and report are used.
    """
    suffixes = _fragment_suffixes(task.formats)
    key = None
    if task.cache is not None:
        try:
            member = task.member[0] if task.member else None
            key = cache.document_key(task.salt, task.path, task.member[1] if task.member else None,
                                     document_digest(task.path, member))  # fmt: skip
        except (OSError, TrialkgError, IndexError):
            key = None  # unreadable now: read_document reports it, nothing is kept
        if key is not None:
            payload = cache.get(task.cache, key, task.stem, suffixes)
            if payload is not None:
                return *_from_payload(payload), key, True
    doc, results = _read_document(task)
    if key is not None and task.cache is not None and doc.error is None:
        cache.put(task.cache, key, task.stem, suffixes, _to_payload(doc, results))
    return doc, results, key, False


def _fragment_suffixes(formats: Iterable[str]) -> list[str]:
    return [*(export.SINKS[name].fragment_suffix for name in formats), export.SHARED_SUFFIX]


def _to_payload(doc: DocumentReport, results: Sequence[TrialResult]) -> dict[str, Any]:
    return {
        "document": asdict(doc),
        "shacl": [{"trial": r.trial, "source": r.source, "result": asdict(r.result)} for r in results],
    }


def _from_payload(payload: dict[str, Any]) -> tuple[DocumentReport, list[TrialResult]]:
    results = [TrialResult(r["trial"], r["source"], ShaclResult(**r["result"])) for r in payload["shacl"]]
    return DocumentReport(**payload["document"]), results


def _read_document(task: Task) -> tuple[DocumentReport, list[TrialResult]]:
    path, stem, formats, mesh_path = task.path, task.stem, task.formats, task.mesh
    lexicon = lexicon_with_mesh(mesh_path)  # cached per process
    doc = DocumentReport(file=str(path))
    results: list[TrialResult] = []
    out = export.DocumentFragments(stem, formats)
    batch: list[tuple[MappedTrial, list[ox.Quad]]] = []

    def flush() -> None:
        taken = batch[:]
        batch.clear()
        if taken:
            trials = [(str(mapped.trial_iri), mapped.triples, statements) for mapped, statements in taken]
            results.extend(compiled_shapes.validate_batch(trials, path.name))
            for mapped, statements in taken:
                out.add_trial(str(mapped.trial_iri), statements)

    try:
        trials = parse_file(path) if task.member is None else parse_zip_member(path, task.member[0])
        for trial in trials:
            if isinstance(trial, TrialkgError):
                doc.record_errors.append(str(trial))
                continue
            doc.format = trial.source.format
            mapped = map_trial(enrich(trial, lexicon))
            batch.append((mapped, list(quads(mapped.triples, mapped.graph_iri))))
            doc.trials.append(str(mapped.trial_iri))
            doc.triples += len(mapped.triples)
            doc.unmapped += len(trial.unmapped)
            doc.warnings.extend(f"{path}: {warning}" for warning in trial.warnings)
            if len(batch) >= BATCH_SIZE:
                flush()
    except TrialkgError as exc:
        doc.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - one document's bug must not end the build
        doc.error = f"{path}: internal error while reading the document ({type(exc).__name__}: {exc})"
    try:
        flush()  # the trials read before an error are kept
    finally:
        out.close()
    return doc, results


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
    """The build's SHACL validation report as Turtle (the same bytes for the same results)."""
    return export.serialize_bytes(
        validation_report.report_triples(report.shacl), ox.RdfFormat.TURTLE, prefixes=validation_report.PREFIXES
    )
