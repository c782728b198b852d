"""SHACL shapes (shapes/trialkg.shacl.ttl) against the fixtures under tests/shapes/.

- every valid fixture gives no result at all;
- every invalid fixture gives its expected component and severity, with a message that names the field;
- every constraint of the shapes graph is triggered by an invalid fixture written for it, so a new
  constraint without a fixture fails here;
- the invalid fixtures are exactly what tests/shapes/make_fixtures.py writes;
- the shapes graph conforms to SHACL-SHACL, and every shape in it targets nodes or is used by one that does;
- the cross-field (SPARQL) rules at their edges: date precisions, age units, arms.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from testdata import SHAPES as TESTS_SHAPES
from trialkg.resources import shapes_graph
from trialkg.validate.pyshacl_engine import validate_graph
from trialkg.validate.results import ShaclResult

HERE = TESTS_SHAPES
VALID = sorted((HERE / "valid").glob("*.ttl"))
INVALID = sorted((HERE / "invalid").glob("*.ttl"))
TK = rdflib.Namespace("https://w3id.org/trialkg/ontology#")
TRIAL = rdflib.URIRef("https://w3id.org/trialkg/trial/NCT01234567")
#: A message starts with the record's field(s): "start_date: ...", "inclusion_criteria/exclusion_criteria: ...".
FIELD_FIRST = re.compile(r"^[a-z_]+(/[a-z_]+)*: \S")

_spec = importlib.util.spec_from_file_location("make_fixtures", HERE / "make_fixtures.py")
assert _spec and _spec.loader
make_fixtures = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = make_fixtures  # dataclasses look their module up there
_spec.loader.exec_module(make_fixtures)


def expectations(path: Path) -> tuple[str, str, str]:
    """(component, field, severity) from the fixture's `# expect-...` header; severity defaults to Violation."""
    text = path.read_text(encoding="utf-8")
    component = re.search(r"^# expect-component: (\S+)", text, re.M)
    message = re.search(r"^# expect-message: (.+)$", text, re.M)
    severity = re.search(r"^# expect-severity: (\S+)", text, re.M)
    assert component and message, f"{path.name} lacks its expect-* header"
    return component.group(1), message.group(1).strip(), severity.group(1) if severity else "Violation"


