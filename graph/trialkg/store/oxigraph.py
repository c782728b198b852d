"""The Oxigraph store of a build: opened for queries, bulk-loaded from N-Quads, swapped in whole.

Queries never re-parse Turtle: `trialkg build` writes N-Quads, which load into Oxigraph at
hundreds of thousands of quads per second. Every load (the build's store, a folder holding only
the exports, `trialkg load --oxigraph-location`) goes through `load_nquads`, in-process.
"""

from __future__ import annotations

import contextlib
import gc
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from trialkg.errors import GraphNotFoundError, TrialkgError
from trialkg.store.export import SHARD_GLOB, SINKS

#: The build's N-Quads export (a build that was sharded has trialkg-NNNNN.nq instead).
QUADS_FILE = SINKS["nq"].file_name()
#: The on-disk Oxigraph store `trialkg build` leaves beside the exports; every query command reads it.
STORE_DIR = "oxigraph"
#: Bytes of N-Quads per call of Oxigraph's bulk loader. It holds a call's quads in memory several times
#: over (1.8 GB for 4.3 million quads in one call, 450 MB in 64 MB calls): blocks keep memory flat.
LOAD_BLOCK = 64 << 20

T = TypeVar("T")


def _swapped_out(final: Path) -> Path:
    """Where the previous store waits while a build swaps its new one in."""
    return final.with_name(f".{final.name}.old")


def open_graph(graph_dir: Path, *, writable: bool = False) -> ox.Store:
    """The store of the build in `graph_dir`: its on-disk Oxigraph store (read-only unless `writable`).

    A build folder without the store (copied exports only) is loaded from its N-Quads into memory.
    """
    store_dir = graph_dir / STORE_DIR
    if not store_dir.is_dir() and _swapped_out(store_dir).is_dir() and not writable:
        store_dir = _swapped_out(store_dir)  # a build killed while swapping its store in
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
    load_nquads(store, files)
    return store


def quad_files(graph_dir: Path, *, required: bool = False) -> list[Path]:
    """The build's N-Quads export: trialkg.nq, or its shards in order (none: an error if `required`)."""
    single = graph_dir / QUADS_FILE
    files = [single] if single.is_file() else sorted(graph_dir.glob(SHARD_GLOB))
    if required and not files:
        raise GraphNotFoundError(
            f"{graph_dir}: no built graph here ({QUADS_FILE} is missing); run `trialkg build` first"
        )
    return files


def line_blocks(path: Path, size: int = LOAD_BLOCK) -> Iterator[bytes]:
    """The file in blocks of about `size` bytes, each ending at a line end."""
    rest = b""
    with open(path, "rb") as fh:
        while data := fh.read(size):
            data = rest + data
            cut = data.rfind(b"\n") + 1
            if cut:
                yield data[:cut]
            rest = data[cut:]
    if rest:
        yield rest


def load_nquads(store: ox.Store, files: Sequence[Path]) -> None:
    """Add the N-Quads `files` to `store` with Oxigraph's bulk loader, a block of lines at a time."""
    for path in files:
        try:
            for block in line_blocks(path):
                store.bulk_load(input=block, format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, ValueError, OSError) as exc:
            raise TrialkgError(f"{path}: cannot load the built graph: {exc}") from exc


def load_store(location: Path, files: Sequence[Path], read: Callable[[ox.Store], T]) -> T:
    """Bulk-load `files` into the on-disk store at `location` (made if missing), return `read(store)`, close it.

    The store is closed before returning: next its folder is renamed, or opened by a server.
    """
    location.mkdir(parents=True, exist_ok=True)
    try:
        store = ox.Store(str(location))
    except OSError as exc:
        raise TrialkgError(f"{location}: cannot open the store: {exc}") from exc
    try:
        load_nquads(store, files)
        store.optimize()
        answer = read(store)
        store.flush()
    finally:
        del store
        gc.collect()
    return answer


@contextlib.contextmanager
def store_location(graph_dir: Path) -> Iterator[Path]:
    """The Oxigraph store folder of a build: OUT/oxigraph if the build left one, else a private copy.

    The private copy (for a folder holding only the exports, e.g. copied from elsewhere) is
    bulk-loaded from the build's N-Quads into a temporary folder and removed on exit.
    """
    built = graph_dir / STORE_DIR
    if built.is_dir():
        yield built
        return
    files = quad_files(graph_dir, required=True)
    with tempfile.TemporaryDirectory(prefix="trialkg-store-") as tmp:
        location = Path(tmp) / STORE_DIR
        load_store(location, files, lambda store: None)
        yield location


def replace_store(new: Path, final: Path) -> None:
    """Swap the new store folder in; a crash between the two renames leaves the old one aside (recovered)."""
    old = _swapped_out(final)
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    new.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def recover_store(out_dir: Path) -> None:
    """After a swap a kill interrupted: the previous store back in place, unless the new one made it."""
    final = out_dir / STORE_DIR
    old = _swapped_out(final)
    if old.exists():
        old.rename(final) if not final.exists() else shutil.rmtree(old)
