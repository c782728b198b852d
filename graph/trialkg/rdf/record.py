"""The JSON form of a trial (`../shared/contract/trial-record.schema.json`), from the domain model.

`trialkg show` builds the same dict from the graph (see `readback.py`); the round-trip tests
compare the two, so this module is the contract's single Python statement.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from trialkg.model import Intervention, Trial
from trialkg.normalize.criteria import trial_constraints
from trialkg.normalize.dosage import arm_types_by_intervention, intervention_role, parse_regimen
from trialkg.normalize.mentions import record_codes
from trialkg.normalize.orgs import read_org
from trialkg.rdf import iri

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
    "criteria_constraints",
    "condition_codes", "intervention_codes", "derived_condition_codes", "derived_intervention_codes",
)  # fmt: skip

#: Keys derived from other fields by trialkg's own reading (not stated by the source as such).
DERIVED_KEYS = ("criteria_constraints",)


def _code(value: Enum | None) -> str | None:
    return None if value is None else str(value.value)


def _reading(trial: Trial, item: Intervention) -> dict[str, Any]:
    """What the normaliser reads in an intervention: its role in the trial and the regimen its description states."""
    role = intervention_role(item, arm_types_by_intervention(trial).get(item.name, ()))
    return {"role": role, "regimen": parse_regimen(item.description).to_record()}


def to_record(trial: Trial, *, trial_id: str, sources: list[str], linked: bool = True) -> dict[str, Any]:
    """The contract record of one parsed trial (what `show --json` must print for it).

    linked=False leaves out what the normaliser adds (codes, organisation ids): only what the document states.
    """
    t = trial
    record: dict[str, Any] = {
        "id": trial_id,
        "sources": sources,
        "nct_id": t.nct_id,
        "org_study_id": t.org_study_id,
        "brief_title": t.brief_title,
        "official_title": t.official_title,
        "acronym": t.acronym,
        "overall_status": _code(t.overall_status),
        "last_known_status": _code(t.last_known_status),
        "phases": [p.value for p in t.phases],
        "study_type": _code(t.study_type),
        "enrollment": t.enrollment,
        "start_date": t.start_date,
        "completion_date": t.completion_date,
        "first_posted": t.first_posted,
        "last_update_posted": t.last_update_posted,
        "lead_sponsor": t.lead_sponsor,
        "collaborators": list(t.collaborators),
        "conditions": list(t.conditions),
        "interventions": [
            {
                "type": _code(i.type),
                "name": i.name,
                "description": i.description,
                "other_names": list(i.other_names),
                **(_reading(t, i) if linked else {}),
            }
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
        ],
        "allocation": _code(t.allocation),
        "intervention_model": _code(t.intervention_model),
        "primary_purpose": _code(t.primary_purpose),
        "masking": _code(t.masking),
        "min_age": t.min_age,
        "max_age": t.max_age,
        "sex": _code(t.sex),
        "healthy_volunteers": t.healthy_volunteers,
        "inclusion_criteria": list(t.inclusion_criteria),
        "exclusion_criteria": list(t.exclusion_criteria),
        "primary_outcomes": [_outcome(o) for o in t.primary_outcomes],
        "secondary_outcomes": [_outcome(o) for o in t.secondary_outcomes],
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
        ],
        "references": [
            {"citation": r.citation, "pmid": r.pmid, "doi": r.doi, "type": _code(r.type)} for r in t.references
        ],
        "related_trials": list(t.related_trials),
        "secondary_ids": [{"id": s.identifier, "type": s.type} for s in t.secondary_ids],
        "organizations": [
            {
                "name": o.name,
                "role": _code(o.role),
                "agency_class": _code(o.agency_class),
                **({"ids": list(read_org(o.name).ids)} if linked else {}),
            }
            for o in t.organizations
        ],
        "officials": [{"name": o.name, "role": _code(o.role), "affiliation": o.affiliation} for o in t.officials],
        "keywords": list(t.keywords),
        "brief_summary": t.brief_summary,
        "detailed_description": t.detailed_description,
        "why_stopped": t.why_stopped,
        "status_verified_date": t.status_verified_date,
        "has_results": t.has_results,
        "is_fda_regulated_drug": t.is_fda_regulated_drug,
        "is_fda_regulated_device": t.is_fda_regulated_device,
        "has_dmc": t.has_dmc,
        "primary_completion_date": t.primary_completion_date,
        "other_outcomes": [_outcome(o) for o in t.other_outcomes],
        "nct_id_aliases": list(t.nct_id_aliases),
        "see_also_links": [{"url": link.url, "label": link.label} for link in t.see_also_links],
        "responsible_party": None
        if t.responsible_party_type is None and t.responsible_party_name is None
        else {
            "type": t.responsible_party_type,
            "name": t.responsible_party_name,
            "affiliation": t.responsible_party_affiliation,
        },
        "ipd_sharing": t.ipd_sharing,
        "ipd_sharing_description": t.ipd_sharing_description,
        "condition_meshes": _meshes(t.condition_meshes),
        "condition_mesh_ancestors": _meshes(t.condition_mesh_ancestors),
        "intervention_meshes": _meshes(t.intervention_meshes),
        "intervention_mesh_ancestors": _meshes(t.intervention_mesh_ancestors),
        "criteria_constraints": trial_constraints(t),
    }
    if linked:
        record.update(record_codes(t))
    return record


def _meshes(terms: Any) -> list[dict[str, str]]:
    """MeSH descriptors as CURIEs with their terms, sorted: a set (only well-formed ids reach the graph)."""
    found = {curie_of_mesh(m.id): m.term for m in terms if iri.is_mesh_ui(m.id)}
    return [{"id": curie, "term": term} for curie, term in sorted(found.items())]


def curie_of_mesh(ui: str) -> str:
    """>>> curie_of_mesh("D000007172")
    'MESH:D007172'
    """
    return "MESH:" + iri.mesh(ui).rsplit("/", 1)[-1]


def _outcome(o: Any) -> dict[str, Any]:
    return {"measure": o.measure, "time_frame": o.time_frame, "description": o.description}
