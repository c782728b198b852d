"""The project's own error types: every failure a user can cause is one of these."""

from __future__ import annotations


class TrialkgError(Exception):
    """Base of every error trialkg raises on purpose (CLI exit code 2)."""


class RecordParseError(TrialkgError, ValueError):
    """A document could not be read as a trial; names the file, the place and the problem."""

    def __init__(self, file: str, problem: str, *, where: str | None = None) -> None:
        self.file = file
        self.problem = problem
        self.where = where
        place = f" ({where})" if where else ""
        super().__init__(f"{file}{place}: {problem}")


class UnknownFormatError(RecordParseError):
    """No parser recognises the document's content."""


class GraphNotFoundError(TrialkgError):
    """A query command was pointed at a folder without a built graph."""


class TrialNotFoundError(TrialkgError):
    """`show` was asked for an id the graph does not hold."""
