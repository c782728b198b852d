"""ClinicalTrials.gov API v2 JSON: one study object, an array of them, an API page, or the bulk zip.

Reads the `protocolSection` (identification, status, sponsors, oversight, description,
conditions, design, arms and interventions, outcomes, eligibility, officials and locations,
references and links, IPD statement), `hasResults` and the MeSH browse modules of the
`derivedSection`. Does not read the `resultsSection`, `annotationSection`, `documentSection`,
`derivedSection.miscInfoModule`, contacts (central or per site), date types (actual/estimated)
or the submission/QC dates; keys it does not know are noted in `Trial.unmapped`.

Files are streamed with ijson: an array (`item`) or a page (`studies.item`) is read one study
at a time, and each member of a zip is read on its own with its own SourceDocument. A value of
the wrong JSON type, an unknown code or an impossible date leaves its field empty and is kept
in `Trial.unmapped`. A study that cannot be read is yielded as a RecordParseError naming the
item (or the zip member); a file that cannot be read at all raises one. Text that would crash or
exhaust ijson's C backend is refused before ijson reads it: nesting over 1,000 levels, or a run
of 4,000 digits. Text is kept as the registry writes it, markdown escapes ('\\<18 years') included.
"""

from __future__ import annotations

import codecs
import dataclasses
import functools
import hashlib
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any, TypeVar

import ijson

from trialkg.errors import RecordParseError
from trialkg.ids import is_nct_id
from trialkg.model import (
    AgencyClass,
    Allocation,
    Arm,
    ArmGroupType,
    Intervention,
    InterventionModel,
    InterventionType,
    Location,
    Masking,
    MeshLeaf,
    MeshTerm,
    Official,
    OfficialRole,
    Organization,
    OrganizationRole,
    Outcome,
    OverallStatus,
    Phase,
    PrimaryPurpose,
    Reference,
    ReferenceType,
    SecondaryId,
    Sex,
    SourceDocument,
    StudyType,
    Trial,
    WebLink,
)
from trialkg.parsers.common import (
    code_key,
    parse_age,
    parse_citation,
    parse_date,
)
from trialkg.parsers.criteria_text import criteria_sections, read_criteria

FORMAT = "ctgov_json"

E = TypeVar("E", bound=Enum)

ZIP_MAGIC = b"PK\x03\x04"
_BLOCK = 1 << 20
#: Digit runs this long, and nesting this deep, are refused before ijson sees them (see _Counting).
_MAX_DIGITS = 4000
_MAX_DEPTH = 1000
# -- limits on what a document may make trialkg read, checked while streaming (bytes of JSON text) --
#: Longest JSON string: the registry caps its longest fields (descriptions, criteria) near 32,000 characters.
MAX_STRING_BYTES = 1 << 20
#: Largest zip member, decompressed (a study with results is at most a few MB): a zip bomb stops here.
MAX_MEMBER_BYTES = 64 << 20
_LONG_DIGITS = re.compile(rb"[0-9]{%d}" % _MAX_DIGITS)
#: Longest value text kept in an unmapped note.
_NOTE_CHARS = 200
_RESPONSIBLE_PARTY_TYPES = frozenset({"SPONSOR", "PRINCIPAL_INVESTIGATOR", "SPONSOR_INVESTIGATOR"})
_IPD_SHARING = frozenset({"YES", "NO", "UNDECIDED"})
_MESH_RELEVANCE = frozenset({"HIGH", "LOW"})

# -- reading JSON values --------------------------------------------------------------------------


def _kind(value: object) -> str:
    kinds = ((dict, "an object"), (list, "an array"), (str, "text"), (bool, "true/false"), (type(None), "null"))
    return next((name for kind, name in kinds if isinstance(value, kind)), "a number")


