"""A realistic registry-scale corpus: real API v2 records as templates, entities renamed by a Zipf draw.

Replicating the ~1,000 real studies 100 times gives every trial 99 identical twins: every condition,
drug, sponsor and site is then shared by at least 100 trials, which no registry looks like (most of
its entities are named by one or two trials, a few by thousands). Here each generated study takes a
real record (round robin over the templates) and renames, study by study:

- its conditions, interventions (and the arms' references to them), lead sponsor, collaborators and
  site facilities, each name drawn from a bounded Zipf law over a vocabulary that grows with the
  corpus (rank r: the r-th most common real name of that kind, past the real names a numbered
  variant of one), so a few names are common and most are rare;
- its MeSH descriptors (condition and intervention browse modules): each id remapped, by a Zipf
  draw, to a sibling under the same parent in the MeSH tree (`../shared/mesh`), the original
  being the most likely; ancestors stay true, since siblings share them.

The corpus is the registry's bulk-download layout: one zip, one JSON file per study.

    python benchmarks/scale_corpus.py --size 10000 --out /tmp/corpus-10000.zip [--histogram]

`--histogram` prints the entity-frequency histogram (how many entities are named by 1, 2-3, 4-10, ...
trials) of the generated corpus beside the real corpus's (../shared/ctgov, JSON and legacy XML),
both counted through trialkg's own parsers.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import itertools
import json
import random
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
CTGOV = ROOT.parent / "shared" / "ctgov"
MESH = ROOT.parent / "shared" / "mesh" / "mesh2024-descriptors.xml.gz"
#: Vocabulary size per generated study, by kind: tuned so that the histogram at 10k studies is near the real
#: corpus's (about 60-75% of entities named by one trial, the top one by 10-20% of trials).
VOCABULARY = {"condition": 1.5, "intervention": 4.0, "sponsor": 1.0, "site": 4.0}
#: The Zipf exponent of every draw: 1.0 is the classic law of word and name frequencies.
EXPONENT = 1.0
KINDS = tuple(VOCABULARY)


# ------------------------------------------------------------------------------------------- templates


def registry_studies() -> list[dict[str, Any]]:
    """Every distinct API v2 study in ../shared/ctgov, by NCT id, in id order."""
    seen: dict[str, dict[str, Any]] = {}
    for path in sorted(CTGOV.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        items = data if isinstance(data, list) else data.get("studies", [data]) if isinstance(data, dict) else []
        for study in items:
            ident = study.get("protocolSection", {}).get("identificationModule", {}) if isinstance(study, dict) else {}
            nct_id = ident.get("nctId") if isinstance(ident, dict) else None
            if isinstance(nct_id, str) and re.fullmatch(r"NCT\d{8}", nct_id) and nct_id not in seen:
                seen[nct_id] = study
    return [seen[k] for k in sorted(seen)]


def _module(study: dict[str, Any], name: str) -> dict[str, Any]:
    module = study.get("protocolSection", {}).get(name)
    return module if isinstance(module, dict) else {}


def _named(items: Any, key: str) -> Iterator[dict[str, Any]]:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get(key), str):
            yield item


def names_of(study: dict[str, Any]) -> dict[str, list[str]]:
    """The names a study states, by kind (the fields this generator renames)."""
    sponsors = _module(study, "sponsorCollaboratorsModule")
    lead = sponsors.get("leadSponsor")
    return {
        "condition": [c for c in _module(study, "conditionsModule").get("conditions", []) if isinstance(c, str)],
        "intervention": [
            i["name"] for i in _named(_module(study, "armsInterventionsModule").get("interventions"), "name")
        ],
        "sponsor": ([lead["name"]] if isinstance(lead, dict) and isinstance(lead.get("name"), str) else [])
        + [c["name"] for c in _named(sponsors.get("collaborators"), "name")],
        "site": [
            loc["facility"] for loc in _named(_module(study, "contactsLocationsModule").get("locations"), "facility")
        ],
    }


# ------------------------------------------------------------------------------------------- draws


class Zipf:
    """Ranks 1..n drawn with probability proportional to 1 / rank**exponent (inverse CDF on the cumulative weights)."""

    def __init__(self, n: int, exponent: float = EXPONENT) -> None:
        self.cumulative = list(itertools.accumulate(1.0 / r**exponent for r in range(1, n + 1)))

    def draw(self, rng: random.Random) -> int:
        return bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1]) + 1


class Vocabulary:
    """The names of one kind by rank: the real names, most common first, then numbered variants of them."""

    def __init__(self, real: Counter[str], size: int) -> None:
        self.real = [name for name, _ in sorted(real.items(), key=lambda kv: (-kv[1], kv[0]))]
        self.zipf = Zipf(max(size, len(self.real)))

    def name(self, rank: int) -> str:
        if rank <= len(self.real):
            return self.real[rank - 1]
        base, cycle = self.real[(rank - 1) % len(self.real)], (rank - 1) // len(self.real)
        return f"{base} {cycle + 1}"

    def draw(self, rng: random.Random) -> str:
        return self.name(self.zipf.draw(rng))


def mesh_tree(path: Path = MESH) -> dict[str, tuple[str, list[str]]]:
    """Descriptor id -> (its name, its siblings' ids: the descriptors under the same parent in any of its trees)."""
    names: dict[str, str] = {}
    trees: dict[str, list[str]] = {}
    with gzip.open(path) as fh:
        for _event, element in ElementTree.iterparse(fh):
            if element.tag != "DescriptorRecord":
                continue
            ui = element.findtext("DescriptorUI") or ""
            names[ui] = element.findtext("DescriptorName/String") or ui
            trees[ui] = [t.text or "" for t in element.iterfind("TreeNumberList/TreeNumber")]
            element.clear()
    children: dict[str, list[str]] = {}
    for ui, numbers in trees.items():
        for number in numbers:
            children.setdefault(number.rpartition(".")[0], []).append(ui)
    out = {}
    for ui, numbers in trees.items():
        siblings = sorted({s for n in numbers for s in children.get(n.rpartition(".")[0], []) if s != ui})
        out[ui] = (names[ui], siblings)
    return out


# ------------------------------------------------------------------------------------------- the generator


class Generator:
    """Studies of the realistic corpus, one by one (deterministic for a seed)."""

    def __init__(
        self, size: int, seed: int = 7, templates: list[dict[str, Any]] | None = None, mesh: Path = MESH
    ) -> None:
        self.templates = templates if templates is not None else registry_studies()
        real: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
        for study in self.templates:
            for kind, names in names_of(study).items():
                real[kind].update(set(names))
        self.vocabulary = {kind: Vocabulary(real[kind], int(VOCABULARY[kind] * size)) for kind in KINDS}
        self.mesh = mesh_tree(mesh)
        self.rng = random.Random(seed)
        self.size = size

    def studies(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for n in range(self.size):
            yield self.study(n)

    def study(self, n: int) -> tuple[str, dict[str, Any]]:
        template = self.templates[n % len(self.templates)]
        study = json.loads(json.dumps(template))
        nct_id = f"NCT9{n:07d}"
        ident = study["protocolSection"]["identificationModule"]
        old_id = ident["nctId"]
        ident["nctId"] = nct_id
        for key in ("briefTitle", "officialTitle"):
            if isinstance(ident.get(key), str):
                ident[key] = ident[key].replace(old_id, nct_id)
        self._rename(study)
        self._remap_mesh(study)
        return nct_id, study

    def _draw(self, kind: str, name: str, renamed: dict[tuple[str, str], str]) -> str:
        """One study's new name for `name` (the same old name gets the same new name within the study)."""
        key = (kind, name)
        if key not in renamed:
            renamed[key] = self.vocabulary[kind].draw(self.rng)
        return renamed[key]

    def _rename(self, study: dict[str, Any]) -> None:
        renamed: dict[tuple[str, str], str] = {}
        conditions = _module(study, "conditionsModule")
        if isinstance(conditions.get("conditions"), list):
            conditions["conditions"] = [
                self._draw("condition", c, renamed) if isinstance(c, str) else c for c in conditions["conditions"]
            ]
        arms = _module(study, "armsInterventionsModule")
        for item in _named(arms.get("interventions"), "name"):
            item["name"] = self._draw("intervention", item["name"], renamed)
        for arm in arms.get("armGroups", []) if isinstance(arms.get("armGroups"), list) else []:
            refs = arm.get("interventionNames") if isinstance(arm, dict) else None
            if isinstance(refs, list):  # "Drug: Aspirin": the arm names the intervention by type and name
                arm["interventionNames"] = [self._arm_reference(r, renamed) for r in refs]
        sponsors = _module(study, "sponsorCollaboratorsModule")
        lead = sponsors.get("leadSponsor")
        if isinstance(lead, dict) and isinstance(lead.get("name"), str):
            lead["name"] = self._draw("sponsor", lead["name"], renamed)
        for item in _named(sponsors.get("collaborators"), "name"):
            item["name"] = self._draw("sponsor", item["name"], renamed)
        for item in _named(_module(study, "contactsLocationsModule").get("locations"), "facility"):
            item["facility"] = self._draw("site", item["facility"], renamed)

    def _arm_reference(self, ref: Any, renamed: dict[tuple[str, str], str]) -> Any:
        if not isinstance(ref, str):
            return ref
        kind, sep, name = ref.partition(": ")
        new = renamed.get(("intervention", name if sep else ref))
        return ref if new is None else (f"{kind}: {new}" if sep else new)

    def _remap_mesh(self, study: dict[str, Any]) -> None:
        derived = study.get("derivedSection")
        if not isinstance(derived, dict):
            return
        for module_name in ("conditionBrowseModule", "interventionBrowseModule"):
            module = derived.get(module_name)
            if not isinstance(module, dict):
                continue
            remapped: dict[str, tuple[str, str]] = {}
            for mesh in _named(module.get("meshes"), "id"):
                new_id, new_term = self._sibling(mesh["id"], remapped)
                mesh["id"], mesh["term"] = new_id, new_term
            for leaf in _named(module.get("browseLeaves"), "id"):
                if leaf["id"] in remapped:
                    leaf["id"], leaf["name"] = remapped[leaf["id"]]

    def _sibling(self, ui: str, remapped: dict[str, tuple[str, str]]) -> tuple[str, str]:
        if ui not in remapped:
            name, siblings = self.mesh.get(ui, (ui, []))
            choices = [ui, *siblings]
            rank = Zipf(len(choices)).draw(self.rng) if len(choices) > 1 else 1
            chosen = choices[rank - 1]
            remapped[ui] = (chosen, self.mesh.get(chosen, (name, []))[0])
        return remapped[ui]


def write_zip(size: int, out: Path, seed: int = 7) -> Path:
    """The corpus as the registry's bulk zip (one JSON file per study); written to a temporary name, then renamed."""
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for nct_id, study in Generator(size, seed).studies():
            zf.writestr(f"{nct_id}.json", json.dumps(study, ensure_ascii=False, indent=1))
    tmp.replace(out)
    return out


def changed_copy(corpus: Path, out: Path, share: float, seed: int = 11) -> tuple[Path, int]:
    """A copy of the bulk zip in which `share` of the studies changed (a new status date and title), as a day's refresh."""
    rng = random.Random(seed)
    changed = 0
    tmp = out.with_name(out.name + ".tmp")
    with (
        zipfile.ZipFile(corpus) as src,
        zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if rng.random() < share:
                study = json.loads(data)
                ident = study["protocolSection"]["identificationModule"]
                ident["briefTitle"] = f"{ident.get('briefTitle', '')} (updated)"
                data = json.dumps(study, ensure_ascii=False, indent=1).encode()
                changed += 1
            dst.writestr(info.filename, data)
    tmp.replace(out)
    return out, changed


# ------------------------------------------------------------------------------------------- histogram

BUCKETS = ((1, 1), (2, 3), (4, 10), (11, 30), (31, 100), (101, 1000), (1001, 10**9))


def trial_names(paths: Iterable[Path], limit: int | None = None) -> tuple[int, dict[str, Counter[str]]]:
    """(trials read, per kind: how many trials name each entity), read through trialkg's parsers."""
    from trialkg.errors import TrialkgError
    from trialkg.model import OrganizationRole
    from trialkg.parsers import parse_file

    counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    trials = 0
    for path in paths:
        try:
            for trial in parse_file(path):
                if isinstance(trial, TrialkgError):
                    continue
                trials += 1
                named = {
                    "condition": {c.casefold() for c in trial.conditions},
                    "intervention": {i.name.casefold() for i in trial.interventions},
                    "sponsor": {o.name.casefold() for o in trial.organizations
                                if o.role in (OrganizationRole.LEAD_SPONSOR, OrganizationRole.COLLABORATOR)},
                    "site": {loc.facility.casefold() for loc in trial.locations if loc.facility},
                }  # fmt: skip
                for kind, names in named.items():
                    counts[kind].update(names)
                if limit and trials >= limit:
                    return trials, counts
        except TrialkgError:
            continue
    return trials, counts


def histogram(counts: Counter[str]) -> list[float]:
    """Share of entities (in %) named by a number of trials in each bucket."""
    total = len(counts) or 1
    return [100 * sum(1 for c in counts.values() if low <= c <= high) / total for low, high in BUCKETS]


def print_histograms(generated: tuple[int, dict[str, Counter[str]]], real: tuple[int, dict[str, Counter[str]]],
                     labels: tuple[str, str], file: Any = sys.stdout) -> None:  # fmt: skip
    heads = [f"{low}" if low == high else f"{low}-{high}" if high < 10**9 else f">{low - 1}" for low, high in BUCKETS]
    print(f"entity-frequency histogram: % of entities named by this many trials "
          f"({labels[0]}: {generated[0]:,} trials; {labels[1]}: {real[0]:,} trials)", file=file)  # fmt: skip
    print(f"{'kind':<14}{'corpus':<12}{'entities':>9}  " + "".join(f"{h:>8}" for h in heads) + f"{'top entity':>12}",
          file=file)  # fmt: skip
    for kind in KINDS:
        for label, (_trials, counts) in zip(labels, (generated, real), strict=True):
            top = max(counts[kind].values(), default=0)
            cells = "".join(f"{v:>7.1f}%" for v in histogram(counts[kind]))
            print(f"{kind:<14}{label:<12}{len(counts[kind]):>9,}  {cells}{top:>12,}", file=file)


def real_corpus_files() -> list[Path]:
    return sorted(p for p in CTGOV.rglob("*") if p.is_file() and p.suffix in (".json", ".xml"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True, help="the bulk zip to write")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--histogram", action="store_true", help="print the histogram beside the real corpus's")
    args = parser.parse_args()
    write_zip(args.size, args.out, args.seed)
    print(f"wrote {args.out} ({args.size:,} studies)", file=sys.stderr)
    if args.histogram:
        print_histograms(trial_names([args.out]), trial_names(real_corpus_files()), ("generated", "real"))


if __name__ == "__main__":
    main()
