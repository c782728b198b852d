"""Intervention roles (active drug, placebo, standard of care...) and dose/regimen text read into parts.

Only what the text states is read: "1 million units every other day subcutaneously for 14 days,
14-day rest, 3-6 cycles" gives amount 1000000, unit "unit", frequency "every other day", route
"subcutaneous", duration 14 days, rest 14 days, cycles 3 to 6; anything not stated stays None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trialkg.model import ArmGroupType, Intervention, InterventionType, Trial
from trialkg.normalize.text import fold

#: Role codes (trialkg code:InterventionRole-*), by what the intervention is in the trial.
ROLES = ("ACTIVE", "PLACEBO", "SHAM", "STANDARD_OF_CARE", "PROCEDURE", "BEHAVIORAL", "DEVICE", "OTHER")

#: Words in the name that settle the role, checked in this order.
_NAME_ROLES = (
    ("PLACEBO", re.compile(r"\bplacebos?\b|\bdummy\b|\bvehicle\b|\bsaline\b")),
    ("SHAM", re.compile(r"\bsham\b")),
    ("STANDARD_OF_CARE", re.compile(r"\bstandard (?:of )?care\b|\busual care\b|\bstandard (?:therapy|treatment)\b|"
                                    r"\bbest supportive care\b|\bsoc\b|\bconventional (?:therapy|treatment)\b")),
)  # fmt: skip

_TYPE_ROLES = {
    InterventionType.DRUG: "ACTIVE", InterventionType.BIOLOGICAL: "ACTIVE", InterventionType.GENETIC: "ACTIVE",
    InterventionType.COMBINATION_PRODUCT: "ACTIVE", InterventionType.DIETARY_SUPPLEMENT: "ACTIVE",
    InterventionType.RADIATION: "PROCEDURE", InterventionType.PROCEDURE: "PROCEDURE",
    InterventionType.BEHAVIORAL: "BEHAVIORAL", InterventionType.DEVICE: "DEVICE",
    InterventionType.DIAGNOSTIC_TEST: "PROCEDURE", InterventionType.OTHER: "OTHER",
}  # fmt: skip

_ARM_ROLES = {ArmGroupType.PLACEBO_COMPARATOR: "PLACEBO", ArmGroupType.SHAM_COMPARATOR: "SHAM"}


def intervention_role(item: Intervention, arm_types: tuple[ArmGroupType, ...] = ()) -> str | None:
    """The role of an intervention: its name first, then the arms that give it alone, then its type.

    >>> intervention_role(Intervention("Matching placebo tablets", InterventionType.DRUG))
    'PLACEBO'
    """
    name = fold(item.name)
    for role, pattern in _NAME_ROLES:
        if pattern.search(name):
            return role
    if arm_types and all(t in _ARM_ROLES for t in arm_types) and len({_ARM_ROLES[t] for t in arm_types}) == 1:
        return _ARM_ROLES[arm_types[0]]
    return _TYPE_ROLES.get(item.type) if item.type is not None else None


def arm_types_by_intervention(trial: Trial) -> dict[str, tuple[ArmGroupType, ...]]:
    """Intervention name -> the types of the arms that give it (what `intervention_role` weighs)."""
    found: dict[str, list[ArmGroupType]] = {}
    for arm in trial.arms:
        for name in arm.intervention_names:
            if arm.type is not None:
                found.setdefault(name, []).append(arm.type)
    return {name: tuple(types) for name, types in found.items()}


@dataclass(frozen=True)
class Regimen:
    amount: float | None = None
    amount_max: float | None = None
    unit: str | None = None
    #: What the amount is per: "m2" (body surface), "kg" (body weight).
    basis: str | None = None
    route: str | None = None
    frequency: str | None = None
    duration_days: int | None = None
    rest_days: int | None = None
    cycles_min: int | None = None
    cycles_max: int | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in self.__dict__.values())

    def to_record(self) -> dict[str, float | int | str | None] | None:
        """The regimen as `show --json` prints it: every part, None where not stated; None when nothing is."""
        return None if self.is_empty() else dict(self.__dict__)


_MULTIPLIERS = {"million": 1e6, "thousand": 1e3, "billion": 1e9}
_UNIT_NAMES = {
    "mg": "mg", "milligram": "mg", "milligrams": "mg", "g": "g", "gram": "g", "grams": "g", "mcg": "ug", "ug": "ug",
    "µg": "ug", "microgram": "ug", "micrograms": "ug", "ml": "mL", "iu": "IU", "miu": "MIU", "u": "unit",
    "unit": "unit", "units": "unit", "mu": "MIU",
}  # fmt: skip
_AMOUNT = re.compile(
    r"(?P<num>\d[\d,]*(?:\.\d+)?)(?:\s*(?:-|to|–)\s*(?P<max>\d[\d,]*(?:\.\d+)?))?\s*"
    r"(?P<mult>million|thousand|billion)?\s*(?P<unit>mg|milligrams?|grams?|g|mcg|µg|ug|micrograms?|ml|miu|iu|mu|"
    r"units?|u)\b(?:\s*(?:/|per)\s*(?P<basis>square met(?:er|re)|m2|m²|kg|kilogram))?",
    re.IGNORECASE,
)
_ROUTES = (
    ("subcutaneous", r"subcutaneous(?:ly)?|\bs\.?c\.?\b|\bsubq\b|\bih\b"),
    ("intravenous", r"intravenous(?:ly)?|\bi\.?v\.?\b"),
    ("oral", r"\boral(?:ly)?\b|\bby mouth\b|\bp\.?o\.?\b"),
    ("intramuscular", r"intramuscular(?:ly)?|\bi\.?m\.?\b"),
    ("topical", r"\btopical(?:ly)?\b"),
    ("inhaled", r"\binhal(?:ed|ation)\b"),
)
_FREQUENCIES = (
    ("every other day", r"every other day|\bqod\b|alternate days?|every 2 days"),
    (
        "twice daily",
        r"twice (?:a )?dai?ly|\bbid\b|\bb\.i\.d\.?|twice\s*(?:a|per|/)\s*d(?:ay)?\b|\b2 times (?:a|per) day",
    ),
    (
        "three times daily",
        r"three times (?:a )?dai?ly|\btid\b|three times\s*(?:a|per|/)\s*d(?:ay)?\b|\b3 times (?:a|per) day",
    ),
    ("once daily", r"once (?:a )?dai?ly|\bqd\b|once\s*(?:a|per|/)\s*d(?:ay)?\b|\bdaily\b|every day|per day"),
    ("weekly", r"once (?:a )?week(?:ly)?|\bweekly\b|every week|\bqw\b"),
    ("every 2 weeks", r"every (?:2|two) weeks|biweekly|\bq2w\b"),
    ("every 3 weeks", r"every (?:3|three) weeks|\bq3w\b"),
    ("monthly", r"\bmonthly\b|every month|every 4 weeks|\bq4w\b"),
)
_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30}
_DURATION = re.compile(r"\b(?:for|duration(?: of)?:?) (?:a period of )?(\d+)\s*(days?|weeks?|months?)\b", re.IGNORECASE)
_REST = re.compile(r"(\d+)[\s-]*(days?|weeks?)[\s-]*(?:rest|break|off)\b|\brest (?:of|for) (\d+)\s*(days?|weeks?)",
                   re.IGNORECASE)  # fmt: skip
_CYCLES = re.compile(r"(\d+)(?:\s*(?:-|to|–)\s*(\d+))?\s*(?:cycles?|courses?)\b", re.IGNORECASE)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def parse_regimen(text: str | None) -> Regimen:
    """The dose and schedule a text states. Never raises; an empty Regimen when nothing is stated.

    >>> r = parse_regimen("500,000 unit per square meter")
    >>> (r.amount, r.unit, r.basis)
    (500000.0, 'unit', 'm2')
    """
    if not isinstance(text, str) or not text.strip():
        return Regimen()
    text = text[:5000]
    fields: dict[str, object] = {}
    m = _AMOUNT.search(text)
    if m:
        mult = _MULTIPLIERS.get((m.group("mult") or "").lower(), 1.0)
        fields["amount"] = _number(m.group("num")) * mult
        if m.group("max"):
            fields["amount_max"] = _number(m.group("max")) * mult
        # IGNORECASE lets "µg" (micro sign) match "μg" (Greek mu): both name micrograms.
        unit = m.group("unit").lower().replace("\u03bc", "\u00b5")
        fields["unit"] = _UNIT_NAMES.get(unit, unit)
        basis = (m.group("basis") or "").lower()
        if basis:
            fields["basis"] = "kg" if basis.startswith("k") else "m2"
    lowered = text.lower()
    fields["route"] = next((name for name, pat in _ROUTES if re.search(pat, lowered)), None)
    fields["frequency"] = next((name for name, pat in _FREQUENCIES if re.search(pat, lowered)), None)
    d = _DURATION.search(text)
    if d:
        fields["duration_days"] = int(d.group(1)) * _DAYS[d.group(2).lower()]
    r = _REST.search(text)
    if r:
        n, unit = (r.group(1), r.group(2)) if r.group(1) else (r.group(3), r.group(4))
        fields["rest_days"] = int(n) * _DAYS[unit.lower()]
    c = _CYCLES.search(text)
    if c:
        low, high = int(c.group(1)), int(c.group(2) or c.group(1))
        if 0 < low <= high:
            fields["cycles_min"], fields["cycles_max"] = low, high
    # "0 days" or "0 cycles" states no schedule (and the shapes require counts above zero).
    return Regimen(**{k: v for k, v in fields.items() if v is not None and v != 0})  # type: ignore[arg-type]
