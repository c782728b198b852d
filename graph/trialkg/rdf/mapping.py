"""The only code that knows how a trial becomes triples: an EnrichedTrial in, triples out.

Everything read into the trial (links, constraints, regimens, organisation identities) comes
from the enrich stage (normalize.enrich); this module only writes it down. A trial maps to plain
(subject, predicate, object) tuples of rdflib terms: cheap to make, and fed as they are to the
validator or to the Oxigraph store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

from trialkg.ids import is_mesh_ui
from trialkg.model import MeshTerm, OrganizationRole, OutcomeKind, SourceDocument, Trial
from trialkg.normalize.criteria import COMPARATOR_CODES, Constraint
from trialkg.normalize.dosage import Regimen
from trialkg.normalize.enrich import EnrichedTrial, EntityKey, ReadIntervention
from trialkg.normalize.lexicon import XRef
from trialkg.normalize.linking import Link
from trialkg.normalize.mentions import Mention
from trialkg.normalize.orgs import OrgName
from trialkg.rdf import iri
from trialkg.rdf.fields import REGIMEN_FIELDS, TRIAL_FIELDS, Field, Kind
from trialkg.rdf.record import stated_record
from trialkg.rdf.vocab import TK

Triple = tuple[URIRef, URIRef, URIRef | Literal]

_ROLE_PREDICATE = {
    OrganizationRole.LEAD_SPONSOR: TK.leadSponsor,
    OrganizationRole.COLLABORATOR: TK.collaborator,
    None: TK.organization,
}

#: xsd datatype by the precision of an ISO date (yyyy, yyyy-mm, yyyy-mm-dd).
_DATE_TYPES = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}


@dataclass(frozen=True)
class MappedTrial:
    """A trial's triples, the trial's IRI and the named graph (its source document) they go in."""

    trial_iri: URIRef
    graph_iri: URIRef
    triples: list[Triple]


def trial_iri(trial: Trial) -> URIRef:
    """The trial's IRI (iri.trial_of); a trial without natural keys is keyed by what its document states."""

    def content() -> str:
        # The record with an empty id and sources, as the key was first minted: the IRIs must not move.
        stated = {"id": "", "sources": [], **stated_record(trial)}
        if not stated["criteria_sections"]:
            del stated["criteria_sections"]  # a key added later: present only where stated, so old IRIs stay
        return json.dumps(stated, sort_keys=True, ensure_ascii=False)

    return URIRef(iri.trial_of(trial.nct_id, trial.lead_sponsor, trial.org_study_id, content))


def date_literal(value: str) -> Literal:
    """>>> date_literal("2019-10").datatype
    rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#gYearMonth')
    """
    return Literal(value, datatype=_DATE_TYPES.get(len(value), XSD.string))


def _code(scheme: str, value: Enum) -> URIRef:
    return URIRef(iri.code(scheme, str(value.value)))


def _field_literal(f: Field, value: object) -> URIRef | Literal:
    if f.kind is Kind.CODE:
        assert f.scheme is not None and isinstance(value, Enum)
        return _code(f.scheme, value)
    if f.kind is Kind.DATE:
        assert isinstance(value, str)
        return date_literal(value)
    if f.kind is Kind.INTEGER:
        return Literal(value, datatype=XSD.integer)
    return Literal(value)


