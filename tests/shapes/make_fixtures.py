"""Writes tests/shapes/invalid/*.ttl: each a valid fixture (tests/shapes/valid/) with one small edit that breaks one
constraint of shapes/trialkg.shacl.ttl.

    python tests/shapes/make_fixtures.py          # rewrite the invalid fixtures (and delete stale ones)
    python tests/shapes/make_fixtures.py --check  # exit 1 if a committed fixture differs from what this writes

The generated files are committed; tests/test_shapes.py fails when they differ from what this script writes, and
when a constraint of the shapes graph has no fixture here that triggers it. To cover a new constraint, add an
entry to FIXTURES and run the script.

An edit names lines of the base by a piece of their text, searched from the line holding `at` (a node's first
line) when given, else anywhere, and must find exactly one line.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
VALID, INVALID = HERE / "valid", HERE / "invalid"


@dataclass(frozen=True)
class Edit:
    op: str  # "swap": replace `text` by `new` in its line; "drop": delete the line; "add": insert `new` after it
    text: str
    new: str = ""
    at: str | None = None


def swap(text: str, new: str, at: str | None = None) -> Edit:
    return Edit("swap", text, new, at)


def drop(text: str, at: str | None = None) -> Edit:
    return Edit("drop", text, at=at)


def add(new: str, at: str) -> Edit:
    """A statement `new` (ending with ' ;') added to the node whose first line holds `at`."""
    return Edit("add", at, "    " + new)


def add_node(new: str) -> Edit:
    """A whole new node statement, appended."""
    return Edit("add", "", new)


@dataclass(frozen=True)
class Fixture:
    name: str
    base: str  # a file of tests/shapes/valid/, without .ttl
    field: str  # the field the result's message names first
    component: str  # the expected sh:sourceConstraintComponent, without its ConstraintComponent suffix
    why: str
    edits: tuple[Edit, ...]
    severity: str = "Violation"


def fx(name: str, base: str, field: str, component: str, why: str, *edits: Edit, severity: str = "Violation"):
    return Fixture(name, base, field, component, why, edits, severity)


# ---------------------------------------------------------------- the bases' nodes

TRIAL = "<https://w3id.org/trialkg/trial/NCT01234567> a trialkg:Trial ;"
ORG = "<https://w3id.org/trialkg/organization/acme>"
SOURCE = "<https://w3id.org/trialkg/source/0000000000000000000000000000000000000000000000000000000000000000>"
STATEMENT = "a trialkg:ConditionStatement ;"
ORG_STATEMENT = "a trialkg:OrganizationStatement ;"
ARM = "a trialkg:Arm ;"
INTERVENTION = "a trialkg:Intervention ;"
CONCEPT = "a trialkg:InterventionConcept ;"
CONCEPT_IRI = "<https://w3id.org/trialkg/intervention/interleukin-2>"


def t(name: str, field: str, component: str, why: str, *edits: Edit, severity: str = "Violation") -> Fixture:
    """A fixture on the smallest valid trial (valid/trial.ttl)."""
    return fx(name, "trial", field, component, why, *edits, severity=severity)


def also(prop: str, values: str) -> Edit:
    """The trial states `prop` with `values` (Turtle objects)."""
    return add(f"trialkg:{prop} {values} ;", TRIAL)


def text_field(prop: str, field: str) -> list[Fixture]:
    """At most one value (MaxCount), a plain string (Datatype), non-empty (MinLength): a trial's text field."""
    kind = field.replace("_", " ")
    return [
        t(f"{field}_twice", field, "MaxCount", f"two {kind}s", also(prop, '"A" , "B"')),
        t(f"{field}_wrong_type", field, "Datatype", f"a {kind} with a language tag", also(prop, '"A"@en')),
        t(f"{field}_empty", field, "MinLength", f"an empty {kind}", also(prop, '""')),
    ]


def coded_field(prop: str, field: str, good: str, other: str, unknown: str) -> list[Fixture]:
    """At most one value (MaxCount), one of the registry's codes (In): a trial's coded field."""
    kind = field.replace("_", " ")
    return [
        t(f"{field}_twice", field, "MaxCount", f"two {kind}s", also(prop, f"code:{good} , code:{other}")),
        t(f"{field}_unknown", field, "In", f"an {kind} that is not a registry code", also(prop, f"code:{unknown}")),
    ]


def date_field(prop: str, field: str) -> list[Fixture]:
    """At most one value (MaxCount), typed xsd:gYear, xsd:gYearMonth or xsd:date (sh:or shape:PartialDate)."""
    kind = field.replace("_", " ")
    return [
        t(f"{field}_twice", field, "MaxCount", f"two {kind}s", also(prop, '"2019"^^xsd:gYear , "2020"^^xsd:gYear')),
        t(f"{field}_not_a_date", field, "Or", f"a {kind} that is not typed as a date", also(prop, '"2019-10-23"')),
    ]


def boolean_field(prop: str, field: str) -> list[Fixture]:
    """At most one value (MaxCount), true or false (Datatype)."""
    kind = field.replace("_", " ")
    return [
        t(f"{field}_twice", field, "MaxCount", f"{kind} both true and false", also(prop, "true , false")),
        t(f"{field}_not_boolean", field, "Datatype", f"{kind} as text", also(prop, '"yes"')),
    ]


def position(base: str, field: str, at: str, stem: str, bad: str) -> list[Fixture]:
    """A node's position (trialkg:order): exactly one, a whole number from 1 (sh:and shape:Position)."""
    a = "an" if stem[0] in "aeiou" else "a"
    one = "trialkg:order 1 ;"
    return [
        fx(f"{stem}_without_position", base, field, "MinCount", f"{a} {stem} without its position", drop(one, at)),
        fx(f"{stem}_two_positions", base, field, "MaxCount", f"{a} {stem} with two positions",
           swap(one, "trialkg:order 1 , 2 ;", at)),
        fx(f"{stem}_bad_position", base, field, "And", f"{a} {stem} at position {bad}",
           swap(one, f"trialkg:order {bad} ;", at)),
    ]  # fmt: skip


OUTCOMES = "primary_outcomes/secondary_outcomes/other_outcomes"
CRITERIA = "inclusion_criteria/exclusion_criteria"
CONSTRAINTS = "criteria_constraints"
CC = "criterion_constraint"
RANGE = "exclusion/1/constraint/1> a trialkg:CriterionConstraint ;"
TREATMENT = "exclusion/1/constraint/2> a trialkg:CriterionConstraint ;"
MESHES = "condition_meshes/intervention_meshes"

