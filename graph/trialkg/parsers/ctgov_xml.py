"""The registry's legacy `clinical_study` XML (the pre-2024 download and the TREC corpora).

Reads ids (NCT id, org study id, secondary ids, NCT aliases), titles, sponsors and collaborators,
statuses and dates, phase, study type and design (also the older one-line `study_design`),
enrollment, conditions, keywords, arms, interventions (an arm's interventions come from each
intervention's `arm_group_label`), outcomes, eligibility (criteria split into inclusion and
exclusion items), overall officials, locations (facility, address, site status), references
and results references, links, MeSH terms of the condition and intervention browse, the
responsible party, oversight flags, the IPD statement, summary and description, and whether
`clinical_results` is present. Does not read the results themselves, contacts, submission/QC
dates, document lists or the country lists; an element it does not know is noted in
`Trial.unmapped`, as is a value it cannot read. The XML gives no MeSH descriptor ids:
browse terms become MeshTerm(id="", term=...).

Parsed with defusedxml: a DTD, an entity declaration or an external reference is refused with
a RecordParseError. One study per file: any problem raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import TypeVar
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as DET

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
    MeshTerm,
    Official,
    OfficialRole,
    Organization,
    OrganizationRole,
    Outcome,
    OverallStatus,
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
    is_bullet,
    parse_age,
    parse_bool,
    parse_citation,
    parse_date,
    parse_enum,
    parse_phases,
)
from trialkg.parsers.criteria_text import criteria_sections, read_criteria

FORMAT = "ctgov_xml"

E = TypeVar("E", bound=Enum)

_NOTE_CHARS = 200
_NOT_STATED = frozenset({"", "n/a", "na"})

_STATUS_ALIASES = {"UNKNOWN_STATUS": OverallStatus.UNKNOWN}
_AGENCY_ALIASES = {"U_S_FED": AgencyClass.FED, "OTHER_U_S_FEDERAL_AGENCY": AgencyClass.FED}
_STUDY_TYPE_ALIASES = {"OBSERVATIONAL_PATIENT_REGISTRY": StudyType.OBSERVATIONAL}
_SEX_ALIASES = {"BOTH": Sex.ALL}
_PURPOSE_ALIASES = {"EDUCATIONAL_COUNSELING_TRAINING": PrimaryPurpose.ECT}
_OFFICIAL_ALIASES = {"SUB_INVESTIGATOR": OfficialRole.SUB_INVESTIGATOR}
_RESPONSIBLE_PARTY_TYPES = frozenset({"SPONSOR", "PRINCIPAL_INVESTIGATOR", "SPONSOR_INVESTIGATOR"})
_IPD_SHARING = frozenset({"YES", "NO", "UNDECIDED"})

#: Top-level elements read, and those known and deliberately not read (the rest are noted as unmapped).
_READ = frozenset(
    {
        "id_info", "brief_title", "official_title", "acronym", "sponsors", "overall_status", "last_known_status",
        "why_stopped", "verification_date", "start_date", "primary_completion_date", "completion_date",
        "study_first_posted", "last_update_posted", "phase", "study_type", "study_design_info", "study_design",
        "enrollment", "condition", "keyword", "arm_group", "intervention", "primary_outcome", "secondary_outcome",
        "other_outcome", "eligibility", "overall_official", "location", "reference", "results_reference", "link",
        "condition_browse", "intervention_browse", "responsible_party", "oversight_info", "patient_data",
        "brief_summary", "detailed_description", "clinical_results",
    }
)  # fmt: skip
_IGNORED = frozenset(
    {
        "required_header", "source", "study_first_submitted", "study_first_submitted_qc", "last_update_submitted",
        "last_update_submitted_qc", "firstreceived_date", "lastchanged_date", "firstreceived_results_date",
        "firstreceived_results_disposition_date", "results_first_submitted", "results_first_submitted_qc",
        "results_first_posted", "disposition_first_submitted", "disposition_first_submitted_qc",
        "disposition_first_posted", "has_expanded_access", "expanded_access_info", "number_of_arms", "number_of_groups",
        "biospec_retention", "biospec_descr", "target_duration", "overall_contact", "overall_contact_backup",
        "location_countries", "removed_countries", "pending_results", "provided_document_section", "study_docs",
        "is_fda_regulated", "is_section_801",
    }
)  # fmt: skip
#: The keys of the older one-line design ("Allocation: Randomized, Intervention Model: ..., Masking: ...").
_DESIGN_KEYS = re.compile(
    r"(Allocation|Endpoint Classification|Intervention Model|Masking|Primary Purpose|Observational Model"
    r"|Time Perspective)\s*:\s*"
)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _NOTE_CHARS else text[: _NOTE_CHARS - 1] + "\u2026"


def textblock(text: str | None) -> str | None:
    """Hard-wrapped, indented XML text as plain text: lines stripped and re-joined, paragraphs
    separated by a blank line, a bullet line kept on a line of its own.

    >>> textblock("\\n      The purpose of this study is\\n      to test.\\n\\n      Second.\\n    ")
    'The purpose of this study is to test.\\n\\nSecond.'
    """
    if text is None:
        return None
    paragraphs: list[list[str]] = [[]]
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        lines = paragraphs[-1]
        if lines and not is_bullet(line):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return "\n\n".join("\n".join(p) for p in paragraphs if p) or None


class _Study:
    """Typed access to one clinical_study element; what cannot be read is noted in `unmapped`."""

    def __init__(self, root: Element) -> None:
        self.root = root
        self.unmapped: list[str] = []
        self.warnings: list[str] = []

    def note(self, path: str, text: str) -> None:
        self.unmapped.append(f"{path}: {text}")

    def warn(self, path: str, text: str) -> None:
        """A value the record states but no field can take: kept as unmapped text and reported."""
        self.note(path, text)
        self.warnings.append(f"{path}: {text} (kept as unmapped text)")

    def text(self, parent: Element | None, path: str) -> str | None:
        node = None if parent is None else parent.find(path)
        return _text(node)

    def texts(self, parent: Element, path: str) -> tuple[str, ...]:
        return tuple(t for t in (_text(e) for e in parent.findall(path)) if t)

    def code(self, enum: type[E], parent: Element | None, path: str, aliases: dict[str, E] | None = None) -> E | None:
        text = self.text(parent, path)
        if text is None or text.lower() in _NOT_STATED:
            return None
        value = parse_enum(enum, text, aliases) if len(text) <= 100 else None
        if value is None:
            self.warn(path, f"unknown {enum.__name__} {_short(text)!r}")
        return value

    def date(self, parent: Element | None, path: str) -> str | None:
        text = self.text(parent, path)
        if text is None:
            return None
        value = parse_date(text) if len(text) <= 40 else None
        if value is None:
            self.warn(path, f"not a date: {_short(text)}")
        return value

    def boolean(self, parent: Element | None, path: str) -> bool | None:
        text = self.text(parent, path)
        if text is None:
            return None
        value = parse_bool(text)
        if value is None:
            self.warn(path, f"not yes/no: {_short(text)}")
        return value

    def age(self, parent: Element | None, path: str) -> str | None:
        text = self.text(parent, path)
        if text is None or text.lower() in _NOT_STATED:
            return None
        value = parse_age(text) if len(text) <= 40 else None
        if value is None:
            self.warn(path, f"not an age: {_short(text)}")
        return value


def _text(node: Element | None) -> str | None:
    """The element's text, stripped (None if absent or empty); a textblock child is normalised."""
    if node is None:
        return None
    block = node.find("textblock")
    if block is not None:
        return textblock("".join(block.itertext()))
    text = " ".join("".join(node.itertext()).split())
    return text or None


