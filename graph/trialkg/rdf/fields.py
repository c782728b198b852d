"""The trial's own fields, once: record key (= Trial attribute), ontology property, and kind of value.

Mapping writes them, the record reads them off a Trial and readback reads them off the graph, all
from this table; the structured parts (conditions, arms, criteria, sites...) each have a function
of their own in those three modules. Predicates are vocabulary terms, so a misspelt one fails at
import. The order is the order mapping writes them in (the N-Quads keep it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from rdflib import URIRef
from rdflib.namespace import XSD

from trialkg.rdf.vocab import TK


class Kind(str, Enum):
    TEXT = "text"
    DATE = "date"
    BOOL = "bool"
    INTEGER = "integer"
    #: A code from one of the ontology's schemes (`code:Phase-PHASE2`).
    CODE = "code"


@dataclass(frozen=True)
class Field:
    key: str
    predicate: URIRef
    kind: Kind
    #: The code scheme of a CODE field.
    scheme: str | None = None
    #: Several values (a tuple on the Trial, a sorted list in the record).
    many: bool = False


TRIAL_FIELDS: tuple[Field, ...] = (
    Field("nct_id", TK.nctId, Kind.TEXT),
    Field("org_study_id", TK.orgStudyId, Kind.TEXT),
    Field("brief_title", TK.briefTitle, Kind.TEXT),
    Field("official_title", TK.officialTitle, Kind.TEXT),
    Field("acronym", TK.acronym, Kind.TEXT),
    Field("why_stopped", TK.whyStopped, Kind.TEXT),
    Field("min_age", TK.minimumAge, Kind.TEXT),
    Field("max_age", TK.maximumAge, Kind.TEXT),
    Field("brief_summary", TK.briefSummary, Kind.TEXT),
    Field("detailed_description", TK.detailedDescription, Kind.TEXT),
    Field("responsible_party_type", TK.responsiblePartyType, Kind.TEXT),
    Field("responsible_party_name", TK.responsiblePartyName, Kind.TEXT),
    Field("responsible_party_affiliation", TK.responsiblePartyAffiliation, Kind.TEXT),
    Field("ipd_sharing", TK.ipdSharing, Kind.TEXT),
    Field("ipd_sharing_description", TK.ipdSharingDescription, Kind.TEXT),
    Field("start_date", TK.startDate, Kind.DATE),
    Field("completion_date", TK.completionDate, Kind.DATE),
    Field("first_posted", TK.firstPosted, Kind.DATE),
    Field("last_update_posted", TK.lastUpdatePosted, Kind.DATE),
    Field("status_verified_date", TK.statusVerifiedDate, Kind.DATE),
    Field("primary_completion_date", TK.primaryCompletionDate, Kind.DATE),
    Field("healthy_volunteers", TK.healthyVolunteers, Kind.BOOL),
    Field("has_results", TK.hasResults, Kind.BOOL),
    Field("is_fda_regulated_drug", TK.fdaRegulatedDrug, Kind.BOOL),
    Field("is_fda_regulated_device", TK.fdaRegulatedDevice, Kind.BOOL),
    Field("has_dmc", TK.hasDataMonitoringCommittee, Kind.BOOL),
    Field("overall_status", TK.overallStatus, Kind.CODE, "OverallStatus"),
    Field("last_known_status", TK.lastKnownStatus, Kind.CODE, "OverallStatus"),
    Field("study_type", TK.studyType, Kind.CODE, "StudyType"),
    Field("allocation", TK.allocation, Kind.CODE, "Allocation"),
    Field("intervention_model", TK.interventionModel, Kind.CODE, "InterventionModel"),
    Field("primary_purpose", TK.primaryPurpose, Kind.CODE, "PrimaryPurpose"),
    Field("masking", TK.masking, Kind.CODE, "Masking"),
    Field("sex", TK.sex, Kind.CODE, "Sex"),
    Field("phases", TK.phase, Kind.CODE, "Phase", many=True),
    Field("enrollment", TK.enrollment, Kind.INTEGER),
    Field("keywords", TK.keyword, Kind.TEXT, many=True),
    Field("nct_id_aliases", TK.nctIdAlias, Kind.TEXT, many=True),
)

#: The fields the record composes into one `responsible_party` object instead of keys of their own.
RESPONSIBLE_PARTY = {"type": TK.responsiblePartyType, "name": TK.responsiblePartyName,
                     "affiliation": TK.responsiblePartyAffiliation}  # fmt: skip

#: The fields that are record keys of their own.
RECORD_FIELDS = tuple(f for f in TRIAL_FIELDS if f.predicate not in RESPONSIBLE_PARTY.values())

#: Regimen fields -> (predicate, datatype).
REGIMEN_FIELDS = {
    "amount": (TK.doseAmount, XSD.decimal), "amount_max": (TK.doseAmountMax, XSD.decimal),
    "unit": (TK.doseUnit, XSD.string), "basis": (TK.doseBasis, XSD.string), "route": (TK.route, XSD.string),
    "frequency": (TK.frequency, XSD.string), "duration_days": (TK.durationDays, XSD.integer),
    "rest_days": (TK.restDays, XSD.integer), "cycles_min": (TK.cyclesMin, XSD.integer),
    "cycles_max": (TK.cyclesMax, XSD.integer),
}  # fmt: skip