# fmt: off
FIXTURES: tuple[Fixture, ...] = (
    # -------- the first fixtures, on valid/minimal_trial.ttl (a trial with dates and ages), kept as they were
    fx("two_statuses", "minimal_trial", "overall_status", "MaxCount", "a trial with two overall statuses",
       swap("code:OverallStatus-COMPLETED ;", "code:OverallStatus-COMPLETED , code:OverallStatus-RECRUITING ;")),
    fx("unknown_status", "minimal_trial", "overall_status", "In", "an overall status that is not a registry code",
       swap("code:OverallStatus-COMPLETED", "code:OverallStatus-FINISHED")),
    fx("malformed_nct_id", "minimal_trial", "nct_id", "Pattern", "a malformed NCT id",
       swap('"NCT01234567"', '"NCT-1234"')),
    fx("bad_phase", "minimal_trial", "phases", "In", "a phase that is not a registry code",
       swap("code:Phase-PHASE2", "code:Phase-PHASE9")),
    fx("negative_enrollment", "minimal_trial", "enrollment", "MinInclusive", "a negative enrollment",
       swap("trialkg:enrollment 40", "trialkg:enrollment -5")),
    fx("bad_date", "minimal_trial", "start_date", "Or", "a start date written in words, not typed as a date",
       swap('"2013-08-31"^^xsd:date', '"August 2013"')),
    fx("bad_age", "minimal_trial", "min_age", "Pattern", "a minimum age without a number and a unit",
       swap('"18 Years"', '"eighteen"')),
    fx("missing_source", "minimal_trial", "sources", "MinCount", "a trial without its source document",
       swap(f"prov:wasDerivedFrom {SOURCE} .", 'trialkg:acronym "X" .')),
    fx("bad_sha256", "minimal_trial", "sources", "Pattern", "a source document whose SHA-256 is not 64 hex digits",
       swap('trialkg:sha256 "0000000000000000000000000000000000000000000000000000000000000000" .',
            'trialkg:sha256 "abc" .')),
    fx("empty_criterion", "minimal_trial", "inclusion_criteria", "MinLength",
       "an eligibility criterion with empty text", swap('trialkg:text "Age 18 or over"', 'trialkg:text ""')),
    # -------- cross-field rules (SPARQL)
    fx("start_after_completion", "minimal_trial", "start_date", "SPARQL",
       "a trial that starts (2016-01-01) after it completes (2015-10)",
       swap('trialkg:startDate "2013-08-31"^^xsd:date', 'trialkg:startDate "2016-01-01"^^xsd:date')),
    fx("start_after_primary_completion", "minimal_trial", "start_date", "SPARQL",
       "a trial that starts (2013-08-31) after its primary completion (2013-07)",
       also("primaryCompletionDate", '"2013-07"^^xsd:gYearMonth')),
    fx("min_age_above_max_age", "minimal_trial", "min_age", "SPARQL",
       "a minimum age (18 Years) above the maximum age (200 Months, under 17 years)",
       swap('trialkg:maximumAge "65 Years"', 'trialkg:maximumAge "200 Months"')),
    fx("arm_gives_another_trials_intervention", "full_trial", "arms", "SPARQL",
       "an arm that gives an intervention the trial does not list",
       drop("trialkg:intervention t:intervention\\/2 ;")),
    # -------- trial: identity and provenance
    t("nct_id_twice", "nct_id", "MaxCount", "two NCT ids", swap('"NCT01234567" ;', '"NCT01234567" , "NCT07654321" ;')),
    t("nct_id_wrong_type", "nct_id", "Datatype", "an NCT id typed as a token",
      swap('"NCT01234567" ;', '"NCT01234567"^^xsd:token ;')),
    t("no_nct_id", "nct_id", "MinCount", "no NCT id: the trial is identified by a key (a note)",
      drop('trialkg:nctId "NCT01234567" ;'), severity="Info"),
    t("nct_id_alias_malformed", "nct_id_aliases", "Pattern", "an NCT id alias that is not an NCT id",
      also("nctIdAlias", '"NCT1"')),
    t("source_not_a_document", "sources", "Class", "a trial derived from something that is not a source document",
      swap(f"prov:wasDerivedFrom {SOURCE} .", f"prov:wasDerivedFrom {ORG} .")),
    # -------- trial: status and design
    t("no_overall_status", "overall_status", "MinCount", "no overall status (recommended)",
      drop("trialkg:overallStatus code:OverallStatus-COMPLETED ;"), severity="Warning"),
    *coded_field("lastKnownStatus", "last_known_status", "OverallStatus-RECRUITING", "OverallStatus-SUSPENDED",
                 "OverallStatus-AVAILABLE"),
    *coded_field("studyType", "study_type", "StudyType-INTERVENTIONAL", "StudyType-OBSERVATIONAL",
                 "StudyType-PILOT"),
    *coded_field("allocation", "allocation", "Allocation-RANDOMIZED", "Allocation-NA", "Allocation-MAYBE"),
    *coded_field("interventionModel", "intervention_model", "InterventionModel-PARALLEL",
                 "InterventionModel-CROSSOVER", "InterventionModel-ROUND_ROBIN"),
    *coded_field("primaryPurpose", "primary_purpose", "PrimaryPurpose-TREATMENT", "PrimaryPurpose-PREVENTION",
                 "PrimaryPurpose-CURIOSITY"),
    *coded_field("masking", "masking", "Masking-NONE", "Masking-DOUBLE", "Masking-QUINTUPLE"),
    *coded_field("sex", "sex", "Sex-ALL", "Sex-FEMALE", "Sex-OTHER"),
    t("ipd_sharing_twice", "ipd_sharing", "MaxCount", "two IPD sharing answers", also("ipdSharing", '"YES" , "NO"')),
    t("ipd_sharing_unknown", "ipd_sharing", "In", "an IPD sharing answer other than YES, NO, UNDECIDED",
      also("ipdSharing", '"MAYBE"')),
    t("enrollment_twice", "enrollment", "MaxCount", "two enrollments", also("enrollment", "40 , 41")),
    t("enrollment_as_text", "enrollment", "Datatype", "an enrollment written as text", also("enrollment", '"40"')),
    # -------- trial: titles and texts
    t("no_brief_title", "brief_title", "MinCount", "no brief title (recommended)",
      drop('trialkg:briefTitle "A trial" ;'), severity="Warning"),
    t("brief_title_twice", "brief_title", "MaxCount", "two brief titles",
      swap('"A trial" ;', '"A trial" , "Another" ;')),
    t("brief_title_wrong_type", "brief_title", "Datatype", "a brief title with a language tag",
      swap('"A trial" ;', '"A trial"@en ;')),
    t("brief_title_empty", "brief_title", "MinLength", "an empty brief title", swap('"A trial" ;', '"" ;')),
    *text_field("officialTitle", "official_title"),
    *text_field("orgStudyId", "org_study_id"),
    *text_field("acronym", "acronym"),
    *text_field("briefSummary", "brief_summary"),
    *text_field("detailedDescription", "detailed_description"),
    *text_field("whyStopped", "why_stopped"),
    *text_field("ipdSharingDescription", "ipd_sharing_description"),
    t("responsible_party_type_twice", "responsible_party", "MaxCount", "two responsible party types",
      also("responsiblePartyType", '"SPONSOR" , "PRINCIPAL_INVESTIGATOR"')),
    t("responsible_party_name_twice", "responsible_party", "MaxCount", "two responsible party names",
      also("responsiblePartyName", '"A" , "B"')),
    t("responsible_party_affiliation_twice", "responsible_party", "MaxCount", "two responsible party affiliations",
      also("responsiblePartyAffiliation", '"A" , "B"')),
    # -------- trial: dates (bad_date above is the start date's Node fixture)
    t("start_date_twice", "start_date", "MaxCount", "two start dates",
      also("startDate", '"2019"^^xsd:gYear , "2020"^^xsd:gYear')),
    *date_field("primaryCompletionDate", "primary_completion_date"),
    *date_field("completionDate", "completion_date"),
    *date_field("firstPosted", "first_posted"),
    *date_field("lastUpdatePosted", "last_update_posted"),
    *date_field("statusVerifiedDate", "status_verified_date"),
    # -------- trial: eligibility (bad_age above is the minimum age's Pattern fixture)
    t("min_age_twice", "min_age", "MaxCount", "two minimum ages", also("minimumAge", '"18 Years" , "21 Years"')),
    t("max_age_twice", "max_age", "MaxCount", "two maximum ages", also("maximumAge", '"65 Years" , "70 Years"')),
    t("max_age_without_unit", "max_age", "Pattern", "a maximum age without its unit", also("maximumAge", '"65"')),
    *boolean_field("healthyVolunteers", "healthy_volunteers"),
    t("no_eligibility_criterion", CRITERIA, "MinCount", "no eligibility criterion (a note)",
      drop("trialkg:eligibilityCriterion <https://w3id.org/trialkg/trial/NCT01234567/criterion/inclusion/1> ;"),
      severity="Info"),
    # -------- trial: flags
    *boolean_field("hasResults", "has_results"),
    *boolean_field("fdaRegulatedDrug", "is_fda_regulated_drug"),
    *boolean_field("fdaRegulatedDevice", "is_fda_regulated_device"),
    *boolean_field("hasDataMonitoringCommittee", "has_dmc"),
    # -------- trial: organisations, conditions, related trials
    t("lead_sponsor_twice", "lead_sponsor", "MaxCount", "two lead sponsors",
      also("leadSponsor", "<https://w3id.org/trialkg/organization/other>"),
      add_node('<https://w3id.org/trialkg/organization/other> a trialkg:Organization ; rdfs:label "Other" .')),
    t("lead_sponsor_not_an_organization", "lead_sponsor", "Class", "a lead sponsor that is not an Organization",
      swap(f"trialkg:leadSponsor {ORG} ;", "trialkg:leadSponsor <https://w3id.org/trialkg/condition/sle> ;")),
    t("no_sponsor", "lead_sponsor", "MinCount", "no sponsor or other organisation (recommended)",
      drop(f"trialkg:leadSponsor {ORG} ;"), severity="Warning"),
    t("no_condition", "conditions", "MinCount", "no condition (recommended)",
      drop("trialkg:condition <https://w3id.org/trialkg/condition/sle> ;"), severity="Warning"),
    t("related_trial_as_text", "related_trials", "NodeKind", "a related trial given as text, not as a trial IRI",
      also("listedRelatedTrial", '"NCT07654321"')),
    t("related_trial_foreign_iri", "related_trials", "Pattern", "a related trial IRI not minted from an NCT id",
      also("listedRelatedTrial", "<https://example.org/NCT07654321>")),
    # -------- source document
    fx("source_without_file_name", "source_document", "sources", "MinCount", "a source document without its file name",
       drop('trialkg:fileName "a.txt" ;')),
    fx("source_file_name_wrong_type", "source_document", "sources", "Datatype", "a file name with a language tag",
       swap('trialkg:fileName "a.txt" ;', 'trialkg:fileName "a.txt"@en ;')),
    fx("source_without_sha256", "source_document", "sources", "MinCount", "a source document without its SHA-256",
       drop('trialkg:sha256 "0000000000000000000000000000000000000000000000000000000000000000" .')),
    fx("source_two_sha256", "source_document", "sources", "MaxCount", "a source document with two SHA-256 digests",
       add('trialkg:sha256 "1111111111111111111111111111111111111111111111111111111111111111" ;', SOURCE)),
    fx("source_without_format", "source_document", "sources", "MinCount", "a source document without its format",
       drop('trialkg:sourceFormat "keyvalue" ;')),
    fx("source_two_formats", "source_document", "sources", "MaxCount", "a source document with two formats",
       swap('trialkg:sourceFormat "keyvalue" ;', 'trialkg:sourceFormat "keyvalue" , "compass" ;')),
    # -------- entity links, derived mentions, dose regimens (valid/entity_link.ttl)
    fx("link_without_target", "entity_link", "condition_codes", "MinCount", "a link to no concept",
       drop("trialkg:linkTarget <http://id.nlm.nih.gov/mesh/D008180> ;")),
    fx("link_two_targets", "entity_link", "condition_codes", "MaxCount", "a link to two concepts",
       swap("trialkg:linkTarget <http://id.nlm.nih.gov/mesh/D008180> ;",
            "trialkg:linkTarget <http://id.nlm.nih.gov/mesh/D008180> , <http://id.nlm.nih.gov/mesh/D008181> ;")),
    fx("link_target_literal", "entity_link", "condition_codes", "NodeKind", "a link whose target is text",
       swap("trialkg:linkTarget <http://id.nlm.nih.gov/mesh/D008180> ;", 'trialkg:linkTarget "D008180" ;')),
    fx("link_without_method", "entity_link", "condition_codes", "MinCount", "a link without its method",
       drop('trialkg:linkMethod "synonym" ;')),
    fx("link_two_methods", "entity_link", "condition_codes", "MaxCount", "a link with two methods",
       swap('trialkg:linkMethod "synonym" ;', 'trialkg:linkMethod "synonym" , "exact" ;')),
    fx("link_unknown_method", "entity_link", "condition_codes", "In", "a link made by an unknown method",
       swap('trialkg:linkMethod "synonym" ;', 'trialkg:linkMethod "guess" ;')),
    fx("link_without_confidence", "entity_link", "condition_codes", "MinCount", "a link without a confidence",
       drop("trialkg:linkConfidence 0.93 ;")),
    fx("link_two_confidences", "entity_link", "condition_codes", "MaxCount", "a link with two confidences",
       swap("trialkg:linkConfidence 0.93 ;", "trialkg:linkConfidence 0.93 , 0.5 ;")),
    fx("link_confidence_text", "entity_link", "condition_codes", "Datatype", "a confidence written as text",
       swap("trialkg:linkConfidence 0.93 ;", 'trialkg:linkConfidence "high" ;')),
    fx("link_confidence_too_low", "entity_link", "condition_codes", "MinInclusive", "a negative confidence",
       swap("trialkg:linkConfidence 0.93 ;", "trialkg:linkConfidence -0.5 ;")),
    fx("link_confidence_too_high", "entity_link", "condition_codes", "MaxInclusive", "a confidence above 1",
       swap("trialkg:linkConfidence 0.93 ;", "trialkg:linkConfidence 1.5 ;")),
    fx("link_without_relation", "entity_link", "condition_codes", "MinCount", "a link without its relation",
       drop("trialkg:linkRelation skos:exactMatch ;")),
    fx("link_two_relations", "entity_link", "condition_codes", "MaxCount", "a link with two relations",
       swap("trialkg:linkRelation skos:exactMatch ;", "trialkg:linkRelation skos:exactMatch , skos:closeMatch ;")),
    fx("link_relation_literal", "entity_link", "condition_codes", "NodeKind", "a relation written as text",
       swap("trialkg:linkRelation skos:exactMatch ;", 'trialkg:linkRelation "exactMatch" ;')),
    fx("link_relation_not_skos", "entity_link", "condition_codes", "Pattern", "a relation that is not a SKOS match",
       swap("trialkg:linkRelation skos:exactMatch ;", "trialkg:linkRelation skos:related ;")),
    fx("derived_without_text", "entity_link", "derived_condition_codes", "MinCount",
       "a derived mention without its text", drop('trialkg:name "sle" ;')),
    fx("derived_two_texts", "entity_link", "derived_condition_codes", "MaxCount", "a derived mention with two texts",
       swap('trialkg:name "sle" ;', 'trialkg:name "sle" , "lupus" ;')),
    fx("derived_empty_text", "entity_link", "derived_condition_codes", "MinLength",
       "a derived mention with empty text", swap('trialkg:name "sle" ;', 'trialkg:name "" ;')),
    fx("derived_without_field", "entity_link", "derived_condition_codes", "MinCount",
       "a derived mention without its field", drop('trialkg:derivedFromField "brief_title" ;')),
    fx("derived_two_fields", "entity_link", "derived_condition_codes", "MaxCount", "a derived mention with two fields",
       swap('trialkg:derivedFromField "brief_title" ;', 'trialkg:derivedFromField "brief_title" , "brief_summary" ;')),
    fx("derived_unknown_field", "entity_link", "derived_condition_codes", "In",
       "a derived mention from an unknown field",
       swap('trialkg:derivedFromField "brief_title" ;', 'trialkg:derivedFromField "keywords" ;')),
    fx("regimen_two_amounts", "entity_link", "interventions", "MaxCount", "a regimen with two dose amounts",
       swap("trialkg:doseAmount 1000000.0 ;", "trialkg:doseAmount 1000000.0 , 5.0 ;")),
    fx("regimen_amount_text", "entity_link", "interventions", "Datatype", "a dose amount written as text",
       swap("trialkg:doseAmount 1000000.0 ;", 'trialkg:doseAmount "a lot" ;')),
    fx("regimen_negative_amount", "entity_link", "interventions", "MinInclusive", "a negative dose amount",
       swap("trialkg:doseAmount 1000000.0 ;", "trialkg:doseAmount -1.0 ;")),
    fx("regimen_two_cycles", "entity_link", "interventions", "MaxCount", "a regimen with two least cycle counts",
       swap("trialkg:cyclesMin 3 ;", "trialkg:cyclesMin 3 , 4 ;")),
    fx("regimen_cycles_decimal", "entity_link", "interventions", "Datatype", "a cycle count that is not whole",
       swap("trialkg:cyclesMin 3 ;", "trialkg:cyclesMin 3.5 ;")),
    fx("regimen_zero_cycles", "entity_link", "interventions", "MinInclusive", "zero cycles",
       swap("trialkg:cyclesMin 3 ;", "trialkg:cyclesMin 0 ;")),
    fx("regimen_two_durations", "entity_link", "interventions", "MaxCount", "a regimen with two durations",
       swap("trialkg:durationDays 14 ;", "trialkg:durationDays 14 , 7 ;")),
    fx("regimen_duration_decimal", "entity_link", "interventions", "Datatype", "a duration that is not whole days",
       swap("trialkg:durationDays 14 ;", "trialkg:durationDays 1.5 ;")),
    fx("regimen_zero_duration", "entity_link", "interventions", "MinInclusive", "a duration of zero days",
       swap("trialkg:durationDays 14 ;", "trialkg:durationDays 0 ;")),
    # -------- organisation
    fx("organization_without_name", "organization", "organizations", "MinCount", "an organisation without a name",
       drop('rdfs:label "Acme Inc." ;')),
    fx("organization_two_agency_classes", "organization", "organizations", "MaxCount",
       "an organisation a trial states with two agency classes",
       swap("code:AgencyClass-INDUSTRY .", "code:AgencyClass-INDUSTRY , code:AgencyClass-NIH .")),
    fx("organization_unknown_agency_class", "organization", "organizations", "In",
       "an agency class that is not a registry code", swap("code:AgencyClass-INDUSTRY", "code:AgencyClass-CHARITY")),
    fx("organization_statement_without_name", "organization", "organizations", "MinCount",
       "an organisation a trial states without its name", drop('trialkg:name "Acme Inc." ;')),
    fx("organization_statement_two_names", "organization", "organizations", "MaxCount",
       "an organisation a trial states with two names",
       swap('trialkg:name "Acme Inc." ;', 'trialkg:name "Acme Inc." , "Acme" ;')),
    fx("organization_statement_empty_name", "organization", "organizations", "MinLength",
       "an organisation a trial states with an empty name", swap('trialkg:name "Acme Inc." ;', 'trialkg:name "" ;')),
    fx("organization_statement_without_organization", "organization", "organizations", "MinCount",
       "an organisation statement linked to no Organization",
       drop("trialkg:statedOrganization <https://w3id.org/trialkg/organization/acme> ;")),
    fx("organization_statement_two_organizations", "organization", "organizations", "MaxCount",
       "an organisation statement linked to two Organizations",
       add("trialkg:statedOrganization <https://w3id.org/trialkg/organization/other> ;", ORG_STATEMENT),
       add_node('<https://w3id.org/trialkg/organization/other> a trialkg:Organization ; rdfs:label "Other" .')),
    fx("organization_statement_links_itself", "organization", "organizations", "Class",
       "an organisation statement linked to a statement instead of an Organization",
       swap("trialkg:statedOrganization <https://w3id.org/trialkg/organization/acme> ;",
            "trialkg:statedOrganization <https://w3id.org/trialkg/trial/NCT01234567/organization/1> ;")),
    *position("organization", "organizations", ORG_STATEMENT, "organization_statement", "0"),
    # -------- condition statement, condition, MeSH descriptor
    fx("condition_statement_without_name", "condition_statement", "conditions", "MinCount",
       "a stated condition without its name", drop('trialkg:name "Systemic Lupus Erythematosus" ;')),
    fx("condition_statement_two_names", "condition_statement", "conditions", "MaxCount",
       "a stated condition with two names",
       swap('trialkg:name "Systemic Lupus Erythematosus" ;', 'trialkg:name "Systemic Lupus Erythematosus" , "SLE" ;')),
    fx("condition_statement_empty_name", "condition_statement", "conditions", "MinLength",
       "a stated condition with an empty name",
       swap('trialkg:name "Systemic Lupus Erythematosus" ;', 'trialkg:name "" ;')),
    fx("condition_statement_without_condition", "condition_statement", "conditions", "MinCount",
       "a stated condition linked to no Condition",
       drop("trialkg:statedCondition <https://w3id.org/trialkg/condition/sle> ;")),
    fx("condition_statement_two_conditions", "condition_statement", "conditions", "MaxCount",
       "a stated condition linked to two Conditions",
       add("trialkg:statedCondition <https://w3id.org/trialkg/condition/lupus> ;", STATEMENT),
       add_node('<https://w3id.org/trialkg/condition/lupus> a trialkg:Condition ; rdfs:label "Lupus" .')),
    fx("condition_statement_links_a_descriptor", "condition_statement", "conditions", "Class",
       "a stated condition linked to a MeSH descriptor instead of a Condition",
       swap("trialkg:statedCondition <https://w3id.org/trialkg/condition/sle> ;",
            "trialkg:statedCondition <http://id.nlm.nih.gov/mesh/D008180> ;")),
    *position("condition_statement", "conditions", STATEMENT, "condition_statement", "0"),
    fx("mesh_pairing_unknown", "condition_statement", MESHES, "In", "a MeSH pairing method trialkg does not define",
       swap('"registry-inverted"', '"guessed"')),
    fx("condition_without_name", "condition_statement", "conditions", "MinCount", "a shared condition without a name",
       drop('rdfs:label "Systemic Lupus Erythematosus" ;')),
    fx("mesh_descriptor_blank_node", "condition_statement", MESHES, "NodeKind",
       "a MeSH descriptor that is a blank node", add_node('[] a trialkg:MeshDescriptor ; rdfs:label "Lupus" .')),
    fx("mesh_descriptor_foreign_iri", "condition_statement", MESHES, "Pattern",
       "a MeSH descriptor IRI that is not NLM's",
       add_node('<https://example.org/mesh/D008180> a trialkg:MeshDescriptor ; rdfs:label "Lupus" .')),
    fx("mesh_descriptor_without_term", "condition_statement", MESHES, "MinCount", "a MeSH descriptor without its term",
       drop('rdfs:label "Lupus Erythematosus, Systemic" .')),
    # -------- intervention, intervention concept, arm
    fx("intervention_without_name", "arm", "interventions", "MinCount", "an intervention without its name",
       drop('trialkg:name "Interleukin-2" ;')),
    fx("intervention_two_names", "arm", "interventions", "MaxCount", "an intervention with two names",
       swap('trialkg:name "Interleukin-2" ;', 'trialkg:name "Interleukin-2" , "Aldesleukin" ;')),
    fx("intervention_empty_name", "arm", "interventions", "MinLength", "an intervention with an empty name",
       swap('trialkg:name "Interleukin-2" ;', 'trialkg:name "" ;')),
    fx("intervention_two_types", "arm", "interventions", "MaxCount", "an intervention with two types",
       swap("code:InterventionType-DRUG ;", "code:InterventionType-DRUG , code:InterventionType-BIOLOGICAL ;")),
    fx("intervention_unknown_type", "arm", "interventions", "In", "an intervention type that is not a registry code",
       swap("code:InterventionType-DRUG", "code:InterventionType-HERBAL")),
    fx("intervention_without_concept", "arm", "interventions", "MinCount", "an intervention linked to no concept",
       drop(f"trialkg:interventionConcept {CONCEPT_IRI} ;")),
    fx("intervention_two_concepts", "arm", "interventions", "MaxCount", "an intervention linked to two concepts",
       add("trialkg:interventionConcept <https://w3id.org/trialkg/intervention/aldesleukin> ;", INTERVENTION),
       add_node('<https://w3id.org/trialkg/intervention/aldesleukin> a trialkg:InterventionConcept ; '
                'rdfs:label "Aldesleukin" .')),
    fx("intervention_concept_not_a_concept", "arm", "interventions", "Class",
       "an intervention whose concept is not an InterventionConcept",
       swap(f"trialkg:interventionConcept {CONCEPT_IRI} ;",
            "trialkg:interventionConcept <http://id.nlm.nih.gov/mesh/D007376> ;")),
    *position("arm", "interventions", INTERVENTION, "intervention", '"1"'),
    fx("intervention_concept_without_name", "arm", "interventions", "MinCount",
       "an intervention concept without a name", drop('rdfs:label "Interleukin-2" .', at=CONCEPT)),
    fx("arm_without_label", "arm", "arms", "MinCount", "an arm without its label", drop('trialkg:name "IL-2" ;')),
    fx("arm_two_labels", "arm", "arms", "MaxCount", "an arm with two labels",
       swap('trialkg:name "IL-2" ;', 'trialkg:name "IL-2" , "Interleukin" ;')),
    fx("arm_empty_label", "arm", "arms", "MinLength", "an arm with an empty label",
       swap('trialkg:name "IL-2" ;', 'trialkg:name "" ;')),
    fx("arm_two_types", "arm", "arms", "MaxCount", "an arm with two types",
       swap("code:ArmGroupType-EXPERIMENTAL ;", "code:ArmGroupType-EXPERIMENTAL , code:ArmGroupType-OTHER ;")),
    fx("arm_unknown_type", "arm", "arms", "In", "an arm type that is not a registry code",
       swap("code:ArmGroupType-EXPERIMENTAL", "code:ArmGroupType-CONTROL")),
    fx("arm_gives_a_concept", "arm", "arms", "Class", "an arm giving a concept instead of an Intervention node",
       swap("trialkg:armIntervention <https://w3id.org/trialkg/trial/NCT01234567/intervention/1> .",
            f"trialkg:armIntervention {CONCEPT_IRI} .")),
    *position("arm", "arms", ARM, "arm", "0"),
    # -------- eligibility criterion
    fx("criterion_without_text", "eligibility_criterion", CRITERIA, "MinCount", "a criterion without its text",
       drop('trialkg:text "Age 18 or over" ;')),
    fx("criterion_two_texts", "eligibility_criterion", CRITERIA, "MaxCount", "a criterion with two texts",
       swap('trialkg:text "Age 18 or over" ;', 'trialkg:text "Age 18 or over" , "Adult" ;')),
    fx("criterion_without_type", "eligibility_criterion", CRITERIA, "MinCount",
       "a criterion neither inclusion nor exclusion", drop("trialkg:criterionType code:CriterionType-inclusion .")),
    fx("criterion_two_types", "eligibility_criterion", CRITERIA, "MaxCount", "a criterion both inclusion and exclusion",
       swap("code:CriterionType-inclusion .", "code:CriterionType-inclusion , code:CriterionType-exclusion .")),
    fx("criterion_unknown_type", "eligibility_criterion", CRITERIA, "In", "a criterion type other than the two",
       swap("code:CriterionType-inclusion", "code:CriterionType-preference")),
    *position("eligibility_criterion", CRITERIA, "a trialkg:EligibilityCriterion ;", "criterion", '"1"'),
    fx("criterion_two_sections", "eligibility_criterion", "criteria_sections", "MaxCount",
       "a criterion under two sections",
       add('trialkg:criterionSection "DISEASE CHARACTERISTICS" , "PATIENT CHARACTERISTICS" ;',
           "a trialkg:EligibilityCriterion ;")),
    fx("criterion_empty_section", "eligibility_criterion", "criteria_sections", "MinLength",
       "a criterion under a section with no name",
       add('trialkg:criterionSection "" ;', "a trialkg:EligibilityCriterion ;")),
    fx("criterion_section_not_text", "eligibility_criterion", "criteria_sections", "Datatype",
       "a criterion section that is a number", add("trialkg:criterionSection 3 ;", "a trialkg:EligibilityCriterion ;")),
    # -------- criterion constraint
    fx("criterion_constraint_not_a_constraint", CC, CONSTRAINTS, "Class",
       "a criterion whose constraint is not typed as one",
       swap("a trialkg:CriterionConstraint ;", "a trialkg:ConstraintDraft ;", at=RANGE)),
    *[fx(f"constraint_without_{name}", CC, CONSTRAINTS, "MinCount", f"a constraint without its {name}",
         drop(line, at=RANGE))
      for name, line in (("variable", 'trialkg:variable "weight" ;'),
                         ("polarity", "trialkg:polarity code:CriterionType-exclusion ;"),
                         ("kind", "trialkg:constraintKind code:ConstraintKind-measurement ;"),
                         ("comparator", "trialkg:comparator code:Comparator-between ;"),
                         ("value", "trialkg:value 45.0 ;"))],
    fx("constraint_two_variables", CC, CONSTRAINTS, "MaxCount", "a constraint with two variables",
       swap('"weight" ;', '"weight" , "mass" ;', at=RANGE)),
    fx("constraint_empty_variable", CC, CONSTRAINTS, "MinLength", "a constraint with an empty variable",
       swap('"weight" ;', '"" ;', at=RANGE)),
    fx("constraint_variable_wrong_type", CC, CONSTRAINTS, "Datatype",
       "a variable with a language tag", swap('"weight" ;', '"weight"@en ;', at=RANGE)),
    fx("constraint_two_polarities", CC, CONSTRAINTS, "MaxCount", "a constraint both ways",
       swap("code:CriterionType-exclusion ;", "code:CriterionType-exclusion , code:CriterionType-inclusion ;",
            at=RANGE)),
    fx("constraint_unknown_polarity", CC, CONSTRAINTS, "In", "a polarity other than the two",
       swap("code:CriterionType-exclusion ;", "code:CriterionType-preference ;", at=RANGE)),
    fx("constraint_two_kinds", CC, CONSTRAINTS, "MaxCount", "a constraint of two kinds",
       swap("code:ConstraintKind-measurement ;", "code:ConstraintKind-measurement , code:ConstraintKind-age ;",
            at=RANGE)),
    fx("constraint_unknown_kind", CC, CONSTRAINTS, "In", "a constraint kind not in the code list",
       swap("code:ConstraintKind-measurement ;", "code:ConstraintKind-mood ;", at=RANGE)),
    fx("constraint_two_comparators", CC, CONSTRAINTS, "MaxCount", "two comparators",
       swap("code:Comparator-between ;", "code:Comparator-between , code:Comparator-lt ;", at=RANGE)),
    fx("constraint_unknown_comparator", CC, CONSTRAINTS, "In", "a comparator not in the code list",
       swap("code:Comparator-between ;", "code:Comparator-about ;", at=RANGE)),
    fx("constraint_two_values", CC, CONSTRAINTS, "MaxCount", "two values",
       swap("trialkg:value 45.0 ;", "trialkg:value 45.0 , 50.0 ;", at=RANGE)),
    fx("constraint_value_wrong_type", CC, CONSTRAINTS, "Or", "a value typed as a date",
       swap("trialkg:value 45.0 ;", 'trialkg:value "2019-10-23"^^xsd:date ;', at=RANGE)),
    fx("constraint_two_value_maxes", CC, CONSTRAINTS, "MaxCount", "two upper values",
       swap("trialkg:valueMax 80.0 ;", "trialkg:valueMax 80.0 , 90.0 ;", at=RANGE)),
    fx("constraint_value_max_as_text", CC, CONSTRAINTS, "Datatype", "an upper value given as text",
       swap("trialkg:valueMax 80.0 ;", 'trialkg:valueMax "80" ;', at=RANGE)),
    fx("constraint_two_units", CC, CONSTRAINTS, "MaxCount", "two units",
       swap('trialkg:unit "kg" ;', 'trialkg:unit "kg" , "g" ;', at=RANGE)),
    fx("constraint_empty_unit", CC, CONSTRAINTS, "MinLength", "an empty unit",
       swap('trialkg:unit "kg" ;', 'trialkg:unit "" ;', at=RANGE)),
    fx("constraint_unit_wrong_type", CC, CONSTRAINTS, "Datatype", "a unit given as a number",
       swap('trialkg:unit "kg" ;', "trialkg:unit 1 ;", at=RANGE)),
    fx("constraint_two_mentions", CC, CONSTRAINTS, "MaxCount", "two mentions",
       swap('trialkg:mention "Weight 45-80 kg" .', 'trialkg:mention "Weight 45-80 kg" , "45-80 kg" .', at=RANGE)),
    fx("constraint_mention_wrong_type", CC, CONSTRAINTS, "Datatype", "a mention with a language tag",
       swap('trialkg:mention "Weight 45-80 kg" .', 'trialkg:mention "Weight 45-80 kg"@en .', at=RANGE)),
    fx("constraint_two_windows", CC, CONSTRAINTS, "MaxCount", "two time windows",
       swap('"P6M"^^xsd:duration ;', '"P6M"^^xsd:duration , "P1Y"^^xsd:duration ;', at=TREATMENT)),
    fx("constraint_window_as_text", CC, CONSTRAINTS, "Datatype", "a window given as plain text",
       swap('"P6M"^^xsd:duration ;', '"6 months" ;', at=TREATMENT)),
    fx("constraint_entity_as_text", CC, CONSTRAINTS, "NodeKind", "an entity given as text",
       swap("<https://w3id.org/trialkg/intervention/rituximab> .", '"rituximab" .', at=TREATMENT)),
    fx("constraint_entity_foreign_iri", CC, CONSTRAINTS, "Pattern",
       "an entity IRI outside trialkg's conditions and interventions",
       swap("<https://w3id.org/trialkg/intervention/rituximab> .", "<https://example.org/rituximab> .", at=TREATMENT)),
    fx("constraint_two_entities", CC, CONSTRAINTS, "MaxCount", "two entities",
       swap("<https://w3id.org/trialkg/intervention/rituximab> .",
            "<https://w3id.org/trialkg/intervention/rituximab> , <https://w3id.org/trialkg/intervention/rtx> .",
            at=TREATMENT)),
    *position(CC, CONSTRAINTS, RANGE, "constraint", '"1"'),
    fx("constraint_between_without_max", CC, CONSTRAINTS, "SPARQL",
       "a 'between' constraint without its upper value", drop("trialkg:valueMax 80.0 ;", at=RANGE)),
    fx("constraint_between_max_below_value", CC, CONSTRAINTS, "SPARQL",
       "a 'between' constraint whose upper value (40) is below its value (45)",
       swap("trialkg:valueMax 80.0 ;", "trialkg:valueMax 40.0 ;", at=RANGE)),
    fx("constraint_max_without_between", CC, CONSTRAINTS, "SPARQL",
       "an upper value on a '>=' constraint", swap("code:Comparator-between ;", "code:Comparator-ge ;", at=RANGE)),
    # -------- outcome
    fx("outcome_without_measure", "outcome", OUTCOMES, "MinCount", "an outcome without its measure",
       drop('trialkg:measure "SRI-4 response" ;')),
    fx("outcome_two_measures", "outcome", OUTCOMES, "MaxCount", "an outcome with two measures",
       swap('trialkg:measure "SRI-4 response" ;', 'trialkg:measure "SRI-4 response" , "SRI-6 response" ;')),
    fx("outcome_empty_measure", "outcome", OUTCOMES, "MinLength", "an outcome with an empty measure",
       swap('trialkg:measure "SRI-4 response" ;', 'trialkg:measure "" ;')),
    fx("outcome_without_type", "outcome", OUTCOMES, "MinCount", "an outcome neither primary, secondary nor other",
       drop("trialkg:outcomeType code:OutcomeType-primary ;")),
    fx("outcome_two_types", "outcome", OUTCOMES, "MaxCount", "an outcome both primary and secondary",
       swap("code:OutcomeType-primary ;", "code:OutcomeType-primary , code:OutcomeType-secondary ;")),
    fx("outcome_unknown_type", "outcome", OUTCOMES, "In", "an outcome type other than the three",
       swap("code:OutcomeType-primary", "code:OutcomeType-tertiary")),
    fx("outcome_two_time_frames", "outcome", OUTCOMES, "MaxCount", "an outcome with two time frames",
       swap('trialkg:timeFrame "Week 12" .', 'trialkg:timeFrame "Week 12" , "Week 24" .')),
    *position("outcome", OUTCOMES, "a trialkg:Outcome ;", "outcome", "0"),
    # -------- location
    fx("location_without_place", "location", "locations", "MinCount",
       "a location with neither facility, city nor country",
       drop('trialkg:facility "Acme University Hospital" ;'), drop('trialkg:city "Springfield" ;'),
       drop('trialkg:country "United States" ;')),
    fx("location_two_latitudes", "location", "locations", "MaxCount", "a location with two latitudes",
       swap('trialkg:latitude "39.92"^^xsd:double ;', 'trialkg:latitude "39.92"^^xsd:double , "39.93"^^xsd:double ;')),
    fx("location_latitude_decimal", "location", "locations", "Datatype", "a latitude typed xsd:decimal",
       swap('"39.92"^^xsd:double', '"39.92"^^xsd:decimal')),
    fx("location_latitude_below_range", "location", "locations", "MinInclusive", "a latitude below -90",
       swap('"39.92"^^xsd:double', '"-91.0"^^xsd:double')),
    fx("location_latitude_above_range", "location", "locations", "MaxInclusive", "a latitude above 90",
       swap('"39.92"^^xsd:double', '"91.0"^^xsd:double')),
    fx("location_two_longitudes", "location", "locations", "MaxCount", "a location with two longitudes",
       swap('"-83.81"^^xsd:double .', '"-83.81"^^xsd:double , "-83.8"^^xsd:double .')),
    fx("location_longitude_decimal", "location", "locations", "Datatype", "a longitude typed xsd:decimal",
       swap('"-83.81"^^xsd:double', '"-83.81"^^xsd:decimal')),
    fx("location_longitude_below_range", "location", "locations", "MinInclusive", "a longitude below -180",
       swap('"-83.81"^^xsd:double', '"-181.0"^^xsd:double')),
    fx("location_longitude_above_range", "location", "locations", "MaxInclusive", "a longitude above 180",
       swap('"-83.81"^^xsd:double', '"181.0"^^xsd:double')),
    fx("location_two_statuses", "location", "locations", "MaxCount", "a site with two statuses",
       swap("code:OverallStatus-RECRUITING ;", "code:OverallStatus-RECRUITING , code:OverallStatus-COMPLETED ;")),
    fx("location_unknown_status", "location", "locations", "In", "a site status that is not a registry code",
       swap("code:OverallStatus-RECRUITING", "code:OverallStatus-OPEN")),
    *position("location", "locations", "a trialkg:Location ;", "location", '"1"'),
    # -------- reference
    fx("reference_without_citation", "reference", "references", "MinCount", "a reference without its citation",
       drop("trialkg:citation ")),
    fx("reference_two_citations", "reference", "references", "MaxCount", "a reference with two citations",
       add('trialkg:citation "Smith A. Lancet. 2021." ;', "a trialkg:Reference ;")),
    fx("reference_empty_citation", "reference", "references", "MinLength", "a reference with an empty citation",
       swap('"Smith A, et al. Low-dose IL-2 in SLE. Lancet. 2021."', '""')),
    fx("reference_two_pmids", "reference", "references", "MaxCount", "a reference with two PMIDs",
       swap('trialkg:pmid "31234567" ;', 'trialkg:pmid "31234567" , "31234568" ;')),
    fx("reference_pmid_not_digits", "reference", "references", "Pattern", "a PMID that is not digits",
       swap('"31234567"', '"PMC31234567"')),
    fx("reference_two_types", "reference", "references", "MaxCount", "a reference with two types",
       swap("code:ReferenceType-RESULT .", "code:ReferenceType-RESULT , code:ReferenceType-BACKGROUND .")),
    fx("reference_unknown_type", "reference", "references", "In", "a reference type that is not a registry code",
       swap("code:ReferenceType-RESULT", "code:ReferenceType-REVIEW")),
    # -------- official
    fx("official_without_name", "investigator", "officials", "MinCount", "an official without a name",
       drop('trialkg:name "Ann Smith" ;')),
    fx("official_two_names", "investigator", "officials", "MaxCount", "an official with two names",
       swap('trialkg:name "Ann Smith" ;', 'trialkg:name "Ann Smith" , "A. Smith" ;')),
    fx("official_two_roles", "investigator", "officials", "MaxCount", "an official with two roles",
       swap("code:OfficialRole-PRINCIPAL_INVESTIGATOR .",
            "code:OfficialRole-PRINCIPAL_INVESTIGATOR , code:OfficialRole-STUDY_CHAIR .")),
    fx("official_unknown_role", "investigator", "officials", "In", "an official role that is not a registry code",
       swap("code:OfficialRole-PRINCIPAL_INVESTIGATOR", "code:OfficialRole-SPONSOR")),
    *position("investigator", "officials", "a trialkg:Investigator ;", "official", "0"),
    # -------- related trial listing
    fx("listing_without_trial", "related_trial_listing", "related_trials", "MinCount", "a listing that names no trial",
       drop("trialkg:listedTrial <https://w3id.org/trialkg/trial/NCT07654321> .")),
    fx("listing_two_trials", "related_trial_listing", "related_trials", "MaxCount", "a listing that names two trials",
       swap("trialkg:listedTrial <https://w3id.org/trialkg/trial/NCT07654321> .",
            "trialkg:listedTrial <https://w3id.org/trialkg/trial/NCT07654321> , "
            "<https://w3id.org/trialkg/trial/NCT07654322> .")),
    fx("listing_trial_as_text", "related_trial_listing", "related_trials", "NodeKind",
       "a listing that names its trial as text",
       swap("trialkg:listedTrial <https://w3id.org/trialkg/trial/NCT07654321> .",
            'trialkg:listedTrial "https://w3id.org/trialkg/trial/NCT07654321" .')),
    fx("listing_foreign_trial_iri", "related_trial_listing", "related_trials", "Pattern",
       "a listing that names a trial IRI not minted from an NCT id",
       swap("<https://w3id.org/trialkg/trial/NCT07654321>", "<https://example.org/trial/NCT07654321>")),
    *position("related_trial_listing", "related_trials", "a trialkg:RelatedTrialListing ;", "listing", '"1"'),
    # -------- web link
    fx("link_without_url", "web_link", "see_also_links", "MinCount", "a link without its URL",
       drop('trialkg:url "https://example.org/lil"^^xsd:anyURI .')),
    fx("link_two_urls", "web_link", "see_also_links", "MaxCount", "a link with two URLs",
       swap('trialkg:url "https://example.org/lil"^^xsd:anyURI .',
            'trialkg:url "https://example.org/lil"^^xsd:anyURI , "https://example.org/lil2"^^xsd:anyURI .')),
    fx("link_url_as_text", "web_link", "see_also_links", "Datatype", "a link whose URL is plain text",
       swap('"https://example.org/lil"^^xsd:anyURI', '"https://example.org/lil"')),
    *position("web_link", "see_also_links", "a trialkg:WebLink ;", "link", "0"),
    # -------- trial relation (trialkg related --all)
    fx("relation_without_target", "trial_relation", "related", "MinCount", "a relation pointing nowhere",
       drop("trialkg:relationTarget <https://w3id.org/trialkg/trial/NCT07654321> ;")),
    fx("relation_two_targets", "trial_relation", "related", "MaxCount", "a relation with two targets",
       swap("trialkg:relationTarget <https://w3id.org/trialkg/trial/NCT07654321> ;",
            "trialkg:relationTarget <https://w3id.org/trialkg/trial/NCT07654321> , "
            "<https://w3id.org/trialkg/trial/NCT07654322> ;")),
    fx("relation_target_literal", "trial_relation", "related", "NodeKind", "a relation whose target is text",
       swap("trialkg:relationTarget <https://w3id.org/trialkg/trial/NCT07654321> ;",
            'trialkg:relationTarget "https://w3id.org/trialkg/trial/NCT07654321" ;')),
    fx("relation_target_not_a_trial", "trial_relation", "related", "Pattern", "a relation to a non-trial IRI",
       swap("<https://w3id.org/trialkg/trial/NCT07654321>", "<https://example.org/NCT07654321>")),
    fx("relation_without_score", "trial_relation", "related", "MinCount", "a relation without a score",
       drop('trialkg:score "1.25"^^xsd:double ;')),
    fx("relation_two_scores", "trial_relation", "related", "MaxCount", "a relation with two scores",
       swap('trialkg:score "1.25"^^xsd:double ;', 'trialkg:score "1.25"^^xsd:double , "2.5"^^xsd:double ;')),
    fx("relation_score_as_text", "trial_relation", "related", "Datatype", "a relation whose score is text",
       swap('"1.25"^^xsd:double', '"high"')),
    fx("relation_without_rank", "trial_relation", "related", "MinCount", "a relation without a rank",
       drop("trialkg:rank 1 ;")),
    fx("relation_two_ranks", "trial_relation", "related", "MaxCount", "a relation with two ranks",
       swap("trialkg:rank 1 ;", "trialkg:rank 1 , 2 ;")),
    fx("relation_rank_as_text", "trial_relation", "related", "Datatype", "a relation whose rank is text",
       swap("trialkg:rank 1 ;", 'trialkg:rank "first" ;')),
    fx("relation_rank_zero", "trial_relation", "related", "MinInclusive", "a relation ranked 0",
       swap("trialkg:rank 1 ;", "trialkg:rank 0 ;")),
    fx("relation_without_scorer", "trial_relation", "related", "MinCount", "a relation without its scorer",
       drop('trialkg:scorer "idf_sum" ;')),
    fx("relation_two_scorers", "trial_relation", "related", "MaxCount", "a relation with two scorers",
       swap('trialkg:scorer "idf_sum" ;', 'trialkg:scorer "idf_sum" , "ppr" ;')),
    fx("relation_unknown_scorer", "trial_relation", "related", "In", "a relation by an unknown scorer",
       swap('trialkg:scorer "idf_sum" ;', 'trialkg:scorer "magic" ;')),
    fx("relation_shared_literal", "trial_relation", "related", "NodeKind", "a shared entity given as text",
       swap("trialkg:sharedEntity <https://w3id.org/trialkg/condition/systemic-lupus-erythematosus> .",
            'trialkg:sharedEntity "lupus" .')),
    # -------- secondary identifier
    fx("identifier_without_value", "identifier", "secondary_ids", "MinCount", "an identifier without its value",
       drop('trialkg:identifierValue "2019-000123-45" ;')),
    fx("identifier_two_values", "identifier", "secondary_ids", "MaxCount", "an identifier with two values",
       swap('trialkg:identifierValue "2019-000123-45" ;', 'trialkg:identifierValue "2019-000123-45" , "X" ;')),
    fx("identifier_empty_value", "identifier", "secondary_ids", "MinLength", "an identifier with an empty value",
       swap('trialkg:identifierValue "2019-000123-45" ;', 'trialkg:identifierValue "" ;')),
    *position("identifier", "secondary_ids", "a trialkg:Identifier ;", "identifier", '"1"'),
)
# fmt: on


