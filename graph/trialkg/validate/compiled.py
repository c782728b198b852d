"""The shipped SHACL shapes compiled into plain Python checks, for validating at build speed.

pySHACL costs 30-40 ms a registry trial (most of it fixed cost per call and rdflib's SPARQL), which
caps a build at ~30 trials/s. The shapes use a small part of SHACL Core (counts, datatype, sh:in,
pattern, minLength, class, nodeKind, numeric ranges, sh:and/sh:or/sh:node over those) plus three
SHACL-SPARQL constraints. The Core part is compiled here, once, into closures over a per-batch
index; the SPARQL constraints run as written, once per batch, on an in-memory Oxigraph store.
Reading a constraint this module does not know is an error at compile time, never a silent pass.

pySHACL stays the reference (pyshacl_engine.py): `trialkg validate` uses it, and
tests/validate/test_compiled.py checks that both give the same results on every shape fixture and
on real records.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD

from trialkg.rdf.terms import to_ox
from trialkg.resources import shapes_graph
from trialkg.validate.results import SEVERITY, ShaclResult, TrialResult, sort_key

Node = URIRef | Literal | BNode
#: A term of the shapes graph, as rdflib types it.
ShapeTerm = rdflib.term.Node
#: subject -> predicate -> values, for the triples of one batch.
Index = dict[Node, dict[URIRef, list[Node]]]
ValueTest = Callable[[Node, Index], bool]

_TYPE = RDF.type

#: Parameters of a property shape that are not constraints.
_NOT_CONSTRAINTS = frozenset(
    {SH.path, SH.message, SH.severity, RDF.type, SH.name, SH.description, SH.order, SH.group, rdflib.RDFS.label,
     rdflib.RDFS.comment}
)  # fmt: skip


#: Parameters of a node shape that are not constraints on the focus node itself.
_NODE_SHAPE_PARAMETERS = _NOT_CONSTRAINTS | {SH.property, SH.targetClass, SH.targetSubjectsOf}


@dataclass(frozen=True)
class _SparqlCheck:
    query: str
    message: str


@dataclass(frozen=True)
class _PropertyCheck:
    path: str | None  # None for a complex path (reported without one, like pySHACL's blank node)
    #: The path's predicates (alternatives); empty for a node shape's own constraints on the focus node.
    predicates: tuple[URIRef, ...]
    severity: str
    message: str
    min_count: int | None
    max_count: int | None
    value_tests: tuple[tuple[str, ValueTest], ...]  # (component IRI, test)
    sparql: tuple[_SparqlCheck, ...]


@dataclass(frozen=True)
class _NodeCheck:
    target_classes: tuple[URIRef, ...]
    target_subjects_of: tuple[URIRef, ...]
    properties: tuple[_PropertyCheck, ...]


# ------------------------------------------------------------------------------------------ compiling


def _component(name: str) -> str:
    return str(SH) + name + "ConstraintComponent"


def _is_string_literal(v: Node) -> bool:
    return isinstance(v, Literal) and v.language is None and v.datatype in (None, XSD.string)


def _datatype_test(dt: URIRef) -> ValueTest:
    if dt == XSD.string:
        return lambda v, _i: _is_string_literal(v)
    return lambda v, _i: isinstance(v, Literal) and v.datatype == dt and not v.ill_typed


def _compare_test(bound: Literal, ok: Callable[[Any, Any], bool]) -> ValueTest:
    limit = bound.toPython()

    def test(v: Node, _i: Index) -> bool:
        if not isinstance(v, Literal) or v.ill_typed:
            return False
        try:
            return bool(ok(v.toPython(), limit))
        except TypeError:
            return False

    return test


_NODE_KINDS: dict[URIRef, Callable[[Node], bool]] = {
    SH.IRI: lambda v: isinstance(v, URIRef),
    SH.Literal: lambda v: isinstance(v, Literal),
    SH.BlankNode: lambda v: isinstance(v, BNode),
    SH.BlankNodeOrIRI: lambda v: isinstance(v, (BNode, URIRef)),
    SH.BlankNodeOrLiteral: lambda v: isinstance(v, (BNode, Literal)),
    SH.IRIOrLiteral: lambda v: isinstance(v, (URIRef, Literal)),
}


class _Compiler:
    """Reads the shapes graph into checks; one instance per shapes graph."""

    def __init__(self, shapes: rdflib.Graph) -> None:
        self.g = shapes
        self.prefixes = self._prefixes()

    def _prefixes(self) -> str:
        lines = [
            f"PREFIX {self.g.value(d, SH.prefix)}: <{self.g.value(d, SH.namespace)}>"
            for d in self.g.objects(None, SH.declare)
        ]
        return "\n".join(sorted(lines)) + "\n"

    def node_checks(self) -> tuple[_NodeCheck, ...]:
        shapes = sorted(set(self.g.subjects(RDF.type, SH.NodeShape)), key=str)
        return tuple(
            _NodeCheck(
                target_classes=tuple(self.g.objects(shape, SH.targetClass)),  # type: ignore[arg-type]
                target_subjects_of=tuple(self.g.objects(shape, SH.targetSubjectsOf)),  # type: ignore[arg-type]
                properties=(
                    *self.own_checks(shape),
                    *(self.property_check(p) for p in self.g.objects(shape, SH.property)),
                ),
            )
            for shape in shapes
        )

    def own_checks(self, shape: ShapeTerm) -> tuple[_PropertyCheck, ...]:
        """A node shape's constraints on the focus node itself (sh:nodeKind, sh:pattern, sh:sparql...), if any."""
        own = [(p, v) for p, v in sorted(self.g.predicate_objects(shape)) if p not in _NODE_SHAPE_PARAMETERS]
        if not own:
            return ()
        return (
            _PropertyCheck(
                path=None, predicates=(),
                severity=SEVERITY[self.g.value(shape, SH.severity, default=SH.Violation)],  # type: ignore[index]
                message=str(self.g.value(shape, SH.message) or ""), min_count=None, max_count=None,
                value_tests=tuple(self.value_test(p, v) for p, v in own if p != SH.sparql),
                sparql=tuple(self.sparql_check(v, None) for p, v in own if p == SH.sparql),
            ),
        )  # fmt: skip

    def sparql_check(self, constraint: ShapeTerm, path: ShapeTerm | None) -> _SparqlCheck:
        text = str(self.g.value(constraint, SH.select)).replace("$this", "?this")
        if path is not None:
            text = text.replace("$PATH", f"<{path}>")
        return _SparqlCheck(self.prefixes + text, str(self.g.value(constraint, SH.message)))

    def property_check(self, shape: ShapeTerm) -> _PropertyCheck:
        g = self.g
        path = g.value(shape, SH.path)
        predicates: tuple[URIRef, ...]
        if isinstance(path, URIRef):
            shown, predicates = str(path), (path,)
        elif (alternatives := g.value(path, SH.alternativePath)) is not None:
            shown, predicates = None, tuple(_iri(m) for m in Collection(g, alternatives))
        else:
            raise NotImplementedError(f"compiled shapes: unsupported sh:path {path!r} on {shape}")
        severity = g.value(shape, SH.severity, default=SH.Violation)
        value_tests: list[tuple[str, ValueTest]] = []
        sparql: list[_SparqlCheck] = []
        min_count = max_count = None
        for parameter, value in sorted(g.predicate_objects(shape)):
            if parameter in _NOT_CONSTRAINTS:
                continue
            if parameter == SH.minCount:
                min_count = int(str(value))
            elif parameter == SH.maxCount:
                max_count = int(str(value))
            elif parameter == SH.sparql:
                sparql.append(self.sparql_check(value, path))
            else:
                value_tests.append(self.value_test(parameter, value))
        return _PropertyCheck(
            path=shown,
            predicates=predicates,
            severity=SEVERITY[severity],  # type: ignore[index]
            message=str(g.value(shape, SH.message) or ""),
            min_count=min_count,
            max_count=max_count,
            value_tests=tuple(value_tests),
            sparql=tuple(sparql),
        )

    def value_test(self, parameter: ShapeTerm, value: ShapeTerm) -> tuple[str, ValueTest]:
        """(component, test) for one constraint parameter that applies to each value node."""
        g = self.g
        if parameter == SH.datatype:
            return _component("Datatype"), _datatype_test(value)  # type: ignore[arg-type]
        if parameter == SH["in"]:
            allowed = frozenset(Collection(g, value))
            return _component("In"), lambda v, _i: v in allowed
        if parameter == SH.pattern:
            regex = re.compile(str(value))  # sh:flags is not supported: it fails as an unknown parameter
            return _component("Pattern"), lambda v, _i: not isinstance(v, BNode) and bool(regex.search(str(v)))
        if parameter == SH.minLength:
            n = int(str(value))
            return _component("MinLength"), lambda v, _i: not isinstance(v, BNode) and len(str(v)) >= n
        if parameter == SH.maxLength:
            n = int(str(value))
            return _component("MaxLength"), lambda v, _i: not isinstance(v, BNode) and len(str(v)) <= n
        if parameter == SH["class"]:
            return _component("Class"), lambda v, i: value in i.get(v, {}).get(_TYPE, ())
        if parameter == SH.nodeKind:
            kind = _NODE_KINDS[value]  # type: ignore[index]
            return _component("NodeKind"), lambda v, _i: kind(v)
        if parameter == SH.minInclusive:
            return _component("MinInclusive"), _compare_test(value, lambda a, b: a >= b)  # type: ignore[arg-type]
        if parameter == SH.maxInclusive:
            return _component("MaxInclusive"), _compare_test(value, lambda a, b: a <= b)  # type: ignore[arg-type]
        if parameter == SH.minExclusive:
            return _component("MinExclusive"), _compare_test(value, lambda a, b: a > b)  # type: ignore[arg-type]
        if parameter == SH.maxExclusive:
            return _component("MaxExclusive"), _compare_test(value, lambda a, b: a < b)  # type: ignore[arg-type]
        if parameter in (SH["or"], SH["and"]):
            members = [self.shape_test(m) for m in Collection(g, value)]
            combine = any if parameter == SH["or"] else all
            name = "Or" if parameter == SH["or"] else "And"
            return _component(name), lambda v, i: combine(m(v, i) for m in members)
        if parameter == SH.node:
            member = self.shape_test(value)
            return _component("Node"), member
        raise NotImplementedError(f"compiled shapes: unsupported constraint {parameter} (add it here, with a test)")

    def shape_test(self, shape: ShapeTerm) -> ValueTest:
        """Whether a value conforms to a shape used inside sh:or / sh:and / sh:node (value constraints only)."""
        tests = [
            self.value_test(p, v)[1]
            for p, v in sorted(self.g.predicate_objects(shape))
            if p not in _NOT_CONSTRAINTS and p != SH.property
        ]
        props = [self.property_check(p) for p in self.g.objects(shape, SH.property)]
        if props:

            def with_properties(v: Node, i: Index) -> bool:
                return all(t(v, i) for t in tests) and not any(_check_property(p, v, i) for p in props)

            return with_properties
        return lambda v, i: all(t(v, i) for t in tests)


