"""Golden graphs: each seed document maps to exactly the expected RDF (compared as graphs, not text).

Regenerate after an intended change with `pytest tests/test_golden_graphs.py --update-goldens`
and review the diff of tests/golden/graphs/ like code.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from testdata import GOLDEN, SEEDS
from trialkg.normalize.enrich import enrich
from trialkg.parsers import parse_file
from trialkg.rdf.mapping import map_trial
from trialkg.rdf.terms import quads
from trialkg.store.export import serialize_bytes


def seed_graph(path) -> bytes:
    store = ox.Store()
    for trial in parse_file(path):
        mapped = map_trial(enrich(trial))
        store.extend(quads(mapped.triples, mapped.graph_iri))
    return serialize_bytes(sorted({q.triple for q in store}, key=str), ox.RdfFormat.N_TRIPLES)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_seed_graph_matches_golden(path, update_goldens):
    golden = GOLDEN / "graphs" / f"{path.stem}.nt"
    actual = seed_graph(path)
    if update_goldens:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(actual)
    expected_graph = rdflib.Graph().parse(golden, format="nt")
    actual_graph = rdflib.Graph().parse(data=actual.decode("utf-8"), format="nt")
    if not isomorphic(expected_graph, actual_graph):
        _both, missing, extra = graph_diff(to_isomorphic(expected_graph), to_isomorphic(actual_graph))
        pytest.fail(
            f"{path.name}: graph differs from {golden.name}\n"
            f"missing:\n{missing.serialize(format='nt')}\nunexpected:\n{extra.serialize(format='nt')}"
        )
