"""The Oxigraph store behind builds and queries: rdflib terms in, SPARQL with bound parameters out.

Queries never re-parse Turtle: `trialkg build` writes N-Quads, which load into Oxigraph at
hundreds of thousands of quads per second.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .errors import GraphNotFoundError, TrialkgError
from .resources import query_text

#: The build's N-Quads export (a build that was sharded has trialkg-NNNNN.nq instead).
QUADS_FILE = "trialkg.nq"
#: The on-disk Oxigraph store `trialkg build` leaves beside the exports; every query command reads it.
STORE_DIR = "oxigraph"


_NAMED: dict[URIRef, ox.NamedNode] = {}


def to_ox(term: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """The pyoxigraph term for an rdflib term (IRIs cached: predicates, classes and codes recur)."""
    if isinstance(term, URIRef):
        named = _NAMED.get(term)
        if named is None:
            if len(_NAMED) > 200_000:
                _NAMED.clear()
            named = _NAMED[term] = ox.NamedNode(str(term))
        return named
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def quads(triples: Iterable[tuple[Node, Node, Node]], graph: URIRef) -> list[ox.Quad]:
    """The triples as Oxigraph quads in `graph`."""
    g = ox.NamedNode(str(graph))
    return [ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in triples]  # type: ignore[arg-type]


def open_graph(graph_dir: Path, *, writable: bool = False) -> ox.Store:
    """The store of the build in `graph_dir`: its on-disk Oxigraph store (read-only unless `writable`).

    A build folder without the store (copied exports only) is loaded from its N-Quads into memory.
    """
    store_dir = graph_dir / STORE_DIR
    if not store_dir.is_dir() and (graph_dir / f".{STORE_DIR}.old").is_dir() and not writable:
        store_dir = graph_dir / f".{STORE_DIR}.old"  # a build killed while swapping its store in
    if store_dir.is_dir():
        try:
            return ox.Store(str(store_dir)) if writable else ox.Store.read_only(str(store_dir))
        except OSError as exc:
            raise TrialkgError(f"{store_dir}: cannot open the built graph's store: {exc}") from exc
    files = quad_files(graph_dir)
    if not files:
        raise GraphNotFoundError(
            f"{graph_dir}: no built graph here ({STORE_DIR}/ and {QUADS_FILE} are missing); run `trialkg build` first"
        )
    store = ox.Store()
    for path in files:
        try:
            store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, ValueError, OSError) as exc:
            raise TrialkgError(f"{path}: cannot load the built graph: {exc}") from exc
    return store


def quad_files(graph_dir: Path) -> list[Path]:
    """The build's N-Quads export: trialkg.nq, or its shards in order."""
    single = graph_dir / QUADS_FILE
    return [single] if single.is_file() else sorted(graph_dir.glob("trialkg-[0-9]*.nq"))


def select(store: ox.Store, name: str, bindings: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rows of the SELECT query `queries/NAME.rq`, with variables bound (never string-formatted).

    Each row maps variable name to a Python value: str for IRIs and plain literals, int/bool
    for typed ones; unbound variables are absent.
    """
    substitutions = {ox.Variable(k): _bind(v) for k, v in (bindings or {}).items()}
    solutions = store.query(query_text(name), substitutions=substitutions, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    rows = []
    for solution in solutions:
        row = {}
        for var in names:
            value = solution[var]
            if value is not None:
                row[var] = python_value(value)
        rows.append(row)
    return rows


def _bind(value: Any) -> ox.NamedNode | ox.Literal:
    if isinstance(value, (ox.NamedNode, ox.Literal)):
        return value
    if isinstance(value, URIRef):
        return ox.NamedNode(str(value))
    return ox.Literal(value)


_XSD = "http://www.w3.org/2001/XMLSchema#"


def python_value(term: Any) -> Any:
    """An Oxigraph term as a plain Python value (IRIs and dates as their text)."""
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if dt == _XSD + "integer":
            return int(term.value)
        if dt == _XSD + "boolean":
            return term.value in ("true", "1")
        if dt == _XSD + "double":
            return float(term.value)
        return term.value
    return term.value