def map_trial(enriched: EnrichedTrial) -> MappedTrial:
    """All triples for one trial as its source document states it, with what the enrich stage read into it."""
    trial = enriched.trial
    t = URIRef(trial_iri(trial))
    s = URIRef(iri.source(trial.source.sha256))
    out: list[Triple] = [(t, RDF.type, TK.Trial), (t, PROV.wasDerivedFrom, s)]
    out.extend(_source_triples(s, trial.source, trial.unmapped + _unidentified_mesh(trial)))
    add = out.append

    for f in TRIAL_FIELDS:
        value = getattr(trial, f.key)
        for item in value if f.many else () if value is None else (value,):
            add((t, f.predicate, _field_literal(f, item)))
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

    org_nodes: set[URIRef] = set()
    name_of_node: dict[URIRef, str] = {}
    for n, (org, read) in enumerate(zip(trial.organizations, enriched.organizations, strict=True), 1):
        node = URIRef(iri.organization_by_key(read.key) if read.key else iri.organization(org.name))
        if name_of_node.setdefault(node, org.name) != org.name:
            # Two names this trial states apart ("Lin BioScience, Inc" and "Lin BioScience Pty Ltd") stay
            # two organisations here: each keeps its own name and agency class in the record.
            node = URIRef(iri.organization(org.name))
        org_nodes.add(node)
        add((t, _ROLE_PREDICATE[org.role], node))
        add((node, RDF.type, TK.Organization))
        add((node, RDFS.label, Literal(org.name)))
        out.extend(_org_identity(node, read))
        # The name and agency class as this trial states them: the shared node has every trial's names.
        statement = URIRef(iri.child(t, "organization", n))
        add((t, TK.organizationStatement, statement))
        out.extend(_node(statement, TK.OrganizationStatement, n, name=org.name))
        add((statement, TK.statedOrganization, node))
        if org.agency_class is not None:
            add((statement, TK.agencyClass, _code("AgencyClass", org.agency_class)))

    for n, official in enumerate(trial.officials, 1):
        node = URIRef(iri.child(t, "official", n))
        add((t, TK.official, node))
        out.extend(_node(node, TK.Investigator, n, name=official.name, affiliation=official.affiliation))
        if official.role is not None:
            add((node, TK.officialRole, _code("OfficialRole", official.role)))

    for n, (name, mention) in enumerate(zip(trial.conditions, enriched.conditions, strict=True), 1):
        node = URIRef(iri.child(t, "condition", n))
        shared = URIRef(iri.condition_entity(mention.primary.ui if mention.primary else None, name))
        add((t, TK.conditionStatement, node))
        add((t, TK.condition, shared))
        out.extend(_node(node, TK.ConditionStatement, n, name=name))
        add((node, TK.statedCondition, shared))
        add((shared, RDF.type, TK.Condition))
        out.extend(_entity_names(shared, name, mention.primary))
        out.extend(_links(node, shared, mention, enriched.xrefs))

    intervention_nodes = _map_interventions(t, enriched.interventions, out, enriched.xrefs)
    _map_derived(t, enriched, out)

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
    for pairing in enriched.condition_mesh_pairings:
        node = URIRef(iri.child(t, "condition", pairing.name_index + 1))
        add((node, TK.meshDescriptor, URIRef(iri.mesh(pairing.descriptor.id))))
        add((node, TK.meshMatchMethod, Literal(pairing.method)))
    names = [read.intervention.name for read in enriched.interventions]
    for pairing in enriched.intervention_mesh_pairings:
        node = intervention_nodes[names[pairing.name_index]]
        add((node, TK.meshDescriptor, URIRef(iri.mesh(pairing.descriptor.id))))
        add((node, TK.meshMatchMethod, Literal(pairing.method)))

    for n, arm in enumerate(trial.arms, 1):
        node = URIRef(iri.child(t, "arm", n))
        add((t, TK.arm, node))
        out.extend(_node(node, TK.Arm, n, name=arm.label, description=arm.description))
        if arm.type is not None:
            add((node, TK.armType, _code("ArmGroupType", arm.type)))
        for name in arm.intervention_names:
            add((node, TK.armIntervention, intervention_nodes[name]))

    for read_criterion in enriched.criteria:
        parsed = read_criterion.criterion
        node = URIRef(iri.child(t, f"criterion/{parsed.polarity.value}", parsed.order))
        add((t, TK.eligibilityCriterion, node))
        out.extend(_node(node, TK.EligibilityCriterion, parsed.order, text=parsed.text,
                         criterionSection=parsed.section))  # fmt: skip
        add((node, TK.criterionType, _code("CriterionType", parsed.polarity)))
        for n, constraint in enumerate(read_criterion.constraints, 1):
            out.extend(_constraint_triples(node, n, constraint.constraint, constraint.entity))

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

    for n, (loc, site) in enumerate(zip(trial.locations, enriched.sites, strict=True), 1):
        node = URIRef(iri.child(t, "location", n))
        add((t, TK.location, node))
        place = {"facility": loc.facility, "city": loc.city, "state": loc.state, "country": loc.country}
        out.extend(_node(node, TK.Location, n, **place, zip=loc.zip))
        if loc.status is not None:
            add((node, TK.siteStatus, _code("OverallStatus", loc.status)))
        out.extend(_site_organization(node, site.organization, org_nodes))
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
        if not is_mesh_ui(m.id)
    )


