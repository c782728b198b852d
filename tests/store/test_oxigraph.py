"""The store of a build: loaded in blocks, a private copy for a folder holding only the exports, and
the store swap a killed build leaves half done."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from trialkg.errors import GraphNotFoundError
from trialkg.store.oxigraph import (
    STORE_DIR,
    line_blocks,
    load_store,
    open_graph,
    recover_store,
    replace_store,
    store_location,
)


def test_the_store_is_loaded_in_blocks_that_end_at_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "x.nq"
    path.write_bytes(b"".join(b'<s> <p> "%d" .\n' % i for i in range(500)) + b'<s> <p> "' + b"x" * 300 + b'" .\n')
    blocks = list(line_blocks(path, size=64))
    assert b"".join(blocks) == path.read_bytes()
    assert len(blocks) > 10 and all(block.endswith(b"\n") for block in blocks)  # a line longer than a block waits


def test_load_store_adds_to_a_store_folder_and_closes_it(sample_build: Path, tmp_path: Path) -> None:
    location = tmp_path / "store"
    nq = sample_build / "trialkg.nq"
    assert load_store(location, [nq], len) == len(set(ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS)))
    assert set(ox.Store.read_only(str(location))) == set(open_graph(sample_build))  # closed: opens again


def test_a_folder_of_exports_only_is_served_from_a_private_copy(sample_build: Path, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    shutil.copy(sample_build / "trialkg.nq", exports)
    with store_location(exports) as location:
        assert not location.is_relative_to(exports)
        assert set(ox.Store.read_only(str(location))) == set(open_graph(sample_build))
    assert not location.exists() and not (exports / STORE_DIR).exists()


def test_a_folder_without_a_build_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GraphNotFoundError, match="no built graph"), store_location(tmp_path):
        pass


def test_the_store_swap_keeps_one_whole_store(tmp_path: Path) -> None:
    final, new = tmp_path / STORE_DIR, tmp_path / "new"
    final.mkdir()
    (final / "old").write_text("old")
    new.mkdir()
    (new / "new").write_text("new")
    replace_store(new, final)
    assert [p.name for p in final.iterdir()] == ["new"] and not new.exists()
    final.rename(tmp_path / f".{STORE_DIR}.old")  # killed between the swap's two renames
    recover_store(tmp_path)
    assert [p.name for p in final.iterdir()] == ["new"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [STORE_DIR]
