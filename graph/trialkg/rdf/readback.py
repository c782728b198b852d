"""Trial records read back out of a built graph with SPARQL: what `show` and `list` print.

The record is assembled from the graph only, never from parser memory, so it shows exactly
what a triple-store user would get. A trial one document describes is read from the default
graph; a trial several documents describe is read source by source from their named graphs and
merged (rdf/merge.py), so `show` gives provenance and conflicts, and the default graph holds the
same merged record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import XSD

from trialkg.errors import TrialNotFoundError
from trialkg.model import CriterionKind, OutcomeKind
from trialkg.normalize.criteria import COMPARATOR_OF_CODE, ConstraintKind, plain_number
from trialkg.rdf import iri
from trialkg.rdf.fields import RECORD_FIELDS, REGIMEN_FIELDS, RESPONSIBLE_PARTY, Kind
from trialkg.rdf.merge import merge_records
from trialkg.rdf.queries import select
from trialkg.rdf.vocab import TK

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_DERIVED_FROM = "http://www.w3.org/ns/prov#wasDerivedFrom"
_EXACT_MATCH = "http://www.w3.org/2004/02/skos/core#exactMatch"
#: Pseudo-predicate under which the codes trial_codes.rq finds are kept, by kind.
_CODES_OF = "codes:"


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
        return sorted(children, key=lambda c: (self.one(c, str(TK.order)) or 0, c))


def read_trial(store: ox.Store, trial: str) -> dict[str, Any]:
    """The contract record of `trial`, read from the graph."""
    graphs = [row["g"] for row in select(store, "trial_sources", {"trial": ox.NamedNode(trial)})]
    return merge_records(trial, [read_source(store, trial, g) for g in graphs or [None]])


def read_source(store: ox.Store, trial: str, graph: str | None = None) -> dict[str, Any]:
    """The record of `trial` as one graph states it (the default graph, or a source's named graph)."""
    binding = {"trial": ox.NamedNode(trial)}
    g = _Graph()
    for row in select(store, "trial_statements", binding, graph=graph):
        g.add(trial, row["p"], row["o"])
    for name in ("trial_nodes", "trial_regimens", "criterion_constraints"):
        for row in select(store, name, binding, graph=graph):
            g.add(row["node"], row["p"], row["o"])
    for row in select(store, "trial_codes", binding, graph=graph):
        curie = iri.curie_of(row["target"])
        if curie:
            g.add(trial, _CODES_OF + row["kind"], curie)
    return _record_from_graph(g, trial)


def statements_record(trial: str, triples: Iterable[ox.Triple]) -> dict[str, Any]:
    """The record of `trial` in `triples` (one source's statements), read the way the store is read."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return read_source(store, trial)


def _record_from_graph(g: _Graph, t: str) -> dict[str, Any]:
    rec: dict[str, Any] = {}
    sources = [g.one(s, str(TK.fileName)) for s in g.all(t, _DERIVED_FROM)]
    rec["sources"] = sorted(s for s in sources if s)
    formats = sorted(f for f in (g.one(s, str(TK.sourceFormat)) for s in g.all(t, _DERIVED_FROM)) if f)
    rec["_format"] = formats[0] if formats else None
    for f in RECORD_FIELDS:
        if f.many:
            values = g.all(t, str(f.predicate))
            rec[f.key] = sorted(_code_value(v) for v in values) if f.kind is Kind.CODE else values
        else:
            value = g.one(t, str(f.predicate))
            rec[f.key] = (_code_value(value) if value else None) if f.kind is Kind.CODE else value
    rec["see_also_links"] = [
        {"url": g.one(n, str(TK.url)), "label": g.one(n, str(TK.name))} for n in g.ordered(t, str(TK.seeAlsoLink))
    ]
    party = {k: g.one(t, str(p)) for k, p in RESPONSIBLE_PARTY.items()}
    rec["responsible_party"] = party if party["type"] is not None or party["name"] is not None else None
    for key, prop in (("condition_meshes", "meshCondition"), ("condition_mesh_ancestors", "meshConditionAncestor"),
                      ("intervention_meshes", "meshIntervention"),
                      ("intervention_mesh_ancestors", "meshInterventionAncestor")):  # fmt: skip
        found = {iri.curie_of(m): g.one(m, _RDFS_LABEL) for m in g.all(t, str(TK[prop]))}
        rec[key] = [{"id": curie, "term": term} for curie, term in sorted(found.items())]
    listed = (g.one(n, str(TK.listedTrial)) for n in g.ordered(t, str(TK.relatedTrialListing)))
    rec["related_trials"] = [n for n in (iri.nct_of_trial(r) for r in listed if r) if n]

    orgs = []
    stated: dict[str, str] = {}  # shared organisation -> this trial's statement of it (its name, agency class)
    for n in reversed(g.ordered(t, str(TK.organizationStatement))):
        stated[g.one(n, str(TK.statedOrganization))] = n
    for role, prop in (("LEAD_SPONSOR", "leadSponsor"), ("COLLABORATOR", "collaborator"), (None, "organization")):
        for org in g.all(t, str(TK[prop])):
            statement = stated.get(org)
            agency = g.one(statement, str(TK.agencyClass)) if statement else None
            ids = sorted(c for c in (iri.curie_of(x) for x in g.all(org, _EXACT_MATCH)) if c)
            name = g.one(statement, str(TK.name)) if statement else g.one(org, _RDFS_LABEL)
            orgs.append({"name": name, "role": role,
                         "agency_class": _code_value(agency) if agency else None, "ids": ids})  # fmt: skip
    rec["organizations"] = orgs
    rec["lead_sponsor"] = next((o["name"] for o in orgs if o["role"] == "LEAD_SPONSOR"), None)
    rec["collaborators"] = [o["name"] for o in orgs if o["role"] == "COLLABORATOR"]

    rec["secondary_ids"] = [
        {"id": g.one(n, str(TK.identifierValue)), "type": g.one(n, str(TK.identifierType))}
        for n in g.ordered(t, str(TK.secondaryIdentifier))
    ]
    rec["officials"] = [
        {"name": g.one(n, str(TK.name)), "role": _code_or_none(g.one(n, str(TK.officialRole))),
         "affiliation": g.one(n, str(TK.affiliation))}
        for n in g.ordered(t, str(TK.official))
    ]  # fmt: skip
    rec["conditions"] = [g.one(n, str(TK.name)) for n in g.ordered(t, str(TK.conditionStatement))]
    for kind in ("condition", "intervention", "derived_condition", "derived_intervention"):
        rec[f"{kind}_codes"] = sorted(set(g.all(t, _CODES_OF + kind)))

    interventions = g.ordered(t, str(TK.intervention))
    rec["interventions"] = [
        {"type": _code_or_none(g.one(n, str(TK.interventionType))), "name": g.one(n, str(TK.name)),
         "description": g.one(n, str(TK.description)), "other_names": g.all(n, str(TK.otherName)),
         "role": _code_or_none(g.one(n, str(TK.interventionRole))),
         "regimen": _regimen(g, g.one(n, str(TK.doseRegimen)))}
        for n in interventions
    ]  # fmt: skip
    rec["arms"] = [
        {"label": g.one(n, str(TK.name)), "description": g.one(n, str(TK.description)),
         "intervention_names": [g.one(i, str(TK.name)) for i in g.ordered(n, str(TK.armIntervention))],
         "type": _code_or_none(g.one(n, str(TK.armType)))}
        for n in g.ordered(t, str(TK.arm))
    ]  # fmt: skip

    criteria = g.ordered(t, str(TK.eligibilityCriterion))
    for kind in CriterionKind:
        rec[f"{kind.value}_criteria"] = [
            g.one(n, str(TK.text)) for n in criteria
            if g.one(n, str(TK.criterionType)) == iri.code("CriterionType", kind.value)
        ]  # fmt: skip
    rec["criteria_sections"] = [
        {"polarity": kind.value, "order": int(g.one(n, str(TK.order))), "section": g.one(n, str(TK.criterionSection))}
        for kind in CriterionKind
        for n in criteria
        if g.one(n, str(TK.criterionType)) == iri.code("CriterionType", kind.value)
        and g.one(n, str(TK.criterionSection)) is not None
    ]
    rec["criteria_constraints"] = [
        _constraint_record(g, c, g.one(n, str(TK.text)))
        for kind in CriterionKind
        for n in criteria
        if g.one(n, str(TK.criterionType)) == iri.code("CriterionType", kind.value)
        for c in g.ordered(n, str(TK.constraint))
    ]
    outcomes = g.ordered(t, str(TK.outcome))
    for kind in OutcomeKind:
        rec[f"{kind.value}_outcomes"] = [
            {"measure": g.one(n, str(TK.measure)), "time_frame": g.one(n, str(TK.timeFrame)),
             "description": g.one(n, str(TK.description))}
            for n in outcomes if g.one(n, str(TK.outcomeType)) == iri.code("OutcomeType", kind.value)
        ]  # fmt: skip
    rec["locations"] = [
        {"facility": g.one(n, str(TK.facility)), "city": g.one(n, str(TK.city)),
         "state": g.one(n, str(TK.state)), "country": g.one(n, str(TK.country)), "zip": g.one(n, str(TK.zip)),
         "status": _code_or_none(g.one(n, str(TK.siteStatus))), "latitude": g.one(n, str(TK.latitude)),
         "longitude": g.one(n, str(TK.longitude))}
        for n in g.ordered(t, str(TK.location))
    ]  # fmt: skip
    rec["references"] = [
        {
            "citation": g.one(n, str(TK.citation)),
            "pmid": g.one(n, str(TK.pmid)),
            "doi": g.one(n, str(TK.doi)),
            "type": _code_or_none(g.one(n, str(TK.referenceType))),
        }
        for n in g.ordered(t, str(TK.reference))
    ]
    return rec


def _constraint_record(g: _Graph, node: str, text: str | None) -> dict[str, Any]:
    """One `criteria_constraints` item: numbers back from xsd:decimal as the parser gives them."""
    kind = _code_value(g.one(node, str(TK.constraintKind)))
    value = g.one(node, str(TK.value))
    if isinstance(value, str) and kind != ConstraintKind.SEX.value:
        value = plain_number(value)
    value_max = g.one(node, str(TK.valueMax))
    return {
        "polarity": _code_value(g.one(node, str(TK.polarity))), "kind": kind,
        "variable": g.one(node, str(TK.variable)),
        "comparator": COMPARATOR_OF_CODE[_code_value(g.one(node, str(TK.comparator)))].value,
        "value": value, "value_max": None if value_max is None else plain_number(value_max),
        "unit": g.one(node, str(TK.unit)), "window": g.one(node, str(TK.window)),
        "mention": g.one(node, str(TK.mention)), "text": text,
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
