"""Related trials: candidates from SPARQL, ranked over the trial-entity graph, every score explained.

Two trials are related by what they share: a condition, a MeSH descriptor or ancestor, an
intervention, a sponsor, a cited paper, a site. A shared entity counts for more the rarer it is
(sharing "Systemic Lupus Erythematosus" among 5 trials says more than "Healthy Volunteers" among
5,000), and design (phase, study type, age band) adds a little. Three scorers are offered; the
benchmark (benchmarks/related_eval.py) measures them against each other.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx
import numpy as np
import pyoxigraph as ox

from trialkg.normalize.criteria import record_age_years
from trialkg.rdf import iri
from trialkg.rdf.queries import select
from trialkg.rdf.readback import resolve_trial
from trialkg.store.export import SINKS, export_statements

#: How much one shared entity of each kind counts, before rarity.
KIND_WEIGHTS = {
    "condition": 1.0,
    "condition_mesh": 1.0,
    "condition_mesh_ancestor": 0.35,
    "intervention": 1.0,
    "intervention_mesh": 0.8,
    "sponsor": 0.5,
    "reference": 1.2,
    "site": 0.3,
    "title_word": 0.4,
    "summary_word": 0.15,
}
#: Words too common in trial titles and summaries to say anything about a topic.
STOPWORDS = frozenset(
    """
