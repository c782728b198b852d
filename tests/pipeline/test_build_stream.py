"""The streaming build: fragments joined in input order, sharded N-Quads, the store beside the exports.

What must hold whatever the input size: the exports are one graph in four syntaxes, sharding only
cuts the N-Quads (the same bytes, in order), the store answers what the exports say, and an old
build's leftovers never mix with a new one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from testdata import DATA, SEEDS
from trialkg.cache import CACHE_DIR
from trialkg.pipeline import build
from trialkg.store.export import shard_name
from trialkg.store.oxigraph import open_graph, quad_files

CORPUS = [str(p) for p in sorted((DATA / "ctgov").glob("NCT*"))] + [str(p) for p in SEEDS]


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("whole")
    build(CORPUS, out)
    return out


def test_sharded_nquads_are_the_same_quads_in_the_same_order(whole, tmp_path):
    out = tmp_path / "sharded"
    report = build(CORPUS, out, shard_size=500)
    shards = quad_files(out)
    assert [p.name for p in shards] == [shard_name(n) for n in range(1, len(shards) + 1)]
    assert len(shards) > 3 and not (out / "trialkg.nq").exists()
    lines = [p.read_bytes().splitlines() for p in shards]
    assert all(len(chunk) <= 500 for chunk in lines)
    assert b"\n".join(b"\n".join(chunk) for chunk in lines) + b"\n" == (whole / "trialkg.nq").read_bytes()
    assert set(shards) <= set(report.written)


def test_a_build_without_shards_removes_the_shards_of_the_build_before(tmp_path):
    out = tmp_path / "out"
    build(CORPUS[:3], out, shard_size=100)
    assert len(quad_files(out)) > 1
    build(CORPUS[:3], out)
    assert quad_files(out) == [out / "trialkg.nq"] and not list(out.glob("trialkg-*.nq"))


def test_the_store_holds_exactly_the_nquads_export(whole):
    exported = ox.Store()
    exported.bulk_load(path=str(whole / "trialkg.nq"), format=ox.RdfFormat.N_QUADS)
    stored = open_graph(whole)
    assert set(stored) == set(exported)


def test_the_four_exports_are_one_graph(whole):
    dataset = rdflib.Dataset()
    dataset.parse(whole / "trialkg.nq", format="nquads")
    union = rdflib.Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    nt = rdflib.Graph().parse(whole / "trialkg.nt", format="nt")
    ttl = rdflib.Graph().parse(whole / "trialkg.ttl", format="turtle")
    jsonld = rdflib.Graph().parse(whole / "trialkg.jsonld", format="json-ld")
    assert len(union) > 1000
    assert isomorphic(union, nt) and isomorphic(union, ttl) and isomorphic(union, jsonld)


def test_shared_nodes_are_written_once(whole):
    lines = (whole / "trialkg.nt").read_bytes().splitlines()
    shared = [line for line in lines if line.startswith((b"<https://w3id.org/trialkg/condition/",
                                                         b"<http://id.nlm.nih.gov/mesh/"))]  # fmt: skip
    assert shared and len(shared) == len(set(shared))
    jsonld = json.loads((whole / "trialkg.jsonld").read_text(encoding="utf-8"))
    ids = [node["@id"] for node in jsonld["@graph"] if "/condition/" in node["@id"]]
    assert ids and len(ids) == len(set(ids))


def test_jsonld_nodes_use_the_context_terms(whole):
    jsonld = json.loads((whole / "trialkg.jsonld").read_text(encoding="utf-8"))
    trials = [n for n in jsonld["@graph"] if n.get("@type") == "Trial"]
    assert trials and all(key in jsonld["@context"] or key.startswith("@") for t in trials for key in t)


def test_a_build_of_only_turtle_still_leaves_a_store_to_query(tmp_path):
    out = tmp_path / "ttl-only"
    report = build(CORPUS[:2], out, formats=["ttl"])
    assert [p.name for p in report.written] == ["trialkg.ttl", "oxigraph"]
    assert len(open_graph(out)) > 100 and not (out / "trialkg.nq").exists()


def test_leftovers_of_an_interrupted_build_are_cleared(tmp_path):
    out = tmp_path / "out"
    build(CORPUS[:2], out)
    (out / ".build-stale").mkdir()
    (out / ".build-stale" / "0000000.nq").write_text("junk")
    (out / ".trialkg.nq.x.tmp").write_text("junk")
    (out / "oxigraph").rename(out / ".oxigraph.old")  # killed between the two renames of the store swap
    build(CORPUS[:2], out)
    # the cache of documents' work is the one hidden folder a build keeps (for the next build)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [CACHE_DIR]
    assert len(open_graph(out)) > 100
