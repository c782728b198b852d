"""What every command shares: the graph folder option, --json, and the one path from an error to exit code 2."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from trialkg.errors import TrialkgError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_OUT = Path("output")

graph_option = click.option(
    "--graph",
    "graph_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Folder of a built graph (what `trialkg build` wrote).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout.")


#: Characters that break a one-line message or steer the terminal: C0/C1 controls (newline, ESC of ANSI
#: sequences), DEL, line and paragraph separators, bidirectional overrides.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    r"""`text` with its control characters written as escapes, so a file name or title cannot split or recolour a line.

    >>> one_line("bad\nname\x1b[31m.json")
    'bad\\nname\\x1b[31m.json'
    """
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def errors_exit_2(func: F) -> F:
    """Our own errors become one readable line on stderr and exit code 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TrialkgError as exc:
            click.echo(f"error: {one_line(str(exc))}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))