def parse(path: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(path, format="turtle")


def describe(results: list[ShaclResult]) -> list[tuple[str, str, str]]:
    return [(r.severity, r.component.rsplit("#", 1)[-1], r.message) for r in results]


# ---------------------------------------------------------------- fixtures


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_gives_no_result(path):
    assert describe(validate_graph(parse(path))) == []


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_fails_readably(path):
    component, field, severity = expectations(path)
    results = validate_graph(parse(path))
    assert all(FIELD_FIRST.match(r.message) for r in results), describe(results)
    matching = [r for r in results if r.component.endswith("#" + component) and r.severity == severity]
    assert matching, f"expected a {severity} from sh:{component}, got {describe(results)}"
    assert all(r.message.startswith(field + ":") or r.message.startswith(field + "/") for r in matching), [
        r.message for r in matching
    ]
    if severity == "Violation":
        return
    # A warning or note fixture breaks nothing else.
    assert [r for r in results if r.severity == "Violation"] == []


def test_every_invalid_fixture_differs_from_a_valid_one_by_little():
    # Guards the fixtures themselves: each is a valid fixture with one or two statements changed.
    bases = [set(parse(path)) for path in VALID]
    for path in INVALID:
        broken = set(parse(path))
        assert min(len(base ^ broken) for base in bases) <= 3, path.name


def test_fixtures_are_what_the_generator_writes():
    expected = make_fixtures.render_all()
    actual = {path.name: path.read_text(encoding="utf-8") for path in INVALID}
    assert set(actual) == set(expected), (
        f"missing {sorted(set(expected) - set(actual))}, stale {sorted(set(actual) - set(expected))}: "
        "run `python tests/shapes/make_fixtures.py`"
    )
    for name, text in expected.items():
        assert actual[name] == text, f"{name} is out of date: run `python tests/shapes/make_fixtures.py`"


# ---------------------------------------------------------------- every constraint has a fixture

#: Constraint parameters (SHACL Core and SPARQL) and the component that reports each.
COMPONENTS = {
    SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent",
    SH["class"]: "ClassConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH.pattern: "PatternConstraintComponent",
    SH["in"]: "InConstraintComponent",
    SH.minLength: "MinLengthConstraintComponent",
    SH.maxLength: "MaxLengthConstraintComponent",
    SH.minInclusive: "MinInclusiveConstraintComponent",
    SH.maxInclusive: "MaxInclusiveConstraintComponent",
    SH.minExclusive: "MinExclusiveConstraintComponent",
    SH.maxExclusive: "MaxExclusiveConstraintComponent",
    SH.hasValue: "HasValueConstraintComponent",
    SH.equals: "EqualsConstraintComponent",
    SH.disjoint: "DisjointConstraintComponent",
    SH.lessThan: "LessThanConstraintComponent",
    SH.lessThanOrEquals: "LessThanOrEqualsConstraintComponent",
    SH.uniqueLang: "UniqueLangConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent",
    SH.node: "NodeConstraintComponent",
    SH["or"]: "OrConstraintComponent",
    SH["and"]: "AndConstraintComponent",
    SH["not"]: "NotConstraintComponent",
    SH.xone: "XoneConstraintComponent",
    SH.closed: "ClosedConstraintComponent",
    SH.qualifiedValueShape: "QualifiedMinCountConstraintComponent",
    SH.sparql: "SPARQLConstraintComponent",
}
#: sh: terms on a shape that are not constraints of their own.
NOT_CONSTRAINTS = {
    SH.path, SH.message, SH.severity, SH.deactivated, SH.name, SH.description, SH.order, SH.group,
    SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target, SH.property,
    SH.flags, SH.ignoredProperties, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint,
}  # fmt: skip
LISTS = (SH["or"], SH["and"], SH.xone)
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)

Key = tuple[rdflib.term.Node, str, rdflib.term.Node | None]  # (shape, component, sh:sparql node or None)


def _reporting_shapes(sg: rdflib.Graph) -> Iterator[rdflib.term.Node]:
    """Shapes whose constraints report results themselves: targeted shapes, their property shapes, and the value
    shapes they use (see value_shapes()). Members of sh:or/sh:xone lists report through the list alone."""
    seen: set[rdflib.term.Node] = set()
    todo = [s for p in TARGETS for s in sg.subjects(p, None)] + list(value_shapes(sg))
    while todo:
        shape = todo.pop()
        if shape in seen:
            continue
        seen.add(shape)
        yield shape
        todo.extend(sg.objects(shape, SH.property))


def value_shapes(sg: rdflib.Graph) -> dict[rdflib.term.Node, tuple[str, list[rdflib.term.Node]]]:
    """Shapes that check the values of another shape: those used with sh:node, and the members of sh:and lists.
    Each with the component of the user that reports it, and the shapes that use it."""
    out: dict[rdflib.term.Node, tuple[str, list[rdflib.term.Node]]] = {}
    for user, shape in sg.subject_objects(SH.node):
        out.setdefault(shape, ("NodeConstraintComponent", []))[1].append(user)
    for user, members in sg.subject_objects(SH["and"]):
        for shape in Collection(sg, members):
            out.setdefault(shape, ("AndConstraintComponent", []))[1].append(user)
    return out


