"""normalize/: matching keys, the linker, organisation names and dose regimens, each against a table of cases;
junk text never raises; and a build puts every spelling of one entity on one node."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import examples
from testdata import DATA, SEEDS, UNSEEN
from trialkg.model import ArmGroupType, Intervention, InterventionType
from trialkg.normalize.dosage import intervention_role, parse_regimen
from trialkg.normalize.enrich import enrich
from trialkg.normalize.linking import primary, resolve
from trialkg.normalize.orgs import org_key, read_org, split_department
from trialkg.normalize.text import fold, key, rewrite, sorted_key, strip_qualifiers, strip_salt

# -- matching keys -----------------------------------------------------------------------------------------------

FOLDED = [
    ("Henoch-schönlein purpura", "henoch schonlein purpura"),
    ("IL-2", "il 2"),
    ("IL2", "il 2"),
    ("IFN-γ", "ifn gamma"),
    ("Lupus Erythematosus, Systemic", "lupus erythematosus systemic"),
    ("  SJÖGREN’S   syndrome ", "sjogren s syndrome"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "folded"), FOLDED)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


STRIPPED = [
    ("low-dose IL-2", "il 2"),
    ("Low dose IL-2", "il 2"),
    ("rhIL-2", "il 2"),
    ("HrIL-2", "il 2"),
    ("Recombinant Human Interleukin-2", "interleukin 2"),
    ("recombinant human interleukin-2 injection", "interleukin 2"),
    ("Aspirin 100 mg tablets", "aspirin"),
    ("IL-2 1 million units", "il 2"),
    ("Methotrexate (drug)", "methotrexate"),
    # A qualifier alone is the name: nothing else to keep.
    ("Placebo", "placebo"),
]


@pytest.mark.parametrize(("text", "stripped"), STRIPPED)
def test_strip_qualifiers(text: str, stripped: str) -> None:
    assert strip_qualifiers(text) == stripped


def test_sorted_key_meets_inverted_headings() -> None:
    assert sorted_key("Purpura, Schoenlein-Henoch") == sorted_key("Schoenlein-Henoch Purpura")
    assert key("Purpura, Schoenlein-Henoch") != key("Schoenlein-Henoch Purpura")


def test_salt_and_rewrites() -> None:
    assert strip_salt("metformin hydrochloride") == "metformin"
    assert strip_salt("sodium chloride") == "sodium"
    assert strip_salt("sodium") == "sodium"
    assert rewrite("Kidney Cancer") == "kidney neoplasms"
    assert rewrite("Crohn's Disease") == "crohn disease"


# -- the linker: every spelling of one entity -> one descriptor ---------------------------------------------------

ONE_ENTITY = {
    ("intervention", "D007376"): [
        "IL-2", "low-dose IL-2", "Low-Dose Interleukin-2", "Interleukin-2", "interleukin 2", "IL2", "rhIL-2",
        "HrIL-2", "hrIL-2", "Recombinant Human Interleukin-2", "aldesleukin", "Aldesleukin", "Proleukin",
        "Low dose IL-2 (1 million units)",
    ],
    ("condition", "D008180"): [
        "SLE", "Systemic Lupus Erythematosus", "systemic lupus erythematosus", "Lupus Erythematosus, Systemic",
        "Systemic Lupus Erythematosus (SLE)",
    ],
    ("condition", "D011695"): [
        "Henoch-schönlein purpura", "Henoch-Schönlein Purpura", "Purpura, Schoenlein-Henoch", "IgA vasculitis",
        "IgA Vasculitis", "Henoch-Schonlein Purpura",
    ],
}  # fmt: skip
CASES = [(kind, ui, m) for (kind, ui), mentions in ONE_ENTITY.items() for m in mentions]


@pytest.mark.parametrize(("kind", "ui", "mention"), CASES, ids=[c[2] for c in CASES])
def test_every_spelling_links_to_one_descriptor(kind: str, ui: str, mention: str) -> None:
    links = resolve(mention, kind)
    top = primary(links)
    assert top is not None, links
    assert top.ui == ui
    # A sure link, by lexicon lookup: never a guess.
    assert top.method in ("exact", "synonym") and top.confidence >= 0.85


def test_a_product_of_the_substance_is_a_close_match() -> None:
    (link,) = resolve("aldesleukin", "intervention")
    assert link.relation == "closeMatch"
    (link,) = resolve("Interleukin-2", "intervention")
    assert (link.relation, link.method) == ("exactMatch", "exact")


@pytest.mark.parametrize("mention", ["", "   ", "zzqx unknownium", "12345", "the", "Stage"])
def test_nothing_sure_gives_no_primary_link(mention: str) -> None:
    assert primary(resolve(mention, "condition")) is None


def test_a_longer_name_holding_a_descriptor_name_is_a_broad_match_that_names_no_node() -> None:
    links = resolve("Stage II Systemic Lupus Erythematosus With Renal Flare", "condition")
    assert links and all(lk.method == "partial" and lk.relation == "broadMatch" for lk in links)
    assert primary(links) is None


# -- organisations -----------------------------------------------------------------------------------------------

SAME_ORG = [
    ["The First Hospital of Jilin University", "First Hospital of Jilin University", "first hospital of jilin univ.",
     "FIRST HOSPITAL OF JILIN UNIVERSITY"],
    ["Helios Pharma AB", "Helios Pharma", "HELIOS PHARMA, AB"],
    ["Acme Biotech, Inc.", "ACME BIOTECH INC", "Acme Biotech Ltd"],
    ["Nordic Lupus Research Centre", "Nordic Lupus Research Center", "Nordic Lupus Research Ctr."],
    ["Smith & Jones Hospital", "Smith and Jones Hospital"],
]  # fmt: skip


@pytest.mark.parametrize("names", SAME_ORG, ids=lambda names: names[0])
def test_spellings_of_one_organisation_share_a_key(names: list[str]) -> None:
    assert len({org_key(n) for n in names}) == 1
    assert len({read_org(n).key for n in names}) == 1


def test_different_organisations_keep_different_keys() -> None:
    assert org_key("First Hospital of Jilin University") != org_key("Second Hospital of Jilin University")
    assert org_key("Peking University People's Hospital") != org_key("Peking University First Hospital")


def test_department_prefix_is_the_site_and_the_hospital_the_organisation() -> None:
    stated = "Department of Rheumatology and Immunology, Peking University People's Hospital"
    read = read_org(stated)
    assert read.department == "Department of Rheumatology and Immunology"
    same = ("Peking University People's Hospital", "Peking University Peoples Hospital")
    assert {read.key} == {read_org(n).key for n in same}
    assert read.name == "Peking University People's Hospital"
    assert split_department("Division of Nephrology, Dept. of Medicine, Helios Hospital") == (
        "Division of Nephrology, Dept. of Medicine",
        "Helios Hospital",
    )
    # A comma inside a name that is not a unit stays: "Hospital, Beijing" is no department.
    assert split_department("Peking University People's Hospital, Beijing") == (
        None, "Peking University People's Hospital, Beijing"
    )  # fmt: skip


def test_abbreviations_in_brackets_and_curated_variants() -> None:
    read = read_org("Helios Research Institute (HRI)")
    assert (read.key, read.acronym) == ("helios research institute", "HRI")
    # "(ABC)" that is not the name's initials is part of the name.
    assert read_org("Helios Hospital (Beijing)").acronym is None
    nci = ("National Cancer Institute (NCI)", "NCI", "US National Cancer Institute")
    assert len({read_org(n).key for n in nci}) == 1


# -- dose regimens and roles -------------------------------------------------------------------------------------


def test_il2_regimen_from_the_issue() -> None:
    r = parse_regimen("1 million units every other day subcutaneously for 14 days, 14-day rest, 3-6 cycles")
    assert (r.amount, r.unit, r.route, r.frequency) == (1e6, "unit", "subcutaneous", "every other day")
    assert (r.duration_days, r.rest_days, r.cycles_min, r.cycles_max) == (14, 14, 3, 6)


REGIMENS = [
    ("500,000 unit per square meter", {"amount": 500000.0, "unit": "unit", "basis": "m2"}),
    # "/day" is a daily amount, not how often it is given: no frequency.
    ("Aldesleukin 0.5-1 MIU/day sc", {"amount": 0.5, "amount_max": 1.0, "unit": "MIU", "route": "subcutaneous"}),
    ("methotrexate 15 mg orally once weekly", {"amount": 15.0, "unit": "mg", "route": "oral", "frequency": "weekly"}),
    ("10 mg/kg IV every 2 weeks for 6 months", {"amount": 10.0, "unit": "mg", "basis": "kg", "route": "intravenous",
                                                "frequency": "every 2 weeks", "duration_days": 180}),
    ("Dosage 2 g/d, frequency twice/d, duration 3 months", {"amount": 2.0, "unit": "g", "frequency": "twice daily",
                                                            "duration_days": 90}),
    ("1250 mg Nelfinavir twice daily Monday - Sunday", {"amount": 1250.0, "unit": "mg", "frequency": "twice daily"}),
    ("Cytarabine 500 μg/kg", {"amount": 500.0, "unit": "ug", "basis": "kg"}),  # Greek mu, not the micro sign
    ("Cytarabine 500 µg/kg", {"amount": 500.0, "unit": "ug", "basis": "kg"}),
    ("Placebo injections matched to the active drug", {}),
    (None, {}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), REGIMENS, ids=lambda v: str(v)[:30])
def test_regimen_parts(text: str | None, expected: dict[str, object]) -> None:
    r = parse_regimen(text)
    stated = {k: v for k, v in r.__dict__.items() if v is not None}
    assert stated == expected


def test_zero_counts_are_not_stated_counts() -> None:
    r = parse_regimen("0 cycles, for 0 days")
    assert (r.cycles_min, r.cycles_max, r.duration_days) == (None, None, None)


ROLES = [
    (Intervention("Matching placebo tablets", InterventionType.DRUG), (), "PLACEBO"),
    (Intervention("Sham ESWT", InterventionType.DEVICE), (), "SHAM"),
    (Intervention("Standard of care", InterventionType.OTHER), (), "STANDARD_OF_CARE"),
    (Intervention("Low-dose IL-2", InterventionType.BIOLOGICAL), (), "ACTIVE"),
    (Intervention("Saline infusion", None), (), "PLACEBO"),
    (Intervention("Control tablet", InterventionType.DRUG), (ArmGroupType.PLACEBO_COMPARATOR,), "PLACEBO"),
    (Intervention("Exercise programme", InterventionType.BEHAVIORAL), (), "BEHAVIORAL"),
    (Intervention("Something", None), (), None),
]


@pytest.mark.parametrize(("item", "arms", "role"), ROLES, ids=lambda v: getattr(v, "name", str(v)))
def test_intervention_roles(item: Intervention, arms: tuple[ArmGroupType, ...], role: str | None) -> None:
    assert intervention_role(item, arms) == role


# -- junk never raises -------------------------------------------------------------------------------------------

_JUNK = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="0123456789,.-–/ xX^µμΜ²mgkgIUunitsmillion per day cycles rest for weeks(Dept)&'", max_size=120),
)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_JUNK, st.sampled_from(["condition", "intervention"]))
def test_normalisers_never_raise_on_junk(text: str, kind: str) -> None:
    for link in resolve(text, kind):
        assert 0.0 <= link.confidence <= 1.0
    strip_salt(strip_qualifiers(text))
    rewrite(text)
    read = read_org(text)
    assert read.key == org_key(read.name) or read.canonical is not None
    regimen = parse_regimen(text)
    for count in (regimen.cycles_min, regimen.cycles_max, regimen.duration_days, regimen.rest_days):
        assert count is None or count > 0
    assert regimen.amount is None or regimen.amount >= 0


# -- a build puts every spelling on one node ---------------------------------------------------------------------

#: Stated names in the seeds, the unseen documents and a registry record, by the entity they name.
FAMILIES = {
    "interleukin-2": {"il 2", "low dose il 2", "interleukin 2", "rhil 2", "hril 2", "aldesleukin",
                      "recombinant human interleukin 2"},
    "systemic lupus": {"sle", "systemic lupus erythematosus", "lupus erythematosus systemic"},
    "iga vasculitis": {"henoch schonlein purpura", "purpura schoenlein henoch", "iga vasculitis"},
}  # fmt: skip

_NODES = """
PREFIX tk: <https://w3id.org/trialkg/ontology#>
SELECT DISTINCT ?name ?node WHERE {
  { ?m tk:statedCondition ?node } UNION { ?m tk:interventionConcept ?node } UNION { ?m tk:mentionOf ?node }
  ?m tk:name ?name .
}
"""


@pytest.fixture(scope="module")
def variant_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from trialkg.pipeline import build

    out = tmp_path_factory.mktemp("variants")
    docs = out / "docs"
    docs.mkdir()
    inputs = [*SEEDS, *UNSEEN, DATA / "ctgov" / "NCT00513591.xml"]
    for path in inputs:
        shutil.copy(path, docs / f"{path.parent.name}-{path.name}")
    # One more trial in the key:value format, stating the other spellings.
    text = (DATA / "unseen" / "keyvalue" / "randomised_completed.txt").read_text(encoding="utf-8")
    swaps = (
        ("NCT05123456", "NCT05999999"),
        ("Conditions: Lupus Nephritis\nSystemic Lupus Erythematosus",
         "Conditions: Lupus Erythematosus, Systemic\nHenoch-schönlein purpura\nSLE"),
        ("DRUG: Aldesleukin", "DRUG: rhIL-2"),
        ("DRUG: Placebo", "BIOLOGICAL: Recombinant Human Interleukin-2"),
    )  # fmt: skip
    for old, new in swaps:
        assert old in text
        text = text.replace(old, new)
    (docs / "variant-spellings.txt").write_text(text, encoding="utf-8")
    report = build([str(docs)], out / "graph", formats=("nq",))
    assert not report.failed, [d.error for d in report.failed]
    return out / "graph"


def test_build_puts_each_entitys_spellings_on_one_node(variant_build: Path) -> None:
    store = ox.Store.read_only(str(variant_build / "oxigraph"))
    nodes_by_key: dict[str, set[str]] = {}
    for row in store.query(_NODES):
        nodes_by_key.setdefault(key(row["name"].value), set()).add(row["node"].value)
    for family, keys in FAMILIES.items():
        seen = {k: nodes_by_key[k] for k in keys if k in nodes_by_key}
        # Most spellings of each family occur in the corpus built here; all of those share one node.
        assert len(seen) >= 2, (family, sorted(nodes_by_key))
        assert len(set().union(*seen.values())) == 1, (family, seen)


def test_show_json_of_a_built_trial_carries_the_codes(variant_build: Path) -> None:
    from trialkg.rdf.readback import read_trial

    store = ox.Store.read_only(str(variant_build / "oxigraph"))
    record = read_trial(store, "https://w3id.org/trialkg/trial/NCT00513591")
    assert "MESH:D008180" in record["condition_codes"]
    assert record["derived_condition_codes"] == []


# -- derived mentions --------------------------------------------------------------------------------------------


def test_a_trial_stating_no_conditions_gets_them_derived_in_its_own_words() -> None:
    from trialkg.model import SourceDocument, Trial
    from trialkg.normalize.mentions import DERIVED_CONFIDENCE, link_trial

    trial = Trial(
        source=SourceDocument("", "", ""),
        brief_title="Low-dose IL-2 for Systemic Lupus Erythematosus (SLE): a pilot",
        brief_summary="Patients with Henoch-Schönlein purpura may join.",
    )
    links = link_trial(trial, [])
    assert [(m.text, m.field) for m in links.derived_conditions] == [
        ("Systemic Lupus Erythematosus", "brief_title"),  # "SLE" names the same descriptor: once
        ("Henoch-Schönlein purpura", "brief_summary"),
    ]
    assert [m.text for m in links.derived_interventions] == ["IL-2"]
    for mention in links.derived_conditions + links.derived_interventions:
        assert all(lk.method == "derived" and lk.confidence <= DERIVED_CONFIDENCE for lk in mention.links)
    stated = Trial(source=SourceDocument("", "", ""), brief_title=trial.brief_title, conditions=("Lupus Nephritis",))
    assert link_trial(stated, []).derived_conditions == []  # stated conditions are never mixed with derived ones


def test_two_spellings_one_trial_states_apart_stay_two_organisations_there() -> None:
    from trialkg.model import AgencyClass, Organization, OrganizationRole, SourceDocument, Trial
    from trialkg.rdf.mapping import map_trial
    from trialkg.rdf.vocab import TK

    lead = Organization("Lin BioScience, Inc", OrganizationRole.LEAD_SPONSOR, AgencyClass.INDUSTRY)
    partner = Organization("Lin BioScience Pty Ltd", OrganizationRole.COLLABORATOR, AgencyClass.UNKNOWN)
    assert org_key(lead.name) == org_key(partner.name)  # one organisation across trials...
    triples = map_trial(enrich(Trial(source=SourceDocument("x.txt", "keyvalue", "0" * 64), nct_id="NCT01234567",
                              organizations=(lead, partner)))).triples  # fmt: skip
    classes: dict[object, set[object]] = {}
    for s, p, o in triples:
        if p == TK.agencyClass:
            classes.setdefault(s, set()).add(o)
    # ...but in this trial each keeps its own node, so neither gets two agency classes.
    assert len(classes) == 2 and all(len(v) == 1 for v in classes.values())
