"""The exports (N-Quads, N-Triples, Turtle, JSON-LD): one registry of sinks, written in fragments and joined.

Why fragments: sorting or re-serialising the whole graph at the end needs all of it in memory (and
rdflib's serialisers run at ~40k triples/s). Instead a worker writes, per document, one fragment
per export format with Oxigraph's serialisers; the parent concatenates the fragments in input
order, so the bytes are the same whatever the number of workers, and memory stays bounded by one
document. `trialkg query --update` and the related-trial files go the same way, with the whole
store (or one named graph) as a single document.

What is written (docs/decisions/0006): the default graph is the merged view, each triple once.
Triples about a trial's own nodes (the trial, its child nodes) are a segment of the document's
fragments, and so are its source document's; an index beside the fragments says which bytes
belong to which trial. A trial that several documents describe (known only once all are read) is
left out of every document's segments and written once, merged, by the parent (`MergedFragments`),
with what each source stated in that source's named graph (N-Quads only). Triples about shared
nodes (conditions, intervention concepts, organisations, MeSH descriptors, other trials) recur
across documents: a worker writes them once per document to a side file, and the parent keeps
each once (by digest) and writes them last, sorted. N-Quads are the N-Triples lines (the default
graph) followed by the named graphs' quads.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import re
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

#: A fragment set's index (JSON): which bytes of each fragment belong to which trial (see FragmentIndex).
INDEX_SUFFIX = ".index.json"
#: Named-graph quads (what each source stated of a trial several documents describe), N-Quads.
NAMED_SUFFIX = ".named.nq"


@dataclass(frozen=True)
class Segment:
    """A run of bytes in each fragment: one trial's own statements, or (trial None) its source document's."""

    trial: str | None
    #: The source document's IRI (its named graph): the same bytes read twice are one source.
    graph: str
    #: Bytes in each fragment, in the order of FragmentIndex.suffixes.
    sizes: tuple[int, ...]


@dataclass(frozen=True)
class FragmentIndex:
    """What a worker wrote for one document: its segments, and the shared-node lines each trial uses."""

    suffixes: tuple[str, ...]
    segments: tuple[Segment, ...]
    #: Trial -> line numbers in the shared-node fragment of the statements its document made about shared nodes.
    shared_lines: dict[str, list[int]]
    #: The parent's merged trials: every segment is kept.
    merged: bool = False

    @classmethod
    def read(cls, stem: Path) -> FragmentIndex | None:
        path = _fragment_path(stem, INDEX_SUFFIX)
        if not path.exists():
            return None
        data = json.loads(path.read_bytes())
        return cls(
            tuple(data["suffixes"]),
            tuple(Segment(t, g, tuple(sizes)) for t, g, sizes in data["segments"]),
            data["shared_lines"],
            data.get("merged", False),
        )

    def write(self, stem: Path) -> None:
        data = {
            "suffixes": list(self.suffixes),
            "segments": [[seg.trial, seg.graph, list(seg.sizes)] for seg in self.segments],
            "shared_lines": self.shared_lines,
            "merged": self.merged,
        }
        _fragment_path(stem, INDEX_SUFFIX).write_bytes(json.dumps(data, separators=(",", ":")).encode())


def _fragment_path(stem: Path, suffix: str) -> Path:
    return stem.with_name(stem.name + suffix)


def _fragment_lines(stems: Sequence[Path], suffix: str) -> Iterator[bytes]:
    """The lines of every document's fragment with `suffix`, in input order."""
    for stem in stems:
        path = _fragment_path(stem, suffix)
        if path.exists():
            with open(path, "rb") as fh:
                yield from fh


def _parse_lines(lines: Iterable[bytes]) -> Iterator[ox.Triple]:
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


@dataclass(frozen=True)
class JoinInput:
    """What the joiners read: the fragment stems in input order (the merged trials' last), and what to leave out."""

    stems: Sequence[Path]
    #: Trials written merged: left out of every document's segments.
    merged: frozenset[str]
    #: The shared-node lines, each once, sorted.
    shared: Sequence[bytes]


def kept_chunks(join: JoinInput, suffix: str) -> Iterator[bytes]:
    """The bytes of every kept segment of the fragments with `suffix`, in input order.

    Left out: the segments of merged trials (the merged stem has them once), and a source document's
    segments when another document with the same bytes (the same source IRI) came first.
    """
    first_stem: dict[str, Path] = {}
    for stem in join.stems:
        index = FragmentIndex.read(stem)
        if index is None or suffix not in index.suffixes:
            continue
        k = index.suffixes.index(suffix)
        with open(_fragment_path(stem, suffix), "rb") as fh:
            for seg in index.segments:
                size = seg.sizes[k]
                if seg.trial is None:
                    keep = index.merged or not seg.graph or first_stem.setdefault(seg.graph, stem) == stem
                else:
                    keep = index.merged or seg.trial not in join.merged
                if keep:
                    yield fh.read(size)
                else:
                    fh.seek(size, os.SEEK_CUR)


