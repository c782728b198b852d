"""Names that differ only in a sign (issue 17, item 8): "HER2+ Breast Cancer" and "HER2- Breast Cancer" became
one node, condition/her2-breast-cancer, and `related` then said the two trials share a condition. A "+" and a "-"
that ends a word are read as "plus" and "minus"; a hyphen inside a word ("HER2-negative") stays a hyphen.
The hypothesis properties in tests/rdf/test_properties.py draw such names too."""

from __future__ import annotations

import pytest
from trialkg.rdf import iri

MINTERS = [iri.condition, iri.intervention_concept, iri.organization]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("HER2+ Breast Cancer", "HER2- Breast Cancer"),
        ("HER2+ Breast Cancer", "HER2 Breast Cancer"),
        ("HER2- Breast Cancer", "HER2 Breast Cancer"),
        ("C++ Syndrome", "C Syndrome"),
        ("C++ Syndrome", "C+ Syndrome"),
        ("ER+/PR- Breast Cancer", "ER-/PR+ Breast Cancer"),
        ("Rh+", "Rh-"),
    ],
)
@pytest.mark.parametrize("mint", MINTERS, ids=lambda m: m.__name__)
def test_a_sign_makes_another_node(mint, a: str, b: str) -> None:
    assert mint(a) != mint(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("HER2-negative Breast Cancer", "HER2 negative breast cancer"),
        ("HER2+ Breast Cancer", "her2 plus breast cancer"),
        ("Non-Small-Cell Lung Cancer", "non small cell lung cancer"),
    ],
)
def test_spelling_variants_of_one_meaning_keep_one_node(a: str, b: str) -> None:
    assert iri.condition(a) == iri.condition(b)


def test_the_keys_stay_readable() -> None:
    assert iri.condition("HER2+ Breast Cancer").endswith("/condition/her2-plus-breast-cancer")
    assert iri.condition("HER2- Breast Cancer").endswith("/condition/her2-minus-breast-cancer")
