"""The only code that knows how a trial becomes triples.

A trial maps to plain (subject, predicate, object) tuples of rdflib terms: cheap to make, and
fed as they are to pySHACL (small per-trial graphs) or to the Oxigraph store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

from . import iri
from .criteria import COMPARATOR_CODES, Constraint, entity_link, parse_trial
from .mesh import pair_mesh
from .model import (
    Intervention,
    MeshTerm,
    OrganizationRole,
    OutcomeKind,
    SourceDocument,
    Trial,
)
from .record import DERIVED_KEYS, to_record
from .vocab import TK

Triple = tuple[URIRef, URIRef, URIRef | Literal]

_ROLE_PREDICATE = {
    OrganizationRole.LEAD_SPONSOR: TK.leadSponsor,
    OrganizationRole.COLLABORATOR: TK.collaborator,
    None: TK.organization,
}

#: Enum-valued fields: (Trial attribute, predicate, code scheme in the ontology).
_CODED_FIELDS = (
    ("overall_status", TK.overallStatus, "OverallStatus"),
    ("last_known_status", TK.lastKnownStatus, "OverallStatus"),
    ("study_type", TK.studyType, "StudyType"),
    ("allocation", TK.allocation, "Allocation"),
    ("intervention_model", TK.interventionModel, "InterventionModel"),
    ("primary_purpose", TK.primaryPurpose, "PrimaryPurpose"),
    ("masking", TK.masking, "Masking"),
    ("sex", TK.sex, "Sex"),
)

_TEXT_FIELDS = (
    ("nct_id", TK.nctId),
    ("org_study_id", TK.orgStudyId),
    ("brief_title", TK.briefTitle),
    ("official_title", TK.officialTitle),
    ("acronym", TK.acronym),
    ("why_stopped", TK.whyStopped),
    ("min_age", TK.minimumAge),
    ("max_age", TK.maximumAge),
    ("brief_summary", TK.briefSummary),
    ("detailed_description", TK.detailedDescription),
    ("responsible_party_type", TK.responsiblePartyType),
    ("responsible_party_name", TK.responsiblePartyName),
    ("responsible_party_affiliation", TK.responsiblePartyAffiliation),
    ("ipd_sharing", TK.ipdSharing),
    ("ipd_sharing_description", TK.ipdSharingDescription),
)

_DATE_FIELDS = (
    ("start_date", TK.startDate),
    ("completion_date", TK.completionDate),
    ("first_posted", TK.firstPosted),
    ("last_update_posted", TK.lastUpdatePosted),
    ("status_verified_date", TK.statusVerifiedDate),
    ("primary_completion_date", TK.primaryCompletionDate),
)

_BOOL_FIELDS = (
    ("healthy_volunteers", TK.healthyVolunteers),
    ("has_results", TK.hasResults),
    ("is_fda_regulated_drug", TK.fdaRegulatedDrug),
    ("is_fda_regulated_device", TK.fdaRegulatedDevice),
    ("has_dmc", TK.hasDataMonitoringCommittee),
)

#: xsd datatype by the precision of an ISO date (yyyy, yyyy-mm, yyyy-mm-dd).
_DATE_TYPES = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}


@dataclass(frozen=True)
class MappedTrial:
    """A trial's triples, the trial's IRI and the named graph (its source document) they go in."""

    trial_iri: URIRef
    graph_iri: URIRef
    triples: list[Triple]


def trial_iri(trial: Trial) -> URIRef:
    """By NCT id; else by lead sponsor + org study id; else by a hash of the record's content."""
    if trial.nct_id and iri.nct_of_trial(iri.BASE + "trial/" + trial.nct_id):
        return URIRef(iri.trial(trial.nct_id))
    if trial.org_study_id and trial.lead_sponsor:
        return URIRef(iri.trial_by_key("org-study-id", iri.slug(trial.lead_sponsor), trial.org_study_id))
    content = to_record(trial, trial_id="", sources=[])
    for key in DERIVED_KEYS:  # what trialkg reads into a record must not move its IRI
        content.pop(key)
    return URIRef(iri.trial_by_key("content", json.dumps(content, sort_keys=True, ensure_ascii=False)))


def date_literal(value: str) -> Literal:
    """>>> date_literal("2019-10").datatype
    rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#gYearMonth')
    """
    return Literal(value, datatype=_DATE_TYPES.get(len(value), XSD.string))


