"""`trialkg match`: which trials a patient could join, judged on the criteria constraints in the graph.

The data comes out of the graph by SPARQL (queries/eligibility_trials.rq, criterion_constraints_all.rq,
constraints_naming.rq with the patient's condition and treatment names as bound parameters); the
comparisons are made here. A constraint is judged only when the patient profile says something about
its variable; everything else is listed as not judged, never guessed. Verdicts:

- excluded: a criterion (or the registry's age or sex limit) rules the patient out;
- eligible: nothing rules the patient out and at least one criterion or limit was met;
- unknown: nothing could be judged.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pyoxigraph as ox

from trialkg.errors import TrialkgError
from trialkg.normalize.criteria import (
    COMPARATOR_OF_CODE,
    Comparator,
    ConstraintKind,
    any_of,
    lexicon,
    plain_number,
    record_age_years,
    years,
)
from trialkg.rdf import iri
from trialkg.rdf.queries import select


@dataclass(frozen=True)
class Measure:
    """A patient's measured value; unit None means "in the unit the criterion uses"."""

    variable: str
    value: float
    unit: str | None = None


@dataclass(frozen=True)
class Patient:
    age: float | None = None  # years
    sex: str | None = None  # "female" | "male"
    conditions: tuple[str, ...] = ()
    measures: tuple[Measure, ...] = ()
    taking: tuple[str, ...] = ()


class Verdict(str, Enum):
    ELIGIBLE = "eligible"
    EXCLUDED = "excluded"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class MatchResult:
    id: str
    nct_id: str | None
    brief_title: str | None
    verdict: Verdict
    #: The criterion texts (or registry limits) that decided the verdict: the inclusion criteria and limits
    #: the patient meets, or (excluded) the criteria that keep them out.
    because: tuple[str, ...] = ()
    #: Criteria with constraints the profile says nothing about.
    not_judged: tuple[str, ...] = ()
    #: Exclusion criteria that do not apply to the patient (a man and "pregnant women"): they decide nothing
    #: in favour, so they are kept apart from `because`.
    not_excluded_by: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "nct_id": self.nct_id, "verdict": self.verdict.value, "because": list(self.because),
            "not_excluded_by": list(self.not_excluded_by), "not_judged": list(self.not_judged),
            "brief_title": self.brief_title,
        }  # fmt: skip


_MEASURE = re.compile(r"^\s*(?P<var>[^=<>]+?)\s*=\s*(?P<num>-?\d+(?:[.,]\d+)?)\s*(?P<unit>\S.*)?$")


def parse_measure(text: str) -> Measure:
    """ "SLEDAI=10", "proteinuria=0.8 g/d": the variable named as in the lexicon, the unit as UCUM where known.

    >>> parse_measure("sledai=10"), parse_measure("Proteinuria = 0.8 g/day").unit
    (Measure(variable='SLEDAI', value=10.0, unit=None), 'g/d')
    """
    m = _MEASURE.match(text)
    if not m:
        raise TrialkgError(f"--measure {text!r}: expected NAME=NUMBER [UNIT], e.g. SLEDAI=10 or proteinuria=0.8 g/d")
    unit = m.group("unit")
    if unit:
        unit = next((code for code, p in lexicon().units if p.fullmatch(unit.strip())), unit.strip())
    return Measure(canonical(m.group("var"), "measurements"), float(m.group("num").replace(",", ".")), unit)


def canonical(name: str, table: str) -> str:
    """The lexicon's name for what the user typed ("sle" -> "systemic lupus erythematosus"), else the text."""
    entries = getattr(lexicon(), table)
    return next((c for c, p in entries if p.fullmatch(name.strip())), name.strip())


def _code(code_iri: str) -> str:
    # https://w3id.org/trialkg/code/ConstraintKind-concurrent-trial -> concurrent-trial
    return code_iri.rsplit("/", 1)[-1].split("-", 1)[1]


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.casefold()))