def _iri(term: ShapeTerm) -> URIRef:
    """A path alternative of the shapes: only predicates (IRIs) are supported."""
    if not isinstance(term, URIRef):
        raise NotImplementedError(f"compiled shapes: unsupported path alternative {term!r}")
    return term


@functools.cache
def compiled() -> tuple[_NodeCheck, ...]:
    """The shipped shapes, compiled once per process."""
    return _Compiler(shapes_graph()).node_checks()


# ------------------------------------------------------------------------------------------ checking


def index_of(triples: Iterable[tuple[Node, Node, Node]]) -> Index:
    index: Index = defaultdict(lambda: defaultdict(list))
    seen: set[tuple[Node, Node, Node]] = set()
    for t in triples:
        if t not in seen:
            seen.add(t)
            index[t[0]][t[1]].append(t[2])  # type: ignore[index]
    return index


def _values(prop: _PropertyCheck, focus: Node, index: Index) -> list[Node]:
    if not prop.predicates:
        return [focus]
    by_predicate = index.get(focus)
    if not by_predicate:
        return []
    if len(prop.predicates) == 1:
        return by_predicate.get(prop.predicates[0], [])
    return [v for p in prop.predicates for v in by_predicate.get(p, ())]


def _check_property(prop: _PropertyCheck, focus: Node, index: Index) -> list[ShaclResult]:
    values = _values(prop, focus, index)
    results = []

    def fail(component: str, value: Node | None) -> None:
        results.append(
            ShaclResult(
                focus=str(focus), path=prop.path, severity=prop.severity, message=prop.message,
                component=component, value=None if value is None or isinstance(value, BNode) else str(value),
            )
        )  # fmt: skip

    if prop.min_count is not None and len(values) < prop.min_count:
        fail(_component("MinCount"), None)
    if prop.max_count is not None and len(values) > prop.max_count:
        fail(_component("MaxCount"), None)
    for component, test in prop.value_tests:
        for v in values:
            if not test(v, index):
                fail(component, v)
    return results


