"""Eligibility criteria as constraints: "SLEDAI >= 8" -> (measurement, SLEDAI, >=, 8).

A criterion's text is read by rules: a lexicon of variables, conditions and treatments with their
synonyms and a unit table (`data/criteria_lexicon.toml`), and a small grammar of comparators,
numbers, ranges and time windows. Rules are tuned for precision: a criterion the rules do not
understand gets no constraint (it stays a node with its text), never a guessed one.
`benchmarks/criteria_eval.py` measures precision and recall on hand-labelled criteria.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import cache, lru_cache
from pathlib import Path

import ahocorasick

from trialkg.model import CriterionKind, Trial

Number = int | float


class ConstraintKind(str, Enum):
    AGE = "age"
    SEX = "sex"
    CONDITION = "condition"
    TREATMENT = "treatment"
    MEASUREMENT = "measurement"
    PREGNANCY = "pregnancy"
    LACTATION = "lactation"
    CONSENT = "consent"
    COMPLIANCE = "compliance"
    CONCURRENT_TRIAL = "concurrent-trial"


class Comparator(str, Enum):
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "="
    BETWEEN = "between"


#: Comparator -> the local name of its code in the ontology (code:Comparator-ge).
COMPARATOR_CODES = {
    Comparator.LT: "lt", Comparator.LE: "le", Comparator.GT: "gt", Comparator.GE: "ge", Comparator.EQ: "eq",
    Comparator.BETWEEN: "between",
}  # fmt: skip
COMPARATOR_OF_CODE = {code: comparator for comparator, code in COMPARATOR_CODES.items()}


@dataclass(frozen=True)
class Constraint:
    """One fact a criterion states about the participant.

    Presence facts (a condition, a treatment, pregnancy, consent...) are `= True` (has it, gives it)
    or `= False` (does not); `polarity` says whether meeting the fact includes or excludes.
    """

    polarity: CriterionKind
    kind: ConstraintKind
    variable: str
    comparator: Comparator
    value: Number | bool | str | None
    value_max: Number | None = None
    unit: str | None = None
    #: How far back the fact counts, as an ISO 8601 duration ("P6M" for "within 6 months").
    window: str | None = None
    #: The words of the criterion the constraint was read from.
    mention: str | None = None
    #: The criterion's whole text.
    text: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "polarity": self.polarity.value, "kind": self.kind.value, "variable": self.variable,
            "comparator": self.comparator.value, "value": self.value, "value_max": self.value_max,
            "unit": self.unit, "window": self.window, "mention": self.mention, "text": self.text,
        }  # fmt: skip


# ------------------------------------------------------------------ tables


@dataclass(frozen=True)
class CriteriaLexicon:
    """The criteria parser's word tables (data/criteria_lexicon.toml), compiled; not the linker's MeSH Lexicon."""

    measurements: tuple[tuple[str, re.Pattern[str]], ...]
    conditions: tuple[tuple[str, re.Pattern[str]], ...]
    treatments: tuple[tuple[str, re.Pattern[str]], ...]
    units: tuple[tuple[str, re.Pattern[str]], ...]
    #: Compiled pattern text -> words one of which the text must contain for the pattern to match
    #: (None: no such word known); skips most of the ~150 patterns per criterion cheaply.
    hints: dict[str, tuple[str, ...] | None]


def _hint(pattern: str) -> str | None:
    """The literal words a pattern starts with ("cancers?" -> "cancer"), if three letters or more."""
    m = re.match(r"[A-Za-z0-9 '-]+", pattern)
    if not m:
        return None
    literal = m.group()
    if pattern[m.end() : m.end() + 1] in ("?", "*", "{"):
        literal = literal[:-1]
    return literal.lower() if len(literal.strip()) >= 3 else None


def _word(pattern: str) -> str:
    # Word boundaries that also hold next to punctuation ("(SLEDAI)", "ALT/AST").
    return rf"(?<![\w-])(?:{pattern})(?![\w])"


@cache
def lexicon() -> CriteriaLexicon:
    """The shipped tables, compiled once."""
    data = tomllib.loads((Path(__file__).parent.parent / "data" / "criteria_lexicon.toml").read_text(encoding="utf-8"))

    hints: dict[str, tuple[str, ...] | None] = {}

    def table(name: str, flags: int = re.IGNORECASE) -> tuple[tuple[str, re.Pattern[str]], ...]:
        entries = []
        for canonical, patterns in data[name].items():
            if not patterns:
                continue
            # Longest pattern first: alternation takes the first that matches, and the longer reading wins.
            compiled = re.compile("|".join(_word(p) for p in sorted(patterns, key=len, reverse=True)), flags)
            words = [_hint(p) for p in patterns]
            hints[compiled.pattern] = None if None in words else tuple(w for w in words if w)
            entries.append((canonical, compiled))
        return tuple(entries)

    units = tuple(
        (code, re.compile("(?:" + "|".join(patterns) + r")(?![a-z])", re.IGNORECASE))
        for code, patterns in data["units"].items()
        if patterns
    )
    return CriteriaLexicon(table("measurements"), table("conditions"), table("treatments"), units, hints)


#: Comparators in words -> symbols; tried longest first, only before a number.
_COMPARATOR_WORDS = {
    ">=": ("greater than or equal to", "greater or equal to", "greater than or equal", "more than or equal to",
           "higher than or equal to", "equal to or greater than", "equal or greater than", "equal to or more than",
           "equal to or higher than", "at least", "not less than", "no less than", "a minimum of", "minimum of",
           "minimum", "greater/equal to", "older than or equal to"),
    "<=": ("less than or equal to", "lower than or equal to", "less or equal to", "equal to or less than",
           "equal or less than", "equal to or lower than", "not more than", "no more than", "not greater than",
           "no greater than", "not exceeding", "not to exceed", "at most", "up to", "a maximum of", "maximum of",
           "maximum", "less/equal to", "younger than or equal to"),
    ">": ("greater than", "more than", "higher than", "older than", "above", "over", "exceeding", "exceeds",
          "in excess of", "superior to"),
    "<": ("less than", "lower than", "younger than", "below", "under", "fewer than", "inferior to"),
    "=": ("equal to", "equals"),
}  # fmt: skip
_ALL_COMPARATOR_WORDS = sorted((w for ws in _COMPARATOR_WORDS.values() for w in ws), key=len, reverse=True)
_WORD_COMPARATOR = re.compile(
    r"\b("
    + "|".join(map(re.escape, _ALL_COMPARATOR_WORDS))
    + r")\s*(?:\(\s*[<>=]{1,2}\s*\)\s*)?(?=[\d.]|(?:the\s+)?age\s+(?:of\s+)?\d)",
    re.IGNORECASE,
)
_SYMBOL_OF_WORD = {w: sym for sym, words in _COMPARATOR_WORDS.items() for w in words}

#: Characters that mean the same as plain ASCII in criteria text.
_CHARS = str.maketrans({"≥": ">=", "≤": "<=", "⩾": ">=", "⩽": "<=", "＞": ">", "＜": "<", "–": "-", "—": "-",
                        "−": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "：": ":", "；": ";",
                        "，": ","})  # fmt: skip

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "eighteen": 18, "twenty": 20,
    "twenty-four": 24, "thirty": 30, "sixty": 60, "ninety": 90,
}  # fmt: skip

#: ISO 8601 duration designators by UCUM time unit.
_DURATION = {"a": "P{}Y", "wk": "P{}D", "d": "P{}D"}
_TIME_UNIT = r"(?P<tu>years?|yrs?|months?|mos?|weeks?|wks?|days?|hours?|hrs?)"
_TIME_UCUM = (("a", r"y"), ("mo", r"mo"), ("wk", r"w"), ("d", r"d"), ("h", r"h"))

_NUM = r"\d+(?:[.,]\d+)*"
_NUM_OR_WORD = rf"(?:{_NUM}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_COMP = r"(?P<comp><=|>=|=<|=>|<|>|=)"

_WINDOW = re.compile(
    rf"\b(?:within|in|during|over|for)\s+(?:the\s+)?(?:last|past|previous|preceding|prior)?\s*"
    rf"(?P<n>{_NUM_OR_WORD})\s*-?\s*{_TIME_UNIT}\b"
    rf"|\b(?P<n2>{_NUM_OR_WORD})\s*-?\s*(?P<tu2>years?|yrs?|months?|mos?|weeks?|wks?|days?|hours?|hrs?)\s+"
    rf"(?:prior to|before|preceding)\b"
    rf"|\b(?:last|past|previous|preceding)\s+(?P<n3>{_NUM_OR_WORD})\s*-?\s*"
    rf"(?P<tu3>years?|yrs?|months?|mos?|weeks?|wks?|days?|hours?|hrs?)\b",
    re.IGNORECASE,
)

_AGE = re.compile(
    rf"\bage[ds]?\b\s*:?\s*(?:of\s+|is\s+|between\s+|from\s+|range\s+)?{_COMP}?\s*(?P<v1>{_NUM})\s*"
    rf"(?:(?P<u1>years?|yrs?|months?|y)\s*)?(?:(?:-|to|and)\s*(?P<v2>{_NUM})\s*)?"
    rf"(?P<u2>years?|yrs?|months?|y)?(?:\s*(?:old|of age))?"
    rf"(?:,?\s*(?P<sfx>or|and)\s+(?P<dir>older|above|over|more|greater|younger|below|under|less))?",
    re.IGNORECASE,
)
_AGE_WORD_FIRST = re.compile(
    rf"(?P<comp><=|>=|<|>)\s*(?:the\s+)?age\s+(?:of\s+)?(?P<v1>{_NUM})\s*(?P<u2>years?|yrs?|months?)?",
    re.IGNORECASE,
)
_AGE_YEARS_OLD = re.compile(
    rf"(?:{_COMP}\s*)?(?<![\d.])(?P<v1>{_NUM})\s*(?:(?:-|to)\s*(?P<v2>{_NUM})\s*)?(?P<u2>years?|yrs?|months?)"
    rf"(?:[\s-]*(?:old|of age)(?:,?\s*(?P<sfx>or|and)\s+(?P<dir>older|above|over|younger|below|under))?"
    rf"|,?\s*(?P<sfx2>or|and)\s+(?P<dir2>older|above|over|younger|below|under)\b)",
    re.IGNORECASE,
)
_UPWARD = {"older", "above", "over", "more", "greater"}

_SEX_WORDS = {"male": "male", "man": "male", "men": "male", "boy": "male", "boys": "male", "female": "female",
              "woman": "female", "women": "female", "girl": "female", "girls": "female"}  # fmt: skip
_SEX_LEAD = re.compile(
    r"^\s*(?:only\s+)?(?:(?:healthy|adult|postmenopausal|premenopausal|post-menopausal|pre-menopausal)\s+)?"
    r"(?P<sex>males?|females?|men|women|boys|girls)\b(?:\s+(?:patients|subjects|participants|volunteers))?"
    r"(?:\s+only)?\s*(?=$|[,.;(]|aged?\b|between\b|\d|>|<)",
    re.IGNORECASE,
)
_SEX_FIELD = re.compile(r"\b(?:sex|gender)\s*:?\s*(?:is\s+)?(?P<sex>male|female)\b(?!\s*(?:or|and|/))", re.IGNORECASE)
_MALE, _FEMALE = r"\b(?:males?|men|man|boys?)\b", r"\b(?:females?|women|woman|girls?)\b"
_BOTH_SEXES = re.compile(rf"{_MALE}.*{_FEMALE}|{_FEMALE}.*{_MALE}", re.IGNORECASE)

_PREGNANCY = re.compile(r"\bpregnan(?:t|cy|cies)\b", re.IGNORECASE)
_LACTATION = re.compile(
    r"\b(?:lactat(?:ing|ion)|breast[- ]?feed(?:ing)?|breastfeed(?:ing)?|nursing(?! home| staff| care| facility))\b",
    re.IGNORECASE,
)
_CONTRACEPTION = re.compile(r"contracept|birth control|avoid\w* (?:a )?pregnan|prevent\w* (?:a )?pregnan", re.I)
_STATED_PREGNANT = re.compile(
    r"\b(?:is|are|be|being|currently)\s+pregnant|pregnant\s*(?:,|or|and|/)|pregnancy\s*(?:,|or|/)|^\s*pregnan", re.I
)
_CONSENT = re.compile(r"\bconsent(?:s|ed|ing)?\b", re.IGNORECASE)
_COMPLIANCE = re.compile(r"\b(?:comply|compliance|compliant|adhere|adherence)\b", re.IGNORECASE)
_INTERFERES = re.compile(r"\b(?:interfer\w*|affect\w*|compromis\w*|impair\w*|limit\w*|hamper\w*)\b[^;]*$", re.I)
_CONCURRENT_TRIAL = re.compile(
    r"\b(?:participat\w*|enrol?l\w*|involve\w*|included|take part|taking part|took part)\b[^;.]{0,40}?"
    r"\b(?:other|another|concurrent|simultaneous|different|any)\b[^;.]{0,30}?"
    r"\b(?:clinical\s+|interventional\s+|research\s+)?(?:trials?|stud(?:y|ies)|research|protocols?)\b"
    r"|\b(?:other|another|concurrent)\s+(?:clinical\s+|interventional\s+)?(?:trials?|stud(?:y|ies))\b"
    r"(?!\s+(?:materials?|procedures?|visits?|staff|drugs?|medications?|requirements?|assessments?|sites?|team|"
    r"personnel|documents?|treatments?|interventions?|products?))",
    re.IGNORECASE,
)
#: Words before a mention (same clause, close by) that deny it: "no", "negative for", "not"...
_NEGATION_BEFORE = re.compile(
    r"\b(?:no|not|never|without|negative(?:\s+for)?|free\s+of|free\s+from|absence\s+of|lack\s+of|"
    r"unable|inability|unwilling|refus\w*|cannot|can\s*not|incapable|incapacity|impossib\w*|poor|unlikely)\b"
    # A cue denies only what follows within a few words: "no history of X", not "accept not to use ... X".
    r"(?:[\s,/-]+[\w'-]+){0,4}[\s,/(-]*$",
    re.IGNORECASE,
)
_NEGATION_AFTER = re.compile(
    r"^[\s)\]-]{0,3}(?:test\s+|status\s+|serology\s+|infection\s+)?(?:negative|-ve|\(-\))", re.I
)
_PRESENCE_NEGATION = re.compile(
    r"\b(?:unable|inability|not (?:being )?able|unwilling|refus\w*|cannot|can not|incapable|incapacity|not willing|"
    r"impossib\w*|lack of|absence of|without|missing|failure to|poor|unlikely|non-?complian\w*|"
    r"not (?:provide|give|sign|comply))\b",
    re.IGNORECASE,
)
#: A treatment named here is not a treatment constraint: the criterion is about an allergy, a response...
_NOT_A_TREATMENT_FACT = re.compile(
    r"allerg|hypersensitiv|intoleran|contraindicat|comply|complian|adhere|taper|respon|refractory|resist|"
    r"willing|consent|fail|reaction",
    re.IGNORECASE,
)
#: Inclusion criteria name treatments often only as background; these say the participant is on one.
_ON_TREATMENT = re.compile(
    r"\b(?:receiv\w*|taking|treated\s+with|on\s+(?:a\s+)?(?:stable\s+)?(?:dose|treatment|therapy)|use\s+of|using|"
    r"require\w*|under\s+treatment)\b",
    re.IGNORECASE,
)
#: A condition named right before one of these words is not a condition fact ("tumor biopsy", "ED group").
_NOT_A_CONDITION_AFTER = re.compile(
    r"^\s*(?:\(\w+\)\s*)?(?:chemotherapy|therapy|treatment|biopsy|biopsies|surgery|resection|screening|"
    r"group|cohort|specimens?|samples?|questionnaire|scale|inventory|index)\b",
    re.IGNORECASE,
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_NYHA = re.compile(
    r"(?:(?P<comp><=|>=|<|>)\s*)?(?:grade|class|functional class)\s*(?P<v>IV|III|II|I|[1-4])\b[^;.]{0,15}?"
    r"\b(?:NYHA|New York Heart Association)\b"
    r"|\b(?:NYHA|New York Heart Association)(?:\s*\(NYHA\))?(?:\s+(?:functional\s+)?(?:class|grade))?\s*"
    r"(?:(?P<comp2><=|>=|<|>)\s*)?(?P<v2>IV|III|II|I|[1-4])\b"
    r"(?:\s*(?:or|and)\s+(?P<dir>greater|higher|above|more|worse|less|lower|below))?",
    re.IGNORECASE,
)
_EXCEPTED = re.compile(
    r"\b(?:other\s+than|except(?:ing|ion\s+of)?|excluding|apart\s+from|besides|but\s+not)\b(?:\s+[\w-]+){0,5}[\s,(]*$",
    re.IGNORECASE,
)
_INDICATION = re.compile(
    r"\b(?:treatments?|therap(?:y|ies)|medications?|drugs?|medicines?|products?)\s+(?:\w+\s+){0,2}(?:for|of|against)\s+"
    r"(?:the\s+)?$",
    re.IGNORECASE,
)
#: "at the time of informed consent": a moment, not a requirement to consent.
_CONSENT_AS_TIME = re.compile(
    r"\b(?:time|date|day|moment)\s+of\s+(?:signing\s+)?(?:the\s+)?(?:informed\s+)?consent|"
    r"\b(?:prior\s+to|before|after|following|since|at)\s+(?:signing\s+)?(?:the\s+)?(?:informed\s+)?consent",
    re.IGNORECASE,
)
#: "Patients could be receiving chemotherapy": allowed, not required.
_PERMITTED = re.compile(r"\b(?:could|may|can|might)\s+(?:be\s+)?(?:receiv|tak|us|on\b)|\b(?:allowed|permitted)\b", re.I)
#: "before the first study vaccination": the trial's own intervention.
_STUDY_OWN = re.compile(r"\bstudy\s+$", re.IGNORECASE)
_LAB_LEVEL = re.compile(r"\b(?:elevated|raised|high|low|increased|decreased|abnormal)\s+$", re.IGNORECASE)
_ANY_OF = re.compile(r"\b(?:at\s+least\s+one|one\s+of\s+the\s+following|any\s+of\s+the\s+following|either)\b", re.I)
_CLAUSE = re.compile(r"[^;]+?(?:\.(?=\s+[A-Z(])|;|$)", re.DOTALL)
_ULN_CUE = re.compile(r"\bULN\b|upper limits? of (?:the )?normal", re.IGNORECASE)
_TIMES = re.compile(r"(?:x|×|\*|times|fold)(?![a-z])", re.IGNORECASE)
_TITER = re.compile(r"1\s*:\s*(\d+)")
#: Words between a variable and a number that make the number something else: a qualifier, a change.
_NOT_A_BOUND = re.compile(
    r"\b(?:for|if|when|patients?|subjects?|participants?|aged?|years?|reduction|increase|decrease|change|drop|"
    r"fall|rise|difference|within|during|after|before|since)\b",
    re.IGNORECASE,
)
_DURATION_UNITS = frozenset({"a", "mo", "wk", "d", "h"})
#: Measured variables whose values are durations.
_DURATIONS = frozenset({"life expectancy", "gestational age"})
#: Measured pressures: "mm" after their numbers is mmHg.
_PRESSURES = frozenset({"systolic blood pressure", "diastolic blood pressure", "intraocular pressure"})
#: Dose units: a corticosteroid with one of these is a dose measurement, else a treatment.
_DOSE_UNITS = frozenset({"mg/kg/d", "mg/kg", "mg/d"})


# ------------------------------------------------------------------ text helpers


def normalise(text: str) -> str:
    r"""Plain ASCII comparators, no Markdown escapes, comparator words as symbols before numbers.

    >>> normalise(r"proteinuria\>0.5g/day, SLEDAI ≥ 8, weight less than 80 kg")
    'proteinuria>0.5g/day, SLEDAI >= 8, weight < 80 kg'
    """
    text = re.sub(r"\\([<>^*_.\-\[\]()#+!~`|=])", r"\1", text).translate(_CHARS)
    text = re.sub(r"([<>])\s*/?\s*=", r"\1=", text)  # ">/=", "> =": at least, at most
    text = re.sub(r"=<", "<=", re.sub(r"=>", ">=", text))
    text = re.sub(r"\bnon-(?=[a-z])", "non ", text, flags=re.IGNORECASE)  # "non-smoker": a denial, not a word
    text = _WORD_COMPARATOR.sub(lambda m: _SYMBOL_OF_WORD[m.group(1).lower()] + " ", text)
    return re.sub(r"([<>]=?) +(?=[<>]=?)", "", text)


def number(text: str) -> Number:
    """A number as written: '3,000' is three thousand, '0,5' a half.

    >>> number("3,000"), number("0,5"), number("1.25"), number("8")
    (3000, 0.5, 1.25, 8)
    """
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text):
        text = text.replace(",", "")
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        value = Decimal(re.sub(r"[^\d.]", "", text) or "0")
    return plain_number(value)


def plain_number(value: Decimal | str) -> Number:
    """An int when whole, else a float: the same JSON from the parser and from the graph's xsd:decimal."""
    d = Decimal(value)
    return int(d) if d == d.to_integral_value() else float(d)


