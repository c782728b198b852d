"""Source-neutral domain model of one clinical trial.

Every parser returns these objects and only the mapping turns them into triples.
Enum values are the ClinicalTrials.gov API v2 codes, so records read from pages and
from the registry's own JSON compare equal field by field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class OverallStatus(str, Enum):
    ACTIVE_NOT_RECRUITING = "ACTIVE_NOT_RECRUITING"
    COMPLETED = "COMPLETED"
    ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION"
    NOT_YET_RECRUITING = "NOT_YET_RECRUITING"
    RECRUITING = "RECRUITING"
    SUSPENDED = "SUSPENDED"
    TERMINATED = "TERMINATED"
    WITHDRAWN = "WITHDRAWN"
    AVAILABLE = "AVAILABLE"
    NO_LONGER_AVAILABLE = "NO_LONGER_AVAILABLE"
    TEMPORARILY_NOT_AVAILABLE = "TEMPORARILY_NOT_AVAILABLE"
    APPROVED_FOR_MARKETING = "APPROVED_FOR_MARKETING"
    WITHHELD = "WITHHELD"
    UNKNOWN = "UNKNOWN"


#: The statuses the registry allows as a "last known status" (a subset of OverallStatus).
LAST_KNOWN_STATUSES = frozenset(
    {
        OverallStatus.ACTIVE_NOT_RECRUITING,
        OverallStatus.COMPLETED,
        OverallStatus.ENROLLING_BY_INVITATION,
        OverallStatus.NOT_YET_RECRUITING,
        OverallStatus.RECRUITING,
        OverallStatus.SUSPENDED,
        OverallStatus.TERMINATED,
        OverallStatus.WITHDRAWN,
        OverallStatus.UNKNOWN,
    }
)


class Phase(str, Enum):
    EARLY_PHASE1 = "EARLY_PHASE1"
    PHASE1 = "PHASE1"
    PHASE2 = "PHASE2"
    PHASE3 = "PHASE3"
    PHASE4 = "PHASE4"
    NA = "NA"


class StudyType(str, Enum):
    INTERVENTIONAL = "INTERVENTIONAL"
    OBSERVATIONAL = "OBSERVATIONAL"
    EXPANDED_ACCESS = "EXPANDED_ACCESS"


class Allocation(str, Enum):
    RANDOMIZED = "RANDOMIZED"
    NON_RANDOMIZED = "NON_RANDOMIZED"
    NA = "NA"


class InterventionModel(str, Enum):
    SINGLE_GROUP = "SINGLE_GROUP"
    PARALLEL = "PARALLEL"
    CROSSOVER = "CROSSOVER"
    FACTORIAL = "FACTORIAL"
    SEQUENTIAL = "SEQUENTIAL"


class PrimaryPurpose(str, Enum):
    TREATMENT = "TREATMENT"
    PREVENTION = "PREVENTION"
    DIAGNOSTIC = "DIAGNOSTIC"
    ECT = "ECT"
    SUPPORTIVE_CARE = "SUPPORTIVE_CARE"
    SCREENING = "SCREENING"
    HEALTH_SERVICES_RESEARCH = "HEALTH_SERVICES_RESEARCH"
    BASIC_SCIENCE = "BASIC_SCIENCE"
    DEVICE_FEASIBILITY = "DEVICE_FEASIBILITY"
    OTHER = "OTHER"


class Masking(str, Enum):
    NONE = "NONE"
    SINGLE = "SINGLE"
    DOUBLE = "DOUBLE"
    TRIPLE = "TRIPLE"
    QUADRUPLE = "QUADRUPLE"


class InterventionType(str, Enum):
    BEHAVIORAL = "BEHAVIORAL"
    BIOLOGICAL = "BIOLOGICAL"
    COMBINATION_PRODUCT = "COMBINATION_PRODUCT"
    DEVICE = "DEVICE"
    DIAGNOSTIC_TEST = "DIAGNOSTIC_TEST"
    DIETARY_SUPPLEMENT = "DIETARY_SUPPLEMENT"
    DRUG = "DRUG"
    GENETIC = "GENETIC"
    PROCEDURE = "PROCEDURE"
    RADIATION = "RADIATION"
    OTHER = "OTHER"


class Sex(str, Enum):
    ALL = "ALL"
    FEMALE = "FEMALE"
    MALE = "MALE"


class OrganizationRole(str, Enum):
    """How an organisation takes part; None on Organization when the source gives no role."""

    LEAD_SPONSOR = "LEAD_SPONSOR"
    COLLABORATOR = "COLLABORATOR"


class AgencyClass(str, Enum):
    NIH = "NIH"
    FED = "FED"
    OTHER_GOV = "OTHER_GOV"
    INDIV = "INDIV"
    INDUSTRY = "INDUSTRY"
    NETWORK = "NETWORK"
    AMBIG = "AMBIG"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"


class OfficialRole(str, Enum):
    STUDY_CHAIR = "STUDY_CHAIR"
    STUDY_DIRECTOR = "STUDY_DIRECTOR"
    PRINCIPAL_INVESTIGATOR = "PRINCIPAL_INVESTIGATOR"
    SUB_INVESTIGATOR = "SUB_INVESTIGATOR"


class ArmGroupType(str, Enum):
    EXPERIMENTAL = "EXPERIMENTAL"
    ACTIVE_COMPARATOR = "ACTIVE_COMPARATOR"
    PLACEBO_COMPARATOR = "PLACEBO_COMPARATOR"
    SHAM_COMPARATOR = "SHAM_COMPARATOR"
    NO_INTERVENTION = "NO_INTERVENTION"
    OTHER = "OTHER"


class ReferenceType(str, Enum):
    BACKGROUND = "BACKGROUND"
    RESULT = "RESULT"
    DERIVED = "DERIVED"


class CriterionKind(str, Enum):
    INCLUSION = "inclusion"
    EXCLUSION = "exclusion"


class OutcomeKind(str, Enum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    OTHER = "other"


@dataclass(frozen=True)
class Organization:
    name: str
    role: OrganizationRole | None = None
    agency_class: AgencyClass | None = None


@dataclass(frozen=True)
class Official:
    """An overall official (principal investigator, study chair...)."""

    name: str
    role: OfficialRole | None = None
    affiliation: str | None = None


@dataclass(frozen=True)
class Intervention:
    name: str
    type: InterventionType | None = None
    description: str | None = None
    other_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Arm:
    label: str
    description: str | None = None
    #: Names of the interventions this arm receives, as the source pairs them.
    intervention_names: tuple[str, ...] = ()
    type: ArmGroupType | None = None


@dataclass(frozen=True)
class Outcome:
    measure: str
    time_frame: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Location:
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    zip: str | None = None
    #: The site's recruitment status (an OverallStatus code), where the source gives one.
    status: OverallStatus | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Reference:
    citation: str
    pmid: str | None = None
    doi: str | None = None
    type: ReferenceType | None = None


@dataclass(frozen=True)
class WebLink:
    """A see-also web link of a trial."""

    url: str
    label: str | None = None


@dataclass(frozen=True)
class MeshTerm:
    """A MeSH descriptor as the registry assigns it (derivedSection browse modules)."""

    id: str
    term: str


@dataclass(frozen=True)
class MeshLeaf:
    """A registry browse leaf: a MeSH term and the text of the record it was found in ("asFound")."""

    name: str
    as_found: str | None = None
    relevance: str | None = None


@dataclass(frozen=True)
class SecondaryId:
    identifier: str
    type: str | None = None


@dataclass(frozen=True)
class CriterionSection:
    """The named section of the eligibility text a criterion stands under (NCI's "PATIENT CHARACTERISTICS")."""

    polarity: CriterionKind
    #: The criterion's position among those of its polarity, from 1.
    order: int
    name: str


@dataclass(frozen=True)
class SourceDocument:
    """The file a trial was read from: what provenance and named graphs hang on."""

    file_name: str
    format: str
    sha256: str


@dataclass(frozen=True)
class Trial:
    """One trial as one source document states it; a field the source does not state is None/()."""

    source: SourceDocument
    nct_id: str | None = None
    org_study_id: str | None = None
    secondary_ids: tuple[SecondaryId, ...] = ()
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    overall_status: OverallStatus | None = None
    last_known_status: OverallStatus | None = None
    why_stopped: str | None = None
    status_verified_date: str | None = None
    phases: tuple[Phase, ...] = ()
    study_type: StudyType | None = None
    enrollment: int | None = None
    start_date: str | None = None
    completion_date: str | None = None
    first_posted: str | None = None
    last_update_posted: str | None = None
    organizations: tuple[Organization, ...] = ()
    officials: tuple[Official, ...] = ()
    conditions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    arms: tuple[Arm, ...] = ()
    allocation: Allocation | None = None
    intervention_model: InterventionModel | None = None
    primary_purpose: PrimaryPurpose | None = None
    masking: Masking | None = None
    min_age: str | None = None
    max_age: str | None = None
    sex: Sex | None = None
    healthy_volunteers: bool | None = None
    inclusion_criteria: tuple[str, ...] = ()
    exclusion_criteria: tuple[str, ...] = ()
    #: The sections criteria stand under, where the text names them (older records' PDQ layout).
    criteria_sections: tuple[CriterionSection, ...] = ()
    primary_outcomes: tuple[Outcome, ...] = ()
    secondary_outcomes: tuple[Outcome, ...] = ()
    other_outcomes: tuple[Outcome, ...] = ()
    locations: tuple[Location, ...] = ()
    references: tuple[Reference, ...] = ()
    related_trials: tuple[str, ...] = ()
    brief_summary: str | None = None
    detailed_description: str | None = None
    has_results: bool | None = None
    is_fda_regulated_drug: bool | None = None
    is_fda_regulated_device: bool | None = None
    has_dmc: bool | None = None
    primary_completion_date: str | None = None
    nct_id_aliases: tuple[str, ...] = ()
    see_also_links: tuple[WebLink, ...] = ()
    #: Responsible party: its type code (SPONSOR, PRINCIPAL_INVESTIGATOR, SPONSOR_INVESTIGATOR)
    #: and, for an investigator, the name and affiliation.
    responsible_party_type: str | None = None
    responsible_party_name: str | None = None
    responsible_party_affiliation: str | None = None
    #: IPD sharing statement: YES, NO or UNDECIDED, and its description.
    ipd_sharing: str | None = None
    ipd_sharing_description: str | None = None
    #: MeSH descriptors the registry assigns to the trial's conditions and interventions,
    #: and their ancestors in the MeSH tree.
    condition_meshes: tuple[MeshTerm, ...] = ()
    condition_mesh_ancestors: tuple[MeshTerm, ...] = ()
    intervention_meshes: tuple[MeshTerm, ...] = ()
    intervention_mesh_ancestors: tuple[MeshTerm, ...] = ()
    condition_mesh_leaves: tuple[MeshLeaf, ...] = ()
    intervention_mesh_leaves: tuple[MeshLeaf, ...] = ()
    #: Lines or sections of the document that no field took, kept so nothing is lost silently.
    unmapped: tuple[str, ...] = field(default=(), compare=False)
    #: Values the document states that no field could take (each also in `unmapped`): the build reports them.
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def lead_sponsor(self) -> str | None:
        return next((o.name for o in self.organizations if o.role is OrganizationRole.LEAD_SPONSOR), None)

    @property
    def collaborators(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.organizations if o.role is OrganizationRole.COLLABORATOR)