def _focus_nodes(
    check: _NodeCheck, by_class: dict[Node, list[Node]], by_predicate: dict[Node, list[Node]]
) -> list[Node]:
    found = [s for c in check.target_classes for s in by_class.get(c, ())]
    found += [s for p in check.target_subjects_of for s in by_predicate.get(p, ())]
    return list(dict.fromkeys(found))


def validate(triples: Sequence[tuple[Node, Node, Node]], store: ox.Store | None = None) -> list[ShaclResult]:
    """Every result of validating `triples` (one trial or a batch) against the shipped shapes, sorted.

    `store`, when given, holds the same triples (in any graphs) for the SPARQL constraints; without it
    one is made here.
    """
    index = index_of(triples)
    by_class: dict[Node, list[Node]] = defaultdict(list)
    by_predicate: dict[Node, list[Node]] = defaultdict(list)
    for subject, values in index.items():
        for predicate in values:
            by_predicate[predicate].append(subject)
        for cls in values.get(_TYPE, ()):
            by_class[cls].append(subject)
    results: list[ShaclResult] = []
    sparql_checks: list[tuple[_PropertyCheck, _SparqlCheck, set[str]]] = []
    for check in compiled():
        focus_nodes = _focus_nodes(check, by_class, by_predicate)
        if not focus_nodes:
            continue
        for prop in check.properties:
            for focus in focus_nodes:
                results.extend(_check_property(prop, focus, index))
            sparql_checks.extend((prop, s, {str(f) for f in focus_nodes}) for s in prop.sparql)
    if sparql_checks:
        if store is None:
            store = ox.Store()
            store.extend(_to_ox_quads(index))
        for prop, sparql, focus_iris in sparql_checks:
            results.extend(_run_sparql(store, prop, sparql, focus_iris, index))
    return sorted(set(results), key=sort_key)


