"""SHACL validation of trial graphs with pySHACL, results as plain data for reports."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import pyshacl
import rdflib
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from trialkg.resources import shapes_graph

_SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class ShaclResult:
    """One SHACL validation result, in words: what failed, where, how bad."""

    focus: str
    path: str | None
    severity: str
    message: str
    component: str
    value: str | None


@functools.lru_cache(maxsize=128)
def _prepared(text: str) -> Query:
    return prepareQuery(text)


class _PreparedQueries(rdflib.Graph):
    """A graph that parses each SPARQL text once: pySHACL sends a SPARQL constraint's text for every focus node,
    and rdflib would parse it every time (10-40 ms a query)."""

    def query(self, query_object, *args, **kwargs):  # type: ignore[no-untyped-def, override]
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
            severity=_SEVERITY.get(report.value(node, SH.resultSeverity), "Violation"),  # type: ignore[arg-type]
            message=str(report.value(node, SH.resultMessage) or ""),
            component=str(report.value(node, SH.sourceConstraintComponent)),
            value=None if value is None or isinstance(value, rdflib.BNode) else str(value),
        )


def field_of(r: ShaclResult) -> str:
    """The record field a result is about: shape messages start with it ("enrollment: ...")."""
    head, sep, _rest = r.message.partition(":")
    if sep and " " not in head.strip():
        return head.strip()
    return (r.path or "").rsplit("#", 1)[-1] or "(node)"


def sort_key(r: ShaclResult) -> tuple[str, ...]:
    return (r.focus, r.path or "", r.severity, r.component, r.message, r.value or "")


def is_violation(result: ShaclResult) -> bool:
    return result.severity == "Violation"