def _short(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return "a very large number"
    text = value if isinstance(value, (str, int, float, Decimal)) else _kind(value)
    text = " ".join(str(text).split())
    return text if len(text) <= _NOTE_CHARS else text[: _NOTE_CHARS - 1] + "\u2026"


class _Reader:
    """Typed access to a study's JSON; what cannot be read is noted in `unmapped`."""

    def __init__(self) -> None:
        self.unmapped: list[str] = []
        self.warnings: list[str] = []

    def note(self, path: str, text: str) -> None:
        self.unmapped.append(f"{path}: {text}")

    def warn(self, path: str, text: str) -> None:
        """A value the study states but no field can take: kept as unmapped text and reported."""
        self.note(path, text)
        self.warnings.append(f"{path}: {text} (kept as unmapped text)")

    def wrong(self, path: str, value: object, expected: str) -> None:
        self.warn(path, f"expected {expected}, got {_kind(value)} ({_short(value)})")

    def obj(self, parent: dict[str, Any], key: str, path: str) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.wrong(f"{path}.{key}", value, "an object")
            return {}
        return value

    def array(self, parent: dict[str, Any], key: str, path: str) -> list[Any]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.wrong(f"{path}.{key}", value, "an array")
            return []
        return value

    def objects(self, parent: dict[str, Any], key: str, path: str) -> Iterator[tuple[dict[str, Any], str]]:
        for n, item in enumerate(self.array(parent, key, path)):
            if isinstance(item, dict):
                yield item, f"{path}.{key}[{n}]"
            else:
                self.wrong(f"{path}.{key}[{n}]", item, "an object")

    def text(self, parent: dict[str, Any], key: str, path: str) -> str | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.wrong(f"{path}.{key}", value, "text")
            return None
        return _clean(value)

    def texts(self, parent: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
        out = []
        for n, item in enumerate(self.array(parent, key, path)):
            if isinstance(item, str):
                if _clean(item):
                    out.append(_clean(item))
            elif item is not None:
                self.wrong(f"{path}.{key}[{n}]", item, "text")
        return tuple(out)

    def boolean(self, parent: dict[str, Any], key: str, path: str) -> bool | None:
        value = parent.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.wrong(f"{path}.{key}", value, "true/false")
        return None

    def code(self, enum: type[E], parent: dict[str, Any], key: str, path: str) -> E | None:
        text = self.text(parent, key, path)
        return None if text is None else self.code_of(enum, text, f"{path}.{key}")

    def code_of(self, enum: type[E], text: str, path: str) -> E | None:
        try:
            return enum[text.strip()]
        except KeyError:
            self.warn(path, f"unknown {enum.__name__} code {_short(text)!r}")
            return None

    def date(self, parent: dict[str, Any], key: str, path: str) -> str | None:
        text = self.text(parent, key, path)
        if text is None:
            return None
        date = parse_date(text) if len(text) <= 40 else None
        if date is None:
            self.warn(f"{path}.{key}", f"not a date: {_short(text)}")
        return date

    def date_struct(self, parent: dict[str, Any], key: str, path: str) -> str | None:
        return self.date(self.obj(parent, key, path), "date", f"{path}.{key}")

    def number(self, parent: dict[str, Any], key: str, path: str, low: float, high: float) -> float | None:
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            self.wrong(f"{path}.{key}", value, "a number")
            return None
        if isinstance(value, Decimal) and not value.is_finite():
            self.warn(f"{path}.{key}", f"not a finite number: {_short(value)}")
            return None
        if not low <= value <= high:
            self.warn(f"{path}.{key}", f"out of range: {_short(value)}")
            return None
        return float(value)

    def extra_keys(self, obj: dict[str, Any], path: str, known: Iterable[str]) -> None:
        """Note keys this parser does not know (new API fields, edits) so they are not lost silently."""
        for key in obj.keys() - set(known):
            value = obj[key]
            shown = _short(value) if not isinstance(value, (dict, list)) else _kind(value)
            self.note(f"{path}.{key}", f"not read ({shown})")


def _clean(text: str) -> str:
    # The registry's text is kept as the registry writes it, markdown escapes included ('\\<18 years'):
    # lossless, and equal to what pages derived from the registry show, so merged sources agree.
    return text.strip()


# -- one study --------------------------------------------------------------------------------------

_TOP_KEYS = ("protocolSection", "derivedSection", "hasResults", "resultsSection", "annotationSection",
             "documentSection")  # fmt: skip
_MODULES = {
    "identificationModule": ("nctId", "orgStudyIdInfo", "secondaryIdInfos", "organization", "briefTitle",
                             "officialTitle", "acronym", "nctIdAliases"),
    "statusModule": ("statusVerifiedDate", "overallStatus", "lastKnownStatus", "delayedPosting", "whyStopped",
                     "expandedAccessInfo", "startDateStruct", "primaryCompletionDateStruct", "completionDateStruct",
                     "studyFirstSubmitDate", "studyFirstSubmitQcDate", "studyFirstPostDateStruct",
                     "resultsWaived", "resultsFirstSubmitDate", "resultsFirstSubmitQcDate",
                     "resultsFirstPostDateStruct", "dispFirstSubmitDate", "dispFirstSubmitQcDate",
                     "dispFirstPostDateStruct", "lastUpdateSubmitDate", "lastUpdatePostDateStruct"),
    "sponsorCollaboratorsModule": ("responsibleParty", "leadSponsor", "collaborators"),
    "oversightModule": ("oversightHasDmc", "isFdaRegulatedDrug", "isFdaRegulatedDevice", "isUnapprovedDevice",
                        "isPpsd", "isUsExport", "fdaaa801Violation"),
    "descriptionModule": ("briefSummary", "detailedDescription"),
    "conditionsModule": ("conditions", "keywords"),
    "designModule": ("studyType", "nPtrsToThisExpAccNctId", "expandedAccessTypes", "patientRegistry",
                     "targetDuration", "phases", "designInfo", "bioSpec", "enrollmentInfo"),
    "armsInterventionsModule": ("armGroups", "interventions"),
    "outcomesModule": ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes"),
    "eligibilityModule": ("eligibilityCriteria", "healthyVolunteers", "sex", "genderBased", "genderDescription",
                          "minimumAge", "maximumAge", "stdAges", "studyPopulation", "samplingMethod"),
    "contactsLocationsModule": ("centralContacts", "overallOfficials", "locations"),
    "referencesModule": ("references", "seeAlsoLinks", "availIpds"),
    "ipdSharingStatementModule": ("ipdSharing", "description", "infoTypes", "timeFrame", "accessCriteria", "url"),
}  # fmt: skip
_DERIVED = ("miscInfoModule", "conditionBrowseModule", "interventionBrowseModule")
_BROWSE = ("meshes", "ancestors", "browseLeaves", "browseBranches")


def is_study(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("protocolSection"), dict)


def not_a_study(value: object) -> str:
    """Why `value` is not an API v2 study object (the problem text of its RecordParseError)."""
    if not isinstance(value, dict):
        return f"not a ClinicalTrials.gov study: expected a study object, found {_kind(value)}"
    if "protocolSection" in value:
        return f"not a ClinicalTrials.gov study: 'protocolSection' is {_kind(value['protocolSection'])}, not an object"
    keys = ", ".join(sorted(map(str, value))[:8]) or "none"
    return f"not a ClinicalTrials.gov study: no 'protocolSection' (keys: {keys})"


def study_to_trial(study: dict[str, Any], source: SourceDocument) -> Trial:
    """The trial an API v2 study object states (the caller has checked `is_study`)."""
    r = _Reader()
    r.extra_keys(study, "", _TOP_KEYS)
    p = "protocolSection"
    proto = study[p]
    r.extra_keys(proto, p, _MODULES)
    mods = {}
    for name, known in _MODULES.items():
        mods[name] = r.obj(proto, name, p)
        r.extra_keys(mods[name], f"{p}.{name}", known)
    f: dict[str, Any] = {}
    _identification(r, mods["identificationModule"], f)
    _status(r, mods["statusModule"], f)
    _sponsors(r, mods["sponsorCollaboratorsModule"], mods["identificationModule"], f)
    _oversight_description(r, mods, f)
    _design(r, mods["designModule"], f)
    _arms_interventions(r, mods["armsInterventionsModule"], f)
    _outcomes(r, mods["outcomesModule"], f)
    _eligibility(r, mods["eligibilityModule"], f)
    _contacts_locations(r, mods["contactsLocationsModule"], f)
    _references(r, mods["referencesModule"], f)
    f["has_results"] = r.boolean(study, "hasResults", "")
    derived = r.obj(study, "derivedSection", "")
    r.extra_keys(derived, "derivedSection", _DERIVED)
    for module, prefix in (("conditionBrowseModule", "condition"), ("interventionBrowseModule", "intervention")):
        _browse(r, r.obj(derived, module, "derivedSection"), f"derivedSection.{module}", prefix, f)
    return Trial(source=source, **f, unmapped=tuple(r.unmapped), warnings=tuple(r.warnings))


def _identification(r: _Reader, m: dict[str, Any], f: dict[str, Any]) -> None:
    path = "identificationModule"
    nct = r.text(m, "nctId", path)
    if nct is not None and not is_nct_id(nct):
        r.warn(f"{path}.nctId", f"not an NCT id: {_short(nct)}")
        nct = None
    f["nct_id"] = nct
    f["org_study_id"] = r.text(r.obj(m, "orgStudyIdInfo", path), "id", f"{path}.orgStudyIdInfo")
    ids = []
    for item, at in r.objects(m, "secondaryIdInfos", path):
        identifier = r.text(item, "id", at)
        if identifier:
            ids.append(SecondaryId(identifier, r.text(item, "type", at)))
            domain = r.text(item, "domain", at)
            if domain:
                r.note(f"{at}.domain", f"{identifier}: {_short(domain)}")
    f["secondary_ids"] = tuple(ids)
    f["brief_title"] = r.text(m, "briefTitle", path) or None
    f["official_title"] = r.text(m, "officialTitle", path) or None
    f["acronym"] = r.text(m, "acronym", path) or None
    aliases = []
    for alias in r.texts(m, "nctIdAliases", path):
        if is_nct_id(alias):
            aliases.append(alias)
        else:
            r.warn(f"{path}.nctIdAliases", f"not an NCT id: {_short(alias)}")
    f["nct_id_aliases"] = tuple(aliases)


def _status(r: _Reader, m: dict[str, Any], f: dict[str, Any]) -> None:
    path = "statusModule"
    f["status_verified_date"] = r.date(m, "statusVerifiedDate", path)
    f["overall_status"] = r.code(OverallStatus, m, "overallStatus", path)
    f["last_known_status"] = r.code(OverallStatus, m, "lastKnownStatus", path)
    f["why_stopped"] = r.text(m, "whyStopped", path) or None
    f["start_date"] = r.date_struct(m, "startDateStruct", path)
    f["primary_completion_date"] = r.date_struct(m, "primaryCompletionDateStruct", path)
    f["completion_date"] = r.date_struct(m, "completionDateStruct", path)
    f["first_posted"] = r.date_struct(m, "studyFirstPostDateStruct", path)
    f["last_update_posted"] = r.date_struct(m, "lastUpdatePostDateStruct", path)
    # The expanded-access record of this trial (or the trial this expanded access belongs to).
    related = r.text(r.obj(m, "expandedAccessInfo", path), "nctId", f"{path}.expandedAccessInfo")
    f["related_trials"] = (related,) if related and is_nct_id(related) else ()


def _organization(
    r: _Reader, item: dict[str, Any], at: str, name_key: str, role: OrganizationRole | None
) -> Organization | None:
    name = r.text(item, name_key, at)
    if not name:
        return None
    agency = r.code(AgencyClass, item, "class", at)
    return Organization(name, role, agency)


def _sponsors(r: _Reader, m: dict[str, Any], ident: dict[str, Any], f: dict[str, Any]) -> None:
    path = "sponsorCollaboratorsModule"
    orgs: list[Organization] = []
    lead = _organization(r, r.obj(m, "leadSponsor", path), f"{path}.leadSponsor", "name", OrganizationRole.LEAD_SPONSOR)
    if lead:
        orgs.append(lead)
    for item, at in r.objects(m, "collaborators", path):
        org = _organization(r, item, at, "name", OrganizationRole.COLLABORATOR)
        if org:
            orgs.append(org)
    # The organization that registered the study, when no sponsor role names it.
    own = _organization(r, r.obj(ident, "organization", "identificationModule"),
                        "identificationModule.organization", "fullName", None)  # fmt: skip
    if own and all(o.name != own.name for o in orgs):
        orgs.append(own)
    f["organizations"] = tuple(orgs)
    party = r.obj(m, "responsibleParty", path)
    at = f"{path}.responsibleParty"
    kind = r.text(party, "type", at)
    if kind is not None and kind not in _RESPONSIBLE_PARTY_TYPES:
        r.warn(f"{at}.type", f"unknown responsible party type {_short(kind)!r}")
        kind = None
    f["responsible_party_type"] = kind
    f["responsible_party_name"] = r.text(party, "investigatorFullName", at) or r.text(party, "oldNameTitle", at)
    f["responsible_party_affiliation"] = r.text(party, "investigatorAffiliation", at) or r.text(
        party, "oldOrganization", at
    )


def _oversight_description(r: _Reader, mods: dict[str, dict[str, Any]], f: dict[str, Any]) -> None:
    m, path = mods["oversightModule"], "oversightModule"
    f["has_dmc"] = r.boolean(m, "oversightHasDmc", path)
    f["is_fda_regulated_drug"] = r.boolean(m, "isFdaRegulatedDrug", path)
    f["is_fda_regulated_device"] = r.boolean(m, "isFdaRegulatedDevice", path)
    m, path = mods["descriptionModule"], "descriptionModule"
    f["brief_summary"] = r.text(m, "briefSummary", path) or None
    f["detailed_description"] = r.text(m, "detailedDescription", path) or None
    m, path = mods["conditionsModule"], "conditionsModule"
    f["conditions"] = r.texts(m, "conditions", path)
    f["keywords"] = r.texts(m, "keywords", path)
    m, path = mods["ipdSharingStatementModule"], "ipdSharingStatementModule"
    sharing = r.text(m, "ipdSharing", path)
    if sharing is not None and sharing not in _IPD_SHARING:
        r.warn(f"{path}.ipdSharing", f"unknown IPD sharing code {_short(sharing)!r}")
        sharing = None
    f["ipd_sharing"] = sharing
    f["ipd_sharing_description"] = r.text(m, "description", path) or None


def _design(r: _Reader, m: dict[str, Any], f: dict[str, Any]) -> None:
    path = "designModule"
    f["study_type"] = r.code(StudyType, m, "studyType", path)
    phases: list[Phase] = []
    for n, text in enumerate(r.texts(m, "phases", path)):
        phase = r.code_of(Phase, text, f"{path}.phases[{n}]")
        if phase and phase not in phases:
            phases.append(phase)
    f["phases"] = tuple(phases)
    info, at = r.obj(m, "designInfo", path), f"{path}.designInfo"
    f["allocation"] = r.code(Allocation, info, "allocation", at)
    f["intervention_model"] = r.code(InterventionModel, info, "interventionModel", at)
    f["primary_purpose"] = r.code(PrimaryPurpose, info, "primaryPurpose", at)
    f["masking"] = r.code(Masking, r.obj(info, "maskingInfo", at), "masking", f"{at}.maskingInfo")
    enrollment, at = r.obj(m, "enrollmentInfo", path), f"{path}.enrollmentInfo"
    count = enrollment.get("count")
    if count is not None:
        if isinstance(count, Decimal) and count.is_finite() and abs(count) < 10**12 and count == int(count):
            count = int(count)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 10**9:
            r.wrong(f"{at}.count", count, "a whole number of participants")
            count = None
    f["enrollment"] = count


def _drop_type_prefix(name: str, known: set[str]) -> str:
    """'Drug: Sildenafil' -> 'Sildenafil' (the name the intervention list gives), when the prefix is a type."""
    prefix, sep, rest = name.partition(":")
    if sep and rest.strip() and code_key(prefix) in InterventionType.__members__:
        stripped = rest.strip()
        if stripped in known or name not in known:
            return stripped
    return name


def _arms_interventions(r: _Reader, m: dict[str, Any], f: dict[str, Any]) -> None:
    path = "armsInterventionsModule"
    interventions: list[Intervention] = []
    labels_of: dict[str, list[str]] = {}
    for item, at in r.objects(m, "interventions", path):
        name = r.text(item, "name", at)
        if not name:
            r.note(at, "an intervention without a name")
            continue
        interventions.append(
            Intervention(
                name=name,
                type=r.code(InterventionType, item, "type", at),
                description=r.text(item, "description", at) or None,
                other_names=r.texts(item, "otherNames", at),
            )
        )
        for group in r.texts(item, "armGroupLabels", at):
            labels_of.setdefault(group, []).append(name)
    known = {i.name for i in interventions}
    arms = []
    for item, at in r.objects(m, "armGroups", path):
        label = r.text(item, "label", at)
        if not label:
            r.note(at, "an arm group without a label")
            continue
        names = [_drop_type_prefix(n, known) for n in r.texts(item, "interventionNames", at)]
        if "interventionNames" not in item:
            names = labels_of.get(label, [])
        arms.append(
            Arm(
                label=label,
                description=r.text(item, "description", at) or None,
                intervention_names=tuple(dict.fromkeys(names)),
                type=r.code(ArmGroupType, item, "type", at),
            )
        )
    f["interventions"] = tuple(interventions)
    f["arms"] = tuple(arms)


def _outcomes(r: _Reader, m: dict[str, Any], f: dict[str, Any]) -> None:
    for key, field_name in (("primaryOutcomes", "primary_outcomes"), ("secondaryOutcomes", "secondary_outcomes"),
                            ("otherOutcomes", "other_outcomes")):  # fmt: skip
        outcomes = []
        for item, at in r.objects(m, key, "outcomesModule"):
            measure = r.text(item, "measure", at)
            if not measure:
                r.note(at, "an outcome without a measure")
                continue
            outcomes.append(
                Outcome(measure, r.text(item, "timeFrame", at) or None, r.text(item, "description", at) or None)
            )
        f[field_name] = tuple(outcomes)


def _eligibility(r: _Reader, m: dict[str, Any], f: dict[str, Any]) -> None:
    path = "eligibilityModule"
    criteria = r.text(m, "eligibilityCriteria", path)
    if criteria:
        read = read_criteria(criteria)
        f["inclusion_criteria"], f["exclusion_criteria"] = read.inclusion, read.exclusion
        f["criteria_sections"] = criteria_sections(read)
        for line in read.outside:
            r.note(f"{path}.eligibilityCriteria", f"(outside Inclusion/Exclusion) {_short(line)}")
    f["healthy_volunteers"] = r.boolean(m, "healthyVolunteers", path)
    f["sex"] = r.code(Sex, m, "sex", path)
    for key, field_name in (("minimumAge", "min_age"), ("maximumAge", "max_age")):
        text = r.text(m, key, path)
        age = parse_age(text) if text and len(text) <= 40 else None
        if text and age is None:
            r.warn(f"{path}.{key}", f"not an age: {_short(text)}")
        f[field_name] = age


def _contacts_locations(r: _Reader, m: dict[str, Any], f: dict[str, Any]) -> None:
    path = "contactsLocationsModule"
    officials = []
    for item, at in r.objects(m, "overallOfficials", path):
        name = r.text(item, "name", at)
        if not name:
            r.note(at, "an official without a name")
            continue
        role = r.code(OfficialRole, item, "role", at)
        officials.append(Official(name, role, r.text(item, "affiliation", at) or None))
    f["officials"] = tuple(officials)
    locations = []
    for item, at in r.objects(m, "locations", path):
        geo = r.obj(item, "geoPoint", at)
        location = Location(
            facility=r.text(item, "facility", at) or None,
            city=r.text(item, "city", at) or None,
            state=r.text(item, "state", at) or None,
            country=r.text(item, "country", at) or None,
            zip=r.text(item, "zip", at) or None,
            status=r.code(OverallStatus, item, "status", at),
            latitude=r.number(geo, "lat", f"{at}.geoPoint", -90, 90),
            longitude=r.number(geo, "lon", f"{at}.geoPoint", -180, 180),
        )
        if location != Location():
            locations.append(location)
    f["locations"] = tuple(locations)


def _references(r: _Reader, m: dict[str, Any], f: dict[str, Any]) -> None:
    path = "referencesModule"
    references = []
    for item, at in r.objects(m, "references", path):
        citation = r.text(item, "citation", at)
        pmid = r.text(item, "pmid", at)
        if pmid is not None and not pmid.isdigit():
            r.warn(f"{at}.pmid", f"not a PubMed id: {_short(pmid)}")
            pmid = None
        if not citation:
            r.note(at, f"a reference without a citation (PMID {pmid})")
            continue
        parsed = parse_citation(citation)
        references.append(Reference(citation, pmid or parsed.pmid, parsed.doi, r.code(ReferenceType, item, "type", at)))
    f["references"] = tuple(references)
    links = []
    for item, at in r.objects(m, "seeAlsoLinks", path):
        url = r.text(item, "url", at)
        if url:
            links.append(WebLink(url, r.text(item, "label", at) or None))
        else:
            r.note(at, "a link without a url")
    f["see_also_links"] = tuple(links)


def _browse(r: _Reader, m: dict[str, Any], path: str, prefix: str, f: dict[str, Any]) -> None:
    r.extra_keys(m, path, _BROWSE)
    for key, field_name in (("meshes", f"{prefix}_meshes"), ("ancestors", f"{prefix}_mesh_ancestors")):
        terms = []
        for item, at in r.objects(m, key, path):
            mesh_id, term = r.text(item, "id", at), r.text(item, "term", at)
            if mesh_id and term:
                terms.append(MeshTerm(mesh_id, term))
            else:
                r.note(at, "a MeSH term without an id or a term")
        f[field_name] = tuple(dict.fromkeys(terms))
    leaves = []
    for item, at in r.objects(m, "browseLeaves", path):
        name = r.text(item, "name", at)
        if not name:
            continue
        relevance = r.text(item, "relevance", at)
        if relevance is not None and relevance not in _MESH_RELEVANCE:
            r.warn(f"{at}.relevance", f"unknown relevance {_short(relevance)!r}")
            relevance = None
        leaves.append(MeshLeaf(name, r.text(item, "asFound", at) or None, relevance))
    f[f"{prefix}_mesh_leaves"] = tuple(leaves)


# -- files: one object, an array, a page, a zip -------------------------------------------------------


class _Refused(ValueError):
    """Input refused before ijson reads it (it would crash or exhaust the interpreter)."""


class _Counting:
    """A binary reader for ijson: counts the bytes read (for error positions), drops a UTF-8 BOM,
    re-encodes UTF-16 to UTF-8 on the fly and, with `guard`, refuses input that would crash
    ijson's C backend: a run of thousands of digits (an integer Python will not convert) or
    nesting deeper than _MAX_DEPTH (ijson keeps a prefix per level: memory grows with depth²)."""

    def __init__(self, raw: IO[bytes], *, guard: bool = True, max_bytes: int | None = None) -> None:
        self.raw = raw
        self.guard = guard
        self.max_bytes = max_bytes
        self._string_bytes = 0  # bytes of the string the text read so far ends inside
        self._decoder: codecs.IncrementalDecoder | None = None
        start = raw.read(3)
        if start.startswith((b"\xff\xfe", b"\xfe\xff")):
            self._decoder = codecs.getincrementaldecoder("utf-16")()
        self._pending = start[3:] if start.startswith(b"\xef\xbb\xbf") else start
        self.position = len(start) - len(self._pending)
        self._digits = b""  # the digits that end the text read so far
        self._depth = 0  # nesting depth outside strings at the end of the text read so far
        self._in_string = False
        self._escape = False  # the text read so far ends inside a string with a lone backslash

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson reads 0 bytes to learn whether the stream gives bytes or text
            return b""
        while True:
            data = self._pending + self.raw.read(size if size < 0 else max(1, size - len(self._pending)))
            self._pending = b""
            self.position += len(data)
            out = data
            if self._decoder is not None:
                out = self._decoder.decode(data, final=not data).encode("utf-8", "surrogatepass")
            if out or not data:  # a block may end inside a character: read on until text comes out
                if self.max_bytes is not None and self.position > self.max_bytes:
                    raise _Refused(f"more than {self.max_bytes >> 20} MiB of JSON text; no study is that large")
                if self.guard:
                    self._check_digits(out)
                    self._check_depth(out)
                return out

    def _check_digits(self, block: bytes) -> None:
        run = self._digits + block
        if _LONG_DIGITS.search(run):
            raise _Refused(f"a number (or digit string) of {_MAX_DIGITS:,} digits or more; no study value is")
        self._digits = run[len(run.rstrip(b"0123456789")) :][-_MAX_DIGITS:]

    def _check_depth(self, block: bytes) -> None:
        # Strings are measured where they span blocks: a block (ijson reads 64 KiB) is far below the limit.
        pos = 0
        if self._in_string:
            start = 1 if self._escape else 0
            m = _STRING_REST.match(block, start)
            self._count_string(len(block) if m is None else m.end())
            if m is None:  # the whole block is inside the string
                self._escape = _ends_with_escape(block[start:], self._escape and not block)
                return
            self._in_string, self._escape, pos = False, False, m.end()
        rest = _STRING.sub(b"", block[pos:])
        quote = rest.find(b'"')
        if quote >= 0:  # a string starts here and ends in a later block
            self._in_string, self._escape = True, _ends_with_escape(rest[quote + 1 :], False)
            self._string_bytes = 0
            self._count_string(len(rest) - quote)
            rest = rest[:quote]
        opens = rest.count(b"[") + rest.count(b"{")
        if self._depth + opens <= _MAX_DEPTH:
            self._depth += opens - rest.count(b"]") - rest.count(b"}")
            return
        for bracket in _BRACKETS.findall(rest):
            self._depth += 1 if bracket in (b"[", b"{") else -1
            if self._depth > _MAX_DEPTH:
                raise _Refused(f"nested more than {_MAX_DEPTH:,} levels deep; no study is")

    def _count_string(self, size: int) -> None:
        self._string_bytes += size
        if self._string_bytes > MAX_STRING_BYTES:
            raise _Refused(f"a string longer than {MAX_STRING_BYTES >> 20} MiB; no study value is")


def _ends_with_escape(text: bytes, default: bool) -> bool:
    """Whether string content ends with an odd run of backslashes (the next byte is escaped)."""
    if not text:
        return default
    return (len(text) - len(text.rstrip(b"\\"))) % 2 == 1


_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_STRING_REST = re.compile(rb'(?:[^"\\]++|\\.)*+"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def _json_error(exc: Exception, reader: _Counting) -> str:
    if isinstance(exc, _Refused):
        return f"refused at or before byte {reader.position}: {exc}"
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    first = str(text).strip().splitlines()[0] if str(text).strip() else type(exc).__name__
    if "premature EOF" in first:
        return f"truncated JSON: the text ends at byte {reader.position} before the JSON is complete"
    return f"invalid JSON at or before byte {reader.position}: {first}"


_JSON_ERRORS = (ijson.JSONError, UnicodeDecodeError, ValueError, OverflowError)


def _first_byte(fh: IO[bytes], max_bytes: int | None = None) -> bytes:
    """The first non-blank byte of the JSON text (after any BOM); b'' for an empty text."""
    reader = _Counting(fh, guard=False, max_bytes=max_bytes)
    while True:
        block = reader.read(_BLOCK)
        if not block:
            return b""
        stripped = block.lstrip(b" \t\r\n")
        if stripped:
            return stripped[:1]


class _Keys:
    """The JSON objects ijson builds, as dicts that note a key stated twice (JSON leaves it open, RFC 8259 §4;
    ijson keeps the last value): the study's reader then warns, so a silently replaced value is seen."""

    def __init__(self) -> None:
        self.repeated: list[tuple[dict[str, Any], str]] = []
        notes = self.repeated

        class _Object(dict[str, Any]):
            def __setitem__(self, key: str, value: Any) -> None:
                if key in self:
                    notes.append((self, key))
                super().__setitem__(key, value)

        self.map_type = _Object

    def take(self, value: object) -> list[str]:
        """JSON paths of the keys repeated in `value` (then forgotten, for the next value)."""
        if not self.repeated:
            return []
        owners: dict[int, set[str]] = {}
        for obj, key in self.repeated:
            owners.setdefault(id(obj), set()).add(key)
        self.repeated.clear()
        found: list[str] = []
        stack: list[tuple[object, str]] = [(value, "")]
        while stack:
            item, path = stack.pop()
            if isinstance(item, dict):
                found.extend(f"{path}.{key}".lstrip(".") for key in owners.get(id(item), ()))
                stack.extend((v, f"{path}.{k}") for k, v in item.items())
            elif isinstance(item, list):
                stack.extend((v, f"{path}[{i}]") for i, v in enumerate(item))
        return sorted(found)


def _trial_or_error(
    value: object, source: SourceDocument, name: str, where: str | None, repeated: Sequence[str] = ()
) -> Trial | RecordParseError:
    if not is_study(value):
        return RecordParseError(name, not_a_study(value), where=where)
    try:
        trial = study_to_trial(value, source)  # type: ignore[arg-type]
        if not repeated:
            return trial
        notes = [f"{path}: the key is stated more than once; the last value is read" for path in repeated]
        return dataclasses.replace(
            trial,
            unmapped=(*trial.unmapped, *notes),
            warnings=(*trial.warnings, *(f"{note} (kept as unmapped text)" for note in notes)),
        )
    except RecordParseError as exc:
        return exc
    except Exception as exc:  # a shape this reader did not foresee: report the study, go on with the file
        return RecordParseError(name, f"cannot read the study ({type(exc).__name__}: {exc})", where=where)


def _where(prefix: str | None, item: str | None) -> str | None:
    return ", ".join(p for p in (prefix, item) if p) or None


def _stream(
    opener: Callable[[], IO[bytes]],
    name: str,
    source: SourceDocument,
    prefix: str | None,
    max_bytes: int | None = None,
) -> Iterator[Trial | RecordParseError]:
    """Every study in one JSON text: RecordParseError raised when the text as a whole is unusable.

    `max_bytes`: the most JSON text read (a zip member's limit); past it the text is refused."""  # fmt: skip
    try:
        with opener() as fh:
            first = _first_byte(fh, max_bytes)
    except UnicodeDecodeError as exc:
        raise RecordParseError(name, f"not valid UTF-16 ({exc.reason} at byte {exc.start})", where=prefix) from exc
    except _Refused as exc:
        raise RecordParseError(name, f"refused: {exc}", where=prefix) from exc
    if not first:
        raise RecordParseError(name, "the file is empty", where=prefix)
    if first not in (b"{", b"["):
        raise RecordParseError(
            name, "not JSON: expected a study object, an array of studies or an API page", where=prefix
        )
    path = "item" if first == b"[" else "studies.item"
    label = "item" if first == b"[" else "studies item"
    count = 0
    seen: dict[str, str] = {}  # NCT id -> where in this text it was first read
    keys = _Keys()
    with opener() as fh:
        reader = _Counting(fh, max_bytes=max_bytes)
        try:
            for value in ijson.items(reader, path, map_type=keys.map_type):
                where = _where(prefix, f"{label} {count}")
                trial = _trial_or_error(value, source, name, where, keys.take(value))
                yield _unless_repeated(trial, seen, name, where)
                count += 1
        except _JSON_ERRORS as exc:
            problem = _json_error(exc, reader) + _json_place(opener)
            if count == 0:
                raise RecordParseError(name, problem, where=prefix) from exc
            yield RecordParseError(name, problem, where=_where(prefix, f"{label} {count}"))
            return
    if first == b"[":
        if count == 0:
            raise RecordParseError(name, "an empty JSON array: no study to read", where=prefix)
        return
    if count:
        if _states_a_study_too(opener):
            yield RecordParseError(
                name, f"the API page (its {count} studies read) is also a study itself (a top-level protocolSection):"
                " that study is not read; put it in its own file", where=prefix,
            )  # fmt: skip
        return
    # An object with no 'studies' array: one study (read whole), or not a study at all.
    with opener() as fh:
        reader = _Counting(fh, max_bytes=max_bytes)
        try:
            value = next(iter(ijson.items(reader, "", map_type=keys.map_type)))
        except _JSON_ERRORS as exc:
            raise RecordParseError(name, _json_error(exc, reader) + _json_place(opener), where=prefix) from exc
    if isinstance(value, dict) and isinstance(value.get("studies"), list) and not is_study(value):
        raise RecordParseError(name, "an API page with no studies", where=prefix)
    result = _trial_or_error(value, source, name, prefix, keys.take(value))
    if isinstance(result, RecordParseError):
        raise result
    yield result


def _states_a_study_too(opener: Callable[[], IO[bytes]]) -> bool:
    """Whether an API page (read already) also has a study's protocolSection at its top level."""
    with opener() as fh:
        return any(p == "" and e == "map_key" and v == "protocolSection" for p, e, v in ijson.parse(_Counting(fh)))


def _unless_repeated(
    result: Trial | RecordParseError, seen: dict[str, str], name: str, where: str | None
) -> Trial | RecordParseError:
    """A second study with an NCT id already read from the same text is an error, not a second record.

    One text is one source document (one named graph): two versions of a trial in it would merge
    into one node with two titles, two statuses... Versions in separate files are merged and their
    differences listed in conflicts.json instead."""
    if not isinstance(result, Trial) or result.nct_id is None:
        return result
    first = seen.setdefault(result.nct_id, where or "the same text")
    if first == (where or "the same text"):
        return result
    return RecordParseError(
        name, f"{result.nct_id} is stated again (first at {first}); this copy is not read: put each version"
        " of a trial in its own file to have their differences listed in conflicts.json", where=where,
    )  # fmt: skip


def _json_place(opener: Callable[[], IO[bytes]]) -> str:
    """' (in PATH)': the JSON path of the last value read before a JSON error, found by reading again."""
    last = ""
    try:
        with opener() as fh:
            for prefix, event, value in ijson.parse(_Counting(fh)):
                # after a key, the text breaks off inside that key's value
                last = f"{prefix}.{value}".lstrip(".") if event == "map_key" else prefix
    except (*_JSON_ERRORS, OSError, zipfile.BadZipFile):
        pass
    return f" (in {last})" if last else ""


def _member_source(zf: zipfile.ZipFile, info: zipfile.ZipInfo, zip_name: str, path: str) -> SourceDocument:
    """The member's SourceDocument (its digest read in full); RecordParseError, naming `path`, past MAX_MEMBER_BYTES."""
    too_large = RecordParseError(
        path, f"the member is larger than {MAX_MEMBER_BYTES >> 20} MiB decompressed (refused; no study is"
        " that large)", where=info.filename,
    )  # fmt: skip
    if info.file_size > MAX_MEMBER_BYTES:  # what the zip declares, before any inflating
        raise too_large
    digest = hashlib.sha256()
    read = 0
    with zf.open(info) as fh:  # and what it really holds: a declared size can lie
        for block in iter(lambda: fh.read(_BLOCK), b""):
            read += len(block)
            if read > MAX_MEMBER_BYTES:
                raise too_large
            digest.update(block)
    return SourceDocument(file_name=f"{zip_name}/{info.filename}", format=FORMAT, sha256=digest.hexdigest())


#: What a damaged member raises (zlib.error: corrupt deflate data, "Error -3 while decompressing").
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
               ValueError, zlib.error)  # fmt: skip


def _is_zip_metadata(member: str) -> bool:
    """A macOS resource-fork entry ('__MACOSX/...', '._x.json'): archive metadata, not a document."""
    return member.startswith("__MACOSX/") or member.rsplit("/", 1)[-1].startswith("._")


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        raise RecordParseError(str(path), f"not a readable zip file ({exc})") from exc


def _documents_in(zf: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    """The members of a zip that are documents, in archive order."""
    members = [i for i in zf.infolist() if not i.is_dir() and not _is_zip_metadata(i.filename)]
    if not members:
        raise RecordParseError(name, "the zip file holds no files")
    return members


def _read_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, zip_name: str
) -> Iterator[Trial | RecordParseError]:
    """The studies of one zip member; a member that cannot be read is one error, the rest of the zip goes on."""
    name = str(path)
    try:
        source = _member_source(zf, info, zip_name, name)
        yield from _stream(functools.partial(zf.open, info), name, source, info.filename, MAX_MEMBER_BYTES)
    except RecordParseError as exc:
        yield exc
    except _ZIP_ERRORS as exc:
        yield RecordParseError(name, f"cannot read the zip member ({exc})", where=info.filename)


def _parse_zip(path: Path, zip_name: str) -> Iterator[Trial | RecordParseError]:
    with _open_zip(path) as zf:
        for info in _documents_in(zf, str(path)):
            yield from _read_member(zf, info, path, zip_name)


def zip_members(path: Path) -> list[str]:
    """The names of the document members of the bulk zip at `path`, in the order `parse` reads them.

    A build makes each member a task of its own (every worker reads the same zip); RecordParseError
    when the zip as a whole cannot be read.
    """
    with _open_zip(path) as zf:
        return [info.filename for info in _documents_in(zf, str(path))]


def parse_zip_member(path: Path, index: int, zip_name: str) -> Iterator[Trial | RecordParseError]:
    """The studies of document member `index` (of `zip_members`) of the bulk zip named `zip_name`.

    What `parse` yields for that member. By position, not name: an archive may hold two members of
    one name. The zip stays open in the process (its directory is read once, not once a member).
    """
    zf, members = _zip_in_this_process(path)
    yield from _read_member(zf, members[index], path, zip_name)


def zip_member_digest(path: Path, index: int) -> str:
    """The SHA-256 of document member `index`'s bytes (its source document's digest)."""
    zf, members = _zip_in_this_process(path)
    try:
        return _member_source(zf, members[index], path.name, str(path)).sha256
    except _ZIP_ERRORS as exc:  # a damaged member: reading it reports the same, as one error of the zip
        raise RecordParseError(str(path), f"cannot read the zip member ({exc})", where=members[index].filename) from exc


def _zip_in_this_process(path: Path) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    stat = path.stat()
    return _opened_zip(str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size, os.getpid())


@functools.lru_cache(maxsize=2)
def _opened_zip(
    name: str, inode: int, mtime_ns: int, size: int, pid: int
) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """An open zip and its document members, kept per process: the directory is read once, not once a member.

    Keyed by the process id too: a forked worker must not read through its parent's file offset.
    """
    zf = _open_zip(Path(name))
    return zf, _documents_in(zf, name)


def sniff(head: str) -> int:
    """Sure of JSON that names API v2 study keys; a low score for any other JSON (to say why it is not a study)."""
    text = head.lstrip("\ufeff \t\r\n")
    if not text.startswith(("{", "[")):
        return 0
    if '"protocolSection"' in head or ('"studies"' in head and '"nctId"' in head):
        return 95
    if '"nctId"' in head:
        return 70
    return 35


def parse(path: Path, source: SourceDocument) -> Iterator[Trial | RecordParseError]:
    """Every study in an API v2 JSON file or bulk zip (see the module docstring)."""
    name = str(path)
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
        if magic == ZIP_MAGIC:
            yield from _parse_zip(path, source.file_name)
        else:
            yield from _stream(lambda: path.open("rb"), name, source, None)
    except OSError as exc:
        raise RecordParseError(name, f"cannot read the file ({exc.strerror or exc})") from exc
