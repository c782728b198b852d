"""The one definition of a build's counts (trials, source documents, triples, quads), as SPARQL.

The build summary, `build-report.json`, `list`, `load`'s check and the README all use these, so
the numbers a user sees agree with the files and with any store the build is loaded into:
`triples` are the default graph's (the N-Triples export, one line each), `quads` every statement
of the N-Quads export (the default graph plus the sources' named graphs of multi-source trials).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import pyoxigraph as ox

_TK = "https://w3id.org/trialkg/ontology#"

#: Count name -> SPARQL query whose one row, one column is the count.
COUNT_QUERIES = {
    "trials": f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ ?t a <{_TK}Trial> }}",
    "documents": f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d a <{_TK}SourceDocument> }}",
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "named_quads": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "named_graphs": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
}


@dataclass(frozen=True)
class GraphCounts:
    trials: int
    documents: int
    #: Statements of the default graph (the merged view).
    triples: int
    #: Statements in the sources' named graphs (only trials several documents describe have them).
    named_quads: int
    named_graphs: int

    @property
    def quads(self) -> int:
        """Every statement of the N-Quads export."""
        return self.triples + self.named_quads

    def to_json(self) -> dict[str, int]:
        return {**asdict(self), "quads": self.quads}

    def summary(self) -> str:
        return (
            f"{self.trials:,} trials from {self.documents:,} source documents: {self.triples:,} triples in the "
            f"default graph, {self.quads:,} quads in all ({self.named_quads:,} in {self.named_graphs:,} source graphs)"
        )


def count_with(run: Callable[[str], int]) -> GraphCounts:
    """The counts, each query answered by `run` (a local store or a remote endpoint)."""
    return GraphCounts(**{name: run(query) for name, query in COUNT_QUERIES.items()})


def first_int(results: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> int:
    """The number in the first cell of a COUNT answer (ValueError: the answer is no table)."""
    if not isinstance(results, ox.QuerySolutions):
        raise ValueError("not a table of results")
    for row in results:
        term = row[0]
        return int(term.value) if term is not None else 0
    return 0


def graph_counts(store: ox.Store) -> GraphCounts:
    """The counts of a local store."""
    return count_with(lambda query: first_int(store.query(query)))