a an and are as at be by for from in into is it its of on or than that the this to was were will with study
studies trial trials clinical patients patient participants subjects people efficacy safety effect effects
treatment treatments therapy evaluation evaluate assess assessment randomized randomised controlled versus vs
phase open label single multi center centre multicenter pilot prospective retrospective group groups after
before during between who which their these those have has been not more than each other all any one two three
four five six first second third another also then there here such may can could would should shall must did
does done being both either neither only same some most many much very well however whether while within
without about above below under over per via used using use based including include included day days week
weeks month months year years time times every least less high low new given received receive receiving
compared compare comparing results result methods method purpose aim aims objective objectives primary
secondary outcome outcomes measure measures data analysis investigators investigator designed design standard
total number level levels change changes rate rates period periods duration dose doses dosing
""".split()  # noqa: SIM905 - a word list reads best as text
)
#: Characters of a summary or description that are read for words.
TEXT_CHARS = 2000
#: Weak design signals, each added once when the two trials agree.
DESIGN_WEIGHT = 0.1
SCORERS = ("idf_sum", "weighted_jaccard", "ppr")
#: PageRank damping: the chance of following an edge rather than restarting at the query trial.
_ALPHA = 0.85
DEFAULT_SCORER = "idf_sum"

#: Age bands (years): child, adult, older adult.
_AGE_BANDS = (("child", 0.0, 18.0), ("adult", 18.0, 65.0), ("older adult", 65.0, 200.0))


@dataclass(frozen=True)
class Shared:
    """One thing two trials share, and what it adds to their score."""

    kind: str
    label: str
    iri: str | None
    weight: float


@dataclass(frozen=True)
class RelatedTrial:
    rank: int
    id: str
    nct_id: str | None
    brief_title: str | None
    score: float
    shared: tuple[Shared, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank, "id": self.id, "nct_id": self.nct_id, "brief_title": self.brief_title,
            "score": round(self.score, 6),
            "shared": [{"kind": s.kind, "label": s.label, "iri": s.iri, "weight": round(s.weight, 6)}
                       for s in self.shared],
        }  # fmt: skip


@dataclass
class TrialInfo:
    nct_id: str | None = None
    brief_title: str | None = None
    phases: set[str] = field(default_factory=set)
    study_type: str | None = None
    age_bands: set[str] = field(default_factory=set)


@dataclass
class EntityGraph:
    """The bipartite trial-entity graph of a built graph, with what ranking needs to know."""

    graph: nx.Graph
    trials: dict[str, TrialInfo]
    labels: dict[str, str]
    kinds: dict[str, str]

    def df(self, entity: str) -> int:
        """How many trials link to `entity` (its document frequency)."""
        return int(self.graph.degree(entity)) if entity in self.graph else 0

    def idf(self, entity: str) -> float:
        return math.log((1 + len(self.trials)) / (1 + self.df(entity))) + 1.0

    def entity_weight(self, entity: str) -> float:
        """A shared entity's contribution: its kind's weight, scaled by rarity (1/log of its frequency)."""
        return KIND_WEIGHTS.get(self.kinds[entity], 0.5) / math.log(1 + max(self.df(entity), 2))


def load_entity_graph(store: ox.Store) -> EntityGraph:
    """Read the trial-entity graph out of the store with SPARQL (queries/trial_design.rq, trial_entities.rq)."""
    graph: nx.Graph = nx.Graph()
    labels: dict[str, str] = {}
    kinds: dict[str, str] = {}
    trials: dict[str, TrialInfo] = defaultdict(TrialInfo)
    fields: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in select(store, "trial_design"):
        fields[row["trial"]][row["p"].rsplit("#", 1)[-1]].append(str(row["o"]))
    for trial, f in sorted(fields.items()):
        info = trials[trial]
        graph.add_node(trial, bipartite=0)
        info.nct_id = min(f["nctId"], default=None)
        info.brief_title = min(f["briefTitle"], default=None)
        info.phases = {p.rsplit("-", 1)[-1] for p in f["phase"]}
        info.study_type = min(f["studyType"], default=None)
        info.age_bands = _age_bands(min(f["minimumAge"], default=None), min(f["maximumAge"], default=None))
        title_words = set().union(*(terms(t) for t in f["briefTitle"] + f["officialTitle"]))
        summary_words = set().union(*(terms(t[:TEXT_CHARS]) for t in f["briefSummary"] + f["detailedDescription"]))
        for kind, words in (("title_word", title_words), ("summary_word", summary_words - title_words)):
            for word in words:
                _link(graph, kinds, labels, trial, _TERM + word, kind, word)
    names: dict[str, str] = {}
    for row in select(store, "entity_labels"):
        if row["entity"] not in names or row["label"] < names[row["entity"]]:
            names[row["entity"]] = row["label"]  # the same label whatever the order rows come in
    for row in select(store, "trial_entities"):
        entity, label = entity_key(row)
        _link(graph, kinds, labels, row["trial"], entity, row["kind"], names.get(entity, label))
    return EntityGraph(graph=graph, trials=dict(trials), labels=labels, kinds=kinds)


def entity_key(row: dict[str, Any]) -> tuple[str, str]:
    """(the entity's key, a label) of a trial_entities / related_candidates row.

    Papers are keyed by their PubMed page, sites by city and country (sites are literals in the graph).
    """
    if "pmid" in row:
        return f"https://pubmed.ncbi.nlm.nih.gov/{row['pmid']}/", f"PMID {row['pmid']}"
    if "city" in row:
        city, country = str(row["city"]), str(row["country"])
        return f"{_SITE}{quote(city.casefold())}:{quote(country.casefold())}", f"{city}, {country}"
    entity = str(row["entity"])
    return entity, str(row.get("label") or entity.rsplit("/", 1)[-1])


def _link(graph: nx.Graph, kinds: dict[str, str], labels: dict[str, str], trial: str, entity: str, kind: str,
          label: str) -> None:  # fmt: skip
    kinds.setdefault(entity, kind)
    if entity not in labels or label < labels[entity]:
        labels[entity] = label  # the same label whatever the order rows come in
    graph.add_node(entity, bipartite=1)
    graph.add_edge(trial, entity)


_TERM = "urn:trialkg:term:"
_SITE = "urn:trialkg:site:"
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def terms(text: str | None) -> set[str]:
    """The informative words of a title or summary: lower case, hyphenated words kept whole.

    >>> sorted(terms("Efficacy and Safety of Low-dose IL-2 in SLE Patients"))
    ['il-2', 'low-dose', 'sle']
    """
    words = _WORD.findall((text or "").casefold())
    return {
        w for w in words
        if w not in STOPWORDS and not w.isdigit() and (len(w) > 2 or any(c.isdigit() for c in w))
    }  # fmt: skip


def _age_bands(min_age: str | None, max_age: str | None) -> set[str]:
    low, high = record_age_years(min_age), record_age_years(max_age)
    if low is None and high is None:
        return set()
    low, high = low or 0.0, high if high is not None else 200.0
    return {name for name, start, end in _AGE_BANDS if low < end and high >= start}


def candidates(store: ox.Store, trial: str, entity_graph: EntityGraph | None = None) -> dict[str, set[str]]:
    """Other trials sharing at least one entity with `trial`, and the entities shared.

    Without an entity graph, from SPARQL (queries/related_candidates.rq, the trial bound as a
    parameter). With one, from the graph itself: its trial-entity links are the same links
    (queries/trial_entities.rq), plus shared title and summary words (not those too common to narrow
    anything), and sites keyed case-folded.
    """
    if entity_graph is None:
        shared: dict[str, set[str]] = defaultdict(set)
        for row in select(store, "related_candidates", {"trial": ox.NamedNode(trial)}):
            shared[row["other"]].add(entity_key(row)[0])
        return shared
    eg = entity_graph
    shared = defaultdict(set)
    for entity in _usable(eg, trial):
        for other in eg.graph[entity]:
            if other != trial:
                shared[other].add(entity)
    return shared


def _usable(eg: EntityGraph, trial: str) -> set[str]:
    """The entities of `trial` that can relate it to others: all but title/summary words most trials have."""
    if trial not in eg.graph:
        return set()
    common = max(50, len(eg.trials) // 20)
    return {e for e in eg.graph[trial] if not (e.startswith(_TERM) and eg.df(e) > common)}


#: Entities linked to more trials than this (or 2% of them) are not followed to find candidates for the
#: default scorer: they add little (weight / log of frequency) and are added exactly to the ones found.
CANDIDATE_DF_CAP = 1000


def _top_idf_sum(eg: EntityGraph, trial: str, top: int) -> list[tuple[float, str, list[Shared]]]:
    """The exact `top` of the idf_sum scorer without scoring every trial that shares a common entity.

    Candidates are found through the query trial's rarer entities, with a partial score; the common
    entities and design signals can add at most `slack`, so a candidate whose partial score plus slack
    stays below the current top-th full score cannot enter the top. If the top is not settled that way,
    every candidate is scored (as the other scorers do).
    """
    mine = _usable(eg, trial)
    cap = max(CANDIDATE_DF_CAP, len(eg.trials) // 50)
    rare = sorted(e for e in mine if eg.df(e) <= cap)
    slack = sum(eg.entity_weight(e) for e in mine if eg.df(e) > cap and e in eg.kinds) + 3 * DESIGN_WEIGHT
    partial: dict[str, float] = defaultdict(float)
    for entity in rare:
        if entity not in eg.kinds:
            continue
        weight = eg.entity_weight(entity)
        for other in eg.graph[entity]:
            if other != trial:
                partial[other] += weight
    best: list[tuple[float, str, list[Shared]]] = []
    for other, score in sorted(partial.items(), key=lambda item: (-item[1], item[0])):
        if len(best) >= top and score + slack < best[top - 1][0]:
            break
        shared = _explain(eg, trial, other, mine & set(eg.graph[other]))
        best.append((_score_idf_sum(eg, trial, other, shared), other, shared))
        best.sort(key=lambda s: (-s[0], s[1]))
    if len(best) >= top and best[top - 1][0] > slack:
        return best[:top]
    scored = []  # not settled: trials sharing only common entities could still enter the top
    for other, entities in candidates(ox.Store(), trial, eg).items():
        shared = _explain(eg, trial, other, entities)
        scored.append((_score_idf_sum(eg, trial, other, shared), other, shared))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return scored[:top]


def _design_shared(a: TrialInfo, b: TrialInfo) -> list[Shared]:
    out = []
    phases = (a.phases & b.phases) - {"NA"}
    if phases:
        out.append(Shared("design", "phase " + ", ".join(sorted(phases)), None, DESIGN_WEIGHT))
    if a.study_type and a.study_type == b.study_type:
        out.append(Shared("design", "study type " + a.study_type.rsplit("-", 1)[-1], None, DESIGN_WEIGHT))
    bands = a.age_bands & b.age_bands
    if bands:
        out.append(Shared("design", "age band " + ", ".join(sorted(bands)), None, DESIGN_WEIGHT))
    return out


def _explain(eg: EntityGraph, query: str, other: str, entities: set[str]) -> list[Shared]:
    shared = [
        Shared(eg.kinds[e], eg.labels.get(e, e), None if e.startswith(_TERM) else e, eg.entity_weight(e))
        for e in entities
        if e in eg.kinds
    ]
    shared += _design_shared(eg.trials.get(query, TrialInfo()), eg.trials.get(other, TrialInfo()))
    return sorted(shared, key=lambda s: (-s.weight, s.kind, s.label))


def _score_idf_sum(eg: EntityGraph, query: str, other: str, shared: list[Shared]) -> float:
    """Adamic-Adar on the bipartite graph: each shared entity adds weight / log(frequency)."""
    return sum(s.weight for s in shared)


def _score_weighted_jaccard(eg: EntityGraph, query: str, other: str, shared: list[Shared]) -> float:
    """Shared entities' idf-weighted mass over the union's (design signals added on top)."""

    def mass(entities: set[str]) -> float:
        return sum(KIND_WEIGHTS.get(eg.kinds[e], 0.5) * eg.idf(e) for e in entities)

    mine, theirs = set(eg.graph[query]) if query in eg.graph else set(), set(eg.graph[other])
    union = mass(mine | theirs)
    design = sum(s.weight for s in shared if s.kind == "design")
    return (mass(mine & theirs) / union if union else 0.0) + design


def _ppr_scores(eg: EntityGraph, query: str) -> dict[str, float]:
    """Personalized PageRank from the query trial over its 3-hop neighbourhood, edges weighted by rarity.

    Power iteration over edge arrays with numpy (networkx's own PageRank needs scipy).
    """
    if query not in eg.graph:
        return {}
    local = nx.ego_graph(eg.graph, query, radius=3)
    nodes = list(local)
    index = {n: i for i, n in enumerate(nodes)}
    pairs = [(index[u], index[v], eg.entity_weight(v if v in eg.kinds else u)) for u, v in local.edges()]
    if not pairs:
        return {}
    u, v, w = (np.array(x) for x in zip(*pairs, strict=True))
    src, dst, weight = np.concatenate([u, v]), np.concatenate([v, u]), np.concatenate([w, w])
    strength = np.bincount(src, weights=weight, minlength=len(nodes))
    share = weight / strength[src]  # the part of a node's rank each of its edges carries
    restart = np.zeros(len(nodes))
    restart[index[query]] = 1.0
    rank = restart.copy()
    for _ in range(100):
        nxt = _ALPHA * np.bincount(dst, weights=rank[src] * share, minlength=len(nodes)) + (1 - _ALPHA) * restart
        done = float(np.abs(nxt - rank).sum()) < 1e-10
        rank = nxt
        if done:
            break
    return {n: float(rank[i]) for i, n in enumerate(nodes)}


def related(
    store: ox.Store, trial: str, *, top: int = 10, scorer: str = DEFAULT_SCORER, entity_graph: EntityGraph | None = None
) -> list[RelatedTrial]:
    """The `top` trials most related to `trial` (an NCT id or a trial IRI), best first, each with what it shares.

    An id the graph does not hold raises TrialNotFoundError (never an empty ranking).
    """
    if scorer not in SCORERS:
        raise ValueError(f"unknown scorer {scorer!r} (one of {', '.join(SCORERS)})")
    trial = resolve_trial(store, trial)
    eg = entity_graph or load_entity_graph(store)
    if scorer == "idf_sum":
        scored = _top_idf_sum(eg, trial, top)
    else:
        ppr = _ppr_scores(eg, trial) if scorer == "ppr" else {}
        scored = []
        for other, entities in candidates(store, trial, eg).items():
            shared = _explain(eg, trial, other, entities)
            if scorer == "weighted_jaccard":
                score = _score_weighted_jaccard(eg, trial, other, shared)
            else:
                score = ppr.get(other, 0.0)
            scored.append((score, other, shared))
        scored.sort(key=lambda s: (-s[0], s[1]))
    return [
        RelatedTrial(rank=n, id=other, nct_id=eg.trials.get(other, TrialInfo()).nct_id,
                     brief_title=eg.trials.get(other, TrialInfo()).brief_title, score=score, shared=tuple(shared))
        for n, (score, other, shared) in enumerate(scored[:top], 1)
    ]  # fmt: skip


#: The named graph `trialkg related --all` writes its relations into.
RELATED_GRAPH = iri.RELATED_GRAPH


def relation_quads(trial: str, ranking: list[RelatedTrial], scorer: str) -> list[ox.Quad]:
    """The ranking of one trial as data: a direct trialkg:relatedTrial link and a TrialRelation node each."""
    tk, g, t = iri.ONTOLOGY, ox.NamedNode(RELATED_GRAPH), ox.NamedNode(trial)
    xsd = "http://www.w3.org/2001/XMLSchema#"
    out = []
    for item in ranking:
        node, target = ox.NamedNode(iri.child(trial, "related", item.rank)), ox.NamedNode(item.id)
        out += [
            ox.Quad(t, ox.NamedNode(tk + "relatedTrial"), target, g),
            ox.Quad(t, ox.NamedNode(tk + "trialRelation"), node, g),
            ox.Quad(node, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                    ox.NamedNode(tk + "TrialRelation"), g),
            ox.Quad(node, ox.NamedNode(tk + "relationTarget"), target, g),
            ox.Quad(node, ox.NamedNode(tk + "score"), ox.Literal(repr(round(item.score, 6)),
                    datatype=ox.NamedNode(xsd + "double")), g),
            ox.Quad(node, ox.NamedNode(tk + "rank"), ox.Literal(str(item.rank),
                    datatype=ox.NamedNode(xsd + "integer")), g),
            ox.Quad(node, ox.NamedNode(tk + "scorer"), ox.Literal(scorer), g),
        ]  # fmt: skip
        out += [ox.Quad(node, ox.NamedNode(tk + "sharedEntity"), ox.NamedNode(s.iri), g) for s in item.shared if s.iri]
    return out


def write_relations(store: ox.Store, *, top: int = 10, scorer: str = DEFAULT_SCORER) -> tuple[int, int]:
    """Rank every trial's related trials and put them in the RELATED_GRAPH named graph (replacing it).

    Returns (trials ranked, relations written).
    """
    graph = ox.NamedNode(RELATED_GRAPH)
    store.remove_graph(graph) if graph in set(store.named_graphs()) else None
    eg = load_entity_graph(store)
    relations = 0
    for trial in sorted(eg.trials):
        ranking = related(store, trial, top=top, scorer=scorer, entity_graph=eg)
        store.extend(relation_quads(trial, ranking, scorer))
        relations += len(ranking)
    return len(eg.trials), relations


#: The files `trialkg related --all` writes beside the build: the relations' named graph alone.
RELATED_STEM = "related"
RELATED_FORMATS = ("nq", "ttl")
RELATED_FILES = {fmt: SINKS[fmt].file_name(RELATED_STEM) for fmt in RELATED_FORMATS}


def write_related_exports(store: ox.Store, graph_dir: Path) -> list[Path]:
    """The RELATED_GRAPH named graph as N-Quads and Turtle files (sorted, atomic): the exports stay as built."""
    statements = list(store.quads_for_pattern(None, None, None, ox.NamedNode(RELATED_GRAPH)))
    # The N-Quads keep the named graph; the Turtle (triples only) holds its triples.
    nquads = export_statements(statements, graph_dir, ["nq"], stem=RELATED_STEM)
    return nquads + export_statements(statements, graph_dir, ["ttl"], stem=RELATED_STEM, flatten=True)
