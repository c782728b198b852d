"""Exports built in pieces: each document's triples serialised by the worker that read it, joined in input order.

Why: sorting or re-serialising the whole graph at the end needs all of it in memory (and rdflib's
serialisers run at ~40k triples/s). Instead a worker writes, per document, one fragment per export
format with Oxigraph's serialisers; the parent concatenates the fragments in input order, so the
bytes are the same whatever the number of workers, and memory stays bounded by one document.

Triples about a trial's own nodes (the trial, its child nodes, its source document) go into the
document's fragments. Triples about shared nodes (conditions, intervention concepts, organisations,
MeSH descriptors, other trials) recur across documents: a worker writes them once per document to
a side file, and the parent keeps each once (by digest) and writes them last, sorted.
N-Quads keep every document's named graph whole. A trial that several documents describe has its
own triples once per document in the N-Triples, Turtle and JSON-LD exports: an RDF graph is a set,
so readers and stores merge the repeats.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from trialkg.rdf import iri
from trialkg.store.export import FILE_NAMES, context, serialize_bytes, write_atomic

PREFIXES = dict(sorted(iri.PREFIXES.items()))
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: A document's fragment files, by export format; "shared" holds the shared-node triples.
SUFFIXES = {"nq": ".nq", "nt": ".nt", "ttl": ".ttl", "jsonld": ".jsonl", "shared": ".shared.nt"}


def turtle_body(triples: Iterable[ox.Triple]) -> bytes:
    """Turtle of `triples` with the project prefixes, without the @prefix header (written once per file)."""
    text = serialize_bytes(sorted(triples, key=str), ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines) and lines[start].startswith(b"@prefix "):
        start += 1
    return b"".join(lines[start:])


def turtle_header() -> bytes:
    return b"".join(f"@prefix {name}: <{ns}> .\n".encode() for name, ns in PREFIXES.items())


# ---------------------------------------------------------------------------------------------- JSON-LD


def _terms() -> tuple[dict[str, str], dict[str, str]]:
    """(property IRI -> context term, class IRI -> context term) from the committed context."""
    ctx = context()["@context"]
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("/", "#"))}

    def expand(curie: str) -> str:
        prefix, _, local = curie.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else curie

    properties, classes = {}, {}
    for term, definition in ctx.items():
        if term.startswith("@") or term in prefixes:
            continue
        if isinstance(definition, dict):
            properties[expand(definition["@id"])] = term
        elif isinstance(definition, str):
            full = expand(definition)
            (classes if term[:1].isupper() else properties)[full] = term
    return properties, classes


_TERMS: tuple[dict[str, str], dict[str, str]] | None = None


def jsonld_nodes(triples: Iterable[ox.Triple]) -> list[str]:
    """One JSON-LD node object per subject, as canonical JSON lines, keys compacted to the context's terms.

    Oxigraph writes expanded JSON-LD (full IRIs, explicit value objects). Replacing a property IRI
    by the context term defined for it, and rdf:type by @type, keeps the meaning: value objects are
    never coerced, and the context defines no containers.
    """
    global _TERMS
    if _TERMS is None:
        _TERMS = _terms()
    properties, classes = _TERMS
    expanded = json.loads(serialize_bytes(sorted(triples, key=str), ox.RdfFormat.JSON_LD))
    if isinstance(expanded, dict):
        expanded = expanded.get("@graph", [expanded])
    lines = []
    for node in expanded:
        out: dict[str, Any] = {}
        for key, values in node.items():
            if key == _RDF_TYPE:
                out["@type"] = _one_or_list(sorted({classes.get(v["@id"], v["@id"]) for v in values}))
            elif key.startswith("@"):
                out[key] = values
            else:
                out[properties.get(key, key)] = _one_or_list(sorted(values, key=_value_key))
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


# ---------------------------------------------------------------------------------------------- worker side


class DocumentFragments:
    """The fragment files of one document, written one trial at a time (memory: one trial + a digest set)."""

    def __init__(self, stem: Path, formats: Iterable[str]) -> None:
        self.stem = stem
        self.formats = [f for f in ("nq", "nt", "ttl", "jsonld") if f in set(formats)] + ["shared"]
        self.files: dict[str, IO[bytes]] = {f: open(fragment_path(stem, f), "wb") for f in self.formats}  # noqa: SIM115
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
            subject = q.subject.value
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
        files = self.files
        if "nq" in files:
            files["nq"].write(serialize_bytes(fresh, ox.RdfFormat.N_QUADS))
        if "nt" in files:
            files["nt"].write(serialize_bytes(own, ox.RdfFormat.N_TRIPLES))
        if "ttl" in files:
            files["ttl"].write(turtle_body(own))
        if "jsonld" in files:
            files["jsonld"].write("".join(line + "\n" for line in jsonld_nodes(own)).encode("utf-8"))
        files["shared"].write(serialize_bytes(shared, ox.RdfFormat.N_TRIPLES))

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()


_SOURCE_PREFIX = iri.SOURCE_PREFIX


def fragment_path(stem: Path, fmt: str) -> Path:
    return stem.with_name(stem.name + SUFFIXES[fmt])


# ---------------------------------------------------------------------------------------------- parent side


def shared_triples(stems: Sequence[Path]) -> list[bytes]:
    """Every document's shared-node N-Triples lines, each once, sorted."""
    seen: set[bytes] = set()
    lines = []
    for line in _fragment_lines(stems, "shared"):
        digest = hashlib.blake2b(line, digest_size=16).digest()
        if digest not in seen:
            seen.add(digest)
            lines.append(line)
    return sorted(lines)


