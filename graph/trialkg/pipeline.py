"""`trialkg build`: documents in, one trial at a time through parse -> map -> validate -> store, exports out.

A bad document is reported and skipped, never fatal: the rest of the build goes on and the
report names the file and the problem.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import fnmatch
import glob
import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pyoxigraph as ox

from trialkg import cache
from trialkg.errors import TrialkgError
from trialkg.normalize.enrich import enrich
from trialkg.normalize.mesh_file import lexicon_with_mesh
from trialkg.parsers import (
    bulk_zip_members,
    document_digest,
    file_digest,
    looks_like_trial_document,
    parse_file,
    parse_zip_member,
)
from trialkg.rdf.mapping import MappedTrial, map_trial
from trialkg.rdf.merge import merged_statements
from trialkg.rdf.queries import select
from trialkg.rdf.readback import read_trial, statements_record
from trialkg.rdf.terms import quads
from trialkg.resources import sample_files
from trialkg.store import export
from trialkg.store.counts import GraphCounts, graph_counts
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
    #: Statements mapped from this document (a multi-source trial's are merged with its other sources').
    triples: int = 0
    unmapped: int = 0
    error: str | None = None
    record_errors: list[str] = field(default_factory=list)
    #: Values a trial states that no field could take (kept as unmapped text): reported, not fatal.
    warnings: list[str] = field(default_factory=list)
    #: Why a file found in a folder was not read (not a trial document): listed, never a failure.
    skipped: str | None = None


@dataclass
class BuildReport:
    documents: list[DocumentReport] = field(default_factory=list)
    shacl: list[TrialResult] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    #: Trials several sources describe, with the fields they state differently.
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    #: Seconds per build step (read, each export, store); not in the report file, which must repeat.
    timings: dict[str, float] = field(default_factory=dict)
    #: What the built graph holds (store/counts.py), counted in the store after the load.
    counts: GraphCounts | None = None
    #: Documents (bulk-zip members counted one by one) whose work came from the cache, and those redone.
    cache: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> list[DocumentReport]:
        return [d for d in self.documents if d.error or d.record_errors]

    @property
    def skipped(self) -> list[DocumentReport]:
        return [d for d in self.documents if d.skipped]

    @property
    def trial_count(self) -> int:
        """Distinct trials: one that several documents describe counts once."""
        if self.counts is not None:
            return self.counts.trials
        return len({t for d in self.documents for t in d.trials})

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
        """0 all read and conforming; 1 a document failed, nothing was read or the data does not conform."""
        return 0 if self.conforms and not self.failed and not self.kept_previous else 1

    #: True when no trial was read: nothing was published and the previous output is untouched.
    kept_previous: bool = False

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
            "counts": self.counts.to_json() if self.counts else None,
            "failed_documents": len(self.failed),
            "skipped_documents": len(self.skipped),
            "merged_trials": len(self.conflicts),
            "trials_with_conflicts": sum(1 for c in self.conflicts if c["conflicts"]),
            "shacl": {
                "conforms": self.conforms,
                "violations": self.violations,
                "warnings": self.warnings,
                "results": [{"trial": r.trial, "source": r.source, **asdict(r.result)} for r in self.shacl],
            },
        }


def expand_inputs(
    inputs: Sequence[str], *, include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> tuple[list[Path], list[DocumentReport]]:
    """Files, folders (searched recursively) and glob patterns -> sorted files; unmatched inputs as errors.

    A file named as an input is always read. Files found in a folder or by a glob are read when
    they pass `include`/`exclude` (globs on the name, or on the path below the folder when the
    pattern holds a "/") and their content looks like a trial document; the others come back as
    skipped reports, so a README beside the studies is listed, not failed.
    """
    files: dict[Path, None] = {}
    reports = []
    found: dict[Path, str] = {}  # file -> its path relative to the folder or glob it was found by
    for item in inputs:
        path = Path(item)
        if path.is_file():
            files[path] = None
        elif kind := special_file(path):
            reports.append(DocumentReport(file=item, error=f"{item}: {kind}, not a document"))
        elif path.is_dir():
            found.update((p, p.relative_to(path).as_posix()) for p in _documents_under(path))
        else:
            matches = sorted(Path(m) for m in glob.glob(item, recursive=True))
            hits = [(m, m.name) for m in matches if m.is_file()] + [
                (f, f.relative_to(m).as_posix()) for m in matches if m.is_dir() for f in _documents_under(m)
            ]
            if hits:
                found.update(hits)
            else:
                reports.append(DocumentReport(file=item, error=f"{item}: no such file, folder or matching glob"))
    for p, relative in found.items():
        if p in files or not _selected(relative, include, exclude):
            continue
        if special_file(p):  # never opened to sniff (a FIFO would block): read_document names what it is
            files[p] = None
            continue
        reason = looks_like_trial_document(p)
        if reason is None:
            files[p] = None
        else:
            reports.append(DocumentReport(file=str(p), skipped=reason))
    return sorted(files), reports


def _selected(relative: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    def matches(pattern: str) -> bool:
        return fnmatch.fnmatchcase(relative if "/" in pattern else relative.rsplit("/", 1)[-1], pattern)

    return (not include or any(map(matches, include))) and not any(map(matches, exclude))


def source_names(inputs: Sequence[str], paths: Sequence[Path]) -> dict[Path, str]:
    """How each document is named in the graph and the reports: its path below the input folder it was
    found in (studies/a/ctg-studies.json, so files of one name stay apart), else its file name."""
    folders = [Path(i) for i in inputs if Path(i).is_dir()]
    names = {}
    for p in paths:
        under = next((p.relative_to(f) for f in folders if p.is_relative_to(f)), None)
        names[p] = under.as_posix() if under is not None else p.name
    return names


def _documents_under(folder: Path) -> Iterator[Path]:
    """Files under `folder`, and the special files there (named as such when the build reaches them)."""
    for p in sorted(folder.rglob("*")):
        if (p.is_file() or special_file(p)) and not any(part.startswith(".") for part in p.relative_to(folder).parts):
            yield p


def special_file(path: Path) -> str | None:
    """What `path` is when it is no regular file or folder a build can read (None: a file, a folder or nothing).

    A FIFO would block the build forever, /dev/zero never ends; a symlink loop or a dangling link reads as missing.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if not path.is_symlink():
            return None
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        return f"a symbolic link to {os.readlink(path)!r}, which does not exist"
    for test, kind in (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            target = f" (a link to {os.readlink(path)})" if path.is_symlink() else ""
            return kind + target
    return None


def resolve_inputs(
    inputs: Sequence[str], *, include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> tuple[list[Path], list[DocumentReport]]:
    """The documents a build reads (no inputs: the bundled samples), and inputs skipped or matching nothing."""
    return expand_inputs(inputs, include=include, exclude=exclude) if inputs else (sample_files(), [])


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
        mesh=mesh, names=source_names(inputs, paths), clean=clean, scheduler=scheduler,
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
    names: Mapping[Path, str] | None = None,
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
    `names`: how the documents are named in the graph (see `source_names`; default: their file names).
    """
    paths = outside_output(paths, out_dir)
    refuse_nothing_to_read(paths, missing)
    report = BuildReport(documents=list(missing))
    mesh_path = str(mesh) if mesh else None
    lexicon_with_mesh(mesh_path)  # a bad MeSH file fails the build here, once, not in every document
    wanted = [f for f in export.FORMATS if f in set(formats)]
    with output_lock(out_dir), output_errors(out_dir):
        _remove_leftovers(out_dir)
        work = Path(tempfile.mkdtemp(prefix=".build-", dir=out_dir))
        staged = work / "staged"  # every output is made here, then published by rename in one short loop
        staged.mkdir()
        try:
            written_formats = tuple(wanted)  # (N-Triples fragments are always written: the N-Quads join them)
            cache_dir = out_dir / cache.CACHE_DIR
            if clean:
                cache.clear(cache_dir)
            salt = cache.fingerprint([*written_formats, file_digest(mesh) if mesh else ""])
            tasks = document_tasks(paths, work, written_formats, mesh_path, names or {}, cache_dir, salt)
            stems = [task.stem for task in tasks]  # document fragments, in input order
            clock = _Clock(report.timings)
            used: set[str] = set()
            for doc, results, reused in _documents(tasks, _read_all(tasks, jobs, scheduler), used):
                report.documents.append(doc)
                report.shacl.extend(results)
                report.cache["reused"] = report.cache.get("reused", 0) + reused
                if progress:
                    progress(doc)
            report.cache["redone"] = len(tasks) - report.cache.get("reused", 0)
            clock.lap("read, map, validate, serialise")
            report.documents.sort(key=lambda d: d.file)
            if report.trial_count == 0:  # nothing read: a good previous graph is never replaced by an empty one
                report.kept_previous = True
                return report
            report.cache["pruned"] = cache.prune(cache_dir, used)  # only once this build's output will be kept
            merged = _merge_multi_source(stems, work / "merged", written_formats)
            stems.append(work / "merged")
            clock.lap("merge multi-source trials")
            exports = export.write_exports(stems, staged, wanted, merged=merged, shard_size=shard_size, lap=clock.lap)
            nquads = [p for p in exports if p.suffix == ".nq"] or export.write_exports(
                stems, work, ["nq"], merged=merged
            )
            report.conflicts, report.counts = load_store(staged / STORE_DIR, nquads, _conflicts_and_counts)
            clock.lap("store load + merge check")
            report.shacl = sorted(set(report.shacl), key=lambda r: (r.trial, r.source, *sort_key(r.result)))
            _write_reports(report, staged)
            report.written = _publish(staged, out_dir, [p.name for p in exports])
            clock.lap("reports")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return report


class OutputWriteError(TrialkgError):
    """The build cannot write its output (read-only folder, disk full): fatal, and the previous output is kept."""


def outside_output(paths: Sequence[Path], out_dir: Path) -> list[Path]:
    """`paths` without the files under `out_dir`: an output folder inside an input folder is not read back."""
    out = Path(os.path.realpath(out_dir))
    return [p for p in paths if not Path(os.path.realpath(p)).is_relative_to(out)]  # realpath: loops do not raise


def refuse_nothing_to_read(paths: Sequence[Path], missing: Sequence[DocumentReport]) -> None:
    """A mistyped path, or inputs that hold no file, fail before any work (and the previous output stays)."""
    unmatched = [d for d in missing if d.error]  # (files skipped as no trial documents are listed, not fatal)
    if unmatched:
        raise TrialkgError("; ".join(str(d.error) for d in unmatched) + " (nothing built; the previous output is kept)")
    if not paths:
        raise TrialkgError("the inputs hold no document to read (nothing built; the previous output is kept)")


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """One build at a time writes into `out_dir`: a second one is refused while the first holds the lock.

    An flock on the folder itself (no lock file is left behind): the kernel drops it when the holder
    exits, even by kill -9, so a crashed build never leaves the folder locked.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise OutputWriteError(f"{out_dir}: cannot write into the output folder ({exc.strerror or exc})") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TrialkgError(
                f"{out_dir}: another build is writing into this folder; wait for it to finish or give another --out"
            ) from None
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


@contextlib.contextmanager
def output_errors(out_dir: Path) -> Iterator[None]:
    """A write that fails (disk full, read-only, quota) ends the build with one line; nothing is published."""
    try:
        yield
    except OSError as exc:
        where = f" at {exc.filename}" if exc.filename else ""
        raise OutputWriteError(
            f"{out_dir}: cannot write the build{where} ({exc.strerror or exc}); the previous output is kept"
        ) from exc


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


def _merge_multi_source(stems: Sequence[Path], merged_stem: Path, formats: Sequence[str]) -> set[str]:
    """Write every trial that several documents describe once, merged, as the fragments of `merged_stem`.

    The default graph gets the merged trial (each field from the source `show` prefers); each
    source's statements go into that source's named graph. Returns the merged trials' IRIs, which
    the joins leave out of the documents' fragments. Memory: one trial's sources at a time.
    """
    multi = {trial: found for trial, found in export.occurrences(stems).items() if len(found) > 1}
    out = export.DocumentFragments(merged_stem, formats, merged=True)
    try:
        for trial in sorted(multi):
            sources = [(graph, *export.source_statements(stem, graph, trial)) for stem, graph in multi[trial]]
            records = [statements_record(trial, stated) for _, _, stated in sources]
            merged = merged_statements(trial, records, [own for _, own, _ in sources])
            named = [
                ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
                for graph, _, stated in sources
                for t in stated
            ]
            out.add_own(trial, merged, named)
    finally:
        out.close()
        export.forget_fragments()
    return set(multi)


def _conflicts_and_counts(store: ox.Store) -> tuple[list[dict[str, Any]], GraphCounts]:
    return find_conflicts(store), graph_counts(store)


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
    #: How the document is named in the graph (see `source_names`).
    name: str
    #: The member's position and name when the document is a member of a bulk zip.
    member: tuple[int, str] | None = None
    #: The output folder's cache, and the fingerprint of the build's code and settings.
    cache: Path | None = None
    salt: str = ""


#: A document's report, its SHACL results, its cache key (None: not kept) and whether it came from the cache.
DocumentResult = tuple[DocumentReport, list[TrialResult], str | None, bool]


def document_tasks(
    paths: Sequence[Path],
    work: Path,
    formats: tuple[str, ...],
    mesh: str | None,
    names: Mapping[Path, str],
    cache_dir: Path | None,
    salt: str,
) -> list[Task]:
    """One task per document, in input order; a bulk zip becomes one task per member, so every worker reads it."""
    tasks: list[Task] = []
    for path in paths:
        members = None if special_file(path) else bulk_zip_members(path)  # a FIFO is never opened
        parts: list[tuple[int, str] | None] = list(enumerate(members)) if members else [None]
        for member in parts:
            stem = work / f"{len(tasks):07d}"
            tasks.append(Task(path, stem, formats, mesh, names.get(path, path.name), member, cache_dir, salt))
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
    suffixes = export.fragment_suffixes(task.formats)
    key = None
    if task.cache is not None and not special_file(task.path):
        try:
            member = task.member[0] if task.member else None
            key = cache.document_key(task.salt, task.path, task.name, task.member[1] if task.member else None,
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


def _to_payload(doc: DocumentReport, results: Sequence[TrialResult]) -> dict[str, Any]:
    return {
        "document": asdict(doc),
        "shacl": [{"trial": r.trial, "source": r.source, "result": asdict(r.result)} for r in results],
    }


def _from_payload(payload: dict[str, Any]) -> tuple[DocumentReport, list[TrialResult]]:
    results = [TrialResult(r["trial"], r["source"], ShaclResult(**r["result"])) for r in payload["shacl"]]
    return DocumentReport(**payload["document"]), results


def _read_document(task: Task) -> tuple[DocumentReport, list[TrialResult]]:
    path, stem, formats, mesh_path, name = task.path, task.stem, task.formats, task.mesh, task.name
    lexicon = lexicon_with_mesh(mesh_path)  # cached per process
    doc = DocumentReport(file=str(path))
    if kind := special_file(path):  # found in a folder: reported, never opened (a FIFO would block)
        doc.error = f"{path}: {kind}, not a document (skipped)"
        return doc, []
    results: list[TrialResult] = []
    with _fragment_errors(stem):
        out = export.DocumentFragments(stem, formats)
    batch: list[tuple[MappedTrial, list[ox.Quad]]] = []

    def flush() -> None:
        taken = batch[:]
        batch.clear()
        if taken:
            trials = [(str(mapped.trial_iri), mapped.triples, statements) for mapped, statements in taken]
            results.extend(compiled_shapes.validate_batch(trials, name))
            with _fragment_errors(stem):
                for mapped, statements in taken:
                    out.add_trial(str(mapped.trial_iri), statements)

    try:
        trials = parse_file(path, name) if task.member is None else parse_zip_member(path, task.member[0], name)
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
    except OutputWriteError:
        with contextlib.suppress(OSError):
            out.close()
        raise
    except TrialkgError as exc:
        doc.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - one document's bug must not end the build
        doc.error = f"{path}: internal error while reading the document ({type(exc).__name__}: {exc})"
    try:
        flush()  # the trials read before an error are kept
    finally:
        with _fragment_errors(stem):
            out.close()
    return doc, results


@contextlib.contextmanager
def _fragment_errors(stem: Path) -> Iterator[None]:
    """A fragment that cannot be written (disk full) ends the build, not only this document."""
    try:
        yield
    except OSError as exc:
        raise OutputWriteError(
            f"{stem.parent.parent}: cannot write the build's work files ({exc.strerror or exc}); "
            "the previous output is kept"
        ) from exc


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
