"""Every SPARQL example in the docs runs on the sample build; those about the samples return rows."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from testdata import DATA, ROOT, SEEDS
from trialkg.store.oxigraph import open_graph

DOCS = [ROOT / "ontology" / "README.md", ROOT / "README.md"]
EXAMPLES = [
    (doc, n, block)
    for doc in DOCS
    for n, block in enumerate(re.findall(r"```sparql\n(.*?)```", doc.read_text(encoding="utf-8"), re.S), 1)
]


@pytest.fixture(scope="module")
def docs_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds and one registry trial from three documents (tests/data/ctgov/README.md): the examples about
    sources need a trial that several documents describe."""
    from trialkg.pipeline import build

    out = tmp_path_factory.mktemp("docs-build")
    three = [DATA / "ctgov" / name for name in ("example_study.xml", "raw_study.xml", "raw_study_changed.xml")]
    report = build([str(p) for p in [*SEEDS, *three]], out)
    assert not report.failed and report.conflicts
    return out


@pytest.mark.parametrize("doc,n,query", EXAMPLES, ids=[f"{d.parent.name}/{d.name}#{n}" for d, n, _ in EXAMPLES])
def test_docs_sparql_runs(docs_build, doc, n, query):
    store = open_graph(docs_build)
    rows = _rows(store, query)
    if "meshCondition" not in query:  # the samples are pages, which carry no registry MeSH terms
        assert rows, f"{doc.name} example {n} returned nothing on the samples"
    # The default graph holds each fact once (two seeds describe one trial): DISTINCT changes nothing.
    if "SELECT DISTINCT" in query:
        distinct, plain = query, query.replace("SELECT DISTINCT", "SELECT", 1)
    else:
        plain, distinct = query, query.replace("SELECT", "SELECT DISTINCT", 1)
    assert Counter(_rows(store, plain)) == Counter(_rows(store, distinct)), f"{doc} example {n}"


def _rows(store, query: str) -> list[tuple[str | None, ...]]:
    solutions = store.query(query)
    names = [v.value for v in solutions.variables]
    return [tuple(str(s[v]) if s[v] is not None else None for v in names) for s in solutions]
