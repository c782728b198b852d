"""trialkg as a Python library: build a graph, open it, ask it what the CLI asks.

    import trialkg
    report = trialkg.build(["studies/"], out="output")
    graph = trialkg.open("output")
    graph.show("NCT04397107")["brief_title"]
    [r.nct_id for r in graph.related("NCT04397107", top=3)]

(the README's Python API section has the whole tour; a test runs it).

Every method takes an NCT id or a trial IRI where it takes a trial; an id the graph does not hold
raises trialkg.errors.TrialNotFoundError.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from trialkg.apps.match import MatchResult, Patient, match
from trialkg.apps.related import DEFAULT_SCORER, RelatedTrial, related
from trialkg.pipeline import BuildReport
from trialkg.pipeline import build as build_graph
from trialkg.rdf.readback import list_trials, read_trial, resolve_trial
from trialkg.store.export import FORMATS
from trialkg.store.oxigraph import open_graph
from trialkg.store.sparql import answer

__all__ = ["Graph", "build", "open"]


def build(
    inputs: Sequence[str | Path] = (),
    out: str | Path = "output",
    *,
    formats: Iterable[str] = FORMATS,
    jobs: int = 1,
    shard_size: int | None = None,
    mesh: str | Path | None = None,
    clean: bool = False,
    scheduler: str | None = None,
) -> BuildReport:
    """Build the graph from files, folders or globs (none: the bundled samples) into `out`, as `trialkg build`.

    The report says which documents failed (`report.failed`) and whether the data conforms; nothing raises
    for a bad document. `clean`: redo every document (no reuse of a previous build's work); `scheduler`: the
    address of a Dask distributed scheduler to run the per-document work on.
    """
    return build_graph(
        [str(i) for i in inputs], Path(out), formats=formats, jobs=jobs, shard_size=shard_size,
        mesh=Path(mesh) if mesh else None, clean=clean, scheduler=scheduler,
    )  # fmt: skip


@dataclass
class Graph:
    """A built graph, opened read-only."""

    path: Path
    store: ox.Store

    def trial_iri(self, ident: str) -> str:
        """The IRI of the trial named by an NCT id or an IRI."""
        return resolve_trial(self.store, ident)

    def trials(self) -> list[dict[str, Any]]:
        """Every trial: id, NCT id, brief title, sources (what `trialkg list --json` prints)."""
        return list_trials(self.store)

    def show(self, ident: str) -> dict[str, Any]:
        """The trial's record, read back out of the graph (what `trialkg show ID --json` prints)."""
        return read_trial(self.store, self.trial_iri(ident))

    def related(self, ident: str, *, top: int = 10, scorer: str = DEFAULT_SCORER) -> list[RelatedTrial]:
        """The `top` trials most related to the trial, best first, each with what it shares."""
        return related(self.store, ident, top=top, scorer=scorer)

    def match(self, patient: Patient | None = None, **profile: Any) -> list[MatchResult]:
        """Every trial with its verdict for a patient (a Patient, or its fields: age=, sex=, conditions=, ...)."""
        if patient is not None and profile:
            raise TypeError("give a Patient or its fields, not both")
        return match(self.store, patient or Patient(**profile))

    def query(self, sparql: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Answer a read-only SPARQL query, all named graphs seen as one default graph."""
        return answer(self.store, sparql, where=f"the graph in {self.path}")


def open(graph_dir: str | Path = "output") -> Graph:  # noqa: A001 - `trialkg.open` reads as the builtin does
    """Open the graph `trialkg build` wrote into `graph_dir`."""
    path = Path(graph_dir)
    return Graph(path, open_graph(path))
