"""The related-trials picture: a readable PNG for a trial with neighbours, and a plain one for a trial without."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from testdata import SEEDS
from trialkg.apps.related import SCORERS, load_entity_graph, related
from trialkg.pipeline import build
from trialkg.rdf.readback import resolve_trial
from trialkg.store.oxigraph import open_graph

pytest.importorskip("matplotlib")
from trialkg.apps.plot import plot_related, related_graph  # noqa: E402 - only with matplotlib

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the PNG header."""
    assert data.startswith(PNG_MAGIC) and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def seed_store(seed_build: Path):
    store = open_graph(seed_build)
    return store, load_entity_graph(store)


@pytest.mark.parametrize("scorer", SCORERS)
def test_draws_a_png_of_a_sample_trials_neighbours(seed_store, tmp_path, scorer):
    store, eg = seed_store
    trial = resolve_trial(store, "NCT04397107")
    assert related(store, trial, entity_graph=eg), "the sample trial should have related trials"
    out = plot_related(store, trial, tmp_path / "pics" / f"{scorer}.png", scorer=scorer, entity_graph=eg)
    assert out == tmp_path / "pics" / f"{scorer}.png"
    data = out.read_bytes()
    assert data.startswith(PNG_MAGIC)
    width, height = png_size(data)
    assert 800 <= width <= 4000 and 800 <= height <= 4000
    assert 20_000 < len(data) < 5_000_000


def test_the_picture_is_deterministic(seed_store, tmp_path):
    store, eg = seed_store
    trial = resolve_trial(store, "NCT04397107")
    first = plot_related(store, trial, tmp_path / "a.png", top=3, entity_graph=eg).read_bytes()
    again = plot_related(store, trial, tmp_path / "b.png", top=3, entity_graph=eg).read_bytes()
    assert first == again


def test_drawn_graph_links_every_related_trial_to_what_it_shares(seed_store):
    store, eg = seed_store
    trial = resolve_trial(store, "NCT04397107")
    found = related(store, trial, entity_graph=eg)
    g, _left_out = related_graph(found, trial)
    roles = dict(g.nodes(data="role"))
    assert roles[trial] == "query"
    for rel in found:
        assert roles[rel.id] == "trial"
        assert any(roles[n] == "entity" for n in g[rel.id]), rel.nct_id
    for node, role in roles.items():
        if role == "entity":
            assert g.has_edge(trial, node)


def test_a_trial_with_no_related_trials_still_gets_a_picture(tmp_path):
    out_dir = tmp_path / "one"
    report = build([str(SEEDS[0])], out_dir, formats=("nq",))
    assert not report.failed
    store = open_graph(out_dir)
    eg = load_entity_graph(store)
    (trial,) = eg.trials
    assert related(store, trial, entity_graph=eg) == []
    out = plot_related(store, trial, tmp_path / "alone.png", entity_graph=eg)
    data = out.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert png_size(data) >= (800, 800)
    assert len(data) > 10_000