def _code(scheme: str, value: Enum) -> URIRef:
    return URIRef(iri.code(scheme, str(value.value)))


def map_trial(trial: Trial) -> MappedTrial:
    """All triples for one trial as its source document states it."""
    t = URIRef(trial_iri(trial))
    s = URIRef(iri.source(trial.source.sha256))
    out: list[Triple] = [(t, RDF.type, TK.Trial), (t, PROV.wasDerivedFrom, s)]
    out.extend(_source_triples(s, trial.source, trial.unmapped + _unidentified_mesh(trial)))
    add = out.append

    for attr, pred in _TEXT_FIELDS:
        value = getattr(trial, attr)
        if value is not None:
            add((t, pred, Literal(value)))
    for attr, pred in _DATE_FIELDS:
        value = getattr(trial, attr)
        if value is not None:
            add((t, pred, date_literal(value)))
    for attr, pred in _BOOL_FIELDS:
        value = getattr(trial, attr)
        if value is not None:
            add((t, pred, Literal(value)))
    for attr, pred, scheme in _CODED_FIELDS:
        value = getattr(trial, attr)
        if value is not None:
            add((t, pred, _code(scheme, value)))
    for phase in trial.phases:
        add((t, TK.phase, _code("Phase", phase)))
    if trial.enrollment is not None:
        add((t, TK.enrollment, Literal(trial.enrollment, datatype=XSD.integer)))
    for keyword in trial.keywords:
        add((t, TK.keyword, Literal(keyword)))
    for alias in trial.nct_id_aliases:
        add((t, TK.nctIdAlias, Literal(alias)))
    for n, link in enumerate(trial.see_also_links, 1):
        node = URIRef(iri.child(t, "link", n))
        add((t, TK.seeAlsoLink, node))
        out.extend(_node(node, TK.WebLink, n, name=link.label))
        add((node, TK.url, Literal(link.url, datatype=XSD.anyURI)))
    for n, nct in enumerate(trial.related_trials, 1):
        # The direct link answers "which trials does a source relate"; the listing keeps the source's order.
        related, node = URIRef(iri.trial(nct)), URIRef(iri.child(t, "listed-related", n))
        add((t, TK.listedRelatedTrial, related))
        add((t, TK.relatedTrialListing, node))
        add((node, RDF.type, TK.RelatedTrialListing))
        add((node, TK.order, Literal(n, datatype=XSD.integer)))
        add((node, TK.listedTrial, related))

    for n, sid in enumerate(trial.secondary_ids, 1):
        node = URIRef(iri.child(t, "identifier", n))
        add((t, TK.secondaryIdentifier, node))
        out.extend(_node(node, TK.Identifier, n, identifierValue=sid.identifier, identifierType=sid.type))

    for org in trial.organizations:
        node = URIRef(iri.organization(org.name))
        add((t, _ROLE_PREDICATE[org.role], node))
        add((node, RDF.type, TK.Organization))
        add((node, RDFS.label, Literal(org.name)))
        if org.agency_class is not None:
            add((node, TK.agencyClass, _code("AgencyClass", org.agency_class)))

    for n, official in enumerate(trial.officials, 1):
        node = URIRef(iri.child(t, "official", n))
        add((t, TK.official, node))
        out.extend(_node(node, TK.Investigator, n, name=official.name, affiliation=official.affiliation))
        if official.role is not None:
            add((node, TK.officialRole, _code("OfficialRole", official.role)))

    condition_nodes = []
    for n, name in enumerate(trial.conditions, 1):
        node, shared = URIRef(iri.child(t, "condition", n)), URIRef(iri.condition(name))
        condition_nodes.append((node, shared))
        add((t, TK.conditionStatement, node))
        add((t, TK.condition, shared))
        out.extend(_node(node, TK.ConditionStatement, n, name=name))
        add((node, TK.statedCondition, shared))
        add((shared, RDF.type, TK.Condition))
        add((shared, RDFS.label, Literal(name)))

    interventions = _all_interventions(trial)
    intervention_nodes = _map_interventions(t, interventions, out)

    # MeSH, as the registry assigns it: to the trial, then paired with the stated names.
    for meshes, pred in (
        (trial.condition_meshes, TK.meshCondition),
        (trial.condition_mesh_ancestors, TK.meshConditionAncestor),
        (trial.intervention_meshes, TK.meshIntervention),
        (trial.intervention_mesh_ancestors, TK.meshInterventionAncestor),
    ):
        for mesh in meshes:
            if iri.is_mesh_ui(mesh.id):
                add((t, pred, URIRef(iri.mesh(mesh.id))))
                out.extend(_mesh_descriptor(mesh))
    for pairing in pair_mesh(trial.conditions, _valid(trial.condition_meshes), trial.condition_mesh_leaves):
        node, shared = condition_nodes[pairing.name_index]
        descriptor = URIRef(iri.mesh(pairing.descriptor.id))
        add((node, TK.meshDescriptor, descriptor))
        add((node, TK.meshMatchMethod, Literal(pairing.method)))
        if pairing.method in _SAME_NAME_METHODS:
            add((shared, SKOS.exactMatch, descriptor))
    names = [i.name for i in interventions]
    for pairing in pair_mesh(names, _valid(trial.intervention_meshes), trial.intervention_mesh_leaves):
        node = intervention_nodes[names[pairing.name_index]]
        descriptor = URIRef(iri.mesh(pairing.descriptor.id))
        add((node, TK.meshDescriptor, descriptor))
        add((node, TK.meshMatchMethod, Literal(pairing.method)))
        if pairing.method in _SAME_NAME_METHODS:
            concept = URIRef(iri.intervention_concept(names[pairing.name_index]))
            add((concept, SKOS.exactMatch, descriptor))

    for n, arm in enumerate(trial.arms, 1):
        node = URIRef(iri.child(t, "arm", n))
        add((t, TK.arm, node))
        out.extend(_node(node, TK.Arm, n, name=arm.label, description=arm.description))
        if arm.type is not None:
            add((node, TK.armType, _code("ArmGroupType", arm.type)))
        for name in arm.intervention_names:
            add((node, TK.armIntervention, intervention_nodes[name]))

    for parsed in parse_trial(trial):
        node = URIRef(iri.child(t, f"criterion/{parsed.polarity.value}", parsed.order))
        add((t, TK.eligibilityCriterion, node))
        out.extend(_node(node, TK.EligibilityCriterion, parsed.order, text=parsed.text))
        add((node, TK.criterionType, _code("CriterionType", parsed.polarity)))
        for n, constraint in enumerate(parsed.constraints, 1):
            out.extend(_constraint_triples(node, n, constraint))

    for kind, outcomes in (
        (OutcomeKind.PRIMARY, trial.primary_outcomes),
        (OutcomeKind.SECONDARY, trial.secondary_outcomes),
        (OutcomeKind.OTHER, trial.other_outcomes),
    ):
        for n, outcome in enumerate(outcomes, 1):
            node = URIRef(iri.child(t, f"outcome/{kind.value}", n))
            add((t, TK.outcome, node))
            out.extend(
                _node(
                    node,
                    TK.Outcome,
                    n,
                    measure=outcome.measure,
                    timeFrame=outcome.time_frame,
                    description=outcome.description,
                )
            )
            add((node, TK.outcomeType, _code("OutcomeType", kind)))

    for n, loc in enumerate(trial.locations, 1):
        node = URIRef(iri.child(t, "location", n))
        add((t, TK.location, node))
        place = {"facility": loc.facility, "city": loc.city, "state": loc.state, "country": loc.country}
        out.extend(_node(node, TK.Location, n, **place, zip=loc.zip))
        if loc.status is not None:
            add((node, TK.siteStatus, _code("OverallStatus", loc.status)))
        if loc.latitude is not None and loc.longitude is not None:
            add((node, TK.latitude, Literal(loc.latitude, datatype=XSD.double)))
            add((node, TK.longitude, Literal(loc.longitude, datatype=XSD.double)))

    for n, ref in enumerate(trial.references, 1):
        node = URIRef(iri.child(t, "reference", n))
        add((t, TK.reference, node))
        out.extend(_node(node, TK.Reference, n, citation=ref.citation, pmid=ref.pmid, doi=ref.doi))
        if ref.type is not None:
            add((node, TK.referenceType, _code("ReferenceType", ref.type)))

    return MappedTrial(trial_iri=t, graph_iri=s, triples=out)


