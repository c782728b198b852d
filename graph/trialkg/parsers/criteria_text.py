"""Eligibility criteria text split into inclusion and exclusion items: the registry's JSON and XML state it alike."""

from __future__ import annotations

import re
from dataclasses import dataclass

from trialkg.model import CriterionKind, CriterionSection
from trialkg.parsers.common import criteria_items, is_bullet, strip_bullet

_KIND = re.compile(
    r"\b(non-inclusion|inclusion|exclusion)s?\b(\s+(?:criteria|criterion|citeria|requirements)\b)?", re.IGNORECASE
)


def criteria_heading(line: str) -> tuple[str, str, str] | None:
    """(kind, text before, text after) when `line` heads inclusion or exclusion criteria, else None.

    kind is 'inclusion' or 'exclusion'; 'text before' is an item glued in front of the heading
    ('* Stable relationship Exclusion Criteria:'); 'text after' an item on the heading's line.

    >>> criteria_heading("Key Inclusion Criteria:")
    ('inclusion', '', '')
    >>> criteria_heading("Exclusion Criteria: none")
    ('exclusion', '', 'none')
    >>> criteria_heading("* Patient meets the inclusion criteria for trial entry") is None
    True
    """
    bullet = is_bullet(line)
    text = (strip_bullet(line) if bullet else line.strip()).strip("[]").strip()
    m = _KIND.search(text)
    if not m or len(text) > 120:
        return None
    kind = "inclusion" if m.group(1).lower() == "inclusion" else "exclusion"
    words = {w.lower() for w in re.findall(r"[\w-]+", text)}
    if not bullet and text.endswith(":") and "criteria" in words and len(words & {"inclusion", "exclusion"}) == 1:
        return kind, "", ""  # 'For inclusion in the study subjects should fulfill the following criteria:'
    pre, after = text[: m.start()].strip(), text[m.end() :]
    post, colon, rest = after.partition(":")
    post = post.strip()
    if ("exclusion" if kind == "inclusion" else "inclusion") in post.lower():
        return None  # 'Inclusion/Exclusion:' states neither
    if len(post.split()) > 5 or post.endswith((".", ";")) or pre.endswith((".", ";", ",", ")", ":")):
        return None
    criteria_word = bool(m.group(2))
    if colon:
        glued = (
            bullet and len(pre.split()) >= 2 and not post and not rest.strip()
            and re.fullmatch(r"(Inclusion|Exclusion) Criteria", m.group(0))
        )  # fmt: skip
        if glued:
            return kind, pre, ""
        if len(pre.split()) > 4 or (bullet and (not criteria_word or len(pre.split()) > 1)):
            return None
        first = rest.strip()
        return kind, "", strip_bullet(first) if is_bullet(first) else first
    if not criteria_word or len(pre.split()) > 4 or (bullet and (pre or post)):
        return None
    return kind, "", ""


_EMPTY_BULLET = re.compile(r"[*\u2022\u00b7\-\u2013]+|\d{1,3}[.)]")


