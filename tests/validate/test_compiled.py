"""The compiled shapes (the build's fast validator) against pySHACL (the reference), result for result.

Compared: focus node, path, severity, constraint component, message and value, on every shape
fixture (valid and invalid) and on real registry records, so a shape edit that the compiler reads
differently fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from testdata import DATA, SEEDS
from testdata import SHAPES as TESTS_SHAPES
from trialkg.normalize.enrich import enrich
from trialkg.parsers import parse_file
from trialkg.rdf.mapping import map_trial
from trialkg.validate import compiled as compiled_shapes
from trialkg.validate.pyshacl_engine import validate_graph

SHAPES = TESTS_SHAPES
FIXTURES = sorted((SHAPES / "valid").glob("*.ttl")) + sorted((SHAPES / "invalid").glob("*.ttl"))


def both(graph: rdflib.Graph) -> tuple[list, list]:
    return compiled_shapes.validate(list(graph)), validate_graph(graph)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_same_results_as_pyshacl_on_fixture(fixture: Path) -> None:
    fast, reference = both(rdflib.Graph().parse(fixture, format="turtle"))
    assert fast == reference


def registry_trials() -> list:
    files = sorted((DATA / "ctgov").glob("NCT*")) + SEEDS + sorted((DATA / "unseen").rglob("*.txt"))
    return [t for f in files for t in parse_file(f) if not isinstance(t, Exception)]


def test_same_results_as_pyshacl_on_registry_records_one_by_one_and_as_a_batch() -> None:
    trials = registry_trials()
    assert len(trials) >= 10
    batch = rdflib.Graph()
    for trial in trials:
        graph = rdflib.Graph()
        for triple in map_trial(enrich(trial)).triples:
            graph.add(triple)
        batch += graph
        fast, reference = both(graph)
        assert fast == reference, trial.nct_id
    fast, reference = both(batch)
    assert fast == reference


def test_an_unknown_constraint_is_an_error_not_a_pass() -> None:
    shapes = rdflib.Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:hasValue 1 ] .
        """,
        format="turtle",
    )
    with pytest.raises(NotImplementedError, match="hasValue"):
        compiled_shapes._Compiler(shapes).node_checks()
