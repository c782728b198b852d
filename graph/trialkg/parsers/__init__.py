"""One parser per source format behind one interface, chosen by content, never by file name.

A parser module has:
    FORMAT: str                        the format's name, as kept in provenance
    sniff(head: str) -> int            0..100, how sure it is that text starting with `head` is its format
    parse(path, source) -> Iterator[Trial | RecordParseError]

A file may hold many trials (a JSON array, a bulk zip). A parser raises RecordParseError when the
file as a whole is unusable, and *yields* one for a single bad record inside it, so the build
reports that record and goes on with the rest of the file.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from trialkg.errors import RecordParseError, UnknownFormatError
from trialkg.model import SourceDocument, Trial
from trialkg.parsers import compass, ctgov_json, ctgov_xml, keyvalue, medpath, registry_page
from trialkg.parsers.text import decode_text, whole_characters

#: Every known format, by name. Order breaks ties in `detect_format`.
PARSERS: dict[str, ModuleType] = {
    m.FORMAT: m for m in (keyvalue, registry_page, compass, medpath, ctgov_json, ctgov_xml)
}

#: How much of a file `sniff` sees.
HEAD_BYTES = 64 * 1024

#: Below this a sniff score is a guess, not a detection.
MIN_SCORE = 30
#: What a file found in a folder must score to be read as a trial document (others are skipped, not failed):
#: RSS search feeds and other XML score 35 as legacy XML, READMEs and id lists 0; real documents 95-100.
SURE_SCORE = 60

#: The largest file a format that reads its document whole will read (the streaming JSON reader has no limit).
#: Real pages and exports are tens of kilobytes and legacy XML records at most a few megabytes; the limits
#: keep a build's memory bounded and every literal well under Oxigraph's 16 MiB line buffer.
MAX_BYTES: dict[str, int] = {
    keyvalue.FORMAT: 2 << 20,
    registry_page.FORMAT: 2 << 20,
    compass.FORMAT: 2 << 20,
    medpath.FORMAT: 2 << 20,
    ctgov_xml.FORMAT: 16 << 20,
}


#: Most characters of unmapped text kept per trial (real records keep at most ~10,000): what a document
#: states that no field takes is kept as text, but a hostile one must not make the exports grow past its size.
MAX_UNMAPPED_CHARS = 256 * 1024


def cap_unmapped(trial: Trial) -> Trial:
    """The trial with its unmapped notes cut at MAX_UNMAPPED_CHARS in all, and a warning saying how many went."""
    kept: list[str] = []
    total = 0
    for note in trial.unmapped:
        if total + len(note) > MAX_UNMAPPED_CHARS:
            break
        kept.append(note)
        total += len(note)
    dropped = len(trial.unmapped) - len(kept)
    if not dropped:
        return trial
    warning = (
        f"{dropped} of {len(trial.unmapped)} unmapped notes dropped: a trial keeps at most "
        f"{MAX_UNMAPPED_CHARS:,} characters of text no field takes"
    )
    return dataclasses.replace(trial, unmapped=tuple(kept), warnings=(*trial.warnings, warning))


def detect_format(head: str, name: str) -> str:
    """The name of the format `head` is written in; UnknownFormatError when none is sure enough."""
    scores = {fmt: module.sniff(head) for fmt, module in PARSERS.items()}
    best = max(scores, key=lambda f: scores[f])
    if scores[best] < MIN_SCORE:
        raise UnknownFormatError(name, "not a trial document in any known format (" + ", ".join(PARSERS) + ")")
    return best


def source_document(path: Path, fmt: str, name: str | None = None) -> SourceDocument:
    """The document's provenance; `name` is how it is named (its path relative to the input; default its file name)."""
    return SourceDocument(file_name=name or path.name, format=fmt, sha256=file_digest(path))


def file_digest(path: Path) -> str:
    """The SHA-256 of the file's bytes (a source document's identity)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _head(path: Path) -> tuple[bytes, str | None]:
    """The file's first bytes, and their text (None: the registry's bulk zip, which is binary)."""
    with path.open("rb") as fh:
        head_bytes = fh.read(HEAD_BYTES)
    if head_bytes.startswith(ctgov_json.ZIP_MAGIC):
        return head_bytes, None
    # A cut at HEAD_BYTES may fall inside a multi-byte character: decode only whole characters.
    if len(head_bytes) == HEAD_BYTES and not head_bytes.startswith((b"\xff\xfe", b"\xfe\xff")):
        head_bytes = whole_characters(head_bytes)
    return head_bytes, decode_text(head_bytes, str(path))


def looks_like_trial_document(path: Path) -> str | None:
    """Why a file found in a folder is not read as a trial document (None: it looks like one).

    Decided by content, as the build reads it: a bulk zip, or text one format is sure of.
    """
    try:
        _, head = _head(path)
    except RecordParseError as exc:
        return exc.problem
    except OSError as exc:
        return f"cannot read the file ({exc.strerror or exc})"
    if head is None:
        return None
    scores = {fmt: module.sniff(head) for fmt, module in PARSERS.items()}
    if max(scores.values()) >= SURE_SCORE:
        return None
    return "not a trial document in any known format (" + ", ".join(PARSERS) + ")"


def parse_file(path: Path, name: str | None = None) -> Iterator[Trial | RecordParseError]:
    """Every trial in the file at `path` (or the error of a bad record in it); `name`: see `source_document`.

    Raises RecordParseError, naming the file, when the file as a whole cannot be read.
    """
    for item in _parse(path, name):
        yield cap_unmapped(item) if isinstance(item, Trial) else item


def _parse(path: Path, name: str | None) -> Iterator[Trial | RecordParseError]:
    _, head = _head(path)
    if head is None:  # the registry's bulk zip: binary, read member by member
        yield from ctgov_json.parse(path, source_document(path, ctgov_json.FORMAT, name))
        return
    fmt = detect_format(head, str(path))
    size, limit = path.stat().st_size, MAX_BYTES.get(fmt)
    if limit is not None and size > limit:
        raise RecordParseError(
            str(path), f"the file is {size / 2**20:,.1f} MiB, larger than the {limit >> 20} MiB a {fmt} document may be"
            " (refused unread; no real document of this format is near that size)",
        )  # fmt: skip
    yield from PARSERS[fmt].parse(path, source_document(path, fmt, name))


def bulk_zip_members(path: Path) -> list[str] | None:
    """The document members of the registry's bulk zip at `path`, each of which a build reads as a task of its own.

    None for any other file, and for a zip that cannot be read (read whole, it reports its own error).
    """
    try:
        with path.open("rb") as fh:
            if fh.read(len(ctgov_json.ZIP_MAGIC)) != ctgov_json.ZIP_MAGIC:
                return None
        return ctgov_json.zip_members(path)
    except (OSError, RecordParseError):
        return None


def parse_zip_member(path: Path, index: int, name: str | None = None) -> Iterator[Trial | RecordParseError]:
    """The trials of member `index` of `bulk_zip_members(path)`: what `parse_file(path, name)` yields for it."""
    for item in ctgov_json.parse_zip_member(path, index, name or path.name):
        yield cap_unmapped(item) if isinstance(item, Trial) else item


def document_digest(path: Path, member: int | None = None) -> str:
    """The SHA-256 of a document's bytes, or of bulk-zip member `member`'s: what a build's cache keys its work on."""
    return file_digest(path) if member is None else ctgov_json.zip_member_digest(path, member)
