"""Eligibility criteria text split into inclusion and exclusion items: the registry's JSON and XML state it alike."""

from __future__ import annotations

import re

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