def validate_batch(
    trials: Iterable[tuple[str, Sequence[tuple[Node, Node, Node]], Iterable[ox.Quad]]], source: str
) -> list[TrialResult]:
    """Results for a batch of (trial IRI, its triples, the same as quads) read from `source`, each attributed
    to the first trial whose triples have its focus node as subject (else to the focus node itself).

    The quads fill one in-memory store for the batch, so the SPARQL constraints run once, not once a trial.
    """
    store = ox.Store()
    owner: dict[str, str] = {}
    triples: list[tuple[Node, Node, Node]] = []
    for trial, trial_triples, statements in trials:
        store.extend(statements)
        for triple in trial_triples:
            owner.setdefault(str(triple[0]), trial)
        triples.extend(trial_triples)
    return [TrialResult(owner.get(r.focus, r.focus), source, r) for r in validate(triples, store)]


def _run_sparql(
    store: ox.Store, prop: _PropertyCheck, check: _SparqlCheck, focus: set[str], index: Index
) -> list[ShaclResult]:
    solutions = store.query(check.query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    results = []
    for row in solutions:
        this = row["this"]
        if this is None or this.value not in focus:
            continue
        bound = {n: _as_written(row[n], index) for n in names if row[n] is not None}
        value = bound.get("value")
        results.append(
            ShaclResult(
                focus=this.value, path=prop.path, severity=prop.severity, message=_fill_message(check.message, bound),
                component=str(SH.SPARQLConstraintComponent), value=value,
            )
        )  # fmt: skip
    return results


def _as_written(term: Any, index: Index) -> str:
    """A solution's term as the data writes it: Oxigraph keeps numbers in canonical form ("45.0" -> "45")."""
    if isinstance(term, ox.Literal) and term.datatype.value in _NUMERIC:
        for by_predicate in index.values():
            for values in by_predicate.values():
                for v in values:
                    if isinstance(v, Literal) and str(v.datatype) == term.datatype.value and _same_number(v, term):
                        return str(v)
    return str(term.value)


_NUMERIC = {str(XSD[t]) for t in ("decimal", "double", "float", "integer", "int", "long", "nonNegativeInteger")}


def _same_number(v: Literal, term: ox.Literal) -> bool:
    try:
        return float(v) == float(term.value)
    except (TypeError, ValueError):
        return False


def _fill_message(template: str, bound: dict[str, str]) -> str:
    """The message with its {?var} / {$var} placeholders replaced by the solution's values."""

    def value(match: re.Match[str]) -> str:
        return bound.get(match.group(1), "")

    return re.sub(r"\{[?$](\w+)\}", value, template)


def _to_ox_quads(index: Index) -> Iterable[ox.Quad]:
    for s, by_predicate in index.items():
        for p, values in by_predicate.items():
            for o in values:
                yield ox.Quad(to_ox(s), to_ox(p), to_ox(o))  # type: ignore[arg-type]