#: Pairings by which the stated name and the descriptor are the same words: the shared node matches too.
_SAME_NAME_METHODS = frozenset({"registry-exact", "registry-inverted"})


def _unidentified_mesh(trial: Trial) -> tuple[str, ...]:
    """MeSH terms without a descriptor id (legacy XML gives only the term): kept as unmapped text, not lost."""
    groups = (
        ("condition", trial.condition_meshes), ("condition ancestor", trial.condition_mesh_ancestors),
        ("intervention", trial.intervention_meshes), ("intervention ancestor", trial.intervention_mesh_ancestors),
    )  # fmt: skip
    return tuple(
        f"MeSH {kind} term without a descriptor id: {m.term}"
        for kind, meshes in groups
        for m in meshes
        if not iri.is_mesh_ui(m.id)
    )


def _valid(meshes: tuple[MeshTerm, ...]) -> tuple[MeshTerm, ...]:
    return tuple(m for m in meshes if iri.is_mesh_ui(m.id))


def _mesh_descriptor(mesh: MeshTerm) -> Iterator[Triple]:
    node = URIRef(iri.mesh(mesh.id))
    yield (node, RDF.type, TK.MeshDescriptor)
    yield (node, RDFS.label, Literal(mesh.term))


def _all_interventions(trial: Trial) -> tuple[Intervention, ...]:
    """The trial's interventions plus any an arm names that the list lacks: an arm's intervention is one."""
    known = {i.name for i in trial.interventions}
    extra = [
        Intervention(name=name)
        for arm in trial.arms
        for name in arm.intervention_names
        if name not in known and not known.add(name)  # type: ignore[func-returns-value]
    ]
    return trial.interventions + tuple(extra)


