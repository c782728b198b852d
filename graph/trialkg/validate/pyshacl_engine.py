"""The reference engine: the shipped shapes run by pySHACL (what `trialkg validate` uses by default)."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import pyshacl
import rdflib
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from trialkg.resources import shapes_graph
from trialkg.validate.results import SEVERITY, ShaclResult, sort_key


@functools.lru_cache(maxsize=128)
def _prepared(text: str) -> Query:
    return prepareQuery(text)


class _PreparedQueries(rdflib.Graph):
    """A graph that parses each SPARQL text once: pySHACL sends a SPARQL constraint's text for every focus node,
    and rdflib would parse it every time (10-40 ms a query)."""

    def query(self, query_object, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(query_object, str):
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


def validate_graph(data: rdflib.Graph) -> list[ShaclResult]:
    """Every result of validating `data` against the shipped shapes, sorted (deterministic)."""
    graph = _PreparedQueries()
    graph += data
    _conforms, report, _text = pyshacl.validate(
        graph,
        shacl_graph=shapes_graph(),
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=True,  # validate `graph` itself: pySHACL's copy would be a plain Graph again
    )
    return sorted(_results(report), key=sort_key)


def validate_triples(
    triples: Iterable[tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]],
) -> list[ShaclResult]:
    graph = rdflib.Graph()
    for triple in triples:
        graph.add(triple)
    return validate_graph(graph)


def _results(report: rdflib.Graph) -> Iterable[ShaclResult]:
    for node in report.objects(None, SH.result):  # top-level results only, not their nested sh:detail
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        yield ShaclResult(
            focus=str(report.value(node, SH.focusNode)),
            path=None if path is None or isinstance(path, rdflib.BNode) else str(path),
            severity=SEVERITY.get(report.value(node, SH.resultSeverity), "Violation"),  # type: ignore[call-overload]
            message=str(report.value(node, SH.resultMessage) or ""),
            component=str(report.value(node, SH.sourceConstraintComponent)),
            value=None if value is None or isinstance(value, rdflib.BNode) else str(value),
        )
