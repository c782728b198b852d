"""The exports (N-Quads, N-Triples, Turtle, JSON-LD): one registry of sinks, written in fragments and joined.

Why fragments: sorting or re-serialising the whole graph at the end needs all of it in memory (and
rdflib's serialisers run at ~40k triples/s). Instead a worker writes, per document, one fragment
per export format with Oxigraph's serialisers; the parent concatenates the fragments in input
order, so the bytes are the same whatever the number of workers, and memory stays bounded by one
document. `trialkg query --update` and the related-trial files go the same way, with the whole
store (or one named graph) as a single document.

Triples about a trial's own nodes (the trial, its child nodes, its source document) go into the
document's fragments. Triples about shared nodes (conditions, intervention concepts, organisations,
MeSH descriptors, other trials) recur across documents: a worker writes them once per document to
a side file, and the parent keeps each once (by digest) and writes them last, sorted.
N-Quads keep every document's named graph whole. A trial that several documents describe has its
own triples once per document in the N-Triples, Turtle and JSON-LD exports: an RDF graph is a set,
so readers and stores merge the repeats.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from trialkg.rdf import iri
from trialkg.resources import data_dir

PREFIXES = dict(sorted(iri.PREFIXES.items()))
#: The exports' file names are this stem and a sink's suffix (trialkg.nq, trialkg.ttl, ...).
EXPORT_STEM = "trialkg"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SOURCE_PREFIX = iri.SOURCE_PREFIX
#: The fragment holding a document's shared-node triples (N-Triples), joined into every format but N-Quads.
SHARED_SUFFIX = ".shared.nt"

# ---------------------------------------------------------------------------------------------- atomic files


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


def write_atomic(path: Path, write: Callable[[io.BufferedWriter], Any]) -> None:
    """Write through a temporary file in the same folder, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(fd, 0o666 & ~_UMASK)  # what a plain open() would give, not mkstemp's owner-only mode
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, lambda fh: fh.write(text.encode("utf-8")))


def serialize_bytes(statements: Iterable[Any], fmt: ox.RdfFormat, **options: Any) -> bytes:
    """Oxigraph's serialisation of `statements` as bytes (its return type also allows None)."""
    out = ox.serialize(statements, format=fmt, **options)
    assert isinstance(out, bytes)
    return out


# ---------------------------------------------------------------------------------------------- Turtle


def turtle_body(triples: Iterable[ox.Triple]) -> bytes:
    """Turtle of `triples` with the project prefixes, without the @prefix header (written once per file)."""
    text = serialize_bytes(sorted(triples, key=str), ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines) and lines[start].startswith(b"@prefix "):
        start += 1
    return _unescaped_names(b"".join(lines[start:]))


#: A Turtle string, an IRI, or a prefixed name whose local part has backslash escapes (trial:NCT1\/arm\/1).
_TURTLE_TOKEN = re.compile(
    rb'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|<[^>\s]*>'
    rb"|(?<![\w:])([A-Za-z][\w.-]*):((?:[\w:%.-]|\\[^\s])*(?:[\w:%-]|\\[^\s]))",
    re.DOTALL,
)


def _unescaped_names(turtle: bytes) -> bytes:
    """Oxigraph's Turtle with every prefixed name that needs an escape written as a full IRI instead.

    A child node's local name holds slashes (NCT00465816/reference/1), which Turtle allows in a
    prefixed name only escaped; `<https://w3id.org/trialkg/trial/NCT00465816/reference/1>` reads
    better and every tool copes with it. Strings and IRIs are matched first, so their text is never touched.
    """

    def replace(match: re.Match[bytes]) -> bytes:
        prefix, local = match.group(1), match.group(2)
        if prefix is None or b"\\" not in local:
            return match.group(0)
        namespace = PREFIXES.get(prefix.decode("ascii"))
        if namespace is None:
            return match.group(0)
        return b"<" + namespace.encode("utf-8") + re.sub(rb"\\(.)", rb"\1", local) + b">"

    return _TURTLE_TOKEN.sub(replace, turtle)


