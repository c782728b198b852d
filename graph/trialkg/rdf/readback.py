"""Trial records read back out of a built graph with SPARQL: what `show` and `list` print.

The record is assembled from the graph only, never from parser memory, so it shows exactly
what a triple-store user would get. Each source graph is read on its own; when several
sources describe one trial, a scalar comes from the first source (by file name) that states
it and a list from the first that has any items.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import XSD

from trialkg.errors import TrialNotFoundError
from trialkg.model import CriterionKind, OutcomeKind
from trialkg.normalize.criteria import COMPARATOR_OF_CODE, ConstraintKind, plain_number
from trialkg.rdf import iri
from trialkg.rdf.mapping import REGIMEN_FIELDS
from trialkg.rdf.merge import merge_records
from trialkg.rdf.queries import select

_TK = iri.ONTOLOGY
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_DERIVED_FROM = "http://www.w3.org/ns/prov#wasDerivedFrom"
_EXACT_MATCH = "http://www.w3.org/2004/02/skos/core#exactMatch"
#: Pseudo-predicate under which the codes trial_codes.rq finds are kept, by kind.
_CODES_OF = "codes:"

#: Record key -> ontology property, for single-valued literals on the trial.
_SCALARS = {
    "nct_id": "nctId", "org_study_id": "orgStudyId", "brief_title": "briefTitle",
    "official_title": "officialTitle", "acronym": "acronym", "enrollment": "enrollment",
    "start_date": "startDate", "completion_date": "completionDate", "first_posted": "firstPosted",
    "last_update_posted": "lastUpdatePosted", "min_age": "minimumAge", "max_age": "maximumAge",
    "healthy_volunteers": "healthyVolunteers", "brief_summary": "briefSummary",
    "detailed_description": "detailedDescription", "why_stopped": "whyStopped",
    "status_verified_date": "statusVerifiedDate", "has_results": "hasResults",
    "is_fda_regulated_drug": "fdaRegulatedDrug", "is_fda_regulated_device": "fdaRegulatedDevice",
    "has_dmc": "hasDataMonitoringCommittee", "primary_completion_date": "primaryCompletionDate",
    "ipd_sharing": "ipdSharing", "ipd_sharing_description": "ipdSharingDescription",
}  # fmt: skip

#: Record key -> ontology property, for single-valued codes on the trial.
_CODES = {
    "overall_status": "overallStatus", "last_known_status": "lastKnownStatus",
    "study_type": "studyType", "allocation": "allocation", "intervention_model": "interventionModel",
    "primary_purpose": "primaryPurpose", "masking": "masking", "sex": "sex",
}  # fmt: skip


def resolve_trial(store: ox.Store, ident: str) -> str:
    """The IRI of the trial named by an NCT id or an IRI; TrialNotFoundError otherwise."""
    ident = ident.strip()
    if ident.upper().startswith("NCT"):
        rows = select(store, "find_trial", {"nct": ox.Literal(ident.upper())})
        if rows:
            return str(rows[0]["trial"])
    elif ident.startswith(("http://", "https://")) and select(store, "is_trial", {"trial": ox.NamedNode(ident)}):
        return ident
    raise TrialNotFoundError(f"no trial {ident!r} in the graph (try `trialkg list`)")


def list_trials(store: ox.Store) -> list[dict[str, Any]]:
    """`[{"id", "nct_id", "brief_title", "sources"}]`, one entry per trial, sorted by id."""
    trials: dict[str, dict[str, Any]] = {}
    for row in select(store, "list_trials"):
        entry = trials.setdefault(
            row["trial"], {"id": row["trial"], "nct_id": None, "brief_title": None, "sources": []}
        )
        entry["nct_id"] = entry["nct_id"] or row.get("nct")
        entry["brief_title"] = entry["brief_title"] or row.get("title")
        if "file" in row and row["file"] not in entry["sources"]:
            entry["sources"].append(row["file"])
    return [trials[k] for k in sorted(trials)]


def _code_value(code_iri: str) -> str:
    # https://w3id.org/trialkg/code/Phase-PHASE2 -> PHASE2
    return code_iri.rsplit("/", 1)[-1].split("-", 1)[1]


class _Graph:
    """What one source graph states about the trial and its nodes: node -> predicate -> values."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))

    def add(self, node: str, predicate: str, value: Any) -> None:
        self.nodes[node][predicate].append(value)

    def one(self, node: str, prop: str) -> Any:
        values = self.nodes.get(node, {}).get(prop, [])
        return sorted(values, key=str)[0] if values else None

    def all(self, node: str, prop: str) -> list[Any]:
        return sorted(self.nodes.get(node, {}).get(prop, []), key=str)

    def ordered(self, node: str, prop: str) -> list[str]:
        """The linked nodes in their stated order."""
        children = self.all(node, prop)
        return sorted(children, key=lambda c: (self.one(c, _TK + "order") or 0, c))


