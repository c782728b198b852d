"""Matching keys for mentions: the same words, whatever the case, accents, punctuation or dose words.

Keys are what the lexicon is indexed by. `key` keeps every word; `stripped_keys` also drops the
qualifiers that say how much or which form of a thing is given ("low-dose", "recombinant human",
"10 mg", "(drug)"), which name a regimen, not a different entity.
"""

from __future__ import annotations

import re
import unicodedata

#: Greek letters as MeSH writes them out ("IFN-γ" is "interferon gamma" in MeSH's entry terms).
_GREEK = {"α": " alpha ", "β": " beta ", "γ": " gamma ", "δ": " delta ", "κ": " kappa ", "ω": " omega "}

_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)?")

#: Words before the entity that say how it is given, never which entity it is (whole words only).
_LEADING_QUALIFIERS = (
    "ultra low dose", "very low dose", "low dose", "high dose", "standard dose", "fixed dose", "single dose",
    "recombinant human", "recombinant", "human recombinant", "subcutaneous", "intravenous", "oral", "topical",
    "inhaled", "intranasal", "intramuscular", "pegylated",
)  # fmt: skip

#: Words after the entity: dosage forms and the registry's "(drug)"-style type tags.
_TRAILING_QUALIFIERS = (
    "drug", "biological", "injection", "injections", "infusion", "tablet", "tablets", "capsule", "capsules",
    "oral solution", "solution", "cream", "gel", "ointment", "spray", "patch", "for injection", "therapy",
    "treatment", "iv", "sc", "po", "im", "oral", "subcutaneous", "intravenous", "placebo matched",
)  # fmt: skip

#: Salt and ester words a drug name may carry; stripped only as a fallback, so "sodium" alone stays.
SALT_WORDS = (
    "hydrochloride", "hcl", "sodium", "potassium", "calcium", "magnesium", "citrate", "sulfate", "sulphate",
    "phosphate", "acetate", "maleate", "mesylate", "tartrate", "bromide", "chloride", "fumarate", "succinate",
    "besylate", "hyclate", "monohydrate", "dihydrate", "disodium", "dipropionate", "propionate",
)  # fmt: skip

_UNITS = r"(?:mg|mcg|ug|µg|g|kg|ml|l|iu|u|units?|million units?|miu|mu|mg/kg|mg/m2|mcg/kg|%)"
_DOSE = re.compile(
    rf"\b\d[\d,.]*(?:\s*(?:x|×)\s*10\^?\d+)?\s*(?:million|thousand)?\s*{_UNITS}(?:\s*/\s*(?:kg|m2|m²|day|d|week))*\b",
    re.IGNORECASE,
)
#: "rhIL-2", "HrIL-2": the recombinant-human prefix glued to a short protein abbreviation.
_GLUED_RH = re.compile(r"^(?:rh|hr)\s*(?=[a-z]{2,5}\s*\d)")


def fold(text: str) -> str:
    """Lower case, Greek letters spelled out, accents dropped, every non-word character a space.

    >>> fold("Henoch-Schönlein  Purpura"), fold("IFN-γ"), fold("Sjögren’s")
    ('henoch schonlein purpura', 'ifn gamma', 'sjogren s')
    """
    text = unicodedata.normalize("NFKD", "".join(_GREEK.get(c, c) for c in text))
    # Accents go; any other non-ASCII character ("’", "–") separates words as its ASCII twin would.
    text = "".join(c if c.isascii() else "" if unicodedata.combining(c) else " " for c in text).casefold()
    return " ".join(_WORD.findall(_split_letter_digit(text)))


def _split_letter_digit(text: str) -> str:
    # "IL2" and "IL-2" are one name; "h1n1" stays apart only by spaces, which is harmless for matching.
    return re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)


def key(text: str) -> str:
    """The exact matching key: `fold` of the text.

    >>> key("Lupus Erythematosus, Systemic") == key("lupus erythematosus systemic")
    True
    """
    return fold(text)


def sorted_key(text: str) -> str:
    """The words of `key` in sorted order: MeSH's inverted headings meet the natural order.

    >>> sorted_key("Lupus Erythematosus, Systemic") == sorted_key("Systemic Lupus Erythematosus")
    True
    """
    return " ".join(sorted(fold(text).split()))


def strip_qualifiers(text: str) -> str:
    """The key without dose amounts, dosage forms and "low-dose"/"recombinant human" style qualifiers.

    >>> strip_qualifiers("Low-dose IL-2"), strip_qualifiers("rhIL-2 (drug)"), strip_qualifiers("Aspirin 100 mg tablets")
    ('il 2', 'il 2', 'aspirin')
    """
    text = _DOSE.sub(" ", text)
    words = fold(text)
    changed = True
    while changed and words:
        changed = False
        for q in _LEADING_QUALIFIERS:
            if words.startswith(q + " "):
                words, changed = words[len(q) + 1 :], True
        for q in _TRAILING_QUALIFIERS:
            if words.endswith(" " + q):
                words, changed = words[: -len(q) - 1], True
        glued = _GLUED_RH.sub("", words)
        if glued != words and glued:
            words, changed = glued, True
    return words


def strip_salt(words: str) -> str:
    """`words` (a key) without trailing salt words, or `words` itself when nothing else would remain.

    >>> strip_salt("metformin hydrochloride"), strip_salt("sodium")
    ('metformin', 'sodium')
    """
    parts = words.split()
    while len(parts) > 1 and parts[-1] in SALT_WORDS:
        parts.pop()
    return " ".join(parts)


#: Word swaps between everyday names and MeSH's headings ("kidney cancer" is MeSH's "Kidney Neoplasms").
_REWRITES = {"cancer": "neoplasms", "cancers": "neoplasms", "tumor": "neoplasms", "tumors": "neoplasms",
             "tumour": "neoplasms", "tumours": "neoplasms", "disorder": "disorders", "s": ""}  # fmt: skip
_PARENTHESIS = re.compile(r"\s*\([^()]*\)\s*$")


def rewrite(text: str) -> str:
    """A variant key: a trailing "(ABBR)" dropped, possessive "'s" dropped, everyday words in MeSH's form.

    >>> rewrite("Kidney Cancer"), rewrite("Type 2 Diabetes Mellitus (T2DM)"), rewrite("Crohn's Disease")
    ('kidney neoplasms', 'type 2 diabetes mellitus', 'crohn disease')
    """
    words = fold(_PARENTHESIS.sub("", text)).split()
    return " ".join(w for w in (_REWRITES.get(w, w) for w in words) if w)
