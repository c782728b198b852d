"""Every SPARQL example in the docs runs on the sample build; those about the samples return rows."""

from __future__ import annotations

import re

import pytest
from testdata import ROOT
from trialkg.store.oxigraph import open_graph

DOCS = [ROOT / "ontology" / "README.md", ROOT / "README.md"]
EXAMPLES = [
    (doc.name, n, block)
    for doc in DOCS
    for n, block in enumerate(re.findall(r"```sparql\n(.*?)```", doc.read_text(encoding="utf-8"), re.S), 1)
]


@pytest.mark.parametrize("doc,n,query", EXAMPLES, ids=[f"{d}#{n}" for d, n, _ in EXAMPLES])
def test_docs_sparql_runs(seed_build, doc, n, query):
    store = open_graph(seed_build)
    rows = list(store.query(query, use_default_graph_as_union=True))
    if "meshCondition" not in query:  # the samples are pages, which carry no registry MeSH terms
        assert rows, f"{doc} example {n} returned nothing on the samples"