def _fragment_lines(stems: Sequence[Path], fmt: str) -> Iterator[bytes]:
    """The lines of every document's `fmt` fragment, in input order."""
    for stem in stems:
        path = fragment_path(stem, fmt)
        if path.exists():
            with open(path, "rb") as fh:
                yield from fh


def _concat(stems: Sequence[Path], fmt: str, out: IO[bytes], between: bytes = b"") -> bool:
    """Append every document's `fmt` fragment to `out`; True if anything was written."""
    wrote = False
    for stem in stems:
        path = fragment_path(stem, fmt)
        if path.exists() and path.stat().st_size:
            if wrote and between:
                out.write(between)
            with open(path, "rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 20)
            wrote = True
    return wrote


def _parse_lines(lines: list[bytes]) -> Iterator[ox.Triple]:
    for quad in ox.parse(b"".join(lines), format=ox.RdfFormat.N_TRIPLES):
        yield quad.triple


def write_ntriples(stems: Sequence[Path], shared: list[bytes], path: Path) -> None:
    def write(fh: IO[bytes]) -> None:
        _concat(stems, "nt", fh)
        fh.writelines(shared)

    write_atomic(path, write)  # type: ignore[arg-type]


def write_turtle(stems: Sequence[Path], shared: list[bytes], path: Path) -> None:
    def write(fh: IO[bytes]) -> None:
        fh.write(turtle_header())
        _concat(stems, "ttl", fh)
        fh.write(turtle_body(_parse_lines(shared)))

    write_atomic(path, write)  # type: ignore[arg-type]


def write_jsonld(stems: Sequence[Path], shared: list[bytes], path: Path) -> None:
    def write(fh: IO[bytes]) -> None:
        fh.write(jsonld_head())
        nodes = jsonld_nodes(_parse_lines(shared))
        wrote = False
        for line in _fragment_lines(stems, "jsonld"):
            fh.write((b",\n" if wrote else b"") + line.rstrip(b"\n"))
            wrote = True
        for node in nodes:
            fh.write((b",\n" if wrote else b"") + node.encode("utf-8"))
            wrote = True
        fh.write(b"\n]\n}\n")

    write_atomic(path, write)  # type: ignore[arg-type]


def nquads_shards(stems: Sequence[Path], out_dir: Path, shard_size: int | None) -> list[Path]:
    """The N-Quads export in `out_dir`: one file, or with `shard_size` files of at most that many quads each."""
    if not shard_size:
        path = out_dir / FILE_NAMES["nq"]
        write_atomic(path, lambda fh: _concat(stems, "nq", fh))  # type: ignore[arg-type]
        return [path]
    shards: list[Path] = []
    out: IO[bytes] | None = None
    count = 0
    try:
        for line in _fragment_lines(stems, "nq"):
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


def shard_name(n: int) -> str:
    return f"trialkg-{n:05d}.nq"
