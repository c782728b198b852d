"""Placeholder: being written."""
from __future__ import annotations
from collections.abc import Iterator
from pathlib import Path
from ..model import SourceDocument, Trial

FORMAT = "medpath"


def sniff(head: str) -> int:
    return 0


def parse(path: Path, source: SourceDocument) -> Iterator[Trial]:
    raise NotImplementedError
