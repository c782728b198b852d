"""The linker on the labelled list (tests/data/linking/labelled.tsv), trials held out five-fold.

The labelled list is the registry's own pairing of stated names with MeSH descriptors (see
benchmarks/linking_eval.py, which measures the same thing leave-one-trial-out on the full records).
Here each fifth of the trials is resolved with a lexicon made only from the other four fifths:
their name -> descriptor pairs, the names of the descriptors they use, and the curated synonyms as
shipped. No trial's own pairs are in the lexicon it is resolved with.

Measured with this code (5 folds, 2028 truth pairs): all links precision 0.962, recall 0.825;
primary links (the ones that name a shared node) precision 0.991, recall 0.691. The thresholds
below sit under those figures so the test guards against regressions; they are not the issue's
target (recall 0.9 is above what a registry-only lexicon can reach: see the benchmark's ceiling).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest
from testdata import DATA
from trialkg.normalize import lexicon as L
from trialkg.normalize.linking import primary, resolve
from trialkg.normalize.text import key

LABELLED = DATA / "linking" / "labelled.tsv"
FOLDS = 5

Row = tuple[str, str, str, frozenset[str]]


def labelled_rows(path: Path) -> list[Row]:
    lines = (line for line in path.open(encoding="utf-8") if not line.startswith("#"))
    return [
        (r["nct_id"], r["kind"], r["mention"], frozenset(r["mesh_uis"].split()))
        for r in csv.DictReader(lines, delimiter="\t")
    ]


def lexicon_from(rows: list[Row], labels: dict[str, str]) -> L.Lexicon:
    """What make_lexicon would build from these trials' pairings: registry pairs with support/seen, descriptor names."""
    pairs: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    used: dict[tuple[str, str], set[str]] = defaultdict(set)
    for trial, kind, mention, uis in rows:
        for ui in uis:
            pairs[(kind, key(mention), ui)].add(trial)
            used[(kind, ui)].add(trial)
        seen[(kind, key(mention))].add(trial)
    entries = [
        L.Entry(kind, k, ui, labels.get(ui, ""), "registry-pair", len(ts), len(seen[(kind, k)]))
        for (kind, k, ui), ts in pairs.items()
        if k
    ]
    entries += [
        L.Entry(kind, key(labels[ui]), ui, labels[ui], "mesh-label", len(ts), len(ts))
        for (kind, ui), ts in used.items()
        if ui in labels
    ]
    curated = L.curated_entries(L.data_path("synonyms.tsv"))
    return L.Lexicon.from_entries([*entries, *curated], L.read_xrefs(L.data_path("xrefs.tsv")))


@pytest.fixture(scope="module")
def scores() -> dict[str, float]:
    rows = labelled_rows(LABELLED)
    # Descriptor names (UI -> heading) are MeSH's, not a trial's pairing: taken from the shipped lexicon.
    labels = L.default_lexicon().labels
    trials = sorted({r[0] for r in rows})
    fold_of = {t: n % FOLDS for n, t in enumerate(trials)}
    c: dict[str, int] = defaultdict(int)
    for fold in range(FOLDS):
        lex = lexicon_from([r for r in rows if fold_of[r[0]] != fold], labels)
        for _trial, kind, mention, uis in (r for r in rows if fold_of[r[0]] == fold):
            links = resolve(mention, kind, lex)
            top = primary(links)
            c["truth"] += len(uis)
            c["made"] += len(links)
            c["correct"] += sum(lk.ui in uis for lk in links)
            c["found"] += len(uis & {lk.ui for lk in links})
            c["primary"] += top is not None
            c["primary_correct"] += top is not None and top.ui in uis
    return {
        "truth": c["truth"],
        "precision": c["correct"] / c["made"],
        "recall": c["found"] / c["truth"],
        "primary_precision": c["primary_correct"] / c["primary"],
        "primary_recall": c["primary_correct"] / c["truth"],
    }


def test_the_labelled_list_is_the_corpus_sized_one() -> None:
    rows = labelled_rows(LABELLED)
    assert len(rows) > 1500 and len({r[0] for r in rows}) > 900


def test_all_links_precision_and_recall_on_held_out_trials(scores: dict[str, float]) -> None:
    assert scores["precision"] >= 0.95, scores
    assert scores["recall"] >= 0.80, scores


def test_primary_links_are_almost_never_wrong(scores: dict[str, float]) -> None:
    # A primary link names the shared node, so a wrong one merges two entities: it must be rarer still.
    assert scores["primary_precision"] >= 0.985, scores
    assert scores["primary_recall"] >= 0.67, scores
