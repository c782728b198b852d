"""SHACL validation results as plain data, whichever engine found them, for reports and exit codes."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib.namespace import SH

#: sh:severity / sh:resultSeverity IRI -> the word reports use.
SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class ShaclResult:
    """One SHACL validation result, in words: what failed, where, how bad."""

    focus: str
    path: str | None
    severity: str
    message: str
    component: str
    value: str | None


@dataclass(frozen=True)
class TrialResult:
    """A SHACL result with the trial and source document it belongs to."""

    trial: str
    source: str
    result: ShaclResult


def field_of(r: ShaclResult) -> str:
    """The record field a result is about: shape messages start with it ("enrollment: ...")."""
    head, sep, _rest = r.message.partition(":")
    if sep and " " not in head.strip():
        return head.strip()
    return (r.path or "").rsplit("#", 1)[-1] or "(node)"


def sort_key(r: ShaclResult) -> tuple[str, ...]:
    return (r.focus, r.path or "", r.severity, r.component, r.message, r.value or "")


def is_violation(result: ShaclResult) -> bool:
    return result.severity == "Violation"
