"""The build's content-addressed cache: each document's finished work, kept for the next build of the same output.

A daily refresh of the registry changes a few hundred of its 580,000 studies. The cache lets a
build redo only those: the work of a document (its export fragments, its report, its SHACL
results) is kept under a key made of the document's bytes and of everything else the work
depends on (trialkg's version and code, the ontology, the shapes, the lexicon data, the MeSH
file, the export formats, the document's path, which the report names). A document whose key is
in the cache is not read again; its fragments are hard-linked into the build, so the joined
exports are the same bytes as a clean build's. A changed document has a new key and is redone;
entries no build uses any more are pruned at the end of a build.

Entries are folders named by their key, written to a temporary name and renamed: a build killed
half-way leaves whole entries or none. Per-study artefacts live here, one folder per document,
for later stages (a related-trials index) to update from.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from trialkg.resources import data_dir

#: The cache's folder inside a build's output folder.
CACHE_DIR = ".trialkg-cache"
#: An entry's report: the document's report and SHACL results as JSON.
_PAYLOAD = "work.json"
#: An entry's fragment files are this name and the fragment's suffix.
_FRAGMENT = "fragment"
_PACKAGE = Path(__file__).resolve().parent


def fingerprint(extras: Iterable[str] = ()) -> str:
    """A digest of everything but the document that a document's work depends on.

    The code is hashed as well as the version: a changed checkout (an editable install) must not
    reuse work done by other code. `extras`: the build's own settings (formats, MeSH file digest).
    """
    digest = hashlib.sha256()
    try:
        version = metadata.version("trialkg")
    except metadata.PackageNotFoundError:
        version = "(not installed: the code digest stands for it)"
    digest.update(f"trialkg {version}\n".encode())
    for root in dict.fromkeys([_PACKAGE, data_dir("ontology"), data_dir("shapes")]):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(f"{path.relative_to(root)}\n".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    for extra in extras:
        digest.update(f"{extra}\n".encode())
    return digest.hexdigest()


def document_key(salt: str, path: Path, name: str, member: str | None, content_digest: str) -> str:
    """The key of one document's work: its bytes' digest, where it was read from and how it is named, and the
    build's fingerprint."""
    text = json.dumps([salt, str(path), name, member, content_digest])
    return hashlib.sha256(text.encode()).hexdigest()


def _entry(folder: Path, key: str) -> Path:
    return folder / key[:2] / key


def fragment_path(stem: Path, suffix: str) -> Path:
    return stem.with_name(stem.name + suffix)


def get(folder: Path, key: str, stem: Path, suffixes: Sequence[str]) -> dict[str, Any] | None:
    """The cached work under `key` (its fragment files linked to `stem`), or None when there is none."""
    entry = _entry(folder, key)
    try:
        payload: dict[str, Any] = json.loads((entry / _PAYLOAD).read_bytes())
        for suffix in suffixes:
            source = entry / (_FRAGMENT + suffix)
            if source.exists():
                _link(source, fragment_path(stem, suffix))
    except (OSError, ValueError):
        for suffix in suffixes:  # an entry damaged or pruned while read: the document is redone
            fragment_path(stem, suffix).unlink(missing_ok=True)
        return None
    return payload


def put(folder: Path, key: str, stem: Path, suffixes: Sequence[str], payload: dict[str, Any]) -> None:
    """Keep the work of one document under `key`: its fragment files (linked, not copied) and `payload`."""
    entry = _entry(folder, key)
    if entry.exists():
        return
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", suffix=".tmp", dir=entry.parent))
    try:
        for suffix in suffixes:
            source = fragment_path(stem, suffix)
            if source.exists():
                _link(source, tmp / (_FRAGMENT + suffix))
        (tmp / _PAYLOAD).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        os.rename(tmp, entry)
    except OSError:  # another worker kept the same document first, or the disk is full: no entry, no harm
        shutil.rmtree(tmp, ignore_errors=True)


def prune(folder: Path, keep: set[str]) -> int:
    """Remove every entry not in `keep` (documents gone or changed) and leftovers of killed builds; how many."""
    removed = 0
    if not folder.is_dir():
        return 0
    for bucket in folder.iterdir():
        if not bucket.is_dir():
            continue
        for entry in bucket.iterdir():
            if entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)
                removed += not entry.name.endswith(".tmp")
    return removed


def clear(folder: Path) -> None:
    """Forget every cached document (`trialkg build --clean`)."""
    shutil.rmtree(folder, ignore_errors=True)


def _link(source: Path, target: Path) -> None:
    """A hard link (no bytes copied); a copy where the file system has none."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
