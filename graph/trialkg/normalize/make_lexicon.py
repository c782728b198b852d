"""Generate data/mesh_lexicon.tsv from registry records: what the registry's MeSH browse modules teach.

    trialkg lexicon CTGOV_DIR [CTGOV_DIR ...] [--out FILE]

For every trial in the API v2 JSON (derivedSection condition/interventionBrowseModule) and the
legacy XML (condition_browse/intervention_browse mesh_term, whose descriptor UI is looked up by
name among the JSON's descriptors), the stated names are paired with the assigned descriptors by
`trialkg.normalize.mesh_pairing.pair_mesh`; only the pairings that rest on the registry's own text evidence
(exact, inverted, as-found, sole) are kept. Each row counts the trials that make the pairing
(`support`) and the trials in which that name was paired with any descriptor (`seen`). The output is
sorted, so the same records give the same bytes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trialkg.errors import TrialkgError
from trialkg.ids import is_mesh_ui, mesh_ui
from trialkg.model import MeshTerm, Trial
from trialkg.normalize.mesh_pairing import pair_mesh
from trialkg.normalize.text import key
from trialkg.parsers import parse_file

#: The registry pairings that rest on the record's own text; overlap guesses are left out.
RELIABLE_METHODS = frozenset({"registry-exact", "registry-inverted", "registry-as-found", "registry-sole"})

VERSION = "1"
HEADER = ("kind", "key", "mesh_ui", "mesh_label", "source", "support", "seen")


@dataclass
class Evidence:
    """Which trials support each pairing, kept as sets so one trial's share can be taken out (evaluation)."""

    pairs: dict[tuple[str, str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    seen: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    label_trials: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    labels: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)


def trial_mentions(trial: Trial) -> list[tuple[str, list[str], tuple[MeshTerm, ...], tuple]]:  # type: ignore[type-arg]
    """(kind, stated names, assigned descriptors, browse leaves) for conditions and interventions."""
    names = [i.name for i in trial.interventions]
    return [
        ("condition", list(trial.conditions), trial.condition_meshes, trial.condition_mesh_leaves),
        ("intervention", names, trial.intervention_meshes, trial.intervention_mesh_leaves),
    ]


def registry_pairs(trial: Trial, ui_of_label: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(kind, stated name, descriptor UI, descriptor label) for the trial's reliable registry pairings."""
    out = []
    for kind, names, meshes, leaves in trial_mentions(trial):
        resolved = tuple(
            MeshTerm(m.id if is_mesh_ui(m.id) else ui_of_label.get(key(m.term), ""), m.term) for m in meshes
        )
        usable = tuple(m for m in resolved if m.id)
        for p in pair_mesh(names, usable, leaves):
            if p.method in RELIABLE_METHODS:
                out.append((kind, names[p.name_index], mesh_ui(p.descriptor.id), p.descriptor.term))
    return out


def read_trials(paths: Iterable[Path]) -> list[Trial]:
    trials: list[Trial] = []
    for path in paths:
        try:
            trials.extend(t for t in parse_file(path) if isinstance(t, Trial))
        except TrialkgError:
            continue
    return trials


def trial_id(trial: Trial) -> str:
    return trial.nct_id or trial.source.sha256


def collect(trials: Sequence[Trial]) -> Evidence:
    ev = Evidence()
    for t in trials:  # descriptor names first: the XML names descriptors without their UI
        for kind, _names, meshes, _leaves in trial_mentions(t):
            for m in meshes:
                if is_mesh_ui(m.id):
                    ui = mesh_ui(m.id)
                    ev.labels.setdefault(ui, m.term)
                    ev.kinds.setdefault(ui, kind)
                    ev.label_trials[ui].add(trial_id(t))
    ui_of_label = {key(label): ui for ui, label in ev.labels.items()}
    for t in trials:
        tid = trial_id(t)
        for kind, name, ui, _label in registry_pairs(t, ui_of_label):
            ev.pairs[(kind, key(name), ui)].add(tid)
            ev.seen[(kind, key(name))].add(tid)
    return ev


def rows(ev: Evidence, *, without: str | None = None) -> list[tuple[str, ...]]:
    """The lexicon rows, optionally as if trial `without` had not been read (leave-one-trial-out)."""
    out = []
    for ui, trials in ev.label_trials.items():
        n = len(trials - {without})
        if n:
            out.append((ev.kinds[ui], key(ev.labels[ui]), ui, ev.labels[ui], "mesh-label", str(n), str(n)))
    for (kind, k, ui), trials in ev.pairs.items():
        n = len(trials - {without})
        if n and k:
            seen = len(ev.seen[(kind, k)] - {without})
            out.append((kind, k, ui, ev.labels.get(ui, ""), "registry-pair", str(n), str(max(seen, n))))
    return sorted(out)


def write(path: Path, lexicon_rows: Sequence[tuple[str, ...]], sources: Sequence[str]) -> None:
    lines = [
        f"# trialkg MeSH lexicon v{VERSION}, generated by trialkg.normalize.make_lexicon; do not edit by hand.",
        "# From ClinicalTrials.gov records (public domain): " + ", ".join(sources),
        "\t".join(HEADER),
        *("\t".join(r) for r in lexicon_rows),
    ]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def corpus_files(folders: Iterable[Path]) -> list[Path]:
    return sorted(p for f in folders for p in f.rglob("*") if p.is_file() and p.suffix in {".json", ".xml", ".zip"})


#: Where the shipped lexicon lives in a source checkout (the file the package reads).
DEFAULT_OUT = Path(__file__).parent.parent / "data" / "mesh_lexicon.tsv"


def make_lexicon(folders: Sequence[Path], out: Path = DEFAULT_OUT) -> tuple[int, int]:
    """Read the registry records under `folders` and write the lexicon to `out`: (trials read, rows written)."""
    trials = read_trials(corpus_files(folders))
    lexicon_rows = rows(collect(trials))
    write(out, lexicon_rows, [f.name for f in folders])
    return len(trials), len(lexicon_rows)