def study_to_trial(root: Element, source: SourceDocument) -> Trial:
    """The trial a `clinical_study` element states."""
    s = _Study(root)
    for child in root:
        if isinstance(child.tag, str) and child.tag not in _READ and child.tag not in _IGNORED:
            s.note(child.tag, f"not read ({_short(_text(child) or 'empty')})")
    f: dict[str, object] = {}
    _identification(s, root, f)
    _status(s, root, f)
    _design(s, root, f)
    _arms_interventions(s, root, f)
    _outcomes(s, root, f)
    _eligibility(s, root, f)
    _people_places(s, root, f)
    _references(s, root, f)
    _other(s, root, f)
    return Trial(source=source, **f, unmapped=tuple(s.unmapped), warnings=tuple(s.warnings))  # type: ignore[arg-type]


def _identification(s: _Study, root: Element, f: dict[str, object]) -> None:
    ids = root.find("id_info")
    nct = s.text(ids, "nct_id")
    if nct is not None and not is_nct_id(nct):
        s.warn("id_info/nct_id", f"not an NCT id: {_short(nct)}")
        nct = None
    f["nct_id"] = nct
    f["org_study_id"] = s.text(ids, "org_study_id")
    if ids is not None:
        f["secondary_ids"] = tuple(SecondaryId(i) for i in s.texts(ids, "secondary_id"))
        aliases = s.texts(ids, "nct_alias")
        f["nct_id_aliases"] = tuple(a for a in aliases if is_nct_id(a))
        for alias in aliases:
            if not is_nct_id(alias):
                s.warn("id_info/nct_alias", f"not an NCT id: {_short(alias)}")
    f["brief_title"] = s.text(root, "brief_title")
    f["official_title"] = s.text(root, "official_title")
    f["acronym"] = s.text(root, "acronym")
    orgs = []
    sponsors = root.find("sponsors")
    if sponsors is not None:
        for path, role in (("lead_sponsor", OrganizationRole.LEAD_SPONSOR),
                           ("collaborator", OrganizationRole.COLLABORATOR)):  # fmt: skip
            for node in sponsors.findall(path):
                name = s.text(node, "agency")
                if name:
                    orgs.append(Organization(name, role, s.code(AgencyClass, node, "agency_class", _AGENCY_ALIASES)))
    f["organizations"] = tuple(orgs)