def studies_condition(trial_conditions: Iterable[str], wanted: str) -> bool:
    """Whether one of the trial's condition names is the patient's condition (same words, or one's words within
    the other's: "Lupus Erythematosus, Systemic" and "Systemic Lupus Erythematosus (SLE)" both match SLE)."""
    names = {wanted, canonical(wanted, "conditions")}
    for stated in trial_conditions:
        stated_names = {stated, canonical(stated, "conditions")}
        for a in names:
            for b in stated_names:
                wa, wb = _words(a), _words(b)
                if wa and wb and (wa <= wb or wb <= wa):
                    return True
    return False


def _compare(x: float, comparator: Comparator, value: float, value_max: float | None) -> bool:
    if comparator is Comparator.BETWEEN:
        return value <= x <= (value_max if value_max is not None else value)
    return {
        Comparator.LT: x < value, Comparator.LE: x <= value, Comparator.GT: x > value, Comparator.GE: x >= value,
        Comparator.EQ: x == value,
    }[comparator]  # fmt: skip


@dataclass
class _Criterion:
    text: str
    inclusion: bool
    constraints: list[dict[str, Any]] = field(default_factory=list)


def _meets(row: dict[str, Any], patient: Patient, named: set[str]) -> bool | None:
    """Whether the patient has the fact the constraint states; None when the profile does not say."""
    kind = row["kind"]
    comparator = COMPARATOR_OF_CODE[_code(row["comparator"])]
    value = row.get("value")
    if kind == ConstraintKind.AGE.value:
        if patient.age is None or value is None:
            return None
        low = years(plain_number(value), row.get("unit"))
        high = years(plain_number(row["valueMax"]), row.get("unit")) if row.get("valueMax") is not None else None
        return _compare(patient.age, comparator, low, high)
    if kind == ConstraintKind.SEX.value:
        return None if patient.sex is None else patient.sex == str(value).lower()
    if kind == ConstraintKind.MEASUREMENT.value:
        measure = next((m for m in patient.measures if m.variable.casefold() == row["variable"].casefold()), None)
        if measure is None or value is None:
            return None
        if measure.unit and row.get("unit") and measure.unit != row["unit"]:
            return None  # different units: not converted, so not judged
        vmax = plain_number(row["valueMax"]) if row.get("valueMax") is not None else None
        return _compare(measure.value, comparator, plain_number(value), vmax)
    if kind in (ConstraintKind.CONDITION.value, ConstraintKind.TREATMENT.value):
        if row["constraint"] not in named:
            return None
        return value is True
    if kind in (ConstraintKind.PREGNANCY.value, ConstraintKind.LACTATION.value) and patient.sex == "male":
        return value is False
    return None  # consent, compliance, other trials: a profile does not say


def _judge_criterion(crit: _Criterion, patient: Patient, named: set[str]) -> bool | None:
    """True: the criterion lets the patient in; False: it keeps them out; None: not judged."""
    met = [_meets(c, patient, named) for c in crit.constraints if c["kind"] != ConstraintKind.AGE.value]
    ages = [_meets(c, patient, named) for c in crit.constraints if c["kind"] == ConstraintKind.AGE.value]
    if ages:  # several ages in one criterion are alternatives ("aged 18-65, or 16-17 with consent")
        met.append(True if any(a is True for a in ages) else (False if all(a is False for a in ages) else None))
    if crit.inclusion:
        if any_of(crit.text):
            return True if any(m is True for m in met) else (False if met and all(m is False for m in met) else None)
        if any(m is False for m in met):
            return False
        return True if met and all(m is True for m in met) else None
    # An exclusion criterion's constraints are alternatives: meeting any one excludes.
    if any(m is True for m in met):
        return False
    return True if met and all(m is False for m in met) else None


def _named_constraints(store: ox.Store, patient: Patient) -> set[str]:
    """The constraints naming one of the patient's conditions or treatments (by name or linked entity)."""
    found: set[str] = set()
    for names, mint in ((patient.conditions, iri.condition), (patient.taking, iri.intervention_concept)):
        table = "conditions" if mint is iri.condition else "treatments"
        for name in names:
            for variant in {name.strip(), canonical(name, table)}:
                bindings = {"name": ox.Literal(variant.casefold()), "entity": ox.NamedNode(mint(variant))}
                found.update(row["constraint"] for row in select(store, "constraints_naming", bindings))
    return found