def _mesh_descriptor(mesh: MeshTerm) -> Iterator[Triple]:
    node = URIRef(iri.mesh(mesh.id))
    yield (node, RDF.type, TK.MeshDescriptor)
    yield (node, RDFS.label, Literal(mesh.term))


def _map_interventions(
    t: URIRef, interventions: tuple[ReadIntervention, ...], out: list[Triple], xrefs: Mapping[str, tuple[XRef, ...]]
) -> dict[str, URIRef]:
    nodes: dict[str, URIRef] = {}
    for n, read in enumerate(interventions, 1):
        item, mention = read.intervention, read.mention
        node = URIRef(iri.child(t, "intervention", n))
        concept = URIRef(_entity_iri(read.entity))
        nodes.setdefault(item.name, node)
        out.append((t, TK.intervention, node))
        out.extend(_node(node, TK.Intervention, n, name=item.name, description=item.description))
        if item.type is not None:
            out.append((node, TK.interventionType, _code("InterventionType", item.type)))
        out.extend((node, TK.otherName, Literal(other)) for other in item.other_names)
        out.append((node, TK.interventionConcept, concept))
        out.append((concept, RDF.type, TK.InterventionConcept))
        linked = mention.primary if mention.primary and mention.primary.ui == read.entity.mesh_ui else None
        out.extend(_entity_names(concept, item.name, linked))
        out.extend(_links(node, concept, mention, xrefs))
        if read.role is not None:
            out.append((node, TK.interventionRole, URIRef(iri.code("InterventionRole", read.role))))
        out.extend(_regimen(node, read.regimen))
    return nodes


def _entity_names(node: URIRef, stated: str, link: Link | None) -> Iterator[Triple]:
    """A shared node's names. Linked to a MeSH descriptor: MeSH's preferred name is its skos:prefLabel (and
    its one rdfs:label, the same from every trial that names it), each stated name another an skos:altLabel.
    Not linked: the stated name is its rdfs:label."""
    if link is None or not link.label:
        yield (node, RDFS.label, Literal(stated))
        return
    yield (node, RDFS.label, Literal(link.label))
    yield (node, SKOS.prefLabel, Literal(link.label))
    if stated != link.label:
        yield (node, SKOS.altLabel, Literal(stated))


def _entity_iri(entity: EntityKey) -> str:
    """The shared node an entity key names (conditions and intervention concepts are minted apart)."""
    if entity.kind == "condition":
        return iri.condition_entity(entity.mesh_ui, entity.key)
    return iri.intervention_entity(entity.mesh_ui, entity.key)


def _constraint_triples(criterion: URIRef, n: int, c: Constraint, entity: EntityKey | None) -> Iterator[Triple]:
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
    if entity is not None:
        yield (node, TK.mentionedEntity, URIRef(_entity_iri(entity)))


def _value_literal(value: object) -> Literal:
    """Numbers as xsd:decimal (exact, as written), true/false as xsd:boolean, words (a sex) as strings."""
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, (int, float)):
        return Literal(Decimal(str(value)), datatype=XSD.decimal)
    return Literal(str(value))


def canonical_decimal(value: float) -> str:
    """xsd:decimal's canonical form (XSD 1.1 §3.3.3.2), as Oxigraph stores it, so every export agrees.

    >>> canonical_decimal(0.970), canonical_decimal(1.0), canonical_decimal(1e6)
    ('0.97', '1', '1000000')
    """
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _regimen(node: URIRef, regimen: Regimen) -> Iterator[Triple]:
    """The dose and schedule the intervention's description states, on a node of its own."""
    if regimen.is_empty():
        return
    reg = URIRef(iri.child(node, "regimen", 1))
    yield (node, TK.doseRegimen, reg)
    yield (reg, RDF.type, TK.DoseRegimen)
    for name, (pred, datatype) in REGIMEN_FIELDS.items():
        value = getattr(regimen, name)
        if value is not None:
            literal = canonical_decimal(value) if isinstance(value, float) else value
            yield (reg, pred, Literal(literal, datatype=None if datatype == XSD.string else datatype))