def _spoken_number(text: str) -> Number:
    return _NUMBER_WORDS.get(text.lower()) or number(text)


def _time_unit(word: str) -> str:
    word = word.lower()
    return next(code for code, start in _TIME_UCUM if word.startswith(start))


def duration(n: Number, unit: str) -> str | None:
    """An xsd:duration in its canonical form (what a triple store gives back): weeks as days, 12 months a year.

    >>> duration(6, "mo"), duration(2, "wk"), duration(18, "mo"), duration(1.5, "a")
    ('P6M', 'P14D', 'P1Y6M', None)
    """
    if n != int(n) or n <= 0:
        return None
    n = int(n)
    if unit == "mo":
        y, m = divmod(n, 12)
        return "P" + (f"{y}Y" if y else "") + (f"{m}M" if m else "")
    if unit == "h":
        d, h = divmod(n, 24)
        return "P" + (f"{d}D" if d else "") + (f"T{h}H" if h else "")
    return _DURATION[unit].format(n * 7 if unit == "wk" else n)


def clauses(text: str) -> Iterator[tuple[int, str]]:
    """The criterion's clauses (split at ';' and at sentence ends) with their offsets."""
    for m in _CLAUSE.finditer(text):
        if m.group().strip():
            yield m.start(), m.group()


def _unit_at(text: str, clause: str) -> tuple[str | None, int]:
    """The UCUM code of the unit written at the start of `text`, and its length."""
    stripped = text.lstrip()
    skip = len(text) - len(stripped)
    for code, pattern in lexicon().units:
        m = pattern.match(stripped)
        if m:
            return code, skip + m.end()
    m = _TIMES.match(stripped)
    if m and _ULN_CUE.search(clause):
        return "[ULN]", skip + m.end()
    return None, 0


