"""rdflib terms, as the mapping makes them, as Oxigraph's: what the validator, the store and the exports read."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

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


def quads(triples: Iterable[tuple[Node, Node, Node]], graph: URIRef | None = None) -> list[ox.Quad]:
    """The triples as Oxigraph quads in `graph` (None: the default graph)."""
    g = ox.NamedNode(str(graph)) if graph is not None else ox.DefaultGraph()
    return [ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in triples]  # type: ignore[arg-type]
