"""Where the shipped ontology, shapes, queries and samples live, installed or in a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import rdflib

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """A shipped data folder: inside the installed package, or at the top of a source checkout.

    The wheel maps the top-level ontology/ and shapes/ into the package; an editable install
    leaves them where they are, two levels up from graph/trialkg/.
    """
    for candidate in (_PACKAGE / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"trialkg data folder {name!r} is missing from the installation")


def ontology_file(name: str = "trialkg.ttl") -> Path:
    return data_dir("ontology") / name


def shapes_file(name: str = "trialkg.shacl.ttl") -> Path:
    return data_dir("shapes") / name


@cache
def query_text(name: str) -> str:
    """The SPARQL text of `queries/NAME.rq`."""
    return (data_dir("queries") / f"{name}.rq").read_text(encoding="utf-8")


def sample_files() -> list[Path]:
    """The bundled sample documents `trialkg build` reads when given no input."""
    return sorted(data_dir("samples").glob("*.txt"))


@cache
def ontology_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(data=ontology_file().read_text(encoding="utf-8"), format="turtle")


@cache
def shapes_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(data=shapes_file().read_text(encoding="utf-8"), format="turtle")
