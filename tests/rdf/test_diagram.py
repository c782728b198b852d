"""The ontology picture: generated from the ontology, drawn by Graphviz or, without it, by matplotlib."""

from __future__ import annotations

import shutil

import pytest
from testdata import ROOT
from trialkg.rdf import diagram
from trialkg.resources import ontology_graph

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_dot_names_every_class_and_object_property():
    dot = diagram.render_dot(ontology_graph())
    attributes, edges = diagram.ontology_edges(ontology_graph())
    assert {"Trial", "Condition", "EligibilityCriterion", "SourceDocument"} <= set(attributes)
    assert ("Trial", "condition", "Condition") in edges
    assert ("Arm", "armIntervention", "Intervention") in edges
    assert "overallStatus : code" in attributes["Trial"]
    for dom, prop, rng in edges:
        assert f'"{dom}" -> "{rng}" [label="{prop}"' in dot


def test_matplotlib_fallback_draws_a_png(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    out = tmp_path / "ontology.png"
    assert diagram.render_png(ontology_graph(), out) == "matplotlib"
    assert out.read_bytes().startswith(PNG_MAGIC)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graphviz_draws_the_committed_dot(tmp_path):
    out = tmp_path / "ontology.png"
    assert diagram.render_png(ontology_graph(), out) == "graphviz"
    assert out.read_bytes().startswith(PNG_MAGIC)
    assert (ROOT / "docs" / "ontology.dot").read_text(encoding="utf-8") == diagram.render_dot(ontology_graph())