def _criteria(store: ox.Store, trials: Iterable[str], *, everything: bool) -> dict[str, dict[str, _Criterion]]:
    """The criteria with their constraints of `trials`: one query over the graph when most trials are wanted
    (`everything`), else one query per trial (the patient's condition leaves few: seconds, not minutes)."""
    rows = (
        select(store, "criterion_constraints_all")
        if everything
        else (
            row
            for trial in trials
            for row in select(store, "criterion_constraints_all", {"trial": ox.NamedNode(trial)})
        )
    )
    criteria: dict[str, dict[str, _Criterion]] = defaultdict(dict)
    for row in rows:
        crit = criteria[row["trial"]].setdefault(
            row["criterion"], _Criterion(row["text"], row["criterionType"].endswith("-inclusion"))
        )
        if all(c["constraint"] != row["constraint"] for c in crit.constraints):
            row["kind"] = _code(row["kind"])
            crit.constraints.append(row)
    return criteria


def match(store: ox.Store, patient: Patient) -> list[MatchResult]:
    """Every trial (studying the patient's condition, when one is given and the trial names any) with its
    verdict, eligible first."""
    trials: dict[str, dict[str, Any]] = {}
    for row in select(store, "eligibility_trials"):
        t = trials.setdefault(row["trial"], {"nct": None, "title": None, "min": None, "max": None, "sex": None,
                                             "conditions": set()})  # fmt: skip
        for key, col in (("nct", "nct"), ("title", "title"), ("min", "minAge"), ("max", "maxAge"), ("sex", "sex")):
            t[key] = t[key] or row.get(col)
        if "condition" in row:
            t["conditions"].add(row["condition"])
    # A trial that names no condition is kept: nothing says it is about something else.
    kept = {
        trial: t
        for trial, t in sorted(trials.items())
        if not (patient.conditions and t["conditions"])
        or any(studies_condition(t["conditions"], c) for c in patient.conditions)
    }
    criteria = _criteria(store, kept, everything=len(kept) * 4 > len(trials))
    named = _named_constraints(store, patient)

    results = []
    for trial, t in kept.items():
        against: list[str] = []
        for_: list[str] = []
        cleared: list[str] = []
        unjudged: list[str] = []
        for check, ok in _record_checks(t, patient):
            (for_ if ok else against).append(check)
        for _iri, crit in sorted(criteria[trial].items()):
            verdict = _judge_criterion(crit, patient, named)
            passed = for_ if crit.inclusion else cleared
            {True: passed, False: against, None: unjudged}[verdict].append(crit.text)
        if against:
            verdict_of_trial, reasons = Verdict.EXCLUDED, against
        else:
            verdict_of_trial, reasons = (Verdict.ELIGIBLE if for_ or cleared else Verdict.UNKNOWN), for_
        result = MatchResult(
            trial, t["nct"], t["title"], verdict_of_trial, tuple(reasons), tuple(unjudged),
            () if against else tuple(cleared),
        )  # fmt: skip
        results.append(result)
    rank = {Verdict.ELIGIBLE: 0, Verdict.UNKNOWN: 1, Verdict.EXCLUDED: 2}
    return sorted(results, key=lambda r: (rank[r.verdict], r.nct_id or "", r.id))


def _record_checks(t: dict[str, Any], patient: Patient) -> list[tuple[str, bool]]:
    """The registry's own limits: minimum and maximum age (inclusive) and sex."""
    checks = []
    if patient.age is not None:
        low, high = record_age_years(t["min"]), record_age_years(t["max"])
        if low is not None:
            checks.append((f"minimum age {t['min']}", patient.age >= low))
        if high is not None:
            checks.append((f"maximum age {t['max']}", patient.age <= high))
    sex = _code(t["sex"]) if t["sex"] else ""
    if patient.sex and sex in ("FEMALE", "MALE"):
        checks.append((f"sex: {sex.lower()} only", patient.sex == sex.lower()))
    return checks