def read_trial(store: ox.Store, trial: str) -> dict[str, Any]:
    """The contract record of `trial`, read from the graph."""
    binding = {"trial": ox.NamedNode(trial)}
    graphs: dict[str, _Graph] = defaultdict(_Graph)
    for row in select(store, "trial_statements", binding):
        graphs[row["g"]].add(trial, row["p"], row["o"])
    for name in ("trial_nodes", "trial_regimens", "criterion_constraints"):
        for row in select(store, name, binding):
            graphs[row["g"]].add(row["node"], row["p"], row["o"])
    for row in select(store, "trial_codes", binding):
        curie = iri.curie_of(row["target"])
        if curie:
            graphs[row["g"]].add(trial, _CODES_OF + row["kind"], curie)

    return merge_records(trial, [_record_from_graph(g, trial) for g in graphs.values()])


def _record_from_graph(g: _Graph, t: str) -> dict[str, Any]:
    tk = _TK
    rec: dict[str, Any] = {}
    sources = [g.one(s, tk + "fileName") for s in g.all(t, _DERIVED_FROM)]
    rec["sources"] = sorted(s for s in sources if s)
    formats = sorted(f for f in (g.one(s, tk + "sourceFormat") for s in g.all(t, _DERIVED_FROM)) if f)
    rec["_format"] = formats[0] if formats else None
    for key, prop in _SCALARS.items():
        rec[key] = g.one(t, tk + prop)
    for key, prop in _CODES.items():
        value = g.one(t, tk + prop)
        rec[key] = _code_value(value) if value else None
    rec["phases"] = sorted(_code_value(p) for p in g.all(t, tk + "phase"))
    rec["keywords"] = g.all(t, tk + "keyword")
    rec["nct_id_aliases"] = g.all(t, tk + "nctIdAlias")
    rec["see_also_links"] = [
        {"url": g.one(n, tk + "url"), "label": g.one(n, tk + "name")} for n in g.ordered(t, tk + "seeAlsoLink")
    ]
    party = {k: g.one(t, tk + p) for k, p in (("type", "responsiblePartyType"), ("name", "responsiblePartyName"),
                                              ("affiliation", "responsiblePartyAffiliation"))}  # fmt: skip
    rec["responsible_party"] = party if party["type"] is not None or party["name"] is not None else None
    for key, prop in (("condition_meshes", "meshCondition"), ("condition_mesh_ancestors", "meshConditionAncestor"),
                      ("intervention_meshes", "meshIntervention"),
                      ("intervention_mesh_ancestors", "meshInterventionAncestor")):  # fmt: skip
        found = {"MESH:" + m.rsplit("/", 1)[-1]: g.one(m, _RDFS_LABEL) for m in g.all(t, tk + prop)}
        rec[key] = [{"id": curie, "term": term} for curie, term in sorted(found.items())]
    listed = (g.one(n, tk + "listedTrial") for n in g.ordered(t, tk + "relatedTrialListing"))
    rec["related_trials"] = [n for n in (iri.nct_of_trial(r) for r in listed if r) if n]

    orgs = []
    for role, prop in (("LEAD_SPONSOR", "leadSponsor"), ("COLLABORATOR", "collaborator"), (None, "organization")):
        for org in g.all(t, tk + prop):
            agency = g.one(org, tk + "agencyClass")
            ids = sorted(c for c in (iri.curie_of(x) for x in g.all(org, _EXACT_MATCH)) if c)
            orgs.append({"name": g.one(org, _RDFS_LABEL), "role": role,
                         "agency_class": _code_value(agency) if agency else None, "ids": ids})  # fmt: skip
    rec["organizations"] = orgs
    rec["lead_sponsor"] = next((o["name"] for o in orgs if o["role"] == "LEAD_SPONSOR"), None)
    rec["collaborators"] = [o["name"] for o in orgs if o["role"] == "COLLABORATOR"]

    rec["secondary_ids"] = [
        {"id": g.one(n, tk + "identifierValue"), "type": g.one(n, tk + "identifierType")}
        for n in g.ordered(t, tk + "secondaryIdentifier")
    ]
    rec["officials"] = [
        {"name": g.one(n, tk + "name"), "role": _code_or_none(g.one(n, tk + "officialRole")),
         "affiliation": g.one(n, tk + "affiliation")}
        for n in g.ordered(t, tk + "official")
    ]  # fmt: skip
    rec["conditions"] = [g.one(n, tk + "name") for n in g.ordered(t, tk + "conditionStatement")]
    for kind in ("condition", "intervention", "derived_condition", "derived_intervention"):
        rec[f"{kind}_codes"] = sorted(set(g.all(t, _CODES_OF + kind)))

    interventions = g.ordered(t, tk + "intervention")
    rec["interventions"] = [
        {"type": _code_or_none(g.one(n, tk + "interventionType")), "name": g.one(n, tk + "name"),
         "description": g.one(n, tk + "description"), "other_names": g.all(n, tk + "otherName"),
         "role": _code_or_none(g.one(n, tk + "interventionRole")), "regimen": _regimen(g, g.one(n, tk + "doseRegimen"))}
        for n in interventions
    ]  # fmt: skip
    rec["arms"] = [
        {"label": g.one(n, tk + "name"), "description": g.one(n, tk + "description"),
         "intervention_names": [g.one(i, tk + "name") for i in g.ordered(n, tk + "armIntervention")],
         "type": _code_or_none(g.one(n, tk + "armType"))}
        for n in g.ordered(t, tk + "arm")
    ]  # fmt: skip

    criteria = g.ordered(t, tk + "eligibilityCriterion")
    for kind in CriterionKind:
        rec[f"{kind.value}_criteria"] = [
            g.one(n, tk + "text") for n in criteria
            if g.one(n, tk + "criterionType") == iri.code("CriterionType", kind.value)
        ]  # fmt: skip
    rec["criteria_constraints"] = [
        _constraint_record(g, c, g.one(n, tk + "text"))
        for kind in CriterionKind
        for n in criteria
        if g.one(n, tk + "criterionType") == iri.code("CriterionType", kind.value)
        for c in g.ordered(n, tk + "constraint")
    ]
    outcomes = g.ordered(t, tk + "outcome")
    for kind in OutcomeKind:
        rec[f"{kind.value}_outcomes"] = [
            {"measure": g.one(n, tk + "measure"), "time_frame": g.one(n, tk + "timeFrame"),
             "description": g.one(n, tk + "description")}
            for n in outcomes if g.one(n, tk + "outcomeType") == iri.code("OutcomeType", kind.value)
        ]  # fmt: skip
    rec["locations"] = [
        {"facility": g.one(n, tk + "facility"), "city": g.one(n, tk + "city"),
         "state": g.one(n, tk + "state"), "country": g.one(n, tk + "country"), "zip": g.one(n, tk + "zip"),
         "status": _code_or_none(g.one(n, tk + "siteStatus")), "latitude": g.one(n, tk + "latitude"),
         "longitude": g.one(n, tk + "longitude")}
        for n in g.ordered(t, tk + "location")
    ]  # fmt: skip
    rec["references"] = [
        {
            "citation": g.one(n, tk + "citation"),
            "pmid": g.one(n, tk + "pmid"),
            "doi": g.one(n, tk + "doi"),
            "type": _code_or_none(g.one(n, tk + "referenceType")),
        }
        for n in g.ordered(t, tk + "reference")
    ]
    return rec


