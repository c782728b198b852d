"""Pairing a trial's stated conditions (or interventions) with the MeSH descriptors the registry assigned.

The registry assigns descriptors to the trial as a whole. Which stated name each one belongs to
is recovered here, best evidence first, and every pairing says how it was made.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from trialkg.model import MeshLeaf, MeshTerm


@dataclass(frozen=True)
class MeshPairing:
    name_index: int
    descriptor: MeshTerm
    method: str


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.casefold())


def _key(text: str) -> str:
    return " ".join(_words(text))


def pair_mesh(names: Sequence[str], meshes: Sequence[MeshTerm], leaves: Sequence[MeshLeaf] = ()) -> list[MeshPairing]:
    """Each stated name's descriptor(s), with the method; names with no evidence get none.

    >>> from trialkg.model import MeshTerm
    >>> sle = MeshTerm("D008180", "Lupus Erythematosus, Systemic")
    >>> [p.method for p in pair_mesh(["Lupus, systemic erythematosus"], [sle])]
    ['registry-inverted']
    """
    by_term = {_key(m.term): m for m in meshes}
    pairs: dict[int, list[MeshPairing]] = {}

    def add(i: int, mesh: MeshTerm, method: str) -> None:
        if all(p.descriptor.id != mesh.id for p in pairs.get(i, [])):
            pairs.setdefault(i, []).append(MeshPairing(i, mesh, method))

    for i, name in enumerate(names):
        key = _key(name)
        if key in by_term:
            add(i, by_term[key], "registry-exact")
            continue
        words = sorted(_words(name))
        for mesh in meshes:
            if words and sorted(_words(mesh.term)) == words:
                add(i, mesh, "registry-inverted")
        if i in pairs:
            continue
        # The registry's own match: the text it found in this name, for a descriptor it assigned.
        for leaf in leaves:
            named = by_term.get(_key(leaf.name))
            if named and leaf.as_found and _key(leaf.as_found) and f" {_key(leaf.as_found)} " in f" {key} ":
                add(i, named, "registry-as-found")
    unpaired_names = [i for i in range(len(names)) if i not in pairs]
    used = {p.descriptor.id for ps in pairs.values() for p in ps}
    unused = [m for m in meshes if m.id not in used]
    if len(names) == 1 and len(meshes) == 1 and unpaired_names:
        add(0, meshes[0], "registry-sole")
    else:
        for i in unpaired_names:
            best = _best_overlap(names[i], unused)
            if best is not None:
                add(i, best, "registry-overlap")
    return [p for i in sorted(pairs) for p in pairs[i]]


def _best_overlap(name: str, meshes: Sequence[MeshTerm]) -> MeshTerm | None:
    """The descriptor sharing the most words with `name` (Jaccard >= 0.5), if it is the only best."""
    words = set(_words(name))
    scored = []
    for mesh in meshes:
        other = set(_words(mesh.term))
        if words and other:
            scored.append((len(words & other) / len(words | other), mesh))
    scored.sort(key=lambda s: -s[0])
    if scored and scored[0][0] >= 0.5 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1]
    return None
