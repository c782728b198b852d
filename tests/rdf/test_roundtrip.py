"""Round trips: record -> graph -> record, through the store and through the N-Quads export."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import examples, trials
from testdata import SEEDS, UNSEEN
from trialkg.model import Trial
from trialkg.normalize.enrich import enrich
from trialkg.parsers import parse_file
from trialkg.rdf.mapping import map_trial
from trialkg.rdf.readback import read_trial
from trialkg.rdf.record import to_record
from trialkg.rdf.terms import quads
from trialkg.store.export import export_statements
from trialkg.validate.pyshacl_engine import validate_triples
from trialkg.validate.results import is_violation

#: Lists the graph keeps as sets (shared nodes, tags): compared without their order.
UNORDERED = ("organizations", "collaborators", "keywords")


def canonical(record: dict[str, Any]) -> dict[str, Any]:
    out = dict(record)
    for key in UNORDERED:
        out[key] = sorted(out[key], key=repr)
    return out


def graph_round_trip(trial: Trial) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the record as parsed, the record read back from a reloaded N-Quads export)."""
    mapped = map_trial(enrich(trial))
    store = ox.Store()
    store.extend(quads(mapped.triples, mapped.graph_iri))
    reloaded = ox.Store()
    with tempfile.TemporaryDirectory() as tmp:
        [nq] = export_statements(store, Path(tmp), ["nq"])
        reloaded.load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    back = read_trial(reloaded, str(mapped.trial_iri))
    assert back.pop("conflicts") == []
    assert back.pop("provenance")["preferred_source"] == trial.source.file_name
    expected = to_record(enrich(trial), trial_id=str(mapped.trial_iri), sources=[trial.source.file_name])
    return canonical(expected), canonical(back)


@pytest.mark.parametrize("path", SEEDS + UNSEEN, ids=lambda p: p.name)
def test_documents_round_trip(path):
    for trial in parse_file(path):
        expected, back = graph_round_trip(trial)
        assert back == expected


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trials())
def test_generated_trials_round_trip(trial):
    expected, back = graph_round_trip(trial)
    assert back == expected


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trials())
def test_generated_trials_conform(trial):
    violations = [r for r in validate_triples(map_trial(enrich(trial)).triples) if is_violation(r)]
    assert violations == []
