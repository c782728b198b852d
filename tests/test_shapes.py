"""SHACL: valid fixtures conform; each invalid one fails with the expected component and a message naming the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from trialkg.validate import is_violation, validate_graph

HERE = Path(__file__).parent / "shapes"
VALID = sorted((HERE / "valid").glob("*.ttl"))
INVALID = sorted((HERE / "invalid").glob("*.ttl"))


def expectations(path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    component = re.search(r"^# expect-component: (\S+)", text, re.M)
    message = re.search(r"^# expect-message: (.+)$", text, re.M)
    assert component and message, f"{path.name} lacks its expect-* header"
    return component.group(1), message.group(1).strip()


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_conforms(path):
    results = validate_graph(rdflib.Graph().parse(path, format="turtle"))
    assert [r for r in results if is_violation(r)] == []


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_fails_readably(path):
    component, field = expectations(path)
    violations = [r for r in validate_graph(rdflib.Graph().parse(path, format="turtle")) if is_violation(r)]
    assert violations, f"{path.name} should not conform"
    matching = [r for r in violations if r.component.endswith(component)]
    assert matching, f"expected sh:{component}, got {[r.component for r in violations]}"
    assert all(r.message.startswith(field) for r in matching), [r.message for r in matching]


def test_every_invalid_fixture_differs_from_a_valid_one_by_little():
    # Guards the fixtures themselves: each is the valid trial with one statement changed.
    base = rdflib.Graph().parse(VALID[0], format="turtle")
    for path in INVALID:
        broken = rdflib.Graph().parse(path, format="turtle")
        assert 0 < len(set(base) ^ set(broken)) <= 3, path.name


def test_warnings_for_missing_recommended_fields():
    g = rdflib.Graph().parse(VALID[0], format="turtle")
    trial = rdflib.URIRef("https://w3id.org/trialkg/trial/NCT01234567")
    g.remove((trial, rdflib.URIRef("https://w3id.org/trialkg/ontology#condition"), None))
    results = validate_graph(g)
    assert not [r for r in results if is_violation(r)]
    assert any(r.severity == "Warning" and r.message.startswith("conditions") for r in results)