def _links(
    mention_node: URIRef, shared: URIRef, mention: Mention, xrefs: Mapping[str, tuple[XRef, ...]]
) -> Iterator[Triple]:
    """The mention's links as SSSOM-like records on the mention's node; the shared node's skos matches."""
    for k, link in enumerate(mention.links, 1):
        node = URIRef(iri.child(mention_node, "link", k))
        target = URIRef(iri.mesh(link.ui))
        yield (mention_node, TK.entityLink, node)
        yield (node, RDF.type, TK.EntityLink)
        yield (node, TK.order, Literal(k, datatype=XSD.integer))
        yield (node, TK.linkTarget, target)
        yield (node, TK.linkMethod, Literal(link.method))
        yield (node, TK.linkConfidence, Literal(canonical_decimal(link.confidence), datatype=XSD.decimal))
        yield (node, TK.linkRelation, SKOS[link.relation])
        if mention.primary is None:
            # A node named by its words is only close to what it is linked to.
            relation = SKOS.broadMatch if link.relation == "broadMatch" else SKOS.closeMatch
            yield (shared, relation, target)
    if mention.primary is not None:
        yield (shared, SKOS.exactMatch, URIRef(iri.mesh(mention.primary.ui)))
        for xref in xrefs.get(mention.primary.ui, ()):
            yield (shared, SKOS[xref.relation], URIRef(iri.external(xref.curie)))


def _map_derived(t: URIRef, enriched: EnrichedTrial, out: list[Triple]) -> None:
    """Mentions read from the title and summary: their own predicates, never the stated ones."""
    for kind, mentions, pred, mention_pred, cls in (
        ("derived-condition", enriched.derived_conditions, TK.derivedCondition, TK.derivedConditionMention,
         TK.Condition),
        ("derived-intervention", enriched.derived_interventions, TK.derivedIntervention,
         TK.derivedInterventionMention, TK.InterventionConcept),
    ):  # fmt: skip
        for n, mention in enumerate(mentions, 1):
            assert mention.primary is not None
            node = URIRef(iri.child(t, kind, n))
            shared = URIRef(
                iri.condition_entity(mention.primary.ui, mention.text)
                if cls == TK.Condition
                else iri.intervention_entity(mention.primary.ui, mention.text)
            )
            out.append((t, pred, shared))
            out.append((t, mention_pred, node))
            out.extend(_node(node, TK.DerivedMention, n, name=mention.text, derivedFromField=mention.field))
            out.append((node, TK.mentionOf, shared))
            out.append((shared, RDF.type, cls))
            out.extend(_entity_names(shared, mention.text, mention.primary))
            out.extend(_links(node, shared, mention, enriched.xrefs))


def _site_organization(node: URIRef, read: OrgName | None, org_nodes: set[URIRef]) -> Iterator[Triple]:
    """The organisation a site's facility names ("Department of X, Hospital": the hospital), with X its department."""
    if read is None:
        return
    org = URIRef(iri.organization_by_key(read.key))
    yield (node, TK.siteOrganization, org)
    if read.department:
        yield (node, TK.department, Literal(read.department))
    if org not in org_nodes:  # one label per node per source: a sponsor's stated name must read back as stated
        org_nodes.add(org)
        yield (org, RDF.type, TK.Organization)
        yield (org, RDFS.label, Literal(read.name))
        yield from _org_identity(org, read)


def _org_identity(node: URIRef, read: OrgName) -> Iterator[Triple]:
    """The curated canonical name and identifiers (ROR, Wikidata) of an organisation, where known."""
    if read.canonical:
        yield (node, SKOS.prefLabel, Literal(read.canonical))
    for curie in read.ids:
        yield (node, SKOS.exactMatch, URIRef(iri.external(curie)))


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
