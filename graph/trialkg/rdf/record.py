"""The JSON form of a trial (`../shared/contract/trial-record.schema.json`), from an enriched trial.

`trialkg show` builds the same dict from the graph (see `readback.py`); the round-trip tests
compare the two, so this module is the contract's single Python statement.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from trialkg.ids import is_mesh_ui, mesh_curie
from trialkg.model import MeshTerm, Outcome, SourceDocument, Trial
from trialkg.normalize.enrich import EnrichedTrial
from trialkg.rdf.fields import RECORD_FIELDS, Kind

#: Contract keys, in the contract's order; `show --json` prints them first, extras after.
CONTRACT_KEYS = (
    "id", "sources", "nct_id", "org_study_id", "brief_title", "official_title", "acronym",
    "overall_status", "last_known_status", "phases", "study_type", "enrollment",
    "start_date", "completion_date", "first_posted", "last_update_posted",
    "lead_sponsor", "collaborators", "conditions", "interventions", "arms",
    "allocation", "intervention_model", "primary_purpose", "masking",
    "min_age", "max_age", "sex", "healthy_volunteers",
    "inclusion_criteria", "exclusion_criteria",
    "primary_outcomes", "secondary_outcomes", "locations", "references", "related_trials",
)  # fmt: skip

#: Keys added beyond the contract (it allows more); each is null or [] when not stated.
EXTRA_KEYS = (
    "secondary_ids", "organizations", "officials", "keywords", "brief_summary",
    "detailed_description", "why_stopped", "status_verified_date", "has_results",
    "is_fda_regulated_drug", "is_fda_regulated_device", "has_dmc",
    "primary_completion_date", "other_outcomes", "nct_id_aliases", "see_also_links",
    "responsible_party", "ipd_sharing", "ipd_sharing_description",
    "condition_meshes", "condition_mesh_ancestors", "intervention_meshes", "intervention_mesh_ancestors",
    "criteria_sections", "criteria_constraints",
    "condition_codes", "intervention_codes", "derived_condition_codes", "derived_intervention_codes",
)  # fmt: skip

#: Keys derived from other fields by trialkg's own reading (not stated by the source as such).
DERIVED_KEYS = ("criteria_constraints",)

#: Keys that hold only what the enrich stage reads into a trial.
READ_KEYS = (*DERIVED_KEYS, "condition_codes", "intervention_codes", "derived_condition_codes",
             "derived_intervention_codes")  # fmt: skip


def _code(value: Enum | None) -> str | None:
    return None if value is None else str(value.value)


def _field_value(value: Any, kind: Kind, many: bool) -> Any:
    if many:
        return [_field_value(v, kind, False) for v in value]
    return _code(value) if kind is Kind.CODE else value


def stated_record(trial: Trial) -> dict[str, Any]:
    """What the document states about the trial, in the record's keys: no id, no sources, nothing read into it."""
    t = trial
    record: dict[str, Any] = {f.key: _field_value(getattr(t, f.key), f.kind, f.many) for f in RECORD_FIELDS}
    record |= {
        "lead_sponsor": t.lead_sponsor,
        "collaborators": list(t.collaborators),
        "conditions": list(t.conditions),
        "interventions": [
            {"type": _code(i.type), "name": i.name, "description": i.description, "other_names": list(i.other_names)}
            for i in t.interventions
        ],
        "arms": [
            {
                "label": a.label,
                "description": a.description,
                "intervention_names": list(a.intervention_names),
                "type": _code(a.type),
            }
            for a in t.arms
        ],  # fmt: skip
        "inclusion_criteria": list(t.inclusion_criteria),
        "exclusion_criteria": list(t.exclusion_criteria),
        "criteria_sections": [
            {"polarity": s.polarity.value, "order": s.order, "section": s.name} for s in t.criteria_sections
        ],
        "primary_outcomes": [_outcome(o) for o in t.primary_outcomes],
        "secondary_outcomes": [_outcome(o) for o in t.secondary_outcomes],
        "other_outcomes": [_outcome(o) for o in t.other_outcomes],
        "locations": [
            {
                "facility": loc.facility,
                "city": loc.city,
                "state": loc.state,
                "country": loc.country,
                "zip": loc.zip,
                "status": _code(loc.status),
                "latitude": loc.latitude,
                "longitude": loc.longitude,
            }
            for loc in t.locations
        ],  # fmt: skip
        "references": [
            {"citation": r.citation, "pmid": r.pmid, "doi": r.doi, "type": _code(r.type)} for r in t.references
        ],
        "related_trials": list(t.related_trials),
        "secondary_ids": [{"id": s.identifier, "type": s.type} for s in t.secondary_ids],
        "organizations": [
            {"name": o.name, "role": _code(o.role), "agency_class": _code(o.agency_class)} for o in t.organizations
        ],
        "officials": [{"name": o.name, "role": _code(o.role), "affiliation": o.affiliation} for o in t.officials],
        "see_also_links": [{"url": link.url, "label": link.label} for link in t.see_also_links],
        "responsible_party": None
        if t.responsible_party_type is None and t.responsible_party_name is None
        else {
            "type": t.responsible_party_type,
            "name": t.responsible_party_name,
            "affiliation": t.responsible_party_affiliation,
        },
        "condition_meshes": _meshes(t.condition_meshes),
        "condition_mesh_ancestors": _meshes(t.condition_mesh_ancestors),
        "intervention_meshes": _meshes(t.intervention_meshes),
        "intervention_mesh_ancestors": _meshes(t.intervention_mesh_ancestors),
    }
    return record


def to_record(enriched: EnrichedTrial, *, trial_id: str, sources: list[str]) -> dict[str, Any]:
    """The contract record of one enriched trial (what `show --json` must print for it)."""
    record = {"id": trial_id, "sources": sources, **stated_record(enriched.trial)}
    for item, read in zip(record["interventions"], enriched.stated_interventions, strict=True):
        item |= {"role": read.role, "regimen": read.regimen.to_record()}
    for org, read_org in zip(record["organizations"], enriched.organizations, strict=True):
        org["ids"] = list(read_org.ids)
    record["criteria_constraints"] = [c.constraint.to_json() for read in enriched.criteria for c in read.constraints]
    record |= {key: list(value) for key, value in enriched.codes.items()}
    return record


def empty_record() -> dict[str, Any]:
    """The record of a trial that states nothing: what each key is when no source states it."""
    return {**stated_record(Trial(source=SourceDocument("", "", ""))), **{key: [] for key in READ_KEYS}}


def _meshes(terms: tuple[MeshTerm, ...]) -> list[dict[str, str]]:
    """MeSH descriptors as CURIEs with their terms, sorted: a set (only well-formed ids reach the graph)."""
    found = {mesh_curie(m.id): m.term for m in terms if is_mesh_ui(m.id)}
    return [{"id": curie, "term": term} for curie, term in sorted(found.items())]


def _outcome(o: Outcome) -> dict[str, Any]:
    return {"measure": o.measure, "time_frame": o.time_frame, "description": o.description}