def constraint_keys(sg: rdflib.Graph) -> dict[Key, str]:
    """Every constraint of the shapes graph, keyed by (shape, component, SPARQL constraint), described in words."""
    keys: dict[Key, str] = {}
    for shape in set(_reporting_shapes(sg)):
        for param in set(sg.predicates(shape, None)):
            if not str(param).startswith(str(SH)) or param in NOT_CONSTRAINTS:
                continue
            assert param in COMPONENTS, f"{param} on {name(sg, shape)}: teach tests/test_shapes.py this parameter"
            for value in sg.objects(shape, param) if param == SH.sparql else [None]:
                keys[(shape, COMPONENTS[param], value)] = f"{name(sg, shape)} {COMPONENTS[param]}" + (
                    f" ({str(sg.value(value, SH.message))[:40]}...)" if value is not None else ""
                )
    return keys


def name(sg: rdflib.Graph, shape: rdflib.term.Node) -> str:
    """A shape in words: its IRI's name; for a blank property shape, its node shape and path; for a list member,
    the list's name and the member's position in it."""
    if isinstance(shape, rdflib.URIRef):
        return shape.n3(sg.namespace_manager)
    cell = sg.value(None, RDF.first, shape)
    if cell is not None:
        position = 1
        while (previous := sg.value(None, RDF.rest, cell)) is not None:
            cell, position = previous, position + 1
        return f"{name(sg, cell)}[{position}]"
    owner = sg.value(None, SH.property, shape)
    path = sg.value(shape, SH.path)
    alternatives = sg.value(path, SH.alternativePath) if path is not None else None
    if alternatives is not None:
        text = "|".join(p.n3(sg.namespace_manager) for p in Collection(sg, alternatives))
    else:
        text = path.n3(sg.namespace_manager) if path is not None else "(no path)"
    severity = sg.value(shape, SH.severity)
    return f"{name(sg, owner) if owner is not None else '_'} {text}" + (
        f" ({severity.n3(sg.namespace_manager)})" if severity is not None else ""
    )


@functools.cache
def coverage_shapes() -> rdflib.Graph:
    """The shapes graph plus, for each value shape, a target on the values it checks: its own constraints then
    report directly (as well as through its user's sh:node or sh:and), so each can be matched to a fixture."""
    sg = rdflib.Graph()
    for prefix, namespace in shapes_graph().namespaces():
        sg.bind(prefix, namespace)
    for triple in shapes_graph():
        sg.add(triple)
    for shape, (_component, users) in value_shapes(shapes_graph()).items():
        for user in users:
            path = sg.value(user, SH.path)
            if isinstance(path, rdflib.URIRef):
                sg.add((shape, SH.targetObjectsOf, path))
    return sg


def triggered(path: Path) -> set[Key]:
    """The (shape, component, SPARQL constraint) of every result of the fixture's expected kind."""
    component, _field, severity = expectations(path)
    _conforms, report, _text = pyshacl.validate(
        parse(path), shacl_graph=coverage_shapes(), inference="none", advanced=True, allow_warnings=True
    )
    assert isinstance(report, rdflib.Graph), report
    reported_through = {shape: via for shape, (via, _users) in value_shapes(shapes_graph()).items()}
    found = set()
    for r in report.objects(None, SH.result):
        shape = report.value(r, SH.sourceShape)
        got = str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
        # A value shape's constraint counts for a fixture that expects it reported through its user.
        if component == reported_through.get(shape, got) and report.value(r, SH.resultSeverity) == SH[severity]:
            sparql = report.value(r, SH.sourceConstraint) if got == "SPARQLConstraintComponent" else None
            found.add((shape, got, sparql))
    return found


@pytest.mark.slow  # one pySHACL run per invalid fixture, in one test
def test_every_constraint_has_an_invalid_fixture():
    keys = constraint_keys(coverage_shapes())
    covered = set().union(*(triggered(path) for path in INVALID))
    missing = sorted(text for key, text in keys.items() if key not in covered)
    assert not missing, "constraints no fixture under tests/shapes/invalid/ triggers:\n" + "\n".join(missing)


