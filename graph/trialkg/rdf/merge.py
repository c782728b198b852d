"""One trial read from several documents: which value `show` gives, and where the sources disagree.

Every value stays in the graph, in its source's named graph; this module decides what the merged
record shows (the registry's own structured record first), lists conflicts, so that nothing is
overwritten silently, and picks the same values as triples for the default graph (`merged_statements`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyoxigraph as ox

from trialkg.rdf.fields import RESPONSIBLE_PARTY, TRIAL_FIELDS
from trialkg.rdf.record import CONTRACT_KEYS, DERIVED_KEYS, EXTRA_KEYS, empty_record
from trialkg.rdf.vocab import TK

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
    for key in MERGED_KEYS:
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


#: The record keys merge_records picks a source for.
MERGED_KEYS = CONTRACT_KEYS[2:] + EXTRA_KEYS


def chosen_sources(records: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Record key -> index in `records` of the source merge_records takes it from (keys no source states: absent)."""
    order = sorted(range(len(records)), key=lambda i: source_rank(records[i]))
    chosen: dict[str, int] = {}
    for key in MERGED_KEYS:
        stating = [i for i in order if _stated(records[i].get(key))]
        if stating:
            chosen[key] = stating[0]
    return chosen


#: The trial's links to its parts, by the record key whose source decides them. Predicates not here
#: (rdf:type, prov:wasDerivedFrom) come from every source.
_KEY_OF_LINK: dict[str, str] = {
    **{str(f.predicate): f.key for f in TRIAL_FIELDS if f.predicate not in RESPONSIBLE_PARTY.values()},
    **{str(p): "responsible_party" for p in RESPONSIBLE_PARTY.values()},
    str(TK.seeAlsoLink): "see_also_links",
    str(TK.listedRelatedTrial): "related_trials", str(TK.relatedTrialListing): "related_trials",
    str(TK.secondaryIdentifier): "secondary_ids",
    str(TK.leadSponsor): "organizations", str(TK.collaborator): "organizations", str(TK.organization): "organizations",
    str(TK.organizationStatement): "organizations",
    str(TK.official): "officials",
    str(TK.conditionStatement): "conditions", str(TK.condition): "conditions",
    str(TK.intervention): "interventions",
    str(TK.derivedCondition): "derived_condition_codes", str(TK.derivedConditionMention): "derived_condition_codes",
    str(TK.derivedIntervention): "derived_intervention_codes",
    str(TK.derivedInterventionMention): "derived_intervention_codes",
    str(TK.meshCondition): "condition_meshes", str(TK.meshConditionAncestor): "condition_mesh_ancestors",
    str(TK.meshIntervention): "intervention_meshes", str(TK.meshInterventionAncestor): "intervention_mesh_ancestors",
    str(TK.arm): "arms",
    str(TK.location): "locations",
    str(TK.reference): "references",
}  # fmt: skip
#: Links whose key depends on the part's type: criteria and outcomes by kind.
_KEY_BY_TYPE = {
    str(TK.eligibilityCriterion): (str(TK.criterionType), "CriterionType", "_criteria"),
    str(TK.outcome): (str(TK.outcomeType), "OutcomeType", "_outcomes"),
}
#: Keys read off the parts of another key: they follow that key's source.
_FOLLOWS = {"condition_codes": "conditions", "intervention_codes": "interventions"}


def merged_statements(
    trial: str, records: Sequence[dict[str, Any]], statements: Sequence[Sequence[ox.Triple]]
) -> list[ox.Triple]:
    """The triples of the merged trial: each part from the source merge_records takes it from.

    `statements[i]` are the triples about the trial's own nodes (the trial and its child nodes) that
    the source of `records[i]` states. A link from the trial is kept from the source chosen for its
    record key, with the child nodes under it; links of no key (its type, its sources) from every source.
    """
    chosen = chosen_sources(records)
    for key, base in _FOLLOWS.items():
        if base in chosen:
            chosen[key] = chosen[base]
    out: set[ox.Triple] = set()
    for i, triples in enumerate(statements):
        by_subject: dict[str, list[ox.Triple]] = {}
        for t in triples:
            by_subject.setdefault(_iri(t.subject), []).append(t)
        kept_nodes: list[str] = []
        for t in by_subject.get(trial, []):
            link_key = _link_key(t, by_subject)
            if link_key is None or chosen.get(link_key) == i:
                out.add(t)
                if isinstance(t.object, ox.NamedNode) and t.object.value.startswith(trial + "/"):
                    kept_nodes.append(t.object.value)
        for node in kept_nodes:
            for subject, node_triples in by_subject.items():
                if subject == node or subject.startswith(node + "/"):
                    out.update(node_triples)
    return sorted(out, key=str)


def _iri(term: object) -> str:
    return term.value if isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)) else ""


def _link_key(t: ox.Triple, by_subject: dict[str, list[ox.Triple]]) -> str | None:
    predicate = t.predicate.value
    if predicate in _KEY_BY_TYPE and isinstance(t.object, ox.NamedNode):
        type_predicate, scheme, ending = _KEY_BY_TYPE[predicate]
        for part in by_subject.get(t.object.value, []):
            if part.predicate.value == type_predicate:
                # code/CriterionType-inclusion -> inclusion_criteria
                return _iri(part.object).rsplit("/", 1)[-1].removeprefix(scheme + "-") + ending
        return None
    return _KEY_OF_LINK.get(predicate)


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
