"""Related trials: rarity-weighted, explained, written back as data; answers computed by hand on tiny graphs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from trialkg.apps.related import SCORERS, candidates, load_entity_graph, related, write_relations
from trialkg.model import Intervention, Organization, OrganizationRole, SourceDocument, Trial
from trialkg.normalize.enrich import enrich
from trialkg.rdf.mapping import map_trial
from trialkg.rdf.readback import resolve_trial
from trialkg.rdf.terms import quads
from trialkg.store.oxigraph import open_graph


def _trial(nct: str, *, conditions=(), drugs=(), sponsor=None, title=None) -> Trial:
    orgs = (Organization(sponsor, OrganizationRole.LEAD_SPONSOR),) if sponsor else ()
    return Trial(
        source=SourceDocument(f"{nct}.txt", "test", nct.lower().replace("nct", "").rjust(64, "0")),
        nct_id=nct, brief_title=title, conditions=tuple(conditions),
        interventions=tuple(Intervention(d) for d in drugs), organizations=orgs,
    )  # fmt: skip


def _store(*trials: Trial) -> ox.Store:
    store = ox.Store()
    for t in trials:
        mapped = map_trial(enrich(t))
        store.extend(quads(mapped.triples))  # one source each: the default graph, as a build
    return store


IRI = "https://w3id.org/trialkg/trial/"


@pytest.fixture(scope="module")
def tiny() -> ox.Store:
    """A shares a rare condition with B, a drug with C, and only a sponsor with D..H (the sponsor of all)."""
    common = "Big Pharma"
    return _store(
        _trial("NCT00000001", conditions=["Rare Disease X"], drugs=["Drug Q"], sponsor=common),
        _trial("NCT00000002", conditions=["Rare Disease X"], sponsor="Small Lab"),
        _trial("NCT00000003", drugs=["Drug Q"], sponsor="Other Lab"),
        *(_trial(f"NCT0000001{n}", conditions=[f"Other {n}"], sponsor=common) for n in range(5)),
        _trial("NCT00000099", conditions=["Unrelated"], sponsor="Nobody"),
    )


def test_candidates_come_from_sparql_with_the_shared_entities(tiny):
    found = candidates(tiny, IRI + "NCT00000001")
    assert set(found) == {IRI + "NCT00000002", IRI + "NCT00000003"} | {IRI + f"NCT0000001{n}" for n in range(5)}
    assert found[IRI + "NCT00000002"] == {"https://w3id.org/trialkg/condition/rare-disease-x"}
    assert IRI + "NCT00000099" not in found  # shares nothing


@pytest.mark.parametrize("scorer", SCORERS)
def test_rare_shared_entities_rank_above_common_ones(tiny, scorer):
    ranking = related(tiny, IRI + "NCT00000001", top=10, scorer=scorer)
    ids = [r.nct_id for r in ranking]
    # the rare condition and the drug (2 trials each) beat the sponsor shared by 6 trials
    assert set(ids[:2]) == {"NCT00000002", "NCT00000003"}, ids
    assert all(r.score > 0 for r in ranking) and [r.rank for r in ranking] == list(range(1, len(ranking) + 1))
    assert "NCT00000099" not in ids


def test_reasons_say_what_is_shared_and_weigh_rarity(tiny):
    (first, *_rest) = [r for r in related(tiny, IRI + "NCT00000001") if r.nct_id == "NCT00000002"]
    kinds = {(s.kind, s.label) for s in first.shared}
    assert ("condition", "Rare Disease X") in kinds
    by_sponsor = next(r for r in related(tiny, IRI + "NCT00000001") if r.nct_id == "NCT00000010")
    sponsor = next(s for s in by_sponsor.shared if s.kind == "sponsor")
    condition = next(s for s in first.shared if s.kind == "condition")
    assert condition.weight > sponsor.weight  # 2 trials vs 6 trials share it


def test_idf_sum_score_is_the_sum_of_the_explained_weights(tiny):
    for r in related(tiny, IRI + "NCT00000001", scorer="idf_sum"):
        assert r.score == pytest.approx(sum(s.weight for s in r.shared))


def test_seed_trials_find_the_other_il2_trials(seed_build):
    store = open_graph(seed_build)
    eg = load_entity_graph(store)
    assert len(eg.trials) == 5
    for trial in eg.trials:
        ranking = related(store, trial, entity_graph=eg)
        assert {r.id for r in ranking} == set(eg.trials) - {trial}, trial  # all five are low-dose IL-2 trials
        for r in ranking:
            labels = {s.label.casefold() for s in r.shared}
            assert labels & {"il-2", "interleukin-2", "low-dose"}, (trial, r.id, labels)


def test_write_relations_is_data_that_conforms_and_repeats(seed_build, tmp_path):
    store = ox.Store()  # a copy: the build's own store is shared by the other tests
    store.extend(open_graph(seed_build))
    assert write_relations(store, top=3) == (5, 15)
    again = write_relations(store, top=3)  # replaces the named graph, never adds to it
    assert again == (5, 15)
    graph = ox.NamedNode("https://w3id.org/trialkg/graph/related")
    related_links = store.quads_for_pattern(
        None, ox.NamedNode("https://w3id.org/trialkg/ontology#relatedTrial"), None, graph
    )
    assert len(list(related_links)) == 15  # 5 trials x top 3, not 30 after the second run
    rows = list(store.query(
        "PREFIX trialkg: <https://w3id.org/trialkg/ontology#> "
        "SELECT ?t ?o WHERE { GRAPH <https://w3id.org/trialkg/graph/related> {"
        " ?t trialkg:trialRelation ?r . ?r trialkg:rank 1 ; trialkg:relationTarget ?o } }",
    ))  # fmt: skip
    assert len(rows) == 5
    nct = resolve_trial(store, "NCT04397107")
    best = next(r["o"].value for r in rows if r["t"].value == nct)
    assert best == related(store, nct, top=1)[0].id


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trialkg", *args], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ), timeout=300)  # fmt: skip


@pytest.mark.e2e
def test_cli_related_json_and_text(seed_build, tmp_path):
    result = _cli("related", "NCT04397107", "--graph", str(seed_build), "--json", "--top", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data) == 2 and data[0]["rank"] == 1
    assert set(data[0]) == {"rank", "id", "nct_id", "brief_title", "score", "shared"}
    assert set(data[0]["shared"][0]) == {"kind", "label", "iri", "weight"}
    text = _cli("related", "NCT04397107", "--graph", str(seed_build), cwd=tmp_path).stdout
    assert " 1. NCT04387942" in text and "intervention: Interleukin-2" in text  # MeSH's preferred name (W2 7/7)
    missing = _cli("related", "NCT99999999", "--graph", str(seed_build), cwd=tmp_path)
    assert missing.returncode == 2 and "NCT99999999" in missing.stderr


@pytest.mark.e2e
def test_cli_related_all_writes_the_relations_into_the_store_and_beside_the_build(seed_build, tmp_path):
    out = tmp_path / "build"
    shutil.copytree(seed_build, out)
    exports = {f.name: f.read_bytes() for f in out.iterdir() if f.is_file()}
    first = _cli("related", "--all", "--top", "3", "--graph", str(out), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    snapshot = (out / "related.nq").read_bytes()
    assert snapshot.count(b"<https://w3id.org/trialkg/graph/related> .") > 15
    assert rdflib.Graph().parse(out / "related.ttl", format="turtle")
    assert _cli("related", "--all", "--top", "3", "--graph", str(out), cwd=tmp_path).returncode == 0
    assert (out / "related.nq").read_bytes() == snapshot  # same input, same bytes
    assert {f.name: f.read_bytes() for f in out.iterdir() if f.name in exports} == exports  # exports as built
    ranked = _cli("query", "--graph", str(out), "--json",
                  "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/trialkg/graph/related> "
                  "{ ?t <https://w3id.org/trialkg/ontology#relatedTrial> ?o } }",
                  cwd=tmp_path)  # fmt: skip
    assert ranked.returncode == 0 and "15" in ranked.stdout  # in the store that queries read
    assert _cli("validate", "--graph", str(out), cwd=tmp_path).returncode == 0