def turtle_header() -> bytes:
    return b"".join(f"@prefix {name}: <{ns}> .\n".encode() for name, ns in PREFIXES.items())


# ---------------------------------------------------------------------------------------------- JSON-LD


def context() -> dict[str, Any]:
    """The committed JSON-LD context (never fetched from the network)."""
    ctx: dict[str, Any] = json.loads((data_dir("ontology") / "context.jsonld").read_text(encoding="utf-8"))
    return ctx


@dataclass(frozen=True)
class _Compactor:
    """What compaction needs of the committed context: terms by IRI, each term's coerced type, the prefixes."""

    #: property IRI -> (context term, the term's @type: "@id", a datatype IRI, or None)
    properties: dict[str, tuple[str, str | None]]
    #: class IRI -> context term
    classes: dict[str, str]
    #: (namespace, prefix), longest namespace first
    prefixes: tuple[tuple[str, str], ...]

    def iri(self, value: str) -> str:
        """`value` as a CURIE of the context's prefixes (trial:NCT00465816/arm/1), else in full."""
        for namespace, prefix in self.prefixes:
            local = value[len(namespace) :]
            if value.startswith(namespace) and local and not local.startswith("//"):
                return f"{prefix}:{local}"
        return value

    def value(self, coerced: str | None, value: dict[str, str]) -> Any:
        """One value object in its shortest form under a term whose @type is `coerced` (JSON-LD 1.1 compaction)."""
        if "@id" in value:
            return self.iri(value["@id"]) if coerced == "@id" else {"@id": self.iri(value["@id"])}
        if "@language" in value:
            return value
        datatype = value.get("@type")
        if datatype == coerced or (datatype in (None, _XSD_STRING) and coerced is None):
            return value["@value"]
        return {"@value": value["@value"], "@type": self.iri(datatype or _XSD_STRING)}


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@functools.cache
def _compactor() -> _Compactor:
    ctx = context()["@context"]
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("/", "#"))}

    def expand(curie: str) -> str:
        prefix, _, local = curie.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else curie

    properties: dict[str, tuple[str, str | None]] = {}
    classes: dict[str, str] = {}
    for term, definition in ctx.items():
        if term.startswith("@") or term in prefixes:
            continue
        if isinstance(definition, dict):
            coerced = definition.get("@type")
            properties[expand(definition["@id"])] = (term, coerced if coerced in (None, "@id") else expand(coerced))
        elif isinstance(definition, str):
            if term[:1].isupper():
                classes[expand(definition)] = term
            else:
                properties[expand(definition)] = (term, None)
    ordered = tuple(sorted(((ns, p) for p, ns in prefixes.items()), key=lambda item: (-len(item[0]), item[1])))
    return _Compactor(properties, classes, ordered)


def jsonld_nodes(triples: Iterable[ox.Triple]) -> list[str]:
    """One JSON-LD node object per subject, as canonical JSON lines, compacted with the committed context.

    Oxigraph writes expanded JSON-LD (full IRIs, explicit value objects). This is JSON-LD 1.1
    compaction against the shipped context, done per node so it streams: property IRIs become the
    context's terms, rdf:type becomes @type with class terms, IRIs become CURIEs of the context's
    prefixes, and a value whose datatype (or @id) is the one its term declares is written bare.
    pyld's expansion of the result gives back exactly Oxigraph's triples (tests/store/test_export.py).
    """
    compactor = _compactor()
    expanded = json.loads(serialize_bytes(sorted(triples, key=str), ox.RdfFormat.JSON_LD))
    if isinstance(expanded, dict):
        expanded = expanded.get("@graph", [expanded])
    lines = []
    for node in expanded:
        out: dict[str, Any] = {}
        for key, values in node.items():
            if key in (_RDF_TYPE, "@type"):
                types = [v["@id"] if isinstance(v, dict) else v for v in values]
                out["@type"] = _one_or_list(sorted({compactor.classes.get(t) or compactor.iri(t) for t in types}))
            elif key == "@id":
                out["@id"] = compactor.iri(values)
            elif key.startswith("@"):
                out[key] = values
            else:
                term, coerced = compactor.properties.get(key, (compactor.iri(key), None))
                out[term] = _one_or_list([compactor.value(coerced, v) for v in sorted(values, key=_value_key)])
        lines.append(json.dumps(out, sort_keys=True, ensure_ascii=False, separators=(",", ":")))
    return sorted(lines)


