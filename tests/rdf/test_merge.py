"""One trial from several documents: one node, every value kept with its source, conflicts listed."""

from __future__ import annotations

import json

from testdata import SEEDS
from trialkg.cli.validate import run_validate
from trialkg.pipeline import build
from trialkg.rdf.merge import merge_records
from trialkg.rdf.readback import read_trial, resolve_trial
from trialkg.store.oxigraph import open_graph

KEYVALUE_SEED = next(p for p in SEEDS if p.name.startswith("000_"))


def test_same_nct_id_from_two_documents_is_one_trial_with_conflicts(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    original = KEYVALUE_SEED.read_text(encoding="utf-8")
    (docs / "a_original.txt").write_text(original, encoding="utf-8")
    edited = original.replace("Brief Title: The Incidence", "Brief Title: Changed: The Incidence").replace(
        "Status: UNKNOWN\nLast Update", "Status: COMPLETED\nLast Update"
    )
    assert edited != original
    (docs / "b_edited.txt").write_text(edited, encoding="utf-8")

    report = build([str(docs)], tmp_path / "out")
    assert not report.failed
    assert report.trial_count == 1 and report.counts.documents == 2  # two documents ...
    store = open_graph(tmp_path / "out")
    trial = resolve_trial(store, "NCT04136106")  # ... one trial node
    record = read_trial(store, trial)
    assert record["sources"] == ["a_original.txt", "b_edited.txt"]
    assert record["provenance"]["preferred_source"] == "a_original.txt"  # same format: by file name
    conflicts = {c["field"]: c["values"] for c in record["conflicts"]}
    assert set(conflicts) == {"brief_title", "overall_status"}
    assert [v["source"] for v in conflicts["overall_status"]] == ["a_original.txt", "b_edited.txt"]
    assert [v["value"] for v in conflicts["overall_status"]] == ["UNKNOWN", "COMPLETED"]
    assert record["brief_title"].startswith("The Incidence")  # the preferred source's value

    written = json.loads((tmp_path / "out" / "conflicts.json").read_text(encoding="utf-8"))
    assert [c["nct_id"] for c in written] == ["NCT04136106"]
    assert {c["field"] for c in written[0]["conflicts"]} == {"brief_title", "overall_status"}
    # Each source's statements conform on their own: a disagreement is a conflict, not a violation.
    assert run_validate([], tmp_path / "out", as_json=True) == 0


def test_registry_json_is_preferred_over_pages():
    page = {"sources": ["page.txt"], "_format": "medpath", "brief_title": "From the page", "enrollment": 46}
    registry = {"sources": ["NCT1.json"], "_format": "ctgov_json", "brief_title": "From the registry",
                "enrollment": None}  # fmt: skip
    merged = merge_records("https://w3id.org/trialkg/trial/NCT00000001", [page, registry])
    assert merged["brief_title"] == "From the registry"
    assert merged["enrollment"] == 46  # the registry states none: the page's value, and it says so
    assert merged["provenance"]["preferred_source"] == "NCT1.json"
    assert merged["provenance"]["field_sources"] == {"brief_title": "NCT1.json", "enrollment": "page.txt"}
    assert [c["field"] for c in merged["conflicts"]] == ["brief_title"]


def test_values_differing_only_in_case_or_spacing_do_not_conflict():
    a = {"sources": ["a"], "_format": "keyvalue", "brief_title": "Low-dose IL-2  in SLE"}
    b = {"sources": ["b"], "_format": "compass", "brief_title": "low-dose il-2 in sle"}
    assert merge_records("t", [a, b])["conflicts"] == []