# ---------------------------------------------------------------- rendering


def _find(lines: list[str], text: str, at: str | None) -> int:
    start = 0
    if at is not None:
        starts = [i for i, line in enumerate(lines) if at in line]
        assert len(starts) == 1, f"{at!r} names {len(starts)} lines"
        start = starts[0]
    found = [i for i, line in enumerate(lines) if i >= start and text in line]
    if at is not None:
        found = found[:1]
    assert len(found) == 1, f"{text!r} names {len(found)} lines"
    return found[0]


def _apply(lines: list[str], edit: Edit) -> None:
    if edit.op == "add" and not edit.text:
        lines.append(edit.new)
        return
    i = _find(lines, edit.text, edit.at)
    if edit.op == "swap":
        assert lines[i].count(edit.text) == 1, (edit.text, lines[i])
        lines[i] = lines[i].replace(edit.text, edit.new)
    elif edit.op == "add":
        assert lines[i].rstrip().endswith(";"), f"cannot add to the one-line node {lines[i]!r}"
        lines.insert(i + 1, edit.new)
    elif edit.op == "drop":
        if lines[i].rstrip().endswith(" ."):  # the node's last statement: the one before now ends it
            assert lines[i - 1].rstrip().endswith(" ;"), lines[i - 1]
            lines[i - 1] = lines[i - 1].rstrip()[:-1] + "."
        del lines[i]
    else:
        raise ValueError(edit.op)