def occurrences(stems: Sequence[Path]) -> dict[str, list[tuple[Path, str]]]:
    """Trial -> [(fragment stem, source graph)] for every trial the documents state; several: a merged trial."""
    found: dict[str, list[tuple[Path, str]]] = {}
    for stem in stems:
        index = FragmentIndex.read(stem)
        for seg in index.segments if index else ():
            if seg.trial is not None:
                found.setdefault(seg.trial, []).append((stem, seg.graph))
    return found


# The parent reads a multi-source trial's statements back from its documents' fragments: the index,
# the segments' offsets and the shared-node lines of the last few documents are kept (one build's
# work folder; `forget_fragments` drops them).


@functools.lru_cache(maxsize=64)
def _index(stem: Path) -> FragmentIndex:
    index = FragmentIndex.read(stem)
    assert index is not None, stem
    return index


@functools.lru_cache(maxsize=64)
def _ntriples_offsets(stem: Path) -> list[tuple[Segment, int]]:
    """Each segment of the document with its byte offset in the N-Triples fragment."""
    index = _index(stem)
    k = index.suffixes.index(SINKS["nt"].fragment_suffix)
    out, offset = [], 0
    for seg in index.segments:
        out.append((seg, offset))
        offset += seg.sizes[k]
    return out


@functools.lru_cache(maxsize=4)
def _shared_lines(stem: Path) -> list[bytes]:
    return _fragment_path(stem, SHARED_SUFFIX).read_bytes().splitlines(keepends=True)


def forget_fragments() -> None:
    """Drop what source_statements keeps of a build's fragments (their folder is about to go)."""
    for cached in (_index, _ntriples_offsets, _shared_lines):
        cached.cache_clear()


def source_statements(stem: Path, graph: str, trial: str) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """What one document stated of `trial`: (its own nodes' triples, every triple of it incl. shared nodes)."""
    index = _index(stem)
    k = index.suffixes.index(SINKS["nt"].fragment_suffix)
    own: list[bytes] = []
    about_source: list[bytes] = []
    with open(_fragment_path(stem, SINKS["nt"].fragment_suffix), "rb") as fh:
        for seg, offset in _ntriples_offsets(stem):
            target = own if seg.trial == trial else about_source if seg.trial is None and seg.graph == graph else None
            if target is not None and seg.sizes[k]:
                fh.seek(offset)
                target.append(fh.read(seg.sizes[k]))
    shared = _shared_lines(stem)
    own_triples = list(_parse_lines(own))
    more = about_source + [shared[n] for n in index.shared_lines.get(trial, [])]
    return own_triples, own_triples + list(_parse_lines(more))


# ---------------------------------------------------------------------------------------------- the sinks


#: Worker side: the triples about one trial's own nodes (or a source document's) -> that segment's bytes.
FragmentWriter = Callable[[Sequence[ox.Triple]], bytes]
#: Parent side: (what to join, the export file) -> None.
Joiner = Callable[[JoinInput, IO[bytes]], None]


@dataclass(frozen=True)
class Sink:
    """One export format: its files, the syntaxes Oxigraph and rdflib know it by, and how it is written."""

    name: str
    #: The export's file suffix; `file_name` puts a stem in front.
    suffix: str
    #: The fragment a worker writes for it ("" for N-Quads, joined from the N-Triples fragments).
    fragment_suffix: str
    rdf_format: ox.RdfFormat
    #: rdflib's parser name, for files ending in `suffix` or one of `also_reads`.
    rdflib_format: str
    fragment: FragmentWriter | None
    join: Joiner
    also_reads: tuple[str, ...] = ()

    def file_name(self, stem: str = EXPORT_STEM) -> str:
        return stem + self.suffix


def _default_graph_lines(join: JoinInput) -> Iterator[bytes]:
    """The default graph as N-Triples: every kept segment, then the shared nodes."""
    yield from kept_chunks(join, SINKS["nt"].fragment_suffix)
    yield from join.shared


def _join_ntriples(join: JoinInput, out: IO[bytes]) -> None:
    out.writelines(_default_graph_lines(join))


def _nquads_lines(join: JoinInput) -> Iterator[bytes]:
    """The N-Quads export: the default graph (N-Triples lines are N-Quads lines), then the named graphs."""
    yield from _default_graph_lines(join)
    yield from _fragment_lines(join.stems, NAMED_SUFFIX)


def _join_nquads(join: JoinInput, out: IO[bytes]) -> None:
    out.writelines(_nquads_lines(join))


