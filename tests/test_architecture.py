"""The house keeps its plan (docs/architecture.md): every import goes down the pipeline, never up or sideways.

Each module belongs to a room; a room may import its own modules and those of the rooms below it.
The table is the one the architecture document draws; a new module in a new place must be put in it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from testdata import ROOT

PACKAGE = ROOT / "graph" / "trialkg"

#: Room -> rank, lowest first. Rooms of one rank are siblings: neither imports the other.
RANKS = {
    "core": 0,  # errors, model, ids, resources: what every room shares
    "parsers": 1,
    "normalize": 2,
    "rdf": 3,
    "validate": 4,
    "store": 5,
    "pipeline": 6,
    "apps": 6,
    "api": 7,
    "cli": 8,
}
CORE = {"trialkg.errors", "trialkg.model", "trialkg.ids", "trialkg.resources"}


def room_of(module: str) -> str:
    """The room a module (dotted name) lives in."""
    if module in CORE:
        return "core"
    if module in ("trialkg", "trialkg.api"):
        return "api"
    if module in ("trialkg.pipeline", "trialkg.cache"):
        return "pipeline"
    if module == "trialkg.__main__":
        return "cli"
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in RANKS:
        return parts[1]
    raise AssertionError(f"{module} is in no room of docs/architecture.md: add it to the plan and to RANKS")


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["trialkg", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def imports_of(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import of the package's own modules, relative ones resolved."""
    known = {name for name, _ in modules()}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "trialkg":
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] != "trialkg":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield (sub if sub in known else base), node.lineno


def third_party_imports(path: Path) -> Iterator[tuple[str, int]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name.split(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            yield node.module.split(".")[0], node.lineno


def test_every_module_is_in_a_room() -> None:
    assert {room_of(m) for m, _ in modules()} == set(RANKS)


@pytest.mark.parametrize(("module", "path"), list(modules()), ids=[m for m, _ in modules()])
def test_imports_go_down_the_pipeline(module: str, path: Path) -> None:
    room = room_of(module)
    wrong = []
    for imported, line in imports_of(module, path):
        other = room_of(imported)
        if other != room and RANKS[other] >= RANKS[room]:
            wrong.append(f"{path.relative_to(ROOT)}:{line}: {room} imports {imported} ({other})")
    assert not wrong, "imports against the pipeline's direction:\n" + "\n".join(wrong)


@pytest.mark.parametrize(("module", "path"), list(modules()), ids=[m for m, _ in modules()])
def test_only_the_cli_knows_click(module: str, path: Path) -> None:
    if room_of(module) == "cli":
        return
    assert [line for name, line in third_party_imports(path) if name in ("click", "argparse")] == [], module


def test_the_checker_sees_a_wrong_import(tmp_path: Path) -> None:
    """The rule is not vacuous: a parser importing the mapping is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("from trialkg.rdf import mapping\nfrom ..rdf.iri import trial\n", encoding="utf-8")
    found = [(m, room_of(m)) for m, _ in imports_of("trialkg.parsers.bad", bad)]
    assert found == [("trialkg.rdf.mapping", "rdf"), ("trialkg.rdf.iri", "rdf")]
    assert all(RANKS[room] > RANKS["parsers"] for _, room in found)
