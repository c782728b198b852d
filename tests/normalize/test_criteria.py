"""The criteria reader: a table of criteria with the constraints a reader takes from them, junk input, labels."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples
from testdata import DATA
from trialkg.model import CriterionKind, Intervention, SourceDocument, Trial
from trialkg.normalize.criteria import (
    Comparator,
    ConstraintKind,
    age_range,
    duration,
    normalise,
    parse_criterion,
    reconcile_age,
    record_age_years,
)
from trialkg.normalize.enrich import constraint_entity, enrich
from trialkg.rdf import iri
from trialkg.rdf.mapping import map_trial
from trialkg.rdf.vocab import TK

INC, EXC = CriterionKind.INCLUSION, CriterionKind.EXCLUSION

#: (criterion text, polarity, expected (kind, variable, comparator, value, value_max, unit) in reading order).
#: The first rows are the measurable thresholds of the seed documents; the rest are phrasings of the same
#: kinds written for this table (not taken from any document).
CASES = [
    ("SLE disease activity index(SLEDAI) ≥ 8.", INC, [("measurement", "SLEDAI", ">=", 8, None, None)]),
    ("renal disorder(proteinuria\\>0.5g/day), neuropsychiatric SLE", INC,
     [("measurement", "proteinuria", ">", 0.5, None, "g/d"),
      ("condition", "neuropsychiatric lupus", "=", True, None, None)]),
    ("hepatic insufficiency (transaminases\\> 3N)", EXC,
     [("condition", "liver dysfunction", "=", True, None, None),
      ("measurement", "transaminases", ">", 3, None, "[ULN]")]),
    ("renal insufficiency (creatinine clearance ≤30ml/min)", EXC,
     [("condition", "renal dysfunction", "=", True, None, None),
      ("measurement", "creatinine clearance", "<=", 30, None, "mL/min")]),
    ("Age: 18 to 65 years, weight 45-80kg, male or female", INC,
     [("age", "age", "between", 18, 65, "a"), ("measurement", "weight", "between", 45, 80, "kg")]),
    ("Apply corticosteroid less than 1.0mg/kg/d.", INC,
     [("measurement", "corticosteroid dose", "<", 1, None, "mg/kg/d")]),
    ("ANA\\>1:160, anti-dsDNA, immunoglobulin\\>20g/L, leukopenia\\<3×10\\^9/L, thrombocytopenia\\<100×10\\^9/L", INC,
     [("measurement", "ANA", ">", 160, None, "{titer}"), ("measurement", "immunoglobulin", ">", 20, None, "g/L"),
      ("measurement", "leukocytes", "<", 3, None, "10*9/L"), ("measurement", "platelets", "<", 100, None, "10*9/L")]),
    ("heart failure (cardiac function ≥ grade III NYHA)", EXC,
     [("condition", "heart failure", "=", True, None, None), ("measurement", "NYHA class", ">=", 3, None, None)]),
    ("upper limit of normal range of transaminase > 2 times", EXC,
     [("measurement", "transaminases", ">", 2, None, "[ULN]")]),
    ("History of administration of rituximab or other biologics;", EXC,
     [("treatment", "rituximab", "=", True, None, None), ("treatment", "biologics", "=", True, None, None)]),
    ("age <18 years old", INC, [("age", "age", "<", 18, None, "a")]),
    ("Pregnancy or lactation in females.", EXC,
     [("pregnancy", "pregnancy", "=", True, None, None), ("lactation", "lactation", "=", True, None, None)]),
    ("Written informed consent form.", INC, [("consent", "consent", "=", True, None, None)]),
    ("Inability to comply with IL-2 treatment regimen.", EXC, [("compliance", "compliance", "=", False, None, None)]),
    ("Negative HIV test.", INC, [("condition", "HIV", "=", False, None, None)]),
    # phrasings written for this table
    ("Platelet count at least 75,000/µL and hemoglobin >= 9 g/dL", INC,
     [("measurement", "platelets", ">=", 75000, None, "/uL"), ("measurement", "hemoglobin", ">=", 9, None, "g/dL")]),
    ("eGFR below 45 mL/min/1.73 m2", EXC, [("measurement", "eGFR", "<", 45, None, "mL/min/{1.73_m2}")]),
    ("Aged 6 to 17 years", INC, [("age", "age", "between", 6, 17, "a")]),
    ("65 years of age or older", INC, [("age", "age", ">=", 65, None, "a")]),
    ("Under age 12", EXC, [("age", "age", "<", 12, None, "a")]),
    ("Body mass index between 18.5 and 35 kg/m2", INC, [("measurement", "BMI", "between", 18.5, 35, "kg/m2")]),
    ("AST or ALT above 2.5 x ULN", EXC, [("measurement", "transaminases", ">", 2.5, None, "[ULN]")]),
    ("Women only", INC, [("sex", "sex", "=", "female", None, None)]),
    ("Not pregnant and not breastfeeding", INC,
     [("pregnancy", "pregnancy", "=", False, None, None), ("lactation", "lactation", "=", False, None, None)]),
    ("Unable to give informed consent", EXC, [("consent", "consent", "=", False, None, None)]),
    ("No history of tuberculosis", INC, [("condition", "tuberculosis", "=", False, None, None)]),
    ("Able to read English", INC, []),
    ("Stable relationship for more than 6 months", INC, []),
]  # fmt: skip


@pytest.mark.parametrize(("text", "polarity", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_criterion_constraints(text, polarity, expected):
    found = parse_criterion(text, polarity)
    got = [(c.kind.value, c.variable, c.comparator.value, c.value, c.value_max, c.unit) for c in found]
    assert got == expected
    assert all(c.polarity is polarity and c.text == text for c in found)


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("History of intravenous immunoglobulin (IVIG) or leflunomide within 6 months prior to randomization", "P6M"),
        ("High-dose steroid pulse therapy (\\>1.5mg/kg) or IV bolus of corticosteroids in the last 2 months.", "P2M"),
        ("Participate in other clinical trial within 3 months.", "P3M"),
        ("Treatment with cyclophosphamide in the past 18 months", "P1Y6M"),
        ("Received any vaccine 2 weeks before screening", "P14D"),
    ],
)
def test_time_windows(text, window):
    found = parse_criterion(text, EXC)
    assert found and all(c.window == window for c in found)


def test_a_dose_is_a_measurement_with_the_window_of_its_clause():
    found = parse_criterion("High-dose steroid pulse therapy (\\>1.5mg/kg) in the last 2 months.", EXC)
    assert [(c.variable, c.comparator.value, c.value, c.unit, c.window) for c in found] == [
        ("corticosteroid dose", ">", 1.5, "mg/kg", "P2M")
    ]


def test_the_trials_own_names_are_recognised_and_linked():
    found = parse_criterion("Prior exposure to belatacept", EXC, interventions=["Belatacept"])
    assert [(c.kind, c.variable) for c in found] == [(ConstraintKind.TREATMENT, "Belatacept")]
    entity = constraint_entity(found[0])
    assert entity is not None
    assert iri.intervention_entity(entity.mesh_ui, entity.key) == iri.intervention_concept("Belatacept")


def test_words_around_a_mention_that_are_not_facts_about_the_participant():
    assert parse_criterion("Known allergy to rituximab", EXC)[0].variable == "hypersensitivity"
    assert not [c for c in parse_criterion("Known allergy to rituximab", EXC) if c.kind is ConstraintKind.TREATMENT]
    assert parse_criterion("Pregnant partner", EXC) == ()
    assert parse_criterion("Patients may be receiving chemotherapy", INC) == ()


@settings(max_examples=examples(300), deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300), st.sampled_from(list(CriterionKind)))
def test_junk_never_raises_and_gives_well_formed_constraints(text, polarity):
    for c in parse_criterion(text, polarity):
        assert isinstance(c.comparator, Comparator) and c.variable
        if c.comparator is Comparator.BETWEEN:
            assert c.value_max is not None and c.value <= c.value_max
        else:
            assert c.value_max is None


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.sampled_from(["age", ">=", "18", "years", "SLEDAI", "<", "1:160", "x ULN", "mg/kg/d", "-", "to",
                                 "within", "6", "months", "not", "pregnant", "or", ";", ".", "0,5", "3,000", " "]),
                max_size=25))  # fmt: skip
def test_criteria_like_junk_never_raises(words):
    parse_criterion(" ".join(words), INC)


def test_normalise_and_durations():
    assert normalise("x \\> 2 and y ≤ 3, z more than 4") == "x > 2 and y <= 3, z > 4"
    assert [duration(n, u) for n, u in ((12, "mo"), (30, "d"), (2, "wk"), (36, "h"))] == [
        "P1Y",
        "P30D",
        "P14D",
        "P1DT12H",
    ]
    assert [record_age_years(t) for t in ("18 Years", "6 Months", "", None)] == [18.0, 0.5, None, None]


def _trial(min_age=None, max_age=None, inclusion=(), exclusion=()):
    return Trial(source=SourceDocument("t.txt", "keyvalue", "0" * 64), nct_id="NCT01234567", min_age=min_age,
                 max_age=max_age, inclusion_criteria=inclusion, exclusion_criteria=exclusion)  # fmt: skip


def test_age_is_reconciled_with_the_record():
    agreeing = _trial("18 Years", "65 Years", inclusion=("Age: 18 to 65 years",))
    assert reconcile_age(agreeing) == (age_range(parse_criterion("Age: 18 to 65 years", INC)), [])
    narrower = _trial("18 Years", "65 Years", inclusion=("Aged 18 to 40 years",))
    ages, problems = reconcile_age(narrower)
    assert (ages.low, ages.high) == (18.0, 40.0) and problems == ["maximum age 65 Years but a criterion says 40 years"]
    only_text = _trial(inclusion=("age <18 years old",))
    ages, problems = reconcile_age(only_text)
    assert (ages.low, ages.high, ages.high_inclusive, problems) == (None, 18.0, False, [])
    assert ages.admits(17.9) and not ages.admits(18)


def test_constraints_are_children_of_their_criterion_in_the_graph():
    trial = _trial(exclusion=("Serious infection; rituximab within 6 months",))
    triples = map_trial(enrich(trial)).triples
    criterion = iri.trial("NCT01234567") + "/criterion/exclusion/1"
    children = [str(o) for s, p, o in triples if str(s) == criterion and p == TK.constraint]
    assert children == [f"{criterion}/constraint/1", f"{criterion}/constraint/2"]
    linked = {str(o) for s, p, o in triples if p == TK.mentionedEntity}
    # The criterion's mentions meet the nodes that trials stating them get (the normaliser's entities).
    stating = replace(_trial(), nct_id="NCT07654321", conditions=("Infection",),
                      interventions=(Intervention(name="Rituximab"),))  # fmt: skip
    stated = {str(o) for s, p, o in map_trial(enrich(stating)).triples if p in (TK.condition, TK.interventionConcept)}
    assert len(linked) == 2 and linked <= stated, (linked, stated)
    assert map_trial(enrich(trial)).triples == triples  # deterministic


# ---------------------------------------------------------------- the labelled sample

LABELS = [json.loads(line) for line in (DATA / "criteria_labels.jsonl").read_text(encoding="utf-8").splitlines()]


def _score(rows):
    right = predicted = labelled = 0
    for row in rows:
        gold = [_key(c) for c in row["constraints"]]
        labelled += len(gold)
        ctx = row["context"]
        for c in parse_criterion(row["text"], CriterionKind(row["polarity"]), conditions=ctx["conditions"],
                                 interventions=ctx["interventions"]):  # fmt: skip
            predicted += 1
            if _key(c.to_json()) in gold:
                gold.remove(_key(c.to_json()))
                right += 1
    return right / predicted, right / labelled


def _key(c):
    value = (
        float(c["value"]) if isinstance(c["value"], (int, float)) and not isinstance(c["value"], bool) else c["value"]
    )
    vmax = None if c["value_max"] is None else float(c["value_max"])
    return (c["kind"], c["variable"].casefold(), c["comparator"], value, vmax, c["unit"])


def test_labelled_sample_is_what_the_brief_asks():
    assert len(LABELS) >= 150
    sources = {row["source"].split("/")[2] if row["source"].startswith("shared/") else "seeds" for row in LABELS}
    assert len(sources) >= 6  # several corpus folders and the seeds


@pytest.mark.parametrize(
    ("split", "min_precision", "min_recall"),
    [("development", 0.95, 0.9), ("held-out", 0.9, 0.45), ("final-held-out", 0.8, 0.35), (None, 0.9, 0.65)],
)
def test_precision_on_the_labelled_criteria(split, min_precision, min_recall):
    # benchmarks/criteria_eval.py measured (precision/recall): development 0.97/0.94 (the rules were written
    # reading these), held-out 0.95/0.48 (labelled blind, then general fixes), final-held-out 0.875/0.41 (labelled
    # blind after the rules were frozen: 0.85 before two bug fixes), all 269 criteria 0.96/0.72.
    precision, recall = _score([row for row in LABELS if split is None or row["split"] == split])
    assert precision >= min_precision and recall >= min_recall, (precision, recall)


# ---------------------------------------------------------------- issue 19: more numbers found

_M, _A = "measurement", "age"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ages with a plus sign
        ("Age 18+", [(_A, "age", ">=", 18, None, "a")]),
        ("Adults 65+ years old", [(_A, "age", ">=", 65, None, "a")]),
        # counts per day, week or month
        ("Smoking at least 10 cigarettes per day", [(_M, "cigarettes", ">=", 10, None, "/d")]),
        ("At least 4 migraine attacks per month", [(_M, "migraine attacks", ">=", 4, None, "/mo")]),
        # "or higher" / "no more than" and "times normal"
        ("MMSE score of 24 or higher", [(_M, "MMSE", ">=", 24, None, None)]),
        ("Bilirubin no more than 1.5 times normal", [(_M, "bilirubin", "<=", 1.5, None, "[ULN]")]),
        ("Alkaline phosphatase less than 2.5 times normal", [(_M, "alkaline phosphatase", "<", 2.5, None, "[ULN]")]),
        # scores of named instruments, the number before or after the name
        ("A score of 10 or more on the PHQ-9", [(_M, "PHQ-9", ">=", 10, None, None)]),
        ("HAM-D17 total score >= 18", [(_M, "HAM-D", ">=", 18, None, None)]),
        ("ICDSC greater than or equal to 4 at enrollment", [(_M, "ICDSC", ">=", 4, None, None)]),
        ("EDSS between 2.0 and 6.5", [(_M, "EDSS", "between", 2, 6.5, None)]),
        # grades, a denial read as the complement bound
        ("Grade 2 or greater proteinuria", [(_M, "proteinuria grade", ">=", 2, None, None)]),
        ("No grade 2 or higher peripheral neuropathy", [(_M, "peripheral neuropathy grade", "<", 2, None, None)]),
        ("Concurrent toxicity must be <= grade 2", [(_M, "toxicity grade", "<=", 2, None, None)]),
        # counts of prior treatments
        ("No more than 2 prior chemotherapy regimens", [(_M, "prior chemotherapy regimens", "<=", 2, None, None)]),
        # fractions: blood pressure
        ("Blood pressure below 140/90 mmHg", [(_M, "systolic blood pressure", "<", 140, None, "mm[Hg]"),
                                              (_M, "diastolic blood pressure", "<", 90, None, "mm[Hg]")]),
        # bounds in parentheses after the variable, units of PDQ records
        ("Anemia (hemoglobin less than 10 g/dL)", [(_M, "hemoglobin", "<", 10, None, "g/dL")]),
        ("Granulocyte count at least 1,500/mm^3", [(_M, "granulocytes", ">=", 1500, None, "/uL")]),
        ("CD4 count of at least 300 cells/mm3", [(_M, "CD4 count", ">=", 300, None, "/uL")]),
        ("Systolic blood pressure greater than 170 mm", [(_M, "systolic blood pressure", ">", 170, None, "mm[Hg]")]),
        ("Carboplatin dose 300 mg/m2 or less", []),  # a named drug's dose: not read (no such variable)
        # not bounds: versions, a unit word as a name, imaging
        ("SGOT no greater than 2 times ULN (no greater than 5 times ULN if liver metastases present)",
         [(_M, "transaminases", "<=", 2, None, "[ULN]")]),
        ("MRI > 3 months before entry", []),
    ],
)  # fmt: skip
def test_numbers_of_issue_19(text, expected):
    got = [
        (c.kind.value, c.variable, c.comparator.value, c.value, c.value_max, c.unit)
        for c in parse_criterion(text, CriterionKind.INCLUSION)
        if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)
    ]
    assert got == expected
