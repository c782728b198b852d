"""The shipped SPARQL queries (`queries/*.rq`) run over an Oxigraph store, parameters bound, never formatted in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from trialkg.resources import query_text


def select(
    store: ox.Store, name: str, bindings: Mapping[str, Any] | None = None, *, graph: str | None = None
) -> list[dict[str, Any]]:
    """Rows of the SELECT query `queries/NAME.rq`, with variables bound (never string-formatted).

    The query reads the store's default graph, the merged view (`GRAPH` reaches the sources' named
    graphs); with `graph`, that named graph is read as the default graph instead (one source's statements).

    Each row maps variable name to a Python value: str for IRIs and plain literals, int/bool
    for typed ones; unbound variables are absent.
    """
    substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
        ox.Variable(k): _bind(v) for k, v in (bindings or {}).items()
    }
    default = ox.NamedNode(graph) if graph else None
    solutions = store.query(query_text(name), substitutions=substitutions, default_graph=default)
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