def _status(s: _Study, root: Element, f: dict[str, object]) -> None:
    f["overall_status"] = s.code(OverallStatus, root, "overall_status", _STATUS_ALIASES)
    f["last_known_status"] = s.code(OverallStatus, root, "last_known_status", _STATUS_ALIASES)
    f["why_stopped"] = s.text(root, "why_stopped")
    f["status_verified_date"] = s.date(root, "verification_date")
    f["start_date"] = s.date(root, "start_date")
    f["primary_completion_date"] = s.date(root, "primary_completion_date")
    f["completion_date"] = s.date(root, "completion_date")
    f["first_posted"] = s.date(root, "study_first_posted")
    f["last_update_posted"] = s.date(root, "last_update_posted")


def _design(s: _Study, root: Element, f: dict[str, object]) -> None:
    phase = s.text(root, "phase")
    if phase is not None:
        phases = parse_phases(phase) if len(phase) <= 60 else None
        if phases is None:
            s.warn("phase", f"not a phase: {_short(phase)}")
        f["phases"] = phases or ()
    f["study_type"] = s.code(StudyType, root, "study_type", _STUDY_TYPE_ALIASES)
    study_type = s.text(root, "study_type") or ""
    if "[" in study_type:  # 'Observational [Patient Registry]'
        s.note("study_type", study_type)
    design: dict[str, str] = {}
    info = root.find("study_design_info")
    if info is not None:
        for child in info:
            text = _text(child)
            if isinstance(child.tag, str) and text:
                design[child.tag] = text
    old = s.text(root, "study_design")
    if old:  # the older one-line form; study_design_info wins where both state a value
        parts = _DESIGN_KEYS.split(old)
        for key, value in zip(parts[1::2], parts[2::2], strict=False):
            design.setdefault(key.lower().replace(" ", "_"), value.strip().rstrip(","))
    f["allocation"] = _design_code(s, Allocation, design, "allocation", {"N_A": Allocation.NA})
    model = design.get("intervention_model")
    if model:
        design["intervention_model"] = re.sub(r"\s+Assignment$", "", model, flags=re.IGNORECASE)
    f["intervention_model"] = _design_code(s, InterventionModel, design, "intervention_model")
    f["primary_purpose"] = _design_code(s, PrimaryPurpose, design, "primary_purpose", _PURPOSE_ALIASES)
    masking = design.get("masking")
    words = (masking or "").split("(")[0].split()
    if masking and words:  # 'Double (Participant, Investigator)', 'None (Open Label)', 'Double Blind (Subject, ...)'
        design["masking"] = "None" if masking.lower().startswith("open label") else words[0]
    f["masking"] = _design_code(s, Masking, design, "masking")
    enrollment = s.text(root, "enrollment")
    if enrollment is not None:
        if enrollment.isdigit() and len(enrollment) <= 12:
            f["enrollment"] = int(enrollment)
        else:
            s.warn("enrollment", f"not a number of participants: {_short(enrollment)}")


def _design_code(
    s: _Study, enum: type[E], design: dict[str, str], key: str, aliases: dict[str, E] | None = None
) -> E | None:
    text = design.get(key)
    if text is None or (text.lower() in _NOT_STATED and key != "allocation"):
        return None
    value = parse_enum(enum, text, aliases) if len(text) <= 100 else None
    if value is None:
        s.warn(f"study_design_info/{key}", f"unknown {enum.__name__} {_short(text)!r}")
    return value


