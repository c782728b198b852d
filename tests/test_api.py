"""The Python API (trialkg.build, trialkg.open): what the CLI does, as calls; NCT ids wherever IRIs are."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import trialkg
from testdata import SEEDS
from trialkg.apps.match import Patient
from trialkg.apps.related import related
from trialkg.errors import TrialkgError, TrialNotFoundError
from trialkg.rdf import iri
from trialkg.store.oxigraph import open_graph

NCT = "NCT04397107"


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> trialkg.Graph:
    out = tmp_path_factory.mktemp("api-build")
    report = trialkg.build(SEEDS, out=out)
    assert not report.failed and report.trial_count == len(SEEDS)
    return trialkg.open(out)


def test_build_writes_every_export_and_the_store(graph: trialkg.Graph) -> None:
    names = {p.name for p in graph.path.iterdir()}
    assert {"trialkg.nq", "trialkg.nt", "trialkg.ttl", "trialkg.jsonld", "oxigraph", "build-report.json"} <= names


def test_show_takes_an_nct_id_or_an_iri(graph: trialkg.Graph) -> None:
    by_nct = graph.show(NCT)
    assert by_nct["nct_id"] == NCT and by_nct["brief_title"]
    assert graph.show(iri.trial(NCT)) == by_nct
    assert graph.show(NCT.lower()) == by_nct
    assert [t["nct_id"] for t in graph.trials()].count(NCT) == 1


def test_related_takes_an_nct_id_or_an_iri(graph: trialkg.Graph) -> None:
    by_nct = graph.related(NCT, top=3)
    assert by_nct and [r.id for r in by_nct] == [r.id for r in graph.related(iri.trial(NCT), top=3)]
    assert all(r.shared for r in by_nct)


def test_related_on_a_store_takes_an_nct_id(graph: trialkg.Graph) -> None:
    """Regression: related(store, "NCT…") returned [] (the id was taken for an IRI the graph lacks)."""
    store = open_graph(graph.path)
    assert related(store, NCT, top=3) == related(store, iri.trial(NCT), top=3) != []


def test_an_unknown_trial_raises(graph: trialkg.Graph) -> None:
    for call in (graph.show, graph.related, graph.trial_iri):
        with pytest.raises(TrialNotFoundError, match="NCT99999999"):
            call("NCT99999999")


def test_query_answers_and_refuses_updates(graph: trialkg.Graph) -> None:
    rows = graph.query("SELECT ?t WHERE { ?t a <https://w3id.org/trialkg/ontology#Trial> }")
    assert isinstance(rows, ox.QuerySolutions) and len(list(rows)) == len(SEEDS)
    with pytest.raises(TrialkgError, match="read-only"):
        graph.query("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises(TrialkgError, match="syntax"):
        graph.query("SELECT WHERE {")


def test_match_takes_a_profile(graph: trialkg.Graph) -> None:
    results = graph.match(age=30, sex="female")
    assert {r.id for r in results} == {t["id"] for t in graph.trials()}
    with pytest.raises(TypeError):
        graph.match(Patient(age=30), age=30)


def test_open_a_folder_without_a_build(tmp_path: Path) -> None:
    with pytest.raises(TrialkgError, match="trialkg build"):
        trialkg.open(tmp_path)
