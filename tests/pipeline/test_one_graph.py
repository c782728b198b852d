"""One graph, counted once: the default graph is the merged view, each fact once; sources stay apart.

The build here reads NCT00002475 from three legacy XML documents (real AACT fixtures, see
tests/data/ctgov/README.md) beside two single-source studies, so every check meets a trial that
several documents describe.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from testdata import DATA, ROOT
from trialkg.cli.main import main
from trialkg.pipeline import BuildReport, build
from trialkg.rdf.merge import merge_records
from trialkg.rdf.readback import read_source, read_trial, resolve_trial
from trialkg.resources import query_text
from trialkg.store.counts import graph_counts
from trialkg.store.load import load_bulk
from trialkg.store.oxigraph import open_graph

CTGOV = DATA / "ctgov"
THREE_SOURCES = ["example_study.xml", "raw_study.xml", "raw_study_changed.xml"]
QUERIES = sorted((ROOT / "graph" / "trialkg" / "queries").glob("*.rq"))
TK = "https://w3id.org/trialkg/ontology#"


@pytest.fixture(scope="module")
def three_sources(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    docs = [CTGOV / name for name in THREE_SOURCES] + [CTGOV / "NCT00513591.xml", CTGOV / "NCT04207047.json"]
    out = tmp_path_factory.mktemp("three-sources")
    report = build([str(d) for d in docs], out)
    assert not report.failed, [d.error for d in report.failed]
    return out, report


@pytest.fixture(scope="module")
def store(three_sources: tuple[Path, BuildReport]) -> ox.Store:
    return open_graph(three_sources[0])


def _rows(store: ox.Store, query: str, bindings: dict[str, ox.NamedNode | ox.Literal]) -> list[tuple[Any, ...]]:
    # Bound where the query projects the variable itself (not inside an aggregate's parentheses).
    projection = re.sub(r"\((?:[^()]|\([^()]*\))*\)", "", query[query.index("SELECT") : query.index("WHERE")])
    subs = {ox.Variable(k): v for k, v in bindings.items() if re.search(rf"\?{k}\b", projection)}
    solutions = store.query(query, substitutions=subs)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [tuple(str(s[n]) if s[n] is not None else None for n in names) for s in solutions]


def test_an_aggregate_counts_each_fact_once(store: ox.Store) -> None:
    query = f'SELECT (COUNT(?title) AS ?n) WHERE {{ ?t <{TK}nctId> "NCT00002475" ; <{TK}briefTitle> ?title }}'
    [(n,)] = _rows(store, query, {})
    assert n == '"1"^^<http://www.w3.org/2001/XMLSchema#integer>'  # was 3: once per source document


def test_what_each_source_stated_stays_in_its_named_graph(store: ox.Store) -> None:
    trial = resolve_trial(store, "NCT00002475")
    query = f"SELECT ?g ?file WHERE {{ GRAPH ?g {{ <{trial}> a <{TK}Trial> . ?g <{TK}fileName> ?file }} }}"
    files = sorted(file for _, file in _rows(store, query, {}))
    assert files == [f'"{name}"' for name in THREE_SOURCES]
    # Only that trial has named graphs: a single-source trial is in the default graph alone.
    graphs = {g for (g,) in _rows(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", {})}
    assert len(graphs) == 3


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_every_shipped_query_gives_the_same_rows_with_and_without_distinct(store: ox.Store, path: Path) -> None:
    text = query_text(path.stem)
    trial = ox.NamedNode(resolve_trial(store, "NCT00002475"))
    bindings = {"trial": trial, "nct": ox.Literal("NCT00002475"), "entity": ox.NamedNode("urn:none")}
    if "SELECT DISTINCT" in text:
        distinct, plain = text, text.replace("SELECT DISTINCT", "SELECT", 1)
    else:
        plain, distinct = text, text.replace("SELECT", "SELECT DISTINCT", 1)
    rows = _rows(store, plain, bindings)
    assert Counter(rows) == Counter(_rows(store, distinct, bindings)), path.name


def test_the_default_graph_holds_the_merged_record(store: ox.Store) -> None:
    trial = resolve_trial(store, "NCT00002475")
    merged = read_trial(store, trial)
    assert len(merged["provenance"]["sources"]) == 3
    from_default = merge_records(trial, [read_source(store, trial)])
    for key in merged:
        if key not in ("provenance", "conflicts"):
            assert from_default[key] == merged[key], key


def test_the_exports_hold_each_triple_once_and_the_quads_add_the_sources(three_sources) -> None:
    out, _ = three_sources
    nt = (out / "trialkg.nt").read_bytes().splitlines()
    nq = (out / "trialkg.nq").read_bytes().splitlines()
    assert len(nt) == len(set(nt))
    assert nq[: len(nt)] == nt  # the default graph first, as N-Triples lines
    named = nq[len(nt) :]
    assert named and len(named) == len(set(named))
    assert all(ox.parse(line + b"\n", format=ox.RdfFormat.N_QUADS) for line in named[:5])
    ttl = ox.Store()
    ttl.load(path=str(out / "trialkg.ttl"), format=ox.RdfFormat.TURTLE)
    jsonld = ox.Store()
    jsonld.load(path=str(out / "trialkg.jsonld"), format=ox.RdfFormat.JSON_LD)
    assert len(ttl) == len(jsonld) == len(nt)


def test_every_count_agrees_with_the_files_and_the_stores(three_sources, store: ox.Store, tmp_path: Path) -> None:
    out, report = three_sources
    counts = graph_counts(store)
    assert report.counts == counts
    assert counts.trials == 3 and report.trial_count == 3  # NCT00002475 once, from three documents
    assert counts.documents == 5
    assert counts.triples == len((out / "trialkg.nt").read_bytes().splitlines())
    assert counts.quads == len((out / "trialkg.nq").read_bytes().splitlines())
    written = json.loads((out / "build-report.json").read_text(encoding="utf-8"))
    assert written["trials"] == counts.trials and written["counts"] == counts.to_json()
    listed = CliRunner().invoke(main, ["list", "--graph", str(out), "--json"])
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.output)) == counts.trials
    loaded = load_bulk(out, tmp_path / "store")
    assert loaded.triples == loaded.counted == counts.quads


def test_match_reads_each_criterion_once(store: ox.Store) -> None:
    rows = _rows(store, query_text("criterion_constraints_all"), {})
    assert len(rows) == len(set(rows))
    criteria = {(r[0], r[1]) for r in rows}
    texts = {(r[0], r[1], r[4]) for r in rows}
    assert len(texts) == len(criteria)  # one text per criterion: no source's criterion meets another's


def test_a_sponsor_reads_back_as_its_document_names_it(tmp_path: Path) -> None:
    """Regression: in an array, two trials naming one organisation differently ("Acme" / "Acme, Inc.") share its
    node; each trial's record must give its own document's name (the shared node's labels are both)."""
    study = json.loads((CTGOV / "NCT04207047.json").read_text(encoding="utf-8"))
    other = json.loads(json.dumps(study))
    other["protocolSection"]["identificationModule"]["nctId"] = "NCT09999999"
    sponsor = study["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["name"]
    other["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = sponsor + ", Inc."
    array = tmp_path / "studies.json"
    array.write_text(json.dumps([study, other]), encoding="utf-8")
    build([str(array)], tmp_path / "out")
    built = open_graph(tmp_path / "out")
    names = {
        nct: read_trial(built, resolve_trial(built, nct))["lead_sponsor"] for nct in ("NCT04207047", "NCT09999999")
    }
    assert names == {"NCT04207047": sponsor, "NCT09999999": sponsor + ", Inc."}
