"""The scale benchmark's baseline: rdflib's in-memory Dataset behind the same small interface as Oxigraph.

The build and every query command use Oxigraph (an on-disk store beside the exports); this module
is not part of the package. It is the naive path `benchmarks/scale.py` measures trialkg against,
and tests/benchmarks/test_rdflib_baseline.py checks it answers like Oxigraph, so the comparison is fair:
both answer the same SPARQL with the same bound parameters and give rows of plain strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
import rdflib
from trialkg.errors import TrialkgError

Row = dict[str, str]


class Backend(Protocol):
    """What trialkg needs from a quad store."""

    name: str

    def load_nquads(self, path: Path) -> None: ...

    def select(self, query: str, bindings: Mapping[str, str] | None = None) -> list[Row]: ...

    def write(self, path: Path, fmt: str) -> None: ...

    def __len__(self) -> int: ...


class OxigraphBackend:
    """pyoxigraph: in memory, or on disk at `location` (the build's store)."""

    name = "oxigraph"

    def __init__(self, location: Path | None = None, *, read_only: bool = False) -> None:
        if location is None:
            self.store = ox.Store()
        else:
            self.store = ox.Store.read_only(str(location)) if read_only else ox.Store(str(location))

    def load_nquads(self, path: Path) -> None:
        self.store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)

    def select(self, query: str, bindings: Mapping[str, str] | None = None) -> list[Row]:
        """Rows of a SELECT over the default graph (the merged view); `bindings` are IRIs bound to variables."""
        substitutions = {ox.Variable(k): ox.NamedNode(v) for k, v in (bindings or {}).items()}
        solutions = self.store.query(query, substitutions=substitutions)
        if not isinstance(solutions, ox.QuerySolutions):
            raise TrialkgError("not a SELECT query")
        names = [v.value for v in solutions.variables]
        return [{n: s[n].value for n in names if s[n] is not None} for s in solutions]

    def write(self, path: Path, fmt: str) -> None:
        formats = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
        if fmt not in formats:
            raise TrialkgError(f"the Oxigraph back end writes a whole dataset as nq or trig, not {fmt}")
        self.store.dump(str(path), format=formats[fmt])

    def __len__(self) -> int:
        return len(self.store)


class RdflibBackend:
    """rdflib's in-memory Dataset (~40k triples/s, ~1.5 GB per million triples): for small graphs."""

    name = "rdflib"

    def __init__(self) -> None:
        self.dataset = rdflib.Dataset()  # its default graph is the build's merged view, as in Oxigraph

    def load_nquads(self, path: Path) -> None:
        self.dataset.parse(path, format="nquads")

    def select(self, query: str, bindings: Mapping[str, str] | None = None) -> list[Row]:
        init: dict[str, Any] = {k: rdflib.URIRef(v) for k, v in (bindings or {}).items()}
        result = self.dataset.query(query, initBindings=init)
        if result.type != "SELECT":
            raise TrialkgError("not a SELECT query")
        names = [str(v) for v in result.vars or []]
        return [{n: str(row[n]) for n in names if row[n] is not None} for row in result]  # type: ignore[index]

    def write(self, path: Path, fmt: str) -> None:
        formats = {"nq": "nquads", "trig": "trig"}
        if fmt not in formats:
            raise TrialkgError(f"the rdflib back end writes a whole dataset as nq or trig, not {fmt}")
        self.dataset.serialize(str(path), format=formats[fmt])

    def __len__(self) -> int:
        return sum(1 for _ in self.dataset.quads((None, None, None, None)))


BACKENDS = {"oxigraph": OxigraphBackend, "rdflib": RdflibBackend}


def open_backend(name: str) -> Backend:
    """A new, empty in-memory back end by name."""
    try:
        return BACKENDS[name]()  # type: ignore[no-any-return]
    except KeyError:
        raise TrialkgError(f"unknown back end {name!r} (one of {', '.join(BACKENDS)})") from None