def _arms_interventions(s: _Study, root: Element, f: dict[str, object]) -> None:
    f["conditions"] = s.texts(root, "condition")
    f["keywords"] = s.texts(root, "keyword")
    interventions = []
    names_of: dict[str, list[str]] = {}
    for node in root.findall("intervention"):
        name = s.text(node, "intervention_name")
        if not name:
            s.note("intervention", "an intervention without a name")
            continue
        interventions.append(
            Intervention(
                name=name,
                type=s.code(InterventionType, node, "intervention_type"),
                description=s.text(node, "description"),
                other_names=s.texts(node, "other_name"),
            )
        )
        for group in s.texts(node, "arm_group_label"):
            names_of.setdefault(group, []).append(name)
    arms = []
    for node in root.findall("arm_group"):
        label = s.text(node, "arm_group_label")
        if not label:
            s.note("arm_group", "an arm group without a label")
            continue
        arms.append(
            Arm(
                label=label,
                description=s.text(node, "description"),
                intervention_names=tuple(dict.fromkeys(names_of.get(label, []))),
                type=s.code(ArmGroupType, node, "arm_group_type"),
            )
        )
    f["interventions"] = tuple(interventions)
    f["arms"] = tuple(arms)


def _outcomes(s: _Study, root: Element, f: dict[str, object]) -> None:
    for tag in ("primary_outcome", "secondary_outcome", "other_outcome"):
        outcomes = []
        for node in root.findall(tag):
            measure = s.text(node, "measure")
            if measure:
                outcomes.append(Outcome(measure, s.text(node, "time_frame"), s.text(node, "description")))
            else:
                s.note(tag, "an outcome without a measure")
        f[f"{tag}s"] = tuple(outcomes)


def _eligibility(s: _Study, root: Element, f: dict[str, object]) -> None:
    node = root.find("eligibility")
    if node is None:
        return
    criteria = node.find("criteria/textblock")
    if criteria is not None:
        read = read_criteria("".join(criteria.itertext()))
        f["inclusion_criteria"], f["exclusion_criteria"] = read.inclusion, read.exclusion
        f["criteria_sections"] = criteria_sections(read)
        for line in read.outside:
            s.note("eligibility/criteria", f"(outside Inclusion/Exclusion) {_short(line)}")
    f["sex"] = s.code(Sex, node, "gender", _SEX_ALIASES)
    f["min_age"] = s.age(node, "minimum_age")
    f["max_age"] = s.age(node, "maximum_age")
    f["healthy_volunteers"] = s.boolean(node, "healthy_volunteers")


def _people_places(s: _Study, root: Element, f: dict[str, object]) -> None:
    officials = []
    for node in root.findall("overall_official"):
        name = s.text(node, "last_name")  # the legacy XML puts the full name here
        if name:
            officials.append(
                Official(name, s.code(OfficialRole, node, "role", _OFFICIAL_ALIASES), s.text(node, "affiliation"))
            )
    f["officials"] = tuple(officials)
    locations = []
    for node in root.findall("location"):
        facility = node.find("facility")
        address = None if facility is None else facility.find("address")
        location = Location(
            facility=s.text(facility, "name"),
            city=s.text(address, "city"),
            state=s.text(address, "state"),
            country=s.text(address, "country"),
            zip=s.text(address, "zip"),
            status=s.code(OverallStatus, node, "status", _STATUS_ALIASES),
        )
        if location != Location():
            locations.append(location)
    f["locations"] = tuple(locations)
    party = root.find("responsible_party")
    if party is not None:
        kind = s.text(party, "responsible_party_type")
        if kind is not None:
            if code_key(kind) in _RESPONSIBLE_PARTY_TYPES:
                f["responsible_party_type"] = code_key(kind)
            else:
                s.warn("responsible_party/responsible_party_type", f"unknown type {_short(kind)!r}")
        f["responsible_party_name"] = s.text(party, "investigator_full_name") or s.text(party, "name_title")
        f["responsible_party_affiliation"] = s.text(party, "investigator_affiliation") or s.text(party, "organization")