def _constraint_record(g: _Graph, node: str, text: str | None) -> dict[str, Any]:
    """One `criteria_constraints` item: numbers back from xsd:decimal as the parser gives them."""
    tk = _TK
    kind = _code_value(g.one(node, tk + "constraintKind"))
    value = g.one(node, tk + "value")
    if isinstance(value, str) and kind != ConstraintKind.SEX.value:
        value = plain_number(value)
    value_max = g.one(node, tk + "valueMax")
    return {
        "polarity": _code_value(g.one(node, tk + "polarity")), "kind": kind,
        "variable": g.one(node, tk + "variable"),
        "comparator": COMPARATOR_OF_CODE[_code_value(g.one(node, tk + "comparator"))].value,
        "value": value, "value_max": None if value_max is None else plain_number(value_max),
        "unit": g.one(node, tk + "unit"), "window": g.one(node, tk + "window"),
        "mention": g.one(node, tk + "mention"), "text": text,
    }  # fmt: skip


def _regimen(g: _Graph, node: str | None) -> dict[str, Any] | None:
    """A regimen node back as the record's dict (decimals come back as text: read as numbers)."""
    if node is None:
        return None
    out: dict[str, Any] = {}
    for name, (pred, datatype) in REGIMEN_FIELDS.items():
        value = g.one(node, str(pred))
        out[name] = float(value) if value is not None and datatype == XSD.decimal else value
    return out


def _code_or_none(value: str | None) -> str | None:
    return _code_value(value) if value else None
