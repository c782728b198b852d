"""Exports of a built graph: N-Quads, N-Triples, Turtle, JSON-LD; atomic and byte-identical.

Serialisation is Oxigraph's (rdflib's for JSON-LD compaction); determinism comes from feeding
the serialisers sorted statements, and from sorting JSON-LD's unordered arrays afterwards.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib

from trialkg.rdf import iri
from trialkg.resources import data_dir

#: Export formats by name: (file name, writer).
FORMATS = ("nq", "nt", "ttl", "jsonld")
FILE_NAMES = {"nq": "trialkg.nq", "nt": "trialkg.nt", "ttl": "trialkg.ttl", "jsonld": "trialkg.jsonld"}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


def write_atomic(path: Path, write: Callable[[io.BufferedWriter], None]) -> None:
    """Write through a temporary file in the same folder, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(fd, 0o666 & ~_UMASK)  # what a plain open() would give, not mkstemp's owner-only mode
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)  # type: ignore[arg-type]
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, lambda fh: fh.write(text.encode("utf-8")))


def sorted_quads(store: ox.Store) -> list[ox.Quad]:
    return sorted(store, key=str)


def sorted_triples(store: ox.Store) -> list[ox.Triple]:
    """The union of all named graphs, each triple once, sorted."""
    return sorted({q.triple for q in store}, key=str)


def serialize_bytes(statements: Iterable[Any], fmt: ox.RdfFormat, **options: Any) -> bytes:
    """Oxigraph's serialisation of `statements` as bytes (its return type also allows None)."""
    out = ox.serialize(statements, format=fmt, **options)
    assert isinstance(out, bytes)
    return out


def nquads_bytes(store: ox.Store) -> bytes:
    return serialize_bytes(sorted_quads(store), ox.RdfFormat.N_QUADS)


def ntriples_bytes(store: ox.Store) -> bytes:
    return serialize_bytes(sorted_triples(store), ox.RdfFormat.N_TRIPLES)


def turtle_bytes(store: ox.Store) -> bytes:
    return serialize_bytes(sorted_triples(store), ox.RdfFormat.TURTLE, prefixes=dict(sorted(iri.PREFIXES.items())))


def context() -> dict[str, Any]:
    """The committed JSON-LD context (never fetched from the network)."""
    ctx: dict[str, Any] = json.loads((data_dir("ontology") / "context.jsonld").read_text(encoding="utf-8"))
    return ctx


def jsonld_bytes(store: ox.Store) -> bytes:
    """JSON-LD compacted with the committed context, nodes sorted by @id, value arrays sorted."""
    graph = rdflib.Graph()
    graph.parse(data=ntriples_bytes(store).decode("utf-8"), format="nt")
    ctx = context()["@context"]
    text = graph.serialize(format="json-ld", context=ctx, auto_compact=True)
    doc = json.loads(text)
    nodes = doc.get("@graph", [doc] if "@id" in doc else [])
    nodes = sorted((_canonical(n) for n in nodes), key=lambda n: str(n.get("@id", "")))
    out = {"@context": ctx, "@graph": nodes}
    return (json.dumps(out, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def _canonical(value: Any) -> Any:
    # JSON-LD arrays without @list are sets: sorting them keeps the meaning and fixes the bytes.
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


_WRITERS: dict[str, Callable[[ox.Store], bytes]] = {
    "nq": nquads_bytes,
    "nt": ntriples_bytes,
    "ttl": turtle_bytes,
    "jsonld": jsonld_bytes,
}


def export(store: ox.Store, out_dir: Path, formats: Iterable[str] = FORMATS) -> list[Path]:
    """Write each requested format into `out_dir`; returns the paths written."""
    written = []
    for fmt in formats:
        data = _WRITERS[fmt](store)
        path = out_dir / FILE_NAMES[fmt]
        write_atomic(path, lambda fh, data=data: fh.write(data))  # type: ignore[misc]
        written.append(path)
    return written
