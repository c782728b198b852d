"""The Oxigraph store behind builds and queries: rdflib terms in, SPARQL with bound parameters out.

Queries never re-parse Turtle: `trialkg build` writes N-Quads, which load into Oxigraph at
hundreds of thousands of quads per second.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from trialkg.errors import GraphNotFoundError, TrialkgError

#: The build's N-Quads export (a build that was sharded has trialkg-NNNNN.nq instead).
QUADS_FILE = "trialkg.nq"
#: The on-disk Oxigraph store `trialkg build` leaves beside the exports; every query command reads it.
STORE_DIR = "oxigraph"


def open_graph(graph_dir: Path, *, writable: bool = False) -> ox.Store:
    """The store of the build in `graph_dir`: its on-disk Oxigraph store (read-only unless `writable`).

    A build folder without the store (copied exports only) is loaded from its N-Quads into memory.
    """
    store_dir = graph_dir / STORE_DIR
    if not store_dir.is_dir() and (graph_dir / f".{STORE_DIR}.old").is_dir() and not writable:
        store_dir = graph_dir / f".{STORE_DIR}.old"  # a build killed while swapping its store in
    if store_dir.is_dir():
        try:
            return ox.Store(str(store_dir)) if writable else ox.Store.read_only(str(store_dir))
        except OSError as exc:
            raise TrialkgError(f"{store_dir}: cannot open the built graph's store: {exc}") from exc
    files = quad_files(graph_dir)
    if not files:
        raise GraphNotFoundError(
            f"{graph_dir}: no built graph here ({STORE_DIR}/ and {QUADS_FILE} are missing); run `trialkg build` first"
        )
    store = ox.Store()
    for path in files:
        try:
            store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, ValueError, OSError) as exc:
            raise TrialkgError(f"{path}: cannot load the built graph: {exc}") from exc
    return store


def quad_files(graph_dir: Path) -> list[Path]:
    """The build's N-Quads export: trialkg.nq, or its shards in order."""
    single = graph_dir / QUADS_FILE
    return [single] if single.is_file() else sorted(graph_dir.glob("trialkg-[0-9]*.nq"))
