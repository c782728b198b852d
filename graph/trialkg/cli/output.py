"""Output for people: aligned tables with an ellipsis where text is cut, and the trial record as sections.

The JSON forms (`--json`) stay the machine's; nothing here is parsed back.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from typing import Any

ELLIPSIS = "…"
#: The widest a table column grows before its cells are cut (with an ellipsis).
MAX_COLUMN = 60


def cut(text: str, width: int) -> str:
    """`text` on one line, at most `width` characters; a cut shows as a trailing ellipsis."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= width else one_line[: max(0, width - 1)] + ELLIPSIS


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, max_column: int = MAX_COLUMN) -> list[str]:
    """Lines of a plain-text table: a header, a rule, the rows; cells cut to `max_column` with an ellipsis."""
    cells = [[cut(c, max_column) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return lines


def _label(key: str) -> str:
    return key.replace("_", " ")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_text(v)}" for k, v in value.items() if v not in (None, [], {}))
    return str(value)


def _width() -> int:
    return max(60, shutil.get_terminal_size((120, 40)).columns)


def record_lines(record: dict[str, Any]) -> list[str]:
    """The contract record as a person reads it: fields, then lists as bullets or tables, then provenance."""
    width = _width()
    scalars = [(k, v) for k, v in record.items() if v not in (None, [], {}) and not isinstance(v, (list, dict))]
    pad = max((len(_label(k)) for k, _ in scalars), default=0) + 1
    lines = []
    for k, v in scalars:
        lines += _wrap_scalar((_label(k) + ":").ljust(pad + 1), _text(v), width)
    for key, value in record.items():
        if value in (None, [], {}) or not isinstance(value, (list, dict)) or key == "provenance":
            continue
        lines.append("")
        lines.append(f"{_label(key)} ({len(value)}):")
        if isinstance(value, dict):
            lines += [f"  {_label(k)}: {_text(v)}" for k, v in value.items()]
        elif all(isinstance(item, dict) for item in value):
            columns = [c for c in value[0] if any(item.get(c) not in (None, [], "") for item in value)]
            rows = [[_text(item.get(c)) for c in columns] for item in value]
            lines += ["  " + line for line in table([_label(c) for c in columns], rows, max_column=40)]
        else:
            for item in value:
                lines += textwrap.wrap(_text(item), width, initial_indent="  - ", subsequent_indent="    ")
    if record.get("provenance"):
        lines += ["", *provenance_lines(record["provenance"])]
    return lines


#: Lines a long text (a summary) gets; the whole of it is in `--json`.
LONG_TEXT_LINES = 4


def _wrap_scalar(label: str, text: str, width: int) -> list[str]:
    """One field: its value beside the label, wrapped under it, at most LONG_TEXT_LINES lines (then an ellipsis)."""
    wrapped = textwrap.wrap(" ".join(text.split()), width, initial_indent=label, subsequent_indent=" " * len(label))
    if len(wrapped) > LONG_TEXT_LINES:
        wrapped = wrapped[:LONG_TEXT_LINES]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + ELLIPSIS
    return wrapped or [label]


def provenance_lines(provenance: dict[str, Any]) -> list[str]:
    """Which source gave which fields, grouped by source (the preferred one first)."""
    lines = ["provenance:"]
    preferred = provenance.get("preferred_source")
    by_source: dict[str, list[str]] = {}
    for field, source in (provenance.get("field_sources") or {}).items():
        by_source.setdefault(str(source), []).append(_label(field))
    for source in provenance.get("sources") or []:
        name = source.get("file", "")
        mark = " (preferred)" if name == preferred else ""
        lines.append(f"  {name} [{source.get('format')}]{mark}")
        if by_source.get(name):
            lines.append(f"    fields: {cut(', '.join(by_source[name]), _width() - 14)}")
    return lines