def test_constraint_enumeration_sees_every_kind_of_constraint():
    # Guards the test above: it must see the SPARQL rules, the value shapes and the named property shape.
    keys = constraint_keys(coverage_shapes())
    components = {component for _shape, component, _sparql in keys}
    assert {"SPARQLConstraintComponent", "AndConstraintComponent", "OrConstraintComponent"} <= components
    names = {text.split(" ")[0] for text in keys.values()}
    assert {"shape:Position[1]", "shape:Position[2]", "shape:MeshPairingProperty", "shape:TrialDateOrderShape"} <= names
    assert len(keys) > 100


# ---------------------------------------------------------------- the shapes graph itself


def test_shapes_graph_conforms_to_shacl_shacl():
    conforms, _report, text = pyshacl.validate(
        shapes_graph(), shacl_graph=_shacl_shacl(), inference="none", advanced=True
    )
    assert conforms, text


def test_shacl_shacl_check_catches_a_broken_shape():
    # Guards the test above: a shapes graph with a malformed constraint must not conform.
    broken = rdflib.Graph()
    for triple in shapes_graph():
        broken.add(triple)
    broken.add((rdflib.URIRef("https://w3id.org/trialkg/shapes#Position"), SH.minCount, rdflib.Literal("one")))
    conforms, _report, _text = pyshacl.validate(
        broken, shacl_graph=_shacl_shacl(), inference="none", advanced=True, abort_on_first=True
    )
    assert not conforms


def _shacl_shacl() -> rdflib.Graph:
    path = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"
    return rdflib.Graph().parse(path, format="turtle")


def test_every_shape_targets_or_is_used():
    sg = shapes_graph()
    shapes = set(sg.subjects(RDF.type, SH.NodeShape)) | set(sg.subjects(RDF.type, SH.PropertyShape))
    shapes |= {s for p in (*COMPONENTS, SH.path) for s in sg.subjects(p, None)}
    shapes -= set(sg.objects(None, SH.sparql))  # a SPARQL constraint is not a shape
    used: set[rdflib.term.Node] = set()
    todo = [s for p in TARGETS for s in sg.subjects(p, None)]
    while todo:
        shape = todo.pop()
        if shape in used:
            continue
        used.add(shape)
        for p in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
            todo.extend(sg.objects(shape, p))
        for p in LISTS:
            for members in sg.objects(shape, p):
                todo.extend(Collection(sg, members))
    assert not shapes - used, sorted(name(sg, s) for s in shapes - used)


def test_every_message_names_its_field_first():
    sg = shapes_graph()
    for message in sg.objects(None, SH.message):
        assert FIELD_FIRST.match(str(message)), message


def test_sparql_constraints_declare_their_prefixes():
    sg = shapes_graph()
    declared = {str(sg.value(d, SH.prefix)) for d in sg.objects(None, SH.declare)}
    for constraint in sg.objects(None, SH.sparql):
        assert sg.value(constraint, SH.prefixes) is not None
        used = set(re.findall(r"\b([a-z]+):[A-Za-z]", str(sg.value(constraint, SH.select))))
        assert used <= declared, used - declared


# ---------------------------------------------------------------- cross-field rules at their edges


def full_trial() -> rdflib.Graph:
    return parse(HERE / "valid" / "full_trial.ttl")


def with_values(**values: rdflib.Literal | None) -> rdflib.Graph:
    """The full valid trial with some of its fields set (None: removed)."""
    g = full_trial()
    for prop, value in values.items():
        g.remove((TRIAL, TK[prop], None))
        if value is not None:
            g.add((TRIAL, TK[prop], value))
    return g


def date(text: str) -> rdflib.Literal:
    kind = {4: "gYear", 7: "gYearMonth", 10: "date"}[len(text)]
    return rdflib.Literal(text, datatype=rdflib.XSD[kind])


def messages(g: rdflib.Graph, field: str) -> list[str]:
    return [r.message for r in validate_graph(g) if r.message.startswith(field + ":")]