def _map_interventions(t: URIRef, interventions: tuple[Intervention, ...], out: list[Triple]) -> dict[str, URIRef]:
    nodes: dict[str, URIRef] = {}
    for n, item in enumerate(interventions, 1):
        node, concept = URIRef(iri.child(t, "intervention", n)), URIRef(iri.intervention_concept(item.name))
        nodes.setdefault(item.name, node)
        out.append((t, TK.intervention, node))
        out.extend(_node(node, TK.Intervention, n, name=item.name, description=item.description))
        if item.type is not None:
            out.append((node, TK.interventionType, _code("InterventionType", item.type)))
        out.extend((node, TK.otherName, Literal(other)) for other in item.other_names)
        out.append((node, TK.interventionConcept, concept))
        out.append((concept, RDF.type, TK.InterventionConcept))
        out.append((concept, RDFS.label, Literal(item.name)))
    return nodes


def _constraint_triples(criterion: URIRef, n: int, c: Constraint) -> Iterator[Triple]:
    """A criterion's constraint: a child node of the criterion, by position."""
    node = URIRef(iri.constraint(criterion, n))
    yield (criterion, TK.constraint, node)
    yield from _node(node, TK.CriterionConstraint, n, variable=c.variable, unit=c.unit, mention=c.mention)
    yield (node, TK.polarity, _code("CriterionType", c.polarity))
    yield (node, TK.constraintKind, _code("ConstraintKind", c.kind))
    yield (node, TK.comparator, URIRef(iri.code("Comparator", COMPARATOR_CODES[c.comparator])))
    if c.value is not None:
        yield (node, TK.value, _value_literal(c.value))
    if c.value_max is not None:
        yield (node, TK.valueMax, Literal(Decimal(str(c.value_max)), datatype=XSD.decimal))
    if c.window is not None:
        yield (node, TK.window, Literal(c.window, datatype=XSD.duration))
    entity = entity_link(c)
    if entity is not None:
        yield (node, TK.mentionedEntity, URIRef(entity))


def _value_literal(value: object) -> Literal:
    """Numbers as xsd:decimal (exact, as written), true/false as xsd:boolean, words (a sex) as strings."""
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, (int, float)):
        return Literal(Decimal(str(value)), datatype=XSD.decimal)
    return Literal(str(value))


def _node(node: URIRef, cls: URIRef, order: int, **text: str | None) -> Iterator[Triple]:
    """A typed child node with its position and its stated text fields (None = not stated)."""
    yield (node, RDF.type, cls)
    yield (node, TK.order, Literal(order, datatype=XSD.integer))
    for name, value in text.items():
        if value is not None:
            yield (node, TK[name], Literal(value))


def _source_triples(s: URIRef, source: SourceDocument, unmapped: tuple[str, ...]) -> Iterator[Triple]:
    yield (s, RDF.type, TK.SourceDocument)
    yield (s, TK.fileName, Literal(source.file_name))
    yield (s, TK.sourceFormat, Literal(source.format))
    yield (s, TK.sha256, Literal(source.sha256))
    for text in unmapped:
        yield (s, TK.unmappedText, Literal(text))
