"""Bytes to text for the text formats: the encodings real documents use, and a clear error for the rest."""

from __future__ import annotations

from pathlib import Path

from trialkg.errors import RecordParseError


def read_text(path: Path) -> str:
    """The document as text: UTF-8 (a BOM is dropped); unreadable, binary or undecodable input is an error."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordParseError(str(path), f"cannot read the file ({exc.strerror})") from exc
    return decode_text(data, str(path))


def decode_text(data: bytes, name: str) -> str:
    if not data.strip():
        raise RecordParseError(name, "the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise RecordParseError(name, f"not valid UTF-16 ({exc.reason} at byte {exc.start})") from exc
    if b"\x00" in data:
        at = data.index(b"\x00")
        raise RecordParseError(
            name, f"binary content (a NUL byte at byte {at}); expected a text document", where=_line_of(data, at)
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordParseError(
            name,
            f"not valid UTF-8 ({exc.reason} at byte {exc.start}); re-save the file as UTF-8",
            where=_line_of(data, exc.start),
        ) from exc


def whole_characters(data: bytes) -> bytes:
    """`data` without a UTF-8 character cut at its end (1-3 bytes of a sequence a read split).

    >>> whole_characters("aé".encode()[:-1]), whole_characters("aé".encode())
    (b'a', b'a\\xc3\\xa9')
    """
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:  # ASCII: nothing is cut
            return data
        if byte >= 0xC0:  # the lead byte of the last sequence: is the sequence whole?
            length = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return data if back >= length else data[:-back]
    return data  # no lead byte in reach: invalid anyway, decoding will say where


def _line_of(data: bytes, offset: int) -> str:
    newlines = data.count(b"\n", 0, offset)
    return f"line {newlines + 1}"