def _value_key(value: dict[str, str]) -> tuple[str, str, str]:
    """Orders a property's values (a set in RDF) so the bytes repeat: IRI or text, then datatype, language."""
    return (value.get("@id") or value.get("@value") or "", value.get("@type", ""), value.get("@language", ""))


def _one_or_list(values: list[Any]) -> Any:
    """A single value stands alone, as JSON-LD compaction writes it."""
    return values[0] if len(values) == 1 else values


def jsonld_head() -> bytes:
    ctx = json.dumps(context()["@context"], indent=2, ensure_ascii=False)
    return b'{\n"@context": ' + ctx.encode("utf-8") + b',\n"@graph": [\n'


# ---------------------------------------------------------------------------------------------- fragment files


def _fragment_lines(stems: Sequence[Path], suffix: str) -> Iterator[bytes]:
    """The lines of every document's fragment with `suffix`, in input order."""
    for stem in stems:
        path = stem.with_name(stem.name + suffix)
        if path.exists():
            with open(path, "rb") as fh:
                yield from fh


def _concat(stems: Sequence[Path], suffix: str, out: IO[bytes]) -> None:
    """Append every document's fragment with `suffix` to `out`."""
    for stem in stems:
        path = stem.with_name(stem.name + suffix)
        if path.exists():
            with open(path, "rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 20)


def _parse_lines(lines: Sequence[bytes]) -> Iterator[ox.Triple]:
    for quad in ox.parse(b"".join(lines), format=ox.RdfFormat.N_TRIPLES):
        yield quad.triple


def shared_triples(stems: Sequence[Path]) -> list[bytes]:
    """Every document's shared-node N-Triples lines, each once, sorted."""
    seen: set[bytes] = set()
    lines = []
    for line in _fragment_lines(stems, SHARED_SUFFIX):
        digest = hashlib.blake2b(line, digest_size=16).digest()
        if digest not in seen:
            seen.add(digest)
            lines.append(line)
    return sorted(lines)


# ---------------------------------------------------------------------------------------------- the sinks


#: Worker side: (a document's new quads, the triples about its own nodes) -> that document's fragment.
FragmentWriter = Callable[[Sequence[ox.Quad], Sequence[ox.Triple]], bytes]
#: Parent side: (the fragment stems in input order, the shared-node lines, the export file) -> None.
Joiner = Callable[[Sequence[Path], Sequence[bytes], IO[bytes]], None]


@dataclass(frozen=True)
class Sink:
    """One export format: its files, the syntaxes Oxigraph and rdflib know it by, and how it is written."""

    name: str
    #: The export's file suffix; `file_name` puts a stem in front.
    suffix: str
    fragment_suffix: str
    rdf_format: ox.RdfFormat
    #: rdflib's parser name, for files ending in `suffix` or one of `also_reads`.
    rdflib_format: str
    fragment: FragmentWriter
    join: Joiner
    also_reads: tuple[str, ...] = ()
    #: Whether the joined file needs the shared-node triples (N-Quads has them in its fragments).
    uses_shared: bool = True

    def file_name(self, stem: str = EXPORT_STEM) -> str:
        return stem + self.suffix


def _join_nquads(stems: Sequence[Path], shared: Sequence[bytes], out: IO[bytes]) -> None:
    _concat(stems, SINKS["nq"].fragment_suffix, out)


def _join_ntriples(stems: Sequence[Path], shared: Sequence[bytes], out: IO[bytes]) -> None:
    _concat(stems, SINKS["nt"].fragment_suffix, out)
    out.writelines(shared)


def _join_turtle(stems: Sequence[Path], shared: Sequence[bytes], out: IO[bytes]) -> None:
    out.write(turtle_header())
    _concat(stems, SINKS["ttl"].fragment_suffix, out)
    out.write(turtle_body(_parse_lines(shared)))


def _join_jsonld(stems: Sequence[Path], shared: Sequence[bytes], out: IO[bytes]) -> None:
    out.write(jsonld_head())
    wrote = False
    for line in _fragment_lines(stems, SINKS["jsonld"].fragment_suffix):
        out.write((b",\n" if wrote else b"") + line.rstrip(b"\n"))
        wrote = True
    for node in jsonld_nodes(_parse_lines(shared)):
        out.write((b",\n" if wrote else b"") + node.encode("utf-8"))
        wrote = True
    out.write(b"\n]\n}\n")


#: The export formats by name, in the order a build writes them.
SINKS: dict[str, Sink] = {
    "nq": Sink(
        "nq", ".nq", ".nq", ox.RdfFormat.N_QUADS, "nquads",
        fragment=lambda quads, own: serialize_bytes(quads, ox.RdfFormat.N_QUADS),
        join=_join_nquads, uses_shared=False,
    ),
    "nt": Sink(
        "nt", ".nt", ".nt", ox.RdfFormat.N_TRIPLES, "nt",
        fragment=lambda quads, own: serialize_bytes(own, ox.RdfFormat.N_TRIPLES),
        join=_join_ntriples,
    ),
    "ttl": Sink(
        "ttl", ".ttl", ".ttl", ox.RdfFormat.TURTLE, "turtle",
        fragment=lambda quads, own: turtle_body(own),
        join=_join_turtle,
    ),
    "jsonld": Sink(
        "jsonld", ".jsonld", ".jsonl", ox.RdfFormat.JSON_LD, "json-ld",
        fragment=lambda quads, own: "".join(line + "\n" for line in jsonld_nodes(own)).encode("utf-8"),
        join=_join_jsonld, also_reads=(".json",),
    ),
}  # fmt: skip
#: The export format names, in registry order (`trialkg build --format` choices).
FORMATS = tuple(SINKS)
#: RDF syntaxes read (by `trialkg validate`) but never written.
_READ_ONLY = {".trig": "trig"}
#: rdflib's parser by file suffix, for every syntax trialkg reads.
RDFLIB_PARSERS = {
    **{suffix: sink.rdflib_format for sink in SINKS.values() for suffix in (sink.suffix, *sink.also_reads)},
    **_READ_ONLY,
}


def rdflib_parser(path: Path) -> str | None:
    """rdflib's parser name for the file at `path`, from its suffix (None: not an RDF file trialkg reads)."""
    return RDFLIB_PARSERS.get(path.suffix.lower())


# ---------------------------------------------------------------------------------------------- worker side


class DocumentFragments:
    """The fragment files of one document, written one trial at a time (memory: one trial + a digest set)."""

    def __init__(self, stem: Path, formats: Iterable[str]) -> None:
        self.stem = stem
        wanted = set(formats)
        self.sinks = [sink for name, sink in SINKS.items() if name in wanted]
        self.files: dict[str, IO[bytes]] = {
            suffix: open(stem.with_name(stem.name + suffix), "wb")  # noqa: SIM115
            for suffix in [*(sink.fragment_suffix for sink in self.sinks), SHARED_SUFFIX]
        }
        self._seen: set[bytes] = set()  # digests of statements this document already wrote once

    def add_trial(self, trial_iri: str, quads: Sequence[ox.Quad]) -> None:
        """Write one trial's quads; shared-node and source-document statements only the first time."""
        own_prefix = trial_iri + "/"
        fresh: list[ox.Quad] = []
        own: list[ox.Triple] = []
        shared: list[ox.Triple] = []
        seen_here: set[ox.Quad] = set()
        for q in quads:
            if q in seen_here:
                continue
            seen_here.add(q)
            subject = q.subject.value if not isinstance(q.subject, ox.Triple) else ""
            if subject == trial_iri or subject.startswith(own_prefix):
                fresh.append(q)
                own.append(q.triple)
                continue
            digest = hashlib.blake2b(str(q).encode(), digest_size=16).digest()
            if digest in self._seen:
                continue
            self._seen.add(digest)
            fresh.append(q)
            (own if subject.startswith(_SOURCE_PREFIX) else shared).append(q.triple)
        self._write(fresh, own, shared)

    def add_unsplit(self, quads: Sequence[ox.Quad]) -> None:
        """Write statements not split by trial (a whole store): every triple goes the shared nodes' way."""
        self._write(quads, [], [q.triple for q in quads])

    def _write(self, quads: Sequence[ox.Quad], own: Sequence[ox.Triple], shared: Sequence[ox.Triple]) -> None:
        for sink in self.sinks:
            self.files[sink.fragment_suffix].write(sink.fragment(quads, own))
        self.files[SHARED_SUFFIX].write(serialize_bytes(shared, ox.RdfFormat.N_TRIPLES))

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()


# ---------------------------------------------------------------------------------------------- parent side


def shard_name(n: int) -> str:
    return f"{EXPORT_STEM}-{n:05d}.nq"


#: The shards of a build written with --shard-size (trialkg-00001.nq, ...).
SHARD_GLOB = f"{EXPORT_STEM}-[0-9]*.nq"


def nquads_shards(stems: Sequence[Path], out_dir: Path, shard_size: int) -> list[Path]:
    """The N-Quads export in `out_dir` as files of at most `shard_size` quads each."""
    shards: list[Path] = []
    out: IO[bytes] | None = None
    count = 0
    try:
        for line in _fragment_lines(stems, SINKS["nq"].fragment_suffix):
            if out is None or count >= shard_size:
                if out is not None:
                    out.close()
                shards.append(out_dir / shard_name(len(shards) + 1))
                out = open(shards[-1], "wb")  # noqa: SIM115
                count = 0
            out.write(line)
            count += 1
    finally:
        if out is not None:
            out.close()
    return shards


def write_exports(
    stems: Sequence[Path],
    out_dir: Path,
    formats: Iterable[str],
    *,
    stem: str = EXPORT_STEM,
    shard_size: int | None = None,
    lap: Callable[[str], None] = lambda step: None,
) -> list[Path]:
    """Join the fragments of `stems` into one file per format in `out_dir` (N-Quads sharded with `shard_size`).

    `lap(step)` is called after each step, for the build's timings.
    """
    wanted = set(formats)
    written: list[Path] = []
    shared: list[bytes] | None = None
    for sink in (sink for name, sink in SINKS.items() if name in wanted):
        if shard_size and sink.name == "nq":
            written += nquads_shards(stems, out_dir, shard_size)
        else:
            if sink.uses_shared and shared is None:
                shared = shared_triples(stems)
                lap("shared-node triples")
            path = out_dir / sink.file_name(stem)
            write_atomic(path, functools.partial(sink.join, stems, shared or []))
            written.append(path)
        lap(f"export {sink.name}")
    return written


def export_statements(
    quads: Iterable[ox.Quad], out_dir: Path, formats: Iterable[str], *, stem: str = EXPORT_STEM
) -> list[Path]:
    """Write `quads` (a whole store, a named graph) as one document's exports: sorted, so the bytes repeat."""
    formats = list(formats)
    with tempfile.TemporaryDirectory(prefix="trialkg-export-") as work:
        fragment_stem = Path(work) / "0000000"
        fragments = DocumentFragments(fragment_stem, formats)
        try:
            fragments.add_unsplit(sorted(quads, key=str))
        finally:
            fragments.close()
        return write_exports([fragment_stem], out_dir, formats, stem=stem)
