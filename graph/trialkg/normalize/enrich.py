"""The enrich stage: a parsed trial in, the same trial with everything trialkg reads into it out.

Parsing gives what a document states; this stage adds what its words mean: entity links for
conditions and interventions (and mentions derived from the title and summary), the registry's
MeSH descriptors paired with the stated names, organisation identities, intervention roles and
regimens, and the constraints eligibility criteria state. Mapping (rdf.mapping) and the contract
record (rdf.record) only read an EnrichedTrial: neither calls the linker or the criteria parser,
so the graph and the record always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trialkg.model import Intervention, Location, Trial
from trialkg.normalize.criteria import Constraint, ConstraintKind, ParsedCriterion, parse_trial
from trialkg.normalize.dosage import Regimen, arm_types_by_intervention, intervention_role, parse_regimen
from trialkg.normalize.lexicon import Lexicon, XRef, default_lexicon
from trialkg.normalize.linking import primary, resolve
from trialkg.normalize.mentions import Mention, all_interventions, codes, link_trial
from trialkg.normalize.mesh_pairing import MeshPairing
from trialkg.normalize.orgs import OrgName, read_org
from trialkg.normalize.text import strip_qualifiers


@dataclass(frozen=True)
class EntityKey:
    """What names a shared entity node: its MeSH descriptor when linked surely enough, else its key words."""

    kind: str  # "condition" or "intervention"
    mesh_ui: str | None
    key: str


@dataclass(frozen=True)
class ReadIntervention:
    """An intervention (stated, or only named by an arm) as the normaliser reads it."""

    intervention: Intervention
    mention: Mention
    entity: EntityKey
    role: str | None
    regimen: Regimen


@dataclass(frozen=True)
class ReadConstraint:
    """A criterion's constraint, and the shared entity a condition or treatment constraint names."""

    constraint: Constraint
    entity: EntityKey | None


@dataclass(frozen=True)
class ReadCriterion:
    criterion: ParsedCriterion
    constraints: tuple[ReadConstraint, ...]


@dataclass(frozen=True)
class ReadSite:
    """A site's facility read as an organisation (None when the facility names none surely enough)."""

    location: Location
    organization: OrgName | None


@dataclass(frozen=True)
class EnrichedTrial:
    """A parsed trial and what trialkg reads into it; everything mapping and the record need."""

    trial: Trial
    conditions: tuple[Mention, ...]
    interventions: tuple[ReadIntervention, ...]
    derived_conditions: tuple[Mention, ...]
    derived_interventions: tuple[Mention, ...]
    organizations: tuple[OrgName, ...]
    sites: tuple[ReadSite, ...]
    criteria: tuple[ReadCriterion, ...]
    condition_mesh_pairings: tuple[MeshPairing, ...]
    intervention_mesh_pairings: tuple[MeshPairing, ...]
    #: External identifiers of the linked MeSH descriptors (DrugBank, ChEBI, ...), by descriptor UI.
    xrefs: Mapping[str, tuple[XRef, ...]]
    #: `condition_codes`, `intervention_codes` and their derived counterparts, as `show --json` prints them.
    codes: Mapping[str, list[str]]

    @property
    def stated_interventions(self) -> tuple[ReadIntervention, ...]:
        """The interventions the trial lists (not those only an arm names), in its order."""
        return self.interventions[: len(self.trial.interventions)]


def enrich(trial: Trial, lexicon: Lexicon | None = None) -> EnrichedTrial:
    """Read `trial`'s mentions with `lexicon` (default: the shipped one), its criteria, organisations and doses."""
    lex = lexicon or default_lexicon()
    interventions = all_interventions(trial)
    names = [i.name for i in interventions]
    links = link_trial(trial, names, lex)
    arm_types = arm_types_by_intervention(trial)
    read_interventions = tuple(
        ReadIntervention(
            intervention=item,
            mention=mention,
            entity=EntityKey(
                "intervention",
                mention.primary.ui if mention.primary else None,
                strip_qualifiers(item.name) or item.name,
            ),
            role=intervention_role(item, arm_types.get(item.name, ())),
            regimen=parse_regimen(item.description),
        )
        for item, mention in zip(interventions, links.interventions, strict=True)
    )
    mentions = [*links.conditions, *links.interventions, *links.derived_conditions, *links.derived_interventions]
    primaries = {m.primary.ui for m in mentions if m.primary is not None}
    return EnrichedTrial(
        trial=trial,
        conditions=tuple(links.conditions),
        interventions=read_interventions,
        derived_conditions=tuple(links.derived_conditions),
        derived_interventions=tuple(links.derived_interventions),
        organizations=tuple(read_org(org.name) for org in trial.organizations),
        sites=tuple(ReadSite(loc, _site_organization(loc.facility)) for loc in trial.locations),
        criteria=tuple(
            ReadCriterion(parsed, tuple(ReadConstraint(c, constraint_entity(c)) for c in parsed.constraints))
            for parsed in parse_trial(trial)
        ),
        condition_mesh_pairings=tuple(links.condition_pairings),
        intervention_mesh_pairings=tuple(links.intervention_pairings),
        xrefs={ui: lex.xrefs[ui] for ui in sorted(primaries) if ui in lex.xrefs},
        codes={
            "condition_codes": codes(links.conditions, lex),
            "intervention_codes": codes(links.interventions, lex),
            "derived_condition_codes": codes(links.derived_conditions, lex),
            "derived_intervention_codes": codes(links.derived_interventions, lex),
        },
    )


def constraint_entity(constraint: Constraint) -> EntityKey | None:
    """The shared node a condition or treatment constraint names, as trials' own mentions are keyed, so that
    "SLE" in a criterion and "Systemic Lupus Erythematosus" in a trial's conditions are one node.

    Criteria are linked with the shipped lexicon (not a build's --mesh one): the constraint's node must
    not depend on which MeSH file a build was given.
    """
    if constraint.kind is ConstraintKind.CONDITION:
        best = primary(resolve(constraint.variable, "condition"))
        return EntityKey("condition", best.ui if best else None, constraint.variable)
    if constraint.kind is ConstraintKind.TREATMENT:
        best = primary(resolve(constraint.variable, "intervention"))
        return EntityKey("intervention", best.ui if best else None,
                         strip_qualifiers(constraint.variable) or constraint.variable)  # fmt: skip
    return None


def _site_organization(facility: str | None) -> OrgName | None:
    """A facility named "Department of X, Hospital" is the hospital's site. Only facilities with a department
    part or a curated name count: a bare facility name ("Research Site") says too little."""
    if not facility:
        return None
    read = read_org(facility)
    return None if read.department is None and read.canonical is None else read