def _references(s: _Study, root: Element, f: dict[str, object]) -> None:
    references = []
    for tag, kind in (("reference", ReferenceType.BACKGROUND), ("results_reference", ReferenceType.RESULT)):
        for node in root.findall(tag):
            citation, pmid = s.text(node, "citation"), s.text(node, "PMID")
            if pmid is not None and not pmid.isdigit():
                s.warn(f"{tag}/PMID", f"not a PubMed id: {_short(pmid)}")
                pmid = None
            if not citation:
                s.note(tag, f"a reference without a citation (PMID {pmid})")
                continue
            parsed = parse_citation(citation)
            references.append(Reference(citation, pmid or parsed.pmid, parsed.doi, kind))
    f["references"] = tuple(references)
    links = []
    for node in root.findall("link"):
        url = s.text(node, "url")
        if url:
            links.append(WebLink(url, s.text(node, "description")))
        else:
            s.note("link", "a link without a url")
    f["see_also_links"] = tuple(links)
    for tag, field_name in (("condition_browse", "condition_meshes"), ("intervention_browse", "intervention_meshes")):
        browse = root.find(tag)
        if browse is not None:
            terms = s.texts(browse, "mesh_term")
            f[field_name] = tuple(MeshTerm("", t) for t in dict.fromkeys(terms))


def _other(s: _Study, root: Element, f: dict[str, object]) -> None:
    oversight = root.find("oversight_info")
    f["has_dmc"] = s.boolean(oversight, "has_dmc")
    f["is_fda_regulated_drug"] = s.boolean(oversight, "is_fda_regulated_drug")
    f["is_fda_regulated_device"] = s.boolean(oversight, "is_fda_regulated_device")
    ipd = root.find("patient_data")
    sharing = s.text(ipd, "sharing_ipd")
    if sharing is not None:
        if code_key(sharing) in _IPD_SHARING:
            f["ipd_sharing"] = code_key(sharing)
        else:
            s.warn("patient_data/sharing_ipd", f"unknown IPD sharing {_short(sharing)!r}")
    f["ipd_sharing_description"] = s.text(ipd, "ipd_description")
    f["brief_summary"] = s.text(root, "brief_summary")
    f["detailed_description"] = s.text(root, "detailed_description")
    f["has_results"] = root.find("clinical_results") is not None


# -- the file -------------------------------------------------------------------------------------------


def sniff(head: str) -> int:
    """Sure of a `clinical_study` root; a low score for other XML (to say why it is not a study)."""
    if re.search(r"<clinical_study[\s>]", head):
        return 95
    text = head.lstrip("\ufeff \t\r\n")
    return 35 if text.startswith("<") else 0


def _root(path: Path) -> Element:
    name = str(path)
    try:
        with path.open("rb") as fh:
            tree = DET.parse(fh, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except OSError as exc:
        raise RecordParseError(name, f"cannot read the file ({exc.strerror or exc})") from exc
    except defusedxml.DTDForbidden as exc:
        raise RecordParseError(name, "refused: the XML declares a DTD (not allowed in a study record)") from exc
    except defusedxml.EntitiesForbidden as exc:
        raise RecordParseError(name, f"refused: the XML declares the entity {exc.name!r} (entity expansion)") from exc
    except defusedxml.DefusedXmlException as exc:
        raise RecordParseError(name, f"refused: unsafe XML ({type(exc).__name__})") from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        problem = "the file is empty" if path.stat().st_size == 0 else f"not well-formed XML ({exc})"
        raise RecordParseError(name, problem, where=f"line {line}, column {column}" if line else None) from exc
    except (ValueError, LookupError, UnicodeError, RecursionError) as exc:
        raise RecordParseError(name, f"not readable XML ({type(exc).__name__}: {exc})") from exc
    return tree.getroot()  # type: ignore[no-any-return]


def parse(path: Path, source: SourceDocument) -> Iterator[Trial]:
    """The one trial of a `clinical_study` XML file; RecordParseError for anything else."""
    name = str(path)
    root = _root(path)
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag.rsplit("}", 1)[-1] != "clinical_study":
        raise RecordParseError(
            name, f"not a study record: the XML's root element is <{tag}>, not <clinical_study>"
            + (" (an RSS feed of search results)" if tag == "rss" else "")
        )  # fmt: skip
    try:
        trial = study_to_trial(root, source)
    except Exception as exc:  # a shape this reader did not foresee: report the file, never crash the build
        raise RecordParseError(name, f"cannot read the study ({type(exc).__name__}: {exc})") from exc
    if trial == Trial(source=source, has_results=False):
        raise RecordParseError(name, "the <clinical_study> states no trial field")
    yield trial