@pytest.mark.parametrize(
    "start,end,late",
    [
        ("2019-10", "2019-10-23", False),  # same month, the end more precise
        ("2019-10-23", "2019-10", False),  # same month, the start more precise
        ("2019-10-23", "2019-10-23", False),
        ("2019", "2019-01-01", False),
        ("2019-05-03", "2019", False),
        ("2020", "2019-05-03", True),
        ("2019-11", "2019-10-23", True),
        ("2019-10-24", "2019-10-23", True),
        ("2019-10-23", "2019-09", True),
        ("2019-12-31", "2020", False),
    ],
)
def test_start_date_against_completion_dates_at_common_precision(start, end, late):
    g = with_values(startDate=date(start), completionDate=date(end), primaryCompletionDate=date(end))
    found = messages(g, "start_date")
    named = {m.split(" after its ")[1].split(" (")[0] for m in found}
    assert named == ({"completion_date", "primary_completion_date"} if late else set()), found


def test_start_date_rule_needs_both_dates():
    no_end = with_values(startDate=date("2030"), completionDate=None, primaryCompletionDate=None)
    assert messages(no_end, "start_date") == []
    no_start = with_values(startDate=None, completionDate=date("2001"))
    assert messages(no_start, "start_date") == []


@pytest.mark.parametrize(
    "low,high,above",
    [
        ("18 Years", "65 Years", False),
        ("12 Months", "1 Year", False),  # a month is a twelfth of a year
        ("1 Year", "12 Months", False),
        ("24 Hours", "1 Day", False),
        ("60 Minutes", "1 Hour", False),
        ("4 Weeks", "1 Month", False),
        ("0 Years", "0 Days", False),
        ("6 Months", "2 Years", False),
        ("2 Years", "18 Months", True),
        ("25 Hours", "1 Day", True),
        ("90 Minutes", "1 Hour", True),
        ("6 Months", "2 Weeks", True),
        ("1 Year", "52 Weeks", True),  # 365.25 days against 364
        ("66 Years", "65 Years", True),
    ],
)
def test_min_age_against_max_age_across_units(low, high, above):
    found = messages(with_values(minimumAge=rdflib.Literal(low), maximumAge=rdflib.Literal(high)), "min_age")
    assert len(found) == int(above), found


def test_malformed_ages_are_reported_by_their_pattern_not_compared():
    g = with_values(minimumAge=rdflib.Literal("eighteen"), maximumAge=rdflib.Literal("1 Day"))
    results = [r for r in validate_graph(g) if r.message.startswith("min_age")]
    assert [r.component.rsplit("#", 1)[-1] for r in results] == ["PatternConstraintComponent"]


def test_an_arm_may_give_only_its_own_trials_interventions():
    g = full_trial()
    other = rdflib.URIRef("https://w3id.org/trialkg/trial/NCT07654321/intervention/1")
    g.add((rdflib.URIRef(str(TRIAL) + "/arm/2"), TK.armIntervention, other))
    g.add((other, RDF.type, TK.Intervention))
    found = [r for r in validate_graph(g) if r.component.endswith("#SPARQLConstraintComponent")]
    assert [(r.focus, r.path, r.value) for r in found] == [(str(TRIAL), str(TK.arm), str(TRIAL) + "/arm/2")]
    assert found[0].message == (
        f"arms: the arm 'Placebo' gives an intervention that is not one of this trial's interventions ({other})"
    )


# ---------------------------------------------------------------- severities


def test_missing_recommended_fields_are_warnings():
    g = with_values(condition=None, briefTitle=None, overallStatus=None)
    results = validate_graph(g)
    assert not [r for r in results if r.severity == "Violation"], describe(results)
    warned = {r.message.split(":")[0] for r in results if r.severity == "Warning"}
    assert warned == {"conditions", "brief_title", "overall_status"}


def test_notes_are_info():
    g = with_values(nctId=None, eligibilityCriterion=None)
    for criterion in list(g.subjects(TK.criterionType, None)):
        g.remove((criterion, None, None))
    results = validate_graph(g)
    assert {(r.severity, r.message.split(":")[0]) for r in results} == {
        ("Info", "nct_id"),
        ("Info", "inclusion_criteria/exclusion_criteria"),
    }
