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

import hashlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from ..errors import RecordParseError, UnknownFormatError
from ..model import SourceDocument, Trial
from . import compass, ctgov_json, ctgov_xml, keyvalue, medpath, registry_page

#: Every known format, by name. Order breaks ties in `detect_format`.
PARSERS: dict[str, ModuleType] = {
    m.FORMAT: m for m in (keyvalue, registry_page, compass, medpath, ctgov_json, ctgov_xml)
}

#: How much of a file `sniff` sees.
HEAD_BYTES = 64 * 1024

#: Below this a sniff score is a guess, not a detection.
MIN_SCORE = 30


def read_text(path: Path) -> str:
    """The document as text: UTF-8 (a BOM is dropped); binary or undecodable input is an error."""
    data = path.read_bytes()
    return decode_text(data, str(path))


def decode_text(data: bytes, name: str) -> str:
    if not data.strip():
        raise RecordParseError(name, "the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise RecordParseError(name, f"not valid UTF-16 ({exc.reason} at byte {exc.start})") from exc
    if b"\x00" in data[:HEAD_BYTES]:
        raise RecordParseError(name, "binary content (NUL bytes); expected a text document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordParseError(
            name, f"not valid UTF-8 ({exc.reason} at byte {exc.start}); re-save the file as UTF-8"
        ) from exc


def detect_format(head: str, name: str) -> str:
    """The name of the format `head` is written in; UnknownFormatError when none is sure enough."""
    scores = {fmt: module.sniff(head) for fmt, module in PARSERS.items()}
    best = max(scores, key=lambda f: scores[f])
    if scores[best] < MIN_SCORE:
        raise UnknownFormatError(name, "not a trial document in any known format (" + ", ".join(PARSERS) + ")")
    return best


def source_document(path: Path, fmt: str) -> SourceDocument:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return SourceDocument(file_name=path.name, format=fmt, sha256=digest.hexdigest())


def parse_file(path: Path) -> Iterator[Trial | RecordParseError]:
    """Every trial in the file at `path` (or the error of a bad record in it).

    Raises RecordParseError, naming the file, when the file as a whole cannot be read.
    """
    with path.open("rb") as fh:
        head_bytes = fh.read(HEAD_BYTES)
    if head_bytes.startswith(ctgov_json.ZIP_MAGIC):  # the registry's bulk zip: binary, read member by member
        yield from ctgov_json.parse(path, source_document(path, ctgov_json.FORMAT))
        return
    # A cut at HEAD_BYTES may fall inside a multi-byte character: decode only whole characters.
    if len(head_bytes) == HEAD_BYTES and not head_bytes.startswith((b"\xff\xfe", b"\xfe\xff")):
        head_bytes = head_bytes[: len(head_bytes) - 4] + head_bytes[-4:].decode("utf-8", "ignore").encode()
    head = decode_text(head_bytes, str(path))
    fmt = detect_format(head, str(path))
    yield from PARSERS[fmt].parse(path, source_document(path, fmt))