# ------------------------------------------------------------------ mentions


@dataclass(frozen=True)
class TermMention:
    """A word-table term found in a criterion: its canonical name, where it stands, which table it is from."""

    name: str
    start: int
    end: int
    table: str


def _mentions(text: str, entries: Iterable[tuple[str, re.Pattern[str]]], table: str) -> list[TermMention]:
    hints, present = lexicon().hints, _hint_words_in(text.lower())
    return [
        TermMention(name, m.start(), m.end(), table)
        for name, p in entries
        if (words := hints.get(p.pattern, None)) is None or any(w in present for w in words)
        for m in p.finditer(text)
    ]


@lru_cache(maxsize=8)
def _hint_words_in(low: str) -> frozenset[str]:
    """Every hint word of the lexicon that occurs in `low`, found in one pass (Aho-Corasick).

    The same test as `word in low` for each hint, once per text instead of once per pattern; the
    patterns whose hints are absent are never run. Cached: a criterion is searched for each table.
    """
    return frozenset(word for _end, word in _hint_automaton().iter(low))


@cache
def _hint_automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for words in lexicon().hints.values():
        for word in words or ():
            automaton.add_word(word, word)
    if not len(automaton):
        automaton.add_word("\x00", "\x00")  # an automaton needs one word; no criterion text holds NUL
    automaton.make_automaton()
    return automaton