def _join_turtle(join: JoinInput, out: IO[bytes]) -> None:
    out.write(turtle_header())
    out.writelines(kept_chunks(join, SINKS["ttl"].fragment_suffix))
    out.write(turtle_body(_parse_lines(join.shared)))


def _join_jsonld(join: JoinInput, out: IO[bytes]) -> None:
    out.write(jsonld_head())
    wrote = False
    for chunk in kept_chunks(join, SINKS["jsonld"].fragment_suffix):
        for line in chunk.splitlines():
            out.write((b",\n" if wrote else b"") + line)
            wrote = True
    for node in jsonld_nodes(_parse_lines(join.shared)):
        out.write((b",\n" if wrote else b"") + node.encode("utf-8"))
        wrote = True
    out.write(b"\n]\n}\n")


def _jsonld_fragment(triples: Sequence[ox.Triple]) -> bytes:
    return "".join(line + "\n" for line in jsonld_nodes(triples)).encode("utf-8") if triples else b""


def _ntriples_fragment(triples: Sequence[ox.Triple]) -> bytes:
    return serialize_bytes(triples, ox.RdfFormat.N_TRIPLES) if triples else b""


def _turtle_fragment(triples: Sequence[ox.Triple]) -> bytes:
    return turtle_body(triples) if triples else b""


