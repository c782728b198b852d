"""Incremental refresh: a build into a folder that holds a previous build reuses the work of unchanged documents.

What must hold: the result is the same bytes as a clean build of the same inputs, whatever changed,
appeared or disappeared since; a changed document (or changed code, shapes, ontology, lexicon)
is redone; `--clean` redoes everything; a bulk zip's members are cached one by one.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from testdata import DATA, SEEDS
from trialkg import cache
from trialkg.cli import main
from trialkg.pipeline import build

JSON_STUDIES = sorted((DATA / "ctgov").glob("NCT*.json"))
XML_STUDIES = sorted((DATA / "ctgov").glob("NCT*.xml"))


def outputs(folder: Path) -> dict[str, bytes]:
    """Every file a build publishes (the exports and reports; the store is checked through the exports)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def corpus(folder: Path) -> Path:
    """A small corpus of every kind of input: page formats, API v2 JSON, legacy XML."""
    folder.mkdir(parents=True)
    for path in [*SEEDS[:-1], *JSON_STUDIES, *XML_STUDIES]:
        shutil.copy(path, folder / path.name)
    return folder


def retitle(path: Path, title: str) -> None:
    """A new version of the study at `path`: the registry record with another brief title."""
    study = json.loads(path.read_text(encoding="utf-8"))
    study["protocolSection"]["identificationModule"]["briefTitle"] = title
    path.write_text(json.dumps(study, ensure_ascii=False), encoding="utf-8")


def test_refresh_after_changes_is_byte_identical_to_a_clean_build(tmp_path):
    inputs = corpus(tmp_path / "in")
    out = tmp_path / "out"
    first = build([str(inputs)], out, jobs=2)
    documents = len(first.documents)
    assert first.cache == {"reused": 0, "redone": documents, "pruned": 0}

    again = build([str(inputs)], out, jobs=2)
    assert again.cache["reused"] == documents

    # One study changes, one disappears, one appears.
    retitle(inputs / JSON_STUDIES[0].name, "Revised: a new title")
    (inputs / XML_STUDIES[0].name).unlink()
    shutil.copy(SEEDS[-1], inputs / SEEDS[-1].name)
    refreshed = build([str(inputs)], out, jobs=2)
    assert refreshed.cache["reused"] == documents - 2  # all but the changed one and the one gone
    assert refreshed.cache["redone"] == 2  # the changed one and the new one
    assert refreshed.cache["pruned"] == 2  # the old version of the changed one and the one gone

    clean = tmp_path / "clean"
    build([str(inputs)], clean, jobs=1)
    assert outputs(out) == outputs(clean)
    assert b"Revised: " in outputs(out)["trialkg.nt"]


def test_a_changed_document_is_redone(tmp_path):
    inputs = corpus(tmp_path / "in")
    out = tmp_path / "out"
    build([str(inputs)], out)
    retitle(inputs / JSON_STUDIES[1].name, "A title no earlier build saw")
    report = build([str(inputs)], out)
    assert report.cache["redone"] == 1
    assert b"A title no earlier build saw" in (out / "trialkg.nt").read_bytes()


def test_changed_shapes_or_code_change_the_fingerprint(tmp_path, monkeypatch):
    before = cache.fingerprint(["nq"])
    assert cache.fingerprint(["nq"]) == before
    assert cache.fingerprint(["nq", "ttl"]) != before
    shapes = tmp_path / "shapes"
    shutil.copytree(cache.data_dir("shapes"), shapes)
    (shapes / "trialkg.shacl.ttl").write_text((shapes / "trialkg.shacl.ttl").read_text() + "\n# changed\n")
    real = cache.data_dir
    monkeypatch.setattr(cache, "data_dir", lambda name: shapes if name == "shapes" else real(name))
    assert cache.fingerprint(["nq"]) != before


def test_a_different_fingerprint_reuses_nothing(tmp_path, monkeypatch):
    inputs = corpus(tmp_path / "in")
    out = tmp_path / "out"
    build([str(inputs)], out)
    monkeypatch.setattr(cache, "fingerprint", lambda extras=(): "another trialkg")
    report = build([str(inputs)], out)
    assert report.cache["reused"] == 0
    assert report.cache["pruned"] == report.cache["redone"]  # the other code's entries are dropped


def test_clean_flag_redoes_every_document(tmp_path):
    inputs = corpus(tmp_path / "in")
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["build", str(inputs), "--out", str(out), "--jobs", "1", "--json"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    second = json.loads(runner.invoke(main, args).output)
    assert second["cache"]["reused"] == second["cache"]["redone"] + second["cache"]["reused"] > 0
    third = json.loads(runner.invoke(main, [*args, "--clean"]).output)
    assert third["cache"]["reused"] == 0
    assert third["cache"]["redone"] == second["cache"]["reused"]


def test_a_damaged_cache_entry_is_redone(tmp_path):
    inputs = corpus(tmp_path / "in")
    out = tmp_path / "out"
    build([str(inputs)], out)
    before = outputs(out)
    entries = sorted((out / cache.CACHE_DIR).glob("*/*"))
    (entries[0] / "work.json").write_text("{not json")
    report = build([str(inputs)], out)
    assert report.cache["redone"] == 1
    assert outputs(out) == before


def zip_of(studies: list[Path], path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for study in studies:
            zf.write(study, arcname=study.name)
    return path


def test_bulk_zip_members_are_tasks_and_cached_one_by_one(tmp_path):
    studies = tmp_path / "studies"
    studies.mkdir()
    for n, path in enumerate(JSON_STUDIES):
        shutil.copy(path, studies / path.name)
        # a second copy of each study under another NCT id, so the zip has more members than workers
        text = path.read_text(encoding="utf-8")
        nct = path.stem
        (studies / f"NCT9{n:07d}.json").write_text(text.replace(nct, f"NCT9{n:07d}"), encoding="utf-8")
    members = sorted(studies.iterdir())
    bulk = zip_of(members, tmp_path / "ctg-studies.zip")

    one = tmp_path / "one"
    report = build([str(bulk)], one, jobs=1)
    assert len(report.documents) == 1  # the zip is one document in the report, as before
    assert len(report.documents[0].trials) == len(members)
    assert report.cache["redone"] == len(members)  # but each member was a task of its own

    two = tmp_path / "two"
    build([str(bulk)], two, jobs=2)
    assert outputs(two) == outputs(one)

    # One member changes: only it is redone, and the bytes are a clean build's.
    retitle(members[0], "Updated: a new title")
    zip_of(members, bulk)
    refreshed = build([str(bulk)], two, jobs=2)
    assert refreshed.cache == {"reused": len(members) - 1, "redone": 1, "pruned": 1}
    clean = tmp_path / "clean"
    build([str(bulk)], clean, jobs=1)
    assert outputs(two) == outputs(clean)
    assert b"Updated: " in outputs(clean)["trialkg.nt"]


@pytest.mark.parametrize("broken", ["not a zip at all", ""])
def test_a_zip_that_cannot_be_read_is_one_failed_document(tmp_path, broken):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04" + broken.encode())
    report = build([str(bad)], tmp_path / "out")
    assert len(report.documents) == 1
    assert report.documents[0].error and "zip" in report.documents[0].error