def _drop_contained(found: list[TermMention]) -> list[TermMention]:
    """A mention strictly inside a longer one is not a mention ("SLE" in "SLE disease activity index")."""
    return [
        a
        for a in found
        if not any(b.start <= a.start and a.end <= b.end and (b.end - b.start) > (a.end - a.start) for b in found)
    ]


def _own_names(names: Iterable[str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The trial's own condition or intervention names as extra lexicon entries (exact words only)."""
    return _own_name_entries(tuple(names))


@lru_cache(maxsize=64)
def _own_name_entries(names: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Compiled once per trial, not once per criterion (every criterion of a trial asks for the same names)."""
    return tuple(
        (name, re.compile(_word(re.escape(name.strip())), re.IGNORECASE))
        for name in dict.fromkeys(names)
        if len(name.strip()) >= 4 and not re.fullmatch(r"[\W\d_]+", name)
    )


# ------------------------------------------------------------------ the grammar


_MEASURE_TAIL = re.compile(
    rf"(?P<fill>[^\d;<>=]{{0,40}}?)(?:\b(?P<between>between|from)\s+)?"
    rf"(?:{_COMP}\s*)?(?P<v1>1\s*:\s*\d+|{_NUM})"
)


def _measurement(text: str, mention: TermMention, polarity: CriterionKind, clause: str) -> list[Constraint]:
    """The comparison that follows a measured variable's name: '> 0.5 g/day', '45-80 kg', '>= 8'."""
    m = _MEASURE_TAIL.match(text, mention.end)
    if not m or re.search(r"\b(?:and|or)\b.*\b(?:and|or)\b", m.group("fill")) or _NOT_A_BOUND.search(m.group("fill")):
        return []
    comp = m.group("comp")
    rest = text[m.end() :]
    out = []
    titer = _TITER.fullmatch(m.group("v1").replace(" ", ""))
    value: Number = int(titer.group(1)) if titer else number(m.group("v1"))
    unit, used = ("{titer}", 0) if titer else _unit_at(rest, clause)
    rest = rest[used:]
    value_max: Number | None = None
    upper = re.match(rf"\s*(?:-|to|and)\s*(?P<v2>{_NUM})", rest)
    if not comp and upper:
        value_max = number(upper.group("v2"))
        unit2, used2 = _unit_at(rest[upper.end() :], clause)
        unit = unit or unit2
        rest = rest[upper.end() + used2 :]
        if value_max < value:
            return []
        comp = "between"
    elif not comp:
        suffix = re.match(r"\s*(?:or|and)\s+(more|greater|higher|above|over|less|lower|fewer|below|under)\b", rest)
        if not suffix:
            return []
        comp = ">=" if suffix.group(1).lower() in {"more", "greater", "higher", "above", "over"} else "<="
    # "PSA > 10 and <= 20 ng/mL": a lower and an upper bound, the unit written once at the end.
    pair = re.match(rf"\s*(?:-|to|and)\s*(?P<comp2><=|<)\s*(?P<v2>{_NUM})", rest) if comp in (">", ">=") else None
    upper_bound = None
    if pair:
        unit2, used2 = _unit_at(rest[pair.end() :], clause)
        unit = unit or unit2
        upper_bound = (pair.group("comp2"), number(pair.group("v2")), unit2 or unit)
        rest = rest[pair.end() + used2 :]
    if unit == "mm" and mention.name in _PRESSURES:
        unit = "mm[Hg]"  # "diastolic blood pressure of 80 to 89 mm": millimetres of mercury
    if mention.name == "corticosteroid dose" and unit not in _DOSE_UNITS:
        return []
    if unit in _DURATION_UNITS and mention.name not in _DURATIONS:
        return []  # "Karnofsky (for patients > 12 years of age)": an age, not the variable's value
    end = len(text) - len(rest)
    out.append(_constraint(polarity, ConstraintKind.MEASUREMENT, mention.name, comp, value, value_max, unit,
                           text[mention.start : end].strip()))  # fmt: skip
    if upper_bound:
        out.append(_constraint(polarity, ConstraintKind.MEASUREMENT, mention.name, upper_bound[0], upper_bound[1],
                               None, upper_bound[2], text[mention.start : end].strip()))  # fmt: skip
        return out
    # "... >= 70% (MAC) or >= 60% (RIC)": the same variable, an alternative bound.
    for alt in re.finditer(rf"\s*(?:\([^)]*\)\s*)?or\s*{_COMP}\s*(?P<v>{_NUM})", rest[:40]):
        alt_unit, _ = _unit_at(rest[alt.end() :], clause)
        out.append(_constraint(polarity, ConstraintKind.MEASUREMENT, mention.name, alt.group("comp"),
                               number(alt.group("v")), None, alt_unit or unit, alt.group().strip()))  # fmt: skip
        break
    return out


def _constraint(
    polarity: CriterionKind, kind: ConstraintKind, variable: str, comp: str, value: Number | bool | str | None,
    value_max: Number | None = None, unit: str | None = None, mention: str | None = None,
) -> Constraint:  # fmt: skip
    comparator = Comparator({"=<": "<=", "=>": ">="}.get(comp, comp))
    return Constraint(polarity, kind, variable, comparator, value, value_max, unit, None, mention)


def _ages(text: str, polarity: CriterionKind) -> list[Constraint]:
    found: list[tuple[int, int, Constraint]] = []
    for pattern in (_AGE_WORD_FIRST, _AGE, _AGE_YEARS_OLD):
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end, _ in found) or _qualifies_another(text, m):
                continue
            c = _age_constraint(m.groupdict(), polarity, m.group().strip())
            if c is not None:
                found.append((m.start(), m.end(), c))
    return [c for _, _, c in sorted(found, key=lambda f: f[0])]


#: "for participants aged >= 16: Karnofsky >= 60": the age picks whom another requirement applies to.
_QUALIFIER_BEFORE = re.compile(r"\b(?:for|if|in|when|among|unless|except|whose)\b(?:\s+[\w-]+){0,3}\s*$", re.I)


def _qualifies_another(text: str, m: re.Match[str]) -> bool:
    return bool(
        _QUALIFIER_BEFORE.search(text[max(0, m.start() - 40) : m.start()]) or re.match(r"\s*:", text[m.end() :])
    )


def _age_constraint(groups: dict[str, str | None], polarity: CriterionKind, mention: str) -> Constraint | None:
    """An age bound from the grammar's groups; ages in years ("a") or months ("mo"), as written."""
    unit_words = [u for u in (groups.get("u1"), groups.get("u2")) if u]
    units = [_time_unit(u) for u in unit_words] or ["a"]
    v1 = number(groups["v1"] or "0")
    v2_text = groups.get("v2")
    v2 = number(v2_text) if v2_text else None
    if len(set(units)) > 1 and v2 is not None:  # "3 months to 17 years": both in years
        v1, v2, units = plain_number(Decimal(str(years(v1, units[0]))).quantize(Decimal("0.001"))), v2, ["a"]
    unit = units[-1]
    if unit not in ("a", "mo") or v1 > 120 or (v2 is not None and v2 > 120):
        return None
    direction = groups.get("dir") or groups.get("dir2")
    comp = groups.get("comp")
    if v2 is not None and comp in (None, ">=", ">"):  # ">= 60 to 74 years": a range
        if v2 < v1:
            return None
        return _constraint(polarity, ConstraintKind.AGE, "age", "between", v1, v2, unit, mention)
    if comp:
        return _constraint(polarity, ConstraintKind.AGE, "age", comp, v1, None, unit, mention)
    if direction:
        comp = ">=" if direction.lower() in _UPWARD else "<="
        return _constraint(polarity, ConstraintKind.AGE, "age", comp, v1, None, unit, mention)
    return None


def _sex(text: str, polarity: CriterionKind) -> list[Constraint]:
    m = _SEX_LEAD.match(text) or _SEX_FIELD.search(text)
    if not m or _BOTH_SEXES.search(text):
        return []
    sex = _SEX_WORDS[m.group("sex").lower().rstrip("s") if m.group("sex").lower() not in _SEX_WORDS
                     else m.group("sex").lower()]  # fmt: skip
    return [_constraint(polarity, ConstraintKind.SEX, "sex", "=", sex, mention=m.group().strip())]


def _nyha(text: str, polarity: CriterionKind) -> list[tuple[int, Constraint]]:
    """Heart failure class: "NYHA class III or higher", ">= grade III NYHA"."""
    out = []
    for m in _NYHA.finditer(text):
        raw = (m.group("v") or m.group("v2")).lower()
        value = _ROMAN.get(raw) or int(raw)
        comp = m.group("comp") or m.group("comp2")
        if not comp and m.group("dir"):
            comp = ">=" if m.group("dir").lower() in {"greater", "higher", "above", "more", "worse"} else "<="
        c = _constraint(polarity, ConstraintKind.MEASUREMENT, "NYHA class", comp or "=", value, None, None, m.group())
        out.append((m.start(), c))
    return out


# ------------------------------------------------------------------ issue 19: more numbers found

#: A requirement stated as a denial ("No peripheral neuropathy greater than grade 1", after a PDQ
#: sub-heading "Other:"): its bound is the complement ("<= 1").
_DENIAL_START = re.compile(
    r"^\s*(?:[A-Z][\w /]{0,30}:\s*)?(?:no|not|without)\b(?![-\s]*(?:more|less|greater|fewer))", re.I
)
_COMPLEMENT = {">": "<=", ">=": "<", "<": ">=", "<=": ">"}
_DIRECTION_UP = {"more", "greater", "higher", "above", "over", "worse"}
_DIRECTION = (
    r"(?:\s*,?\s*(?:or|and)\s+(?P<dir>greater|higher|above|more|worse|over|less|lower|below|fewer|better|under))?"
)
_GRADE_VALUE = r"(?P<v>[0-5]|IV|III|II|I)(?:\s*(?:-|to|or)\s*(?P<v2>[0-5]|IV|III|II|I))?\b"
_GRADE = re.compile(
    rf"(?:(?P<comp>[<>]=?)\s*)?\bgrade\s*(?:(?P<comp2>[<>]=?)\s*)?{_GRADE_VALUE}(?![.\d])(?!\s*(?:[a-z]\b|/))"
    + _DIRECTION,
    re.IGNORECASE,
)
#: Words that end the noun phrase a grade or count is about.
_PHRASE_STOP = frozenset(
    ("or", "and", "of", "with", "that", "for", "in", "due", "from", "arising", "related", "within", "during", "at",
     "is", "are", "be", "must", "by", "to", "on", "since", "as", "which", "unless", "except", "including", "per",
     "no", "not", "any", "concurrent", "current", "prior", "active", "evidence", "history", "has", "have", "had",
     "persistent", "ongoing", "existing", "preexisting", "pre-existing", "other", "all", "than", "the", "a", "an")
)  # fmt: skip


def _bound(comp: str | None, direction: str | None) -> str | None:
    if comp:
        return comp
    if direction:
        return ">=" if direction.lower() in _DIRECTION_UP else "<="
    return None


def _as_stated(text: str, at: int, comp: str) -> str | None:
    """The comparator the requirement means: its complement when the requirement is a denial."""
    if _DENIAL_START.search(text[:at]) and not re.search(r"[;.]\s", text[:at]):
        return _COMPLEMENT.get(comp)
    return comp


def _phrase_after(text: str) -> str:
    words: list[str] = []
    for word in re.findall(r"[^\s,;.:()]+", re.split(r"[,;.:()]", text, maxsplit=1)[0])[:4]:
        if word.lower() in _PHRASE_STOP or not re.match(r"[A-Za-z]", word):
            break
        words.append(word)
    return " ".join(words)


def _phrase_before(text: str) -> str:
    words: list[str] = []
    for word in reversed(re.findall(r"[^\s,;.:()]+", re.split(r"[,;.:()]", text)[-1])[-5:]):
        if word.lower() in _PHRASE_STOP or not re.match(r"[A-Za-z]", word):
            if words:
                break
            continue  # "toxicity must be <= grade 2": skip the verb back to the noun
        words.insert(0, word)
        if len(words) == 3:
            break
    return " ".join(words)


def _roman(value: str) -> int:
    return _ROMAN.get(value.lower()) or int(value)


def _grades(text: str, polarity: CriterionKind) -> list[tuple[int, Constraint]]:
    """A toxicity or disease grade: "grade 2 or greater proteinuria", "neuropathy greater than grade 1"."""
    out = []
    nyha = [(m.start(), m.end()) for m in _NYHA.finditer(text)]
    words = "|".join(map(re.escape, _ALL_COMPARATOR_WORDS))
    for m in _GRADE.finditer(text):
        if any(s < m.end() + 20 and m.start() - 20 < e for s, e in nyha):
            continue
        before = text[: m.start()]
        word_comp = re.search(rf"\b({words})\s*$", before, re.I)
        comp = (
            m.group("comp") or m.group("comp2") or (_SYMBOL_OF_WORD[word_comp.group(1).lower()] if word_comp else None)
        )
        start = word_comp.start() if word_comp and not m.group("comp") else m.start()
        subject = _phrase_after(text[m.end() :]) or _phrase_before(text[:start])
        if not subject or re.search(r"gleason|tanner|nyha|gvhd|who|stage|class", subject, re.I):
            continue
        v = _roman(m.group("v"))
        if m.group("v2") and not comp and not m.group("dir"):
            v2 = _roman(m.group("v2"))
            if v2 <= v:
                continue
            c = _constraint(polarity, ConstraintKind.MEASUREMENT, f"{subject} grade", "between", v, v2, None, m.group())
            out.append((m.start(), c))
            continue
        bound = _bound(comp, m.group("dir"))
        stated = _as_stated(text, start, bound) if bound else None
        if stated:
            c = _constraint(polarity, ConstraintKind.MEASUREMENT, f"{subject} grade", stated, v, None, None, m.group())
            out.append((m.start(), c))
    return out


_SCORE_ON = re.compile(
    rf"\b(?:score|rating|total)\s+(?:of\s+)?(?P<comp>[<>]=?)?\s*(?P<v>{_NUM}){_DIRECTION}\s+(?:points?\s+)?"
    r"(?:on|in)\s+(?:the\s+)?(?P<name>[A-Z][\w'-]*(?:[ -][\w'-]+){0,6})",
)


def _scores_on_scales(text: str, polarity: CriterionKind) -> list[tuple[int, Constraint]]:
    """A threshold on a named instrument, the number first: "a score of 10 or more on the PHQ-9"."""
    out = []
    for m in _SCORE_ON.finditer(text):
        bound = _bound(m.group("comp"), m.group("dir"))
        if not bound:
            continue
        name = re.split(
            r"\s+(?:\(|for|at|in|and|or|as|to|with|during|within|which|that|of\s+(?!the\b))", m.group("name")
        )[0]
        known = _drop_contained(_mentions(name, lexicon().measurements, "measurement"))
        variable = known[0].name if known else name.strip()
        stated = _as_stated(text, m.start(), bound)
        if stated:
            c = _constraint(polarity, ConstraintKind.MEASUREMENT, variable, stated, number(m.group("v")), None, None,
                            m.group())  # fmt: skip
            out.append((m.start(), c))
    return out


_PRIOR_COUNT = re.compile(
    rf"(?P<comp>[<>]=?)\s*(?P<v>\d{{1,2}}|one|two|three|four|five)\b{_DIRECTION}\s+(?P<np>(?:prior|previous)\s+[^,;.()]+)",
    re.IGNORECASE,
)


def _prior_counts(text: str, polarity: CriterionKind) -> list[tuple[int, Constraint]]:
    """How many prior treatments: "no more than 2 prior chemotherapy regimens" (<= 2)."""
    out = []
    for m in _PRIOR_COUNT.finditer(text):
        head, _, rest = m.group("np").partition(" ")
        phrase = _phrase_after(rest)
        if not phrase:
            continue
        stated = _as_stated(text, m.start(), m.group("comp"))
        if stated:
            value = _spoken_number(m.group("v"))
            c = _constraint(polarity, ConstraintKind.MEASUREMENT, f"{head.lower()} {phrase}", stated, value, None, None,
                            m.group())  # fmt: skip
            out.append((m.start(), c))
    return out


_PER_PERIOD = re.compile(
    rf"(?P<comp>[<>]=?)\s*(?P<v>{_NUM})\b{_DIRECTION}\s+(?P<np>(?:[a-z][\w-]*\s+){{0,2}}?"
    r"(?:cigarettes?|drinks?|units?|cups?|packs?|attacks?|days?|episodes?|bowel movements?|voids?|"
    r"seizures?|hours?|servings?|sessions?|times|bouts?|headaches?|migraines?|stools?|urinations?|"
    r"micturitions?|cigars?))\s*(?:per|a|/|each|every)\s*(?P<per>day|week|month|year|wk|d|mo|yr)\b",
    re.IGNORECASE,
)
_PER_UNIT = {"day": "/d", "d": "/d", "week": "/wk", "wk": "/wk", "month": "/mo", "mo": "/mo", "year": "/a", "yr": "/a"}


def _per_period_counts(text: str, polarity: CriterionKind) -> list[tuple[int, Constraint]]:
    """A count per day, week or month: "at least 10 cigarettes per day", ">= 4 migraine attacks per month"."""
    out = []
    for m in _PER_PERIOD.finditer(text):
        if m.group("dir"):
            continue  # "2 or more days a week": the direction words stand between number and noun
        stated = _as_stated(text, m.start(), m.group("comp"))
        if stated:
            c = _constraint(polarity, ConstraintKind.MEASUREMENT, m.group("np").strip().lower(), stated,
                            number(m.group("v")), None, _PER_UNIT[m.group("per").lower()], m.group())  # fmt: skip
            out.append((m.start(), c))
    return out


_BLOOD_PRESSURE = re.compile(
    r"\b(?:blood pressure|BP|hypertension|hypertensive)\b[^;.\d<>]{0,30}?(?P<comp>[<>]=?)\s*"
    r"(?P<s>\d{2,3})\s*/\s*(?P<d>\d{2,3})(?!\s*/)(?P<unit>\s*mm\s?hg)?" + _DIRECTION,
    re.IGNORECASE,
)


def _blood_pressures(text: str, polarity: CriterionKind) -> list[tuple[int, Constraint]]:
    """Blood pressure written as a fraction: "hypertension (> 160/100 mmHg)" is two bounds."""
    out = []
    for m in _BLOOD_PRESSURE.finditer(text):
        stated = _as_stated(text, m.start(), m.group("comp"))
        if not stated:
            continue
        unit = "mm[Hg]" if m.group("unit") else None
        for variable, value in (("systolic blood pressure", m.group("s")), ("diastolic blood pressure", m.group("d"))):
            c = _constraint(
                polarity, ConstraintKind.MEASUREMENT, variable, stated, number(value), None, unit, m.group()
            )
            out.append((m.start(), c))
    return out


_AGE_PLUS = re.compile(
    r"\bage[ds]?\s*:?\s*(?P<v1>\d{1,3})\s*\+(?:\s*(?:years?|yrs?))?"
    r"|(?<![\w.+])(?P<v2>\d{1,3})\s*\+\s*(?:years?|yrs?)\b",
    re.IGNORECASE,
)


def _ages_plus(text: str, polarity: CriterionKind) -> list[tuple[int, Constraint]]:
    """An age with a plus sign: "age 18+", "65+ years" (that age or older)."""
    out = []
    for m in _AGE_PLUS.finditer(text):
        value = number(m.group("v1") or m.group("v2"))
        if value <= 120:
            out.append((m.start(), _constraint(polarity, ConstraintKind.AGE, "age", ">=", value, None, "a", m.group())))
    return out


#: Acronyms that are not measured variables: imaging, places, bodies, study words.
_NOT_INSTRUMENTS = frozenset(
    ("MRI", "CT", "PET", "ECG", "EKG", "EEG", "ICU", "HIV", "AIDS", "USA", "FDA", "NCI", "NIH", "IRB", "DNA", "RNA",
     "MG", "KG", "ML", "OR", "AND", "NOT", "ALL", "AML", "CML", "CLL", "NHL", "COPD", "BID", "TID", "QD", "IV", "IM",
     "SC", "PO", "ULN", "LLN", "CTCAE", "NCCN", "DSM", "ICD", "TNM", "AJCC", "FIGO", "UICC", "RECIST", "GVHD", "CNS",
     "GI", "UTI")
)  # fmt: skip
_ACRONYM_BOUND = re.compile(
    rf"(?<![\w-])(?P<name>[A-Z][A-Z0-9]{{1,7}}(?:-[A-Z0-9]{{1,4}})?)(?![\w-])\)?\s*(?:total\s+)?(?:score\s*)?"
    rf"(?:\(\s*(?:total\s+)?(?:score\s*)?)?(?P<comp>[<>]=?)\s*(?P<v>{_NUM})(?!\s*[,.]?\d)"
)


def _acronym_scores(text: str, polarity: CriterionKind) -> list[tuple[int, Constraint]]:
    """An instrument the lexicon does not know, by its acronym, then a bound: "ICDSC >= 4", "DAST-10 (score > 2)"."""
    lex = lexicon()
    out = []
    for m in _ACRONYM_BOUND.finditer(text):
        name = m.group("name")
        if (
            len(name) < 3
            or name in _NOT_INSTRUMENTS
            or _unit_at(name, name)[0]
            or _mentions(name, lex.measurements + lex.conditions + lex.treatments, "any")
        ):
            continue
        if _unit_at(text[m.end() :], text)[0] in _DURATION_UNITS:
            continue  # "HIV < 6 months": a window, not a score
        stated = _as_stated(text, m.start(), m.group("comp"))
        if stated:
            unit, _ = _unit_at(text[m.end() :], text)
            c = _constraint(
                polarity, ConstraintKind.MEASUREMENT, name, stated, number(m.group("v")), None, unit, m.group()
            )
            out.append((m.start(), c))
    return out


def _negated(text: str, start: int, end: int, clause_start: int) -> bool:
    before = text[clause_start:start]
    # "non-" denies only the word it is attached to: "non-smoker", not "non-small cell lung cancer".
    non = re.search(r"\bnon\s+$", before, re.IGNORECASE)
    return bool(non or _NEGATION_BEFORE.search(before[-60:]) or _NEGATION_AFTER.match(text[end : end + 25]))


def _presence(
    text: str, pattern: re.Pattern[str], polarity: CriterionKind, kind: ConstraintKind, variable: str
) -> list[Constraint]:
    out = []
    for _start, clause in clauses(text):
        m = pattern.search(clause)
        if not m:
            continue
        if kind is ConstraintKind.COMPLIANCE and _INTERFERES.search(clause[: m.start()]):
            continue
        if kind is ConstraintKind.CONSENT and _CONSENT_AS_TIME.search(clause):
            continue
        if kind is ConstraintKind.PREGNANCY and re.search(
            r"partner", clause[max(0, m.start() - 15) : m.end() + 15], re.I
        ):
            continue  # the partner's pregnancy, not the participant's
        if kind is ConstraintKind.PREGNANCY and _CONTRACEPTION.search(text) and not _STATED_PREGNANT.search(clause):
            continue
        if kind in (ConstraintKind.PREGNANCY, ConstraintKind.LACTATION):
            has = not re.search(r"\b(?:not|non-?|negative|no)\b[^;.]{0,25}$", clause[: m.start()], re.I) and not (
                re.search(r"test[^;.]{0,30}negative|negative[^;.]{0,30}test", clause, re.I)
            )
        else:
            has = not _PRESENCE_NEGATION.search(clause[: m.start()] + " " + clause[m.end() : m.end() + 20])
        out.append(_constraint(polarity, kind, variable, "=", has, mention=m.group()))
        break
    return out


def _window(clause: str) -> str | None:
    m = _WINDOW.search(clause)
    if not m:
        return None
    n = m.group("n") or m.group("n2") or m.group("n3")
    unit = m.group("tu") or m.group("tu2") or m.group("tu3")
    return duration(_spoken_number(n), _time_unit(unit))


def parse_criterion(
    text: str,
    polarity: CriterionKind,
    *,
    conditions: Iterable[str] = (),
    interventions: Iterable[str] = (),
) -> tuple[Constraint, ...]:
    """The constraints one criterion states, in reading order; () when the rules find none.

    `conditions` and `interventions` are the trial's own names, recognised in the text too.

    >>> [(c.variable, c.comparator.value, c.value) for c in parse_criterion("SLEDAI >= 8", CriterionKind.INCLUSION)]
    [('SLEDAI', '>=', 8)]
    """
    raw = text
    text = normalise(text)
    lex = lexicon()
    out: list[tuple[int, Constraint]] = []

    measured = _drop_contained(_mentions(text, lex.measurements, "measurement"))
    taken: list[tuple[int, int]] = []
    for mention in measured:
        clause = next((c for s, c in clauses(text) if s <= mention.start < s + len(c)), text)
        found = _measurement(text, mention, polarity, clause)
        if found:
            taken.append((mention.start, mention.end))
            out.extend((mention.start, c) for c in found)

    out.extend(_nyha(text, polarity))
    # Issue 19's rules, each a function of its own: grades, scores on named scales, counts of prior
    # treatments, counts per day/week/month, blood pressure as a fraction, ages with a plus sign.
    for rule in (
        _grades,
        _scores_on_scales,
        _prior_counts,
        _per_period_counts,
        _blood_pressures,
        _ages_plus,
        _acronym_scores,
    ):
        out.extend(rule(text, polarity))
    ages = _ages(text, polarity)
    out.extend((text.find(c.mention or ""), c) for c in ages)
    out.extend((0, c) for c in _sex(text, polarity))
    for kind, pattern, variable in (
        (ConstraintKind.PREGNANCY, _PREGNANCY, "pregnancy"),
        (ConstraintKind.LACTATION, _LACTATION, "lactation"),
        (ConstraintKind.CONSENT, _CONSENT, "consent"),
        (ConstraintKind.COMPLIANCE, _COMPLIANCE, "compliance"),
        (ConstraintKind.CONCURRENT_TRIAL, _CONCURRENT_TRIAL, "other trial participation"),
    ):
        out.extend(
            (text.lower().find((c.mention or "").lower()), c)
            for c in _presence(text, pattern, polarity, kind, variable)
        )

    entities = _drop_contained(
        _mentions(text, lex.conditions + _own_names(conditions), "condition")
        + _mentions(text, lex.treatments + _own_names(interventions), "treatment")
    )
    seen: set[tuple[str, str]] = set()
    ordered_entities = sorted(entities, key=lambda m: m.start)
    for i, mention in enumerate(ordered_entities):
        if any(s <= mention.start < e for s, e in taken) or (mention.table, mention.name.lower()) in seen:
            continue
        clause_start, clause = next(((s, c) for s, c in clauses(text) if s <= mention.start < s + len(c)), (0, text))
        if mention.table == "condition" and (
            _NOT_A_CONDITION_AFTER.match(text[mention.end :]) or _head_of_previous(ordered_entities[:i], mention, text)
        ):
            continue
        if mention.table == "treatment" and re.match(
            r"\s*(?:levels?|concentrations?|values?|titers?)\b", text[mention.end :]
        ):
            continue  # "testosterone level < 346 ng/dL": a measurement, not a treatment
        if mention.table == "treatment":
            near = text[max(clause_start, mention.start - 60) : mention.end + 25]
            before = text[max(0, mention.start - 12) : mention.start]
            if _NOT_A_TREATMENT_FACT.search(near) or _NOT_A_TREATMENT_FACT.search(
                clause[: mention.start - clause_start]
            ):
                continue  # an allergy to, a response to, a failure of: not taking it
            if _PERMITTED.search(clause) or _STUDY_OWN.search(before):
                continue
            if polarity is CriterionKind.INCLUSION and not _ON_TREATMENT.search(clause):
                continue
        if _EXCEPTED.search(text[max(clause_start, mention.start - 40) : mention.start]):
            continue  # "other than testosterone", "(excepting bone marrow transplantation)"
        if mention.table == "condition" and _INDICATION.search(
            text[max(clause_start, mention.start - 40) : mention.start]
        ):
            continue  # "other treatments for erectile dysfunction": what a treatment is for
        if mention.table == "condition" and _LAB_LEVEL.search(text[max(0, mention.start - 12) : mention.start]):
            continue  # "elevated C reactive protein" is a measurement without a number, not a condition
        kind = ConstraintKind.TREATMENT if mention.table == "treatment" else ConstraintKind.CONDITION
        negated = _negated(text, mention.start, mention.end, clause_start)
        seen.add((mention.table, mention.name.lower()))
        c = _constraint(polarity, kind, mention.name, "=", not negated, mention=text[mention.start : mention.end])
        out.append((mention.start, replace(c, window=_window(clause))))

    for i, (pos, c) in enumerate(out):
        if c.kind in (ConstraintKind.MEASUREMENT, ConstraintKind.CONCURRENT_TRIAL) and c.window is None:
            clause = next((cl for s, cl in clauses(text) if s <= max(pos, 0) < s + len(cl)), text)
            out[i] = (pos, replace(c, window=_window(clause)))
    ordered = sorted(enumerate(out), key=lambda item: (item[1][0], item[0]))
    unique: dict[tuple[object, ...], Constraint] = {}
    for _, (_, c) in ordered:
        # "SLE disease activity index (SLEDAI) >= 8" names one variable twice: one constraint.
        unique.setdefault((c.kind, c.variable.casefold(), c.comparator, c.value, c.value_max, c.unit), c)
    return tuple(replace(c, text=raw) for c in unique.values())


def _head_of_previous(before: list[TermMention], mention: TermMention, text: str) -> bool:
    """ "cytomegalovirus (CMV) infection": the generic word is the head of the named condition before it."""
    return any(
        m.table == "condition"
        and m.end <= mention.start
        and re.fullmatch(r"\s*(?:\([^)]{1,12}\)\s*)?", text[m.end : mention.start])
        for m in before
    )


def any_of(text: str) -> bool:
    """Whether the criterion's constraints are alternatives ("at least one of the following: ...")."""
    return bool(_ANY_OF.search(text))


@dataclass(frozen=True)
class ParsedCriterion:
    polarity: CriterionKind
    order: int
    text: str
    constraints: tuple[Constraint, ...]
    #: The named section of the eligibility text it stands under (NCI's "PATIENT CHARACTERISTICS"), if any.
    section: str | None = None


def parse_trial(trial: Trial) -> tuple[ParsedCriterion, ...]:
    """Every criterion of the trial with its constraints, inclusion first, in the source's order."""
    names = [i.name for i in trial.interventions] + [o for i in trial.interventions for o in i.other_names]
    sections = {(s.polarity, s.order): s.name for s in trial.criteria_sections}
    return tuple(
        ParsedCriterion(polarity, n, text, parse_criterion(text, polarity, conditions=trial.conditions,
                                                           interventions=names), sections.get((polarity, n)))
        for polarity, criteria in ((CriterionKind.INCLUSION, trial.inclusion_criteria),
                                   (CriterionKind.EXCLUSION, trial.exclusion_criteria))
        for n, text in enumerate(criteria, 1)
    )  # fmt: skip


# ------------------------------------------------------------------ ages


_YEARS_PER = {"a": 1.0, "mo": 1 / 12, "wk": 7 / 365.25, "d": 1 / 365.25, "h": 1 / 8766}
_RECORD_AGE = re.compile(r"^\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<u>years?|months?|weeks?|days?|hours?|minutes?)\s*$", re.I)


def years(value: Number, unit: str | None) -> float:
    """>>> years(18, "a"), years(6, "mo")
    (18.0, 0.5)
    """
    return float(value) * _YEARS_PER.get(unit or "a", 1.0)


def record_age_years(text: str | None) -> float | None:
    """The registry's "18 Years" / "6 Months" as years; None when absent or unreadable.

    >>> record_age_years("18 Years"), record_age_years("6 Months"), record_age_years("N/A")
    (18.0, 0.5, None)
    """
    m = _RECORD_AGE.match(text or "")
    if not m:
        return None
    unit = m.group("u").lower()
    if unit.startswith("minute"):
        return float(m.group("n")) / 525960
    return years(float(m.group("n")), _time_unit(unit))


@dataclass(frozen=True)
class AgeRange:
    """An age range in years; the registry's minimum and maximum ages are inclusive."""

    low: float | None = None
    low_inclusive: bool = True
    high: float | None = None
    high_inclusive: bool = True

    def admits(self, age: float) -> bool:
        above = self.low is None or age > self.low or (self.low_inclusive and age == self.low)
        below = self.high is None or age < self.high or (self.high_inclusive and age == self.high)
        return above and below


def age_range(constraints: Iterable[Constraint]) -> AgeRange:
    """The ages inclusion criteria admit, intersected over their age constraints."""
    r = AgeRange()
    for c in constraints:
        if c.kind is not ConstraintKind.AGE or c.polarity is not CriterionKind.INCLUSION:
            continue
        if not isinstance(c.value, (int, float)) or isinstance(c.value, bool):
            continue
        low = high = None
        v = years(c.value, c.unit)
        if c.comparator in (Comparator.GT, Comparator.GE):
            low = (v, c.comparator is Comparator.GE)
        elif c.comparator in (Comparator.LT, Comparator.LE):
            high = (v, c.comparator is Comparator.LE)
        elif c.comparator is Comparator.BETWEEN and c.value_max is not None:
            low, high = (v, True), (years(c.value_max, c.unit), True)
        elif c.comparator is Comparator.EQ:
            low = high = (v, True)
        if low and (r.low is None or low[0] > r.low):
            r = replace(r, low=low[0], low_inclusive=low[1])
        if high and (r.high is None or high[0] < r.high):
            r = replace(r, high=high[0], high_inclusive=high[1])
    return r


def reconcile_age(trial: Trial) -> tuple[AgeRange, list[str]]:
    """The trial's age range from its record's minimum/maximum age and its criteria, and their disagreements.

    The record's ages are the registry's structured fields; a criterion that states a different bound is
    reported, and the narrower range is kept (a patient must meet both).
    """
    record = AgeRange(low=record_age_years(trial.min_age), high=record_age_years(trial.max_age))
    # A criterion stating several ages ("< 16: Lansky; >= 16: Karnofsky", "18-65, or 12-17 with consent")
    # states alternatives, not bounds: only criteria with one age bound count.
    stated = age_range(
        c
        for parsed in parse_trial(trial)
        if sum(a.kind is ConstraintKind.AGE for a in parsed.constraints) == 1
        for c in parsed.constraints
    )
    problems = []
    if record.low is not None and stated.low is not None and abs(record.low - stated.low) > 1e-9:
        problems.append(f"minimum age {trial.min_age} but a criterion says {stated.low:g} years")
    if record.high is not None and stated.high is not None and abs(record.high - stated.high) > 1e-9:
        problems.append(f"maximum age {trial.max_age} but a criterion says {stated.high:g} years")
    lows = [(v, inc) for v, inc in ((record.low, True), (stated.low, stated.low_inclusive)) if v is not None]
    highs = [(v, inc) for v, inc in ((record.high, True), (stated.high, stated.high_inclusive)) if v is not None]
    low = max(lows, key=lambda x: (x[0], not x[1]), default=(None, True))
    high = min(highs, key=lambda x: (x[0], x[1]), default=(None, True))
    return AgeRange(low[0], low[1], high[0], high[1]), problems