def split_criteria(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(inclusion items, exclusion items, lines outside both) of an eligibility criteria text.

    One item per bullet or numbered line under an 'Inclusion Criteria:' or 'Exclusion Criteria:'
    heading (or a variant: 'Key Inclusion Criteria:', 'Exclusion criteria', 'Inclusion:'),
    without its marker. An unmarked line continues the item before it (hard-wrapped text),
    except after a blank line or when it ends with ':' (a sub-heading): then it starts an item.

    >>> split_criteria("Inclusion Criteria:\\n\\n* Adult\\n* Male\\n\\nExclusion Criteria:\\n\\n* Smoker")
    (('Adult', 'Male'), ('Smoker',), ())
    """
    groups: dict[str, list[str]] = {"inclusion": [], "exclusion": []}
    outside: list[str] = []
    current: list[str] | None = None
    new_item = True
    for raw in text.splitlines():
        if not raw.strip() or _EMPTY_BULLET.fullmatch(raw.strip()):
            new_item = True
            continue
        heading = criteria_heading(raw)
        if heading is None:
            if current is None:
                outside.append(raw.strip())
            elif not is_bullet(raw) and (new_item or raw.rstrip().endswith(":")):
                current.append(f"- {raw.strip()}")
            else:
                current.append(raw)
            new_item = False
            continue
        kind, before, after = heading
        if before:
            glued = raw[: raw.find(before) + len(before)]
            if current is None:
                outside.append(glued.strip())
            else:
                current.append(glued)
        current = groups[kind]
        if after:
            current.append(f"- {after}")
        new_item = True
    inclusion = tuple(item for item in criteria_items(groups["inclusion"]) if item)
    exclusion = tuple(item for item in criteria_items(groups["exclusion"]) if item)
    return inclusion, exclusion, tuple(outside)


# ------------------------------------------------------------------ criteria without inclusion/exclusion headings

#: An NCI/PDQ section heading: "DISEASE CHARACTERISTICS:", "PRIOR CONCURRENT THERAPY:" (capitals, then a colon).
_SECTION = re.compile(r"^\s*(?:[*\u2022\-]\s*)?(?P<name>[A-Z][A-Z/&,' -]{2,58}[A-Z])\s*:\s*(?P<rest>.*)$")
#: PDQ's older section lines: "--Disease Characteristics--", "--Prior/Concurrent Therapy--".
_DASHED_SECTION = re.compile(r"^\s*--\s*(?P<name>[A-Za-z][A-Za-z/ ]{2,40}[A-Za-z])\s*--\s*$")
#: A sub-heading inside a section, as a line of its own ("Age:", "Performance status:", "Other:").
_SUBHEADING = re.compile(r"^(?P<name>[A-Z][A-Za-z/&'()-]*(?: [a-zA-Z/&'()-]+){0,3})\s*:\s*$")
#: A sub-heading inside run-on text: "... ECOG 0-2 Life expectancy: At least 8 weeks Hematopoietic: ...".
_INLINE_SUBHEADING = re.compile(r"(?<=\S)\s+(?=[A-Z][a-z]+(?: [a-z]+){0,2}:\s)")
#: Where run-on PDQ text starts a new requirement: a capitalised word after a word that ends one
#: ("... no greater than 2 mg/dL Renal", "... pregnancy test Fertile patients ...").
_RUN_ON_BREAK = re.compile(r"(?<=[a-z0-9%)\]])\s+(?=(?:[A-Z][a-z]+|No|At least)\b(?![:']))")
#: Words after which a capitalised word continues the requirement ("ECOG 0-1 or Karnofsky 70%").
_CONTINUES = frozenset(
    ("a", "an", "and", "or", "of", "with", "by", "the", "to", "than", "for", "in", "on", "at", "as", "see", "from",
     "no", "not", "nor", "per", "plus", "versus", "vs", "e.g", "i.e", "including", "include", "includes",
     "excluding", "except", "such", "like", "if", "but")
)  # fmt: skip
_SENTENCE = re.compile(r"(?<=[a-z0-9%)\]])\.\s+(?=[A-Z(])")
_ABBREVIATION_END = re.compile(r"(?:\b(?:e\.g|i\.e|vs|approx|etc|Dr|No|Fig|ca|St|Mr|Mrs|Ms)|\b[A-Z])$")


def _sentences(text: str) -> list[str]:
    """Sentences of a paragraph, split at '. ' before a capital (not after 'e.g.', 'Dr.', an initial)."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE.finditer(text):
        head = text[start : m.start()]
        if _ABBREVIATION_END.search(head):
            continue
        out.append(head.strip() + ".")
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def _run_on_items(text: str) -> list[str]:
    """The requirements of a PDQ section written as one run of wrapped text, split at its sub-headings,
    sentence ends and the capitalised word that starts each requirement."""
    items: list[str] = []
    for part in _INLINE_SUBHEADING.split(text):
        pieces: list[str] = []
        start = 0
        for m in _RUN_ON_BREAK.finditer(part):
            before = part[start : m.start()].split()
            if (
                not before
                or before[-1].lower().strip(",;") in _CONTINUES
                or re.search(r"\b(?:Disease|Patient|Prior|Concurrent)$", part[: m.start()])
            ):
                continue
            pieces.append(part[start : m.start()])
            start = m.end()
        pieces.append(part[start:])
        for piece in pieces:
            items.extend(_sentences(piece.strip()))
    # "Age: Not specified" keeps its sub-heading; a sub-heading split from its text is joined back.
    joined: list[str] = []
    for item in items:
        if joined and joined[-1].endswith(":"):
            joined[-1] = f"{joined[-1]} {item}"
        else:
            joined.append(item)
    return [i for i in joined if i.strip(" .")]


def _block_items(lines: list[str]) -> list[str]:
    """The requirements of a block of lines: one per bullet (wrapped lines joined), a sub-heading line
    ("Age:") put in front of the bullets under it, and unbulleted paragraphs split into sentences or,
    for PDQ's run-on layout, into requirements."""
    items: list[str] = []
    subheading = ""
    paragraph: list[str] = []
    bulleted = any(is_bullet(line) for line in lines)

    def flush() -> None:
        if not paragraph:
            return
        text = " ".join(paragraph)
        paragraph.clear()
        for item in _sentences(text) if bulleted else _run_on_items(text):
            items.append(f"{subheading} {item}" if subheading else item)

    current: list[str] | None = None
    for raw in [*lines, ""]:
        line = raw.strip()
        sub = _SUBHEADING.match(line)
        if (not line or is_bullet(raw) or sub) and current is not None:
            items.append(" ".join(current))
            current = None
        if not line:
            flush()
            continue
        if sub and bulleted:
            flush()
            subheading = f"{sub.group('name')}:"
            continue
        if is_bullet(raw):
            flush()
            depth = len(raw) - len(raw.lstrip())
            text = strip_bullet(raw)
            # An indented bullet under a sub-heading belongs to it; a bullet back at the margin does not.
            if subheading and depth == 0 and not sub:
                subheading = ""
            current = [f"{subheading} {text}" if subheading else text]
            continue
        if current is not None:
            current.append(line)
        else:
            paragraph.append(line)
    flush()
    return [i for i in items if i.strip()]


def headerless_items(text: str) -> list[tuple[str | None, str]]:
    """(section, requirement) of an eligibility text without inclusion/exclusion headings.

    NCI's PDQ layout ("DISEASE CHARACTERISTICS: ... PATIENT CHARACTERISTICS: ... PRIOR CONCURRENT
    THERAPY: ...") gives each requirement the section it stands under; a plain text ("Men, ages 30-64.
    Three months beyond most recent myocardial infarction.") gives one requirement per bullet or sentence,
    with no section. Hard-wrapped lines are joined.

    >>> for item in headerless_items("DISEASE CHARACTERISTICS: Stage IV melanoma\\n\\nPATIENT CHARACTERISTICS:"
    ...                              " Age: Over 18 Performance status: ECOG 0-2"):
    ...     print(item)
    ('DISEASE CHARACTERISTICS', 'Stage IV melanoma')
    ('PATIENT CHARACTERISTICS', 'Age: Over 18')
    ('PATIENT CHARACTERISTICS', 'Performance status: ECOG 0-2')
    >>> headerless_items("Men, ages 30-64. Three months beyond most\\nrecent myocardial infarction.")
    [(None, 'Men, ages 30-64.'), (None, 'Three months beyond most recent myocardial infarction.')]
    """
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    for raw in text.replace("\r", "").splitlines():
        m = _SECTION.match(raw)
        dashed = _DASHED_SECTION.match(raw)
        if m and len(m.group("name").split()) <= 6 and not re.search(r"[a-z]", m.group("name")):
            blocks.append((" ".join(m.group("name").split()), [m.group("rest")] if m.group("rest").strip() else []))
        elif dashed:
            blocks.append((" ".join(dashed.group("name").upper().split()), []))
        else:
            blocks[-1][1].append(raw)
    return [(section, item) for section, lines in blocks for item in _block_items(lines)]


@dataclass(frozen=True)
class CriteriaText:
    """An eligibility text read into criteria: items by polarity, the section each stands under, what is left."""

    inclusion: tuple[str, ...]
    exclusion: tuple[str, ...]
    #: Lines outside both (kept as unmapped text).
    outside: tuple[str, ...]
    #: (polarity, position from 1, section name) of each item that stands under a named section.
    sections: tuple[tuple[str, int, str], ...] = ()


def read_criteria(text: str) -> CriteriaText:
    """The criteria of an eligibility text, with or without inclusion/exclusion headings.

    With headings, as `split_criteria`. Without any (older records: NCI's PDQ sections, or plain
    sentences), every requirement is an inclusion criterion, as the registry's own field calls the
    whole text "criteria" a participant must meet: a denial stays in its words ("No prior
    chemotherapy" is an inclusion criterion that its constraint reads as "has had chemotherapy: no").
    Each keeps its PDQ section.

    >>> read_criteria("DISEASE CHARACTERISTICS: Stage IV melanoma\\nPRIOR CONCURRENT THERAPY: No prior chemotherapy")
    CriteriaText(inclusion=('Stage IV melanoma', 'No prior chemotherapy'), exclusion=(), outside=(), \
sections=(('inclusion', 1, 'DISEASE CHARACTERISTICS'), ('inclusion', 2, 'PRIOR CONCURRENT THERAPY')))
    """
    inclusion, exclusion, outside = split_criteria(text)
    if inclusion or exclusion or not outside:
        return CriteriaText(inclusion, exclusion, outside)
    items = headerless_items(text)
    sections = tuple(("inclusion", n, section) for n, (section, _item) in enumerate(items, 1) if section)
    return CriteriaText(tuple(item for _section, item in items), (), (), sections)


def criteria_sections(read: CriteriaText) -> tuple[CriterionSection, ...]:
    """The sections of a read text as the model's `CriterionSection`s."""
    return tuple(CriterionSection(CriterionKind(kind), order, name) for kind, order, name in read.sections)
