"""The scale benchmark's rdflib baseline answers like Oxigraph: same quads, same rows, same dataset."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest
import rdflib
from rdflib.compare import isomorphic
from testdata import ROOT
from trialkg.errors import TrialkgError
from trialkg.resources import query_text


def _baseline() -> ModuleType:
    """benchmarks/rdflib_baseline.py, imported from its file (the benchmarks are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("rdflib_baseline", ROOT / "benchmarks" / "rdflib_baseline.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


baseline = _baseline()
BACKENDS, open_backend = baseline.BACKENDS, baseline.open_backend


@pytest.fixture(scope="module")
def loaded(seed_build) -> dict:
    backends = {}
    for name in BACKENDS:
        backend = open_backend(name)
        backend.load_nquads(seed_build / "trialkg.nq")
        backends[name] = backend
    return backends


def test_both_hold_the_same_quads(loaded, seed_build):
    lines = {line for line in (seed_build / "trialkg.nq").read_text(encoding="utf-8").splitlines() if line}
    assert len(loaded["oxigraph"]) == len(loaded["rdflib"]) == len(lines)


@pytest.mark.parametrize("query", ["related_by_shared_entities", "list_trials"])
def test_both_give_the_same_rows(loaded, query):
    trial = "https://w3id.org/trialkg/trial/NCT04397107"
    bindings = {"trial": trial} if "?trial" in query_text(query) and query != "list_trials" else None
    rows = {name: backend.select(query_text(query), bindings) for name, backend in loaded.items()}
    assert rows["oxigraph"], query

    def canonical(found: list[dict[str, str]]) -> list[tuple]:
        return sorted(tuple(sorted(r.items())) for r in found)

    assert canonical(rows["oxigraph"]) == canonical(rows["rdflib"])


def test_both_write_the_same_dataset(loaded, tmp_path):
    graphs = []
    for name, backend in loaded.items():
        backend.write(tmp_path / f"{name}.nq", "nq")
        dataset = rdflib.Dataset()
        dataset.parse(tmp_path / f"{name}.nq", format="nquads")
        graph = rdflib.Graph()
        for s, p, o, _g in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
        graphs.append(graph)
    assert len(graphs[0]) > 500 and isomorphic(graphs[0], graphs[1])


def test_errors_are_trialkg_errors(loaded):
    for backend in loaded.values():
        with pytest.raises(TrialkgError, match="SELECT"):
            backend.select("ASK { ?s ?p ?o }")
        with pytest.raises(TrialkgError, match="ttl"):
            backend.write(__import__("pathlib").Path("x.ttl"), "ttl")
    with pytest.raises(TrialkgError, match="unknown back end"):
        open_backend("jena")
