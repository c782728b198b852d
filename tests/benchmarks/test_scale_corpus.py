"""The realistic scale corpus: real records renamed by Zipf draws, MeSH ids moved to tree siblings, all readable."""

from __future__ import annotations

import gzip
import json
import random
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from testdata import DATA, ROOT
from trialkg.parsers import parse_file

sys.path.insert(0, str(ROOT / "benchmarks"))
import scale_corpus  # noqa: E402

TEMPLATES = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((DATA / "ctgov").glob("NCT*.json"))]

#: A MeSH tree in the NLM descriptor format: C04.1 has children C04.1.1 (D1) .. C04.1.4 (D4); D5 is elsewhere.
MESH_XML = "<DescriptorRecordSet>" + "".join(
    f"<DescriptorRecord><DescriptorUI>{ui}</DescriptorUI><DescriptorName><String>Name {ui}</String></DescriptorName>"
    f"<TreeNumberList><TreeNumber>{tree}</TreeNumber></TreeNumberList></DescriptorRecord>"
    for ui, tree in [("D1", "C04.1.1"), ("D2", "C04.1.2"), ("D3", "C04.1.3"), ("D4", "C04.1.4"), ("D5", "C05.7")]
) + "</DescriptorRecordSet>"  # fmt: skip


@pytest.fixture
def mesh(tmp_path: Path) -> Path:
    path = tmp_path / "mesh.xml.gz"
    path.write_bytes(gzip.compress(MESH_XML.encode()))
    return path


def test_siblings_are_the_descriptors_under_the_same_parent(mesh):
    tree = scale_corpus.mesh_tree(mesh)
    assert tree["D1"] == ("Name D1", ["D2", "D3", "D4"])
    assert tree["D5"] == ("Name D5", [])


def test_zipf_draws_make_most_names_rare_and_a_few_common():
    zipf = scale_corpus.Zipf(5000)
    rng = random.Random(1)
    counts = Counter(zipf.draw(rng) for _ in range(5000))
    assert counts.most_common(1)[0][0] == 1  # rank 1 is the most common
    singletons = sum(1 for c in counts.values() if c == 1)
    assert singletons / len(counts) > 0.5
    assert counts[1] > 20 * (sum(counts.values()) / len(counts))


def test_generated_studies_are_renamed_consistently_and_read_by_trialkg(mesh, tmp_path):
    generator = scale_corpus.Generator(40, seed=3, templates=TEMPLATES, mesh=mesh)
    studies = list(generator.studies())
    assert [nct for nct, _ in studies] == [f"NCT9{n:07d}" for n in range(40)]
    for _nct, study in studies:  # an arm names its interventions as "Type: name": the renamed names
        arms = study["protocolSection"].get("armsInterventionsModule", {})
        names = {i["name"] for i in arms.get("interventions", [])}
        for arm in arms.get("armGroups", []):
            for ref in arm.get("interventionNames", []):
                assert ref.partition(": ")[2] in names
    renamed = sum(
        scale_corpus.names_of(study)["condition"] != scale_corpus.names_of(TEMPLATES[n % len(TEMPLATES)])["condition"]
        for n, (_nct, study) in enumerate(studies)
    )
    assert renamed > 20
    corpus = tmp_path / "corpus.zip"
    with zipfile.ZipFile(corpus, "w") as zf:
        for nct, study in studies:
            zf.writestr(f"{nct}.json", json.dumps(study))
    trials = [t for t in parse_file(corpus) if not isinstance(t, Exception)]
    assert sorted(t.nct_id for t in trials) == [nct for nct, _ in studies]


def test_mesh_ids_move_to_siblings_only(mesh):
    generator = scale_corpus.Generator(1, templates=TEMPLATES, mesh=mesh)
    seen = set()
    for _ in range(200):
        study = {"protocolSection": {}, "derivedSection": {"conditionBrowseModule": {
            "meshes": [{"id": "D1", "term": "Name D1"}, {"id": "D5", "term": "Name D5"}],
            "browseLeaves": [{"id": "D1", "name": "Name D1", "relevance": "HIGH"}]}}}  # fmt: skip
        generator._remap_mesh(study)
        module = study["derivedSection"]["conditionBrowseModule"]
        first, second = module["meshes"]
        assert first["id"] in {"D1", "D2", "D3", "D4"} and first["term"] == f"Name {first['id']}"
        assert second == {"id": "D5", "term": "Name D5"}  # no siblings: kept
        assert module["browseLeaves"][0]["id"] == first["id"]  # the leaf follows its descriptor
        seen.add(first["id"])
    assert seen == {"D1", "D2", "D3", "D4"}
