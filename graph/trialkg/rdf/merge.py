"""One trial read from several documents: which value `show` gives, and where the sources disagree.

Every value stays in the graph, in its source's named graph; this module only decides what the
merged record shows (the registry's own structured record first) and lists conflicts, so that
nothing is overwritten silently.
"""

from __future__ import annotations

from typing import Any

from trialkg.rdf.record import CONTRACT_KEYS, DERIVED_KEYS, EXTRA_KEYS, empty_record

#: Source formats by trust: the registry's structured records before pages derived from them.
FORMAT_PREFERENCE = ("ctgov_json", "ctgov_xml", "keyvalue", "registry_page", "medpath", "compass")

#: Keys that describe the record itself, not the trial: never compared.
_META_KEYS = frozenset({"id", "sources"})

_EMPTY = empty_record()


def source_rank(record: dict[str, Any]) -> tuple[int, str]:
    """Sort key putting the most trusted source first (ties: by file name)."""
    fmt = record.get("_format") or ""
    rank = FORMAT_PREFERENCE.index(fmt) if fmt in FORMAT_PREFERENCE else len(FORMAT_PREFERENCE)
    return rank, ",".join(record.get("sources", []))


def _stated(value: Any) -> bool:
    return value not in (None, [], "")


def merge_records(trial: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The merged record: each field from the most trusted source that states it.

    Adds `provenance` (the preferred source, and which source gave each stated field) and
    `conflicts` (fields two sources state differently, with every value and its source).
    """
    ranked = sorted(records, key=source_rank)
    merged: dict[str, Any] = {"id": trial, "sources": sorted({s for r in ranked for s in r["sources"]})}
    field_sources: dict[str, str] = {}
    conflicts = []
    for key in CONTRACT_KEYS[2:] + EXTRA_KEYS:
        stating = [r for r in ranked if _stated(r.get(key))]
        merged[key] = stating[0][key] if stating else _EMPTY.get(key)
        if stating:
            field_sources[key] = _label(stating[0])
        distinct = {repr(_comparable(r[key])) for r in stating}
        # A derived field differs exactly when the field it is read from does, which is reported already.
        if len(distinct) > 1 and key not in DERIVED_KEYS:
            conflicts.append({"field": key, "values": [{"source": _label(r), "value": r[key]} for r in stating]})
    merged["provenance"] = {
        "preferred_source": _label(ranked[0]) if ranked else None,
        "sources": [{"file": _label(r), "format": r.get("_format")} for r in ranked],
        "field_sources": field_sources,
    }
    merged["conflicts"] = conflicts
    return merged


def _label(record: dict[str, Any]) -> str:
    return ", ".join(record.get("sources", [])) or "(unknown source)"


def _comparable(value: Any) -> Any:
    """Values compared for conflicts: text compared without case and surrounding space."""
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    return value