def render(fixture: Fixture) -> str:
    text = (VALID / f"{fixture.base}.ttl").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    for edit in fixture.edits:
        try:
            _apply(lines, edit)
        except AssertionError as exc:
            raise AssertionError(f"{fixture.name}: {exc}") from exc
    header = [
        f"# Must fail: {fixture.why}.",
        f"# Written by tests/shapes/make_fixtures.py from valid/{fixture.base}.ttl: edit the script, not this file.",
        f"# expect-component: {fixture.component}ConstraintComponent",
        f"# expect-message: {fixture.field}",
    ]
    if fixture.severity != "Violation":
        header.append(f"# expect-severity: {fixture.severity}")
    return "\n".join(header + lines) + "\n"


def render_all() -> dict[str, str]:
    """Every invalid fixture's file name and text."""
    out: dict[str, str] = {}
    for fixture in FIXTURES:
        name = f"{fixture.name}.ttl"
        assert name not in out, f"two fixtures named {fixture.name}"
        out[name] = render(fixture)
    return out


def main(argv: list[str]) -> int:
    expected = render_all()
    present = {path.name: path for path in INVALID.glob("*.ttl")}
    stale = sorted(set(present) - set(expected))
    differ = sorted(name for name, text in expected.items()
                    if name not in present or present[name].read_text(encoding="utf-8") != text)  # fmt: skip
    if "--check" in argv:
        for name in stale + differ:
            print(f"out of date: tests/shapes/invalid/{name}")
        return 1 if stale or differ else 0
    INVALID.mkdir(exist_ok=True)
    for name in stale:
        present[name].unlink()
    for name in differ:
        (INVALID / name).write_text(expected[name], encoding="utf-8")
    print(f"{len(expected)} fixtures: {len(differ)} written, {len(stale)} stale removed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
