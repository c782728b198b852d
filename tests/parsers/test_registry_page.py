"""The registry-derived study page parser: golden seed, hand-written unseen pages, sniffing, junk input."""

from __future__ import annotations

from functools import partial

import parser_testkit as kit
from hypothesis import given
from hypothesis import strategies as st
from trialkg.model import Arm, Intervention, InterventionType, Location, Trial
from trialkg.parsers import registry_page

SEED = kit.SEEDS / "001_84cf295882173e96.txt"
UNSEEN = kit.unseen_docs("registry_page")

#: Blurb lines of the sections these tests build pages from (as the page prints them).
BLURB = {
    "Basic Information": "Get a concise snapshot of the trial, including recruitment status, study phase, "
    "enrollment targets, and key timeline milestones.",
    "Study Groups": "Review each arm or cohort in the study, along with the interventions and objectives "
    "associated with them.",
    "Interventions": "Learn about the drugs, procedures, or behavioral strategies being tested and how they "
    "are applied within this trial.",
    "Locations": "Explore where the study is taking place and check the recruitment status at each participating site.",
    "Countries": "Review the countries where the study has at least one active or historical site.",
    "Eligibility Criteria": "Check the participation requirements, including inclusion and exclusion rules, "
    "age limits, and whether healthy volunteers are accepted.",
}

_trial = partial(kit.trial_of, registry_page)


def _page(*sections: tuple[str, list[str]]) -> Trial:
    """A page built from (heading, content lines) sections, each with its blurb."""
    lines = [line for heading, body in sections for line in (heading, BLURB[heading], *body)]
    return kit.one_trial(registry_page, "\n".join(lines))


#: The golden seed and unseen pages field by field, the contract, sniffing, junk input (see parser_testkit).
TestRegistryPageFormat = kit.text_format_tests(
    registry_page,
    seeds=[SEED],
    unseen=UNSEEN,
    no_trial_texts=[
        "",
        "\n \n",
        "Basic Information\nno blurb here\n",
        f"Basic Information\n{BLURB['Basic Information']}\n",
    ],
)


# -- rules the seed shows --------------------------------------------------------------------


def test_page_never_takes_a_related_trial_as_its_own_id() -> None:
    trial = _trial(SEED)
    assert trial.nct_id is None
    assert "NCT04136106" in trial.related_trials


def test_sponsors_without_roles_are_not_guessed() -> None:
    trial = _trial(SEED)
    assert trial.lead_sponsor is None and trial.collaborators == ()
    assert all(o.role is None for o in trial.organizations)


def test_seed_keeps_related_titles_aside() -> None:
    assert "Section 'Related Clinical Trials': NCT02932137: Anti-infection of Low-does IL-2 in SLE" in (
        _trial(SEED).unmapped
    )


def test_unknown_section_with_a_blurb_is_kept_aside_whole() -> None:
    doc = next(p for p in UNSEEN if p.stem == "typed_interventions_results")
    assert "Section 'Outcome Measures': Change in FEV1 at 12 months" in _trial(doc).unmapped


# -- structure rules on small pages ----------------------------------------------------------


def test_arm_named_like_an_intervention_starts_a_new_arm() -> None:
    trial = _page(
        ("Study Groups", ["Drug X", "Gets drug X.", "Drug X", "X 10 mg.", "Placebo", "Gets placebo.",
                          "Placebo", "Sugar pill."]),
        ("Interventions", ["Drug X", "X 10 mg.", "Placebo", "Sugar pill."]),
    )  # fmt: skip
    assert trial.arms == (
        Arm("Drug X", "Gets drug X.", ("Drug X",)),
        Arm("Placebo", "Gets placebo.", ("Placebo",)),
    )


def test_groups_may_list_intervention_names_without_descriptions() -> None:
    trial = _page(
        ("Study Groups", ["Combination", "Both drugs.", "Drug X", "Drug Y", "Single", "Drug Y"]),
        ("Interventions", ["Drug X", "X 10 mg.", "Drug Y", "Y 5 mg."]),
    )
    assert trial.arms == (
        Arm("Combination", "Both drugs.", ("Drug X", "Drug Y")),
        Arm("Single", None, ("Drug Y",)),
    )


def test_typed_intervention_line_states_the_type() -> None:
    trial = _page(("Interventions", ["Device: Insulin pump", "Worn for 6 months."]))
    pump = Intervention("Insulin pump", InterventionType.DEVICE, "Worn for 6 months.")
    assert trial.interventions == (pump,)


def test_countries_add_only_countries_no_location_has() -> None:
    trial = _page(
        ("Locations", ["City Hospital", "Lyon, France"]),
        ("Countries", ["France", "Belgium"]),
    )
    assert trial.locations == (
        Location("City Hospital", "Lyon", None, "France"),
        Location(country="Belgium"),
    )


def test_single_age_is_not_guessed_as_minimum_or_maximum() -> None:
    trial = _page(("Eligibility Criteria", ["Inclusion Criteria", "* Adult", "65 Years", "MALE"]))
    assert trial.min_age is None and trial.max_age is None
    assert trial.inclusion_criteria == ("Adult",)
    assert any("65 Years" in u for u in trial.unmapped)


def test_basic_information_reads_values_by_shape() -> None:
    trial = _page(("Basic Information", ["WITHDRAWN", "PHASE3", "0 participants", "EXPANDED_ACCESS",
                                         "2020-01", "2020-02", "2020-03"]))  # fmt: skip
    assert (trial.overall_status.value if trial.overall_status else None) == "WITHDRAWN"
    assert [p.value for p in trial.phases] == ["PHASE3"]
    assert trial.enrollment == 0
    assert (trial.start_date, trial.completion_date) == ("2020-01", "2020-02")
    assert any("2020-03" in u for u in trial.unmapped)


# -- bad input -------------------------------------------------------------------------------


def test_pathological_values_are_kept_aside() -> None:
    huge = "9" * 5000
    trial = _page(
        ("Basic Information", [f"{huge} participants", "COMPLETED"]),
        ("Eligibility Criteria", ["Inclusion Criteria", "* Adult", f"{huge} Years"]),
    )
    assert trial.enrollment is None and trial.min_age is None
    assert any(huge in u for u in trial.unmapped)


@kit.fuzz(100)
@given(st.permutations(SEED.read_text(encoding="utf-8").splitlines()))
def test_shuffled_seed_raises_only_parse_errors(lines: list[str]) -> None:
    kit.parse_or_error(registry_page, "\n".join(lines))
