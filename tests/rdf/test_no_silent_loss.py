"""No silent loss (issue 9, item 3): every line of every seed and unseen page shows up in the graph.

A line shows up when each of its words is in the document's graph: in a literal (a field's value, or the
source node's trialkg:unmappedText) or in the name of a code or IRI the mapping states (PHASE2, FEMALE...).
Before looking, the line loses its structure text (key names, headings and their fixed blurbs, table
headers, page furniture), listed with a reason per format in tests/data/no_silent_loss/boilerplate.json;
a few whole lines the graph states as codes are listed there too. Pages glue table cells together
("reactionsup to 1 year"): a word is also found when it is two graph words joined.

Words are compared case-folded, split between letters and digits, numbers without leading zeros and
month names as numbers, so "June 1, 2019" is found in 2019-06-01.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import URIRef
from testdata import DATA, SEEDS, UNSEEN
from trialkg.model import Trial
from trialkg.normalize.enrich import enrich
from trialkg.parsers import parse_file
from trialkg.rdf.mapping import map_trial

SPEC = json.loads((DATA / "no_silent_loss" / "boilerplate.json").read_text(encoding="utf-8"))
_MONTHS = {m.lower(): str(n) for n, m in enumerate(calendar.month_name) if m}


def words(text: str) -> set[str]:
    """>>> sorted(words("June 1, 2019: PHASE2 e-Mail"))
    ['1', '2', '2019', '6', 'e', 'mail', 'phase']
    """
    out = set()
    for token in re.findall(r"[^\W_]+", text.casefold()):
        for part in re.findall(r"\d+|[^\W\d_]+", token):
            part = _MONTHS.get(part, part)
            out.add(str(int(part)) if part.isdigit() and len(part) < 12 else part)
    return out


def _name(iri: URIRef) -> str:
    return re.split(r"[/#]", str(iri))[-1]


def graph_words(trial: Trial) -> frozenset[str]:
    """Every word the trial's graph states, in literals and in the names of IRIs."""
    out: set[str] = set()
    for triple in map_trial(enrich(trial)).triples:
        for term in triple:
            out |= words(_name(term) if isinstance(term, URIRef) else str(term))
    return frozenset(out)


def _found(word: str, known: frozenset[str]) -> bool:
    """`word` is a graph word, or graph words glued together (a word break, as pages glue table cells)."""
    joins = [True] + [False] * len(word)  # joins[i]: word[:i] splits into graph words
    for end in range(1, len(word) + 1):
        joins[end] = any(joins[start] and word[start:end] in known for start in range(end))
    return joins[-1]


def content(line: str, fmt: str) -> str:
    """The line without its structure text, code labels as their codes; what is left, if a listed code, as that."""
    for item in sorted(SPEC["boilerplate"].get(fmt, []), key=lambda b: -len(b.get("text", ""))):
        line = re.sub(item["pattern"], " ", line) if "pattern" in item else line.replace(item["text"], " ")
    for label in SPEC["labels"]:
        line = line.replace(label["text"], f" {label['as']} ")
    for code in SPEC["codes"]:
        if line.strip() == code["text"]:
            return code["as"]
    return line


def lost_lines(doc: Path, trial: Trial | None = None) -> list[str]:
    """The lines of `doc` that do not show up in the graph of `trial` (by default: what the parser reads)."""
    if trial is None:
        (trial,) = parse_file(doc)
        assert isinstance(trial, Trial), trial
    known = graph_words(trial)
    lost = []
    for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        missing = sorted(w for w in words(content(line, trial.source.format)) if not _found(w, known))
        if missing:
            lost.append(f"line {n}: {line[:100]!r} (not in the graph: {', '.join(missing[:6])})")
    return lost


@pytest.mark.parametrize("doc", SEEDS + UNSEEN, ids=lambda p: p.parent.name + "/" + p.name)
def test_every_line_shows_up_in_the_graph(doc):
    assert lost_lines(doc) == []


def test_boilerplate_has_reasons():
    for items in SPEC["boilerplate"].values():
        assert all((item.get("text", "").strip() or item.get("pattern")) and len(item["why"]) > 5 for item in items)
    assert all(len(code["why"]) > 5 for code in SPEC["codes"] + SPEC["labels"])


def test_a_dropped_line_is_noticed(tmp_path):
    """A line no field takes shows up as unmapped text; were a parser to drop it, the check would say so."""
    doc = tmp_path / SEEDS[0].name
    doc.write_text(SEEDS[0].read_text(encoding="utf-8") + "\nZyxwv Quuxly: frobnicated\n", encoding="utf-8")
    (trial,) = parse_file(doc)
    assert lost_lines(doc, trial) == []
    dropped = replace(trial, unmapped=tuple(u for u in trial.unmapped if "Zyxwv" not in u))
    (lost,) = lost_lines(doc, dropped)
    assert "Zyxwv Quuxly: frobnicated" in lost and "frobnicated, quuxly, zyxwv" in lost