#: The export formats by name, in the order a build writes them.
SINKS: dict[str, Sink] = {
    "nq": Sink("nq", ".nq", "", ox.RdfFormat.N_QUADS, "nquads", fragment=None, join=_join_nquads),
    "nt": Sink("nt", ".nt", ".nt", ox.RdfFormat.N_TRIPLES, "nt", fragment=_ntriples_fragment, join=_join_ntriples),
    "ttl": Sink("ttl", ".ttl", ".ttl", ox.RdfFormat.TURTLE, "turtle", fragment=_turtle_fragment, join=_join_turtle),
    "jsonld": Sink(
        "jsonld", ".jsonld", ".jsonl", ox.RdfFormat.JSON_LD, "json-ld",
        fragment=_jsonld_fragment, join=_join_jsonld, also_reads=(".json",),
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


def fragment_sinks(formats: Iterable[str]) -> list[Sink]:
    """The sinks whose fragments a worker writes for `formats` (always N-Triples: the N-Quads are joined from it)."""
    wanted = {*formats, "nt"}
    return [sink for name, sink in SINKS.items() if name in wanted and sink.fragment is not None]


def fragment_suffixes(formats: Iterable[str]) -> list[str]:
    """Every fragment file a worker may write for one document with `formats` (the build's cache keeps them all)."""
    sinks = [sink.fragment_suffix for sink in fragment_sinks(formats)]
    return [*sinks, SHARED_SUFFIX, NAMED_SUFFIX, INDEX_SUFFIX]


# ---------------------------------------------------------------------------------------------- worker side


class DocumentFragments:
    """The fragment files of one document, written one trial at a time (memory: one trial + a digest map)."""

    def __init__(self, stem: Path, formats: Iterable[str], *, merged: bool = False) -> None:
        self.stem = stem
        self.merged = merged
        self.sinks = fragment_sinks(formats)
        self.files: dict[str, IO[bytes]] = {
            suffix: open(_fragment_path(stem, suffix), "wb")  # noqa: SIM115
            for suffix in [*(sink.fragment_suffix for sink in self.sinks), SHARED_SUFFIX, NAMED_SUFFIX]
        }
        self.segments: list[Segment] = []
        self.shared_lines: dict[str, list[int]] = {}
        self._shared_at: dict[bytes, int] = {}  # digest -> line number in the shared-node fragment
        self._doc_seen: set[bytes] = set()  # digests of source-document statements written once

    def add_trial(self, trial_iri: str, quads: Sequence[ox.Quad]) -> None:
        """Write one trial's quads: its own nodes' as a segment, source-document and shared-node statements once."""
        own_prefix = trial_iri + "/"
        own: list[ox.Triple] = []
        doc: dict[str, list[ox.Triple]] = {}
        shared: list[ox.Triple] = []
        lines = self.shared_lines.setdefault(trial_iri, [])
        seen_here: set[ox.Quad] = set()
        for q in quads:
            if q in seen_here:
                continue
            seen_here.add(q)
            subject = q.subject.value if not isinstance(q.subject, ox.Triple) else ""
            if subject == trial_iri or subject.startswith(own_prefix):
                own.append(q.triple)
                continue
            digest = hashlib.blake2b(str(q.triple).encode(), digest_size=16).digest()
            if subject.startswith(_SOURCE_PREFIX):
                if digest not in self._doc_seen:
                    self._doc_seen.add(digest)
                    doc.setdefault(subject, []).append(q.triple)
                continue
            if digest not in self._shared_at:
                self._shared_at[digest] = len(self._shared_at)
                shared.append(q.triple)
            lines.append(self._shared_at[digest])
        for graph, statements in doc.items():
            self._segment(None, graph, statements)
        graph = next((str(q.graph_name.value) for q in quads if isinstance(q.graph_name, ox.NamedNode)), "")
        self._segment(trial_iri, graph, own)
        self._write_shared(shared)

    def add_own(self, trial_iri: str, own: Sequence[ox.Triple], named: Iterable[ox.Quad]) -> None:
        """The parent's merged trial: its merged triples as a segment, each source's statements as named quads."""
        self._segment(trial_iri, "", own)
        self.files[NAMED_SUFFIX].write(serialize_bytes(sorted(set(named), key=str), ox.RdfFormat.N_QUADS))

    def add_unsplit(self, quads: Sequence[ox.Quad], *, flatten: bool = False) -> None:
        """Write statements not split by trial (a whole store): the default graph the shared nodes' way.

        Named graphs go to the N-Quads only, unless `flatten` (their triples then join the default graph).
        """
        default = [q.triple for q in quads if flatten or isinstance(q.graph_name, ox.DefaultGraph)]
        named = [] if flatten else [q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)]
        self._write_shared(default)
        self.files[NAMED_SUFFIX].write(serialize_bytes(named, ox.RdfFormat.N_QUADS))
        self._segment(None, "", [])

    def _segment(self, trial: str | None, graph: str, triples: Sequence[ox.Triple]) -> None:
        sizes = []
        for sink in self.sinks:
            assert sink.fragment is not None
            data = sink.fragment(triples)
            self.files[sink.fragment_suffix].write(data)
            sizes.append(len(data))
        self.segments.append(Segment(trial, graph, tuple(sizes)))

    def _write_shared(self, triples: Sequence[ox.Triple]) -> None:
        data = serialize_bytes(triples, ox.RdfFormat.N_TRIPLES) if triples else b""
        assert data.count(b"\n") == len(triples), "one line per shared-node triple"
        self.files[SHARED_SUFFIX].write(data)

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()
        suffixes = tuple(sink.fragment_suffix for sink in self.sinks)
        FragmentIndex(suffixes, tuple(self.segments), self.shared_lines, self.merged).write(self.stem)


# ---------------------------------------------------------------------------------------------- parent side


def shard_name(n: int) -> str:
    return f"{EXPORT_STEM}-{n:05d}.nq"


#: The shards of a build written with --shard-size (trialkg-00001.nq, ...).
SHARD_GLOB = f"{EXPORT_STEM}-[0-9]*.nq"


def nquads_shards(join: JoinInput, out_dir: Path, shard_size: int) -> list[Path]:
    """The N-Quads export in `out_dir` as files of at most `shard_size` quads each."""
    shards: list[Path] = []
    out: IO[bytes] | None = None
    count = 0
    try:
        for chunk in _nquads_lines(join):
            for line in chunk.splitlines(keepends=True):
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
    merged: Iterable[str] = (),
    shard_size: int | None = None,
    lap: Callable[[str], None] = lambda step: None,
) -> list[Path]:
    """Join the fragments of `stems` into one file per format in `out_dir` (N-Quads sharded with `shard_size`).

    `merged`: the trials written merged by the last stem, left out of the others. `lap(step)` is
    called after each step, for the build's timings.
    """
    wanted = set(formats)
    written: list[Path] = []
    join = JoinInput(stems, frozenset(merged), shared_triples(stems))
    lap("shared-node triples")
    for sink in (sink for name, sink in SINKS.items() if name in wanted):
        if shard_size and sink.name == "nq":
            written += nquads_shards(join, out_dir, shard_size)
        else:
            path = out_dir / sink.file_name(stem)
            write_atomic(path, functools.partial(sink.join, join))
            written.append(path)
        lap(f"export {sink.name}")
    return written


def export_statements(
    quads: Iterable[ox.Quad], out_dir: Path, formats: Iterable[str], *, stem: str = EXPORT_STEM, flatten: bool = False
) -> list[Path]:
    """Write `quads` (a whole store, a named graph) as one document's exports: sorted, so the bytes repeat.

    The N-Triples, Turtle and JSON-LD hold the default graph (every graph's triples if `flatten`);
    the N-Quads hold every quad.
    """
    formats = list(formats)
    with tempfile.TemporaryDirectory(prefix="trialkg-export-") as work:
        fragment_stem = Path(work) / "0000000"
        fragments = DocumentFragments(fragment_stem, formats)
        try:
            fragments.add_unsplit(sorted(quads, key=str), flatten=flatten)
        finally:
            fragments.close()
        return write_exports([fragment_stem], out_dir, formats, stem=stem)
