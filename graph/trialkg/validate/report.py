"""What validation reports are made of: the build's SHACL report as RDF, and the graphs and trial context
`trialkg validate` reads from RDF files. Returns data; serialising and printing are the callers' part."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib

from trialkg.errors import TrialkgError
from trialkg.rdf import iri
from trialkg.resources import query_text
from trialkg.validate import compiled, pyshacl_engine
from trialkg.validate.results import ShaclResult, TrialResult, is_violation, sort_key

_SH = "http://www.w3.org/ns/shacl#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")

#: The prefixes to serialise `report_triples` with.
PREFIXES = {"sh": _SH, "trialkg": iri.ONTOLOGY}

#: The engines `trialkg validate --engine` chooses from: a graph -> its results, sorted.
ENGINES: dict[str, Callable[[rdflib.Graph], list[ShaclResult]]] = {
    "pyshacl": pyshacl_engine.validate_graph,
    "compiled": lambda graph: compiled.validate(list(graph)),  # type: ignore[arg-type]
}

#: A node's trial ("trial"), the trial's NCT id ("nct_id") and source file names ("source"), as the report shows.
Context = dict[str, dict[str, str | None]]


def report_triples(results: Iterable[TrialResult]) -> list[ox.Triple]:
    """The SHACL validation report of `results` as RDF, sorted; results get IRIs from their content so the
    serialised bytes repeat. It conforms when no result is a violation (warnings allowed, as pySHACL's
    allow_warnings)."""
    results = list(results)
    root = ox.NamedNode(iri.VALIDATION_REPORT)
    conforms = not any(is_violation(item.result) for item in results)
    triples = [
        ox.Triple(root, _RDF_TYPE, ox.NamedNode(_SH + "ValidationReport")),
        ox.Triple(root, ox.NamedNode(_SH + "conforms"), ox.Literal(str(conforms).lower(), datatype=_BOOLEAN)),
    ]
    for item in results:
        r = item.result
        key = "\x1f".join((item.trial, item.source, *sort_key(r)))
        node = ox.NamedNode(iri.validation_result(key))
        triples += [
            ox.Triple(root, ox.NamedNode(_SH + "result"), node),
            ox.Triple(node, _RDF_TYPE, ox.NamedNode(_SH + "ValidationResult")),
            ox.Triple(node, ox.NamedNode(_SH + "focusNode"), ox.NamedNode(r.focus)),
            ox.Triple(node, ox.NamedNode(_SH + "resultSeverity"), ox.NamedNode(_SH + r.severity)),
            ox.Triple(node, ox.NamedNode(_SH + "resultMessage"), ox.Literal(r.message)),
            ox.Triple(node, ox.NamedNode(_SH + "sourceConstraintComponent"), ox.NamedNode(r.component)),
        ]
        if r.path:
            triples.append(ox.Triple(node, ox.NamedNode(_SH + "resultPath"), ox.NamedNode(r.path)))
        if r.value is not None:
            triples.append(ox.Triple(node, ox.NamedNode(_SH + "value"), ox.Literal(r.value)))
    return sorted(set(triples), key=str)


def validate_files(
    files: Iterable[Path], parser_of: Callable[[Path], str], *, engine: str = "pyshacl"
) -> tuple[list[ShaclResult], Context]:
    """Every result of validating RDF files (see `load_graphs`), sorted, and the trial context of every node."""
    data, graphs = load_graphs(files, parser_of)
    check = ENGINES[engine]
    results = sorted({r for graph in graphs for r in check(graph)}, key=sort_key)
    return results, trial_context(data)


def load_graphs(files: Iterable[Path], parser_of: Callable[[Path], str]) -> tuple[rdflib.Graph, list[rdflib.Graph]]:
    """(everything as one graph, the graphs to validate one by one); `parser_of` names a file's rdflib format
    (and raises TrialkgError for a file it does not know).

    Named graphs (N-Quads, TriG) are validated each on its own: a build keeps one per source
    document of a trial that several documents describe, and two sources that disagree about a
    trial are a conflict to report, not a violation. The default graph (a build's merged view) is
    validated as one graph.
    """
    union = rdflib.Graph()
    separate: list[rdflib.Graph] = []
    plain = rdflib.Graph()
    for path in files:
        fmt = parser_of(path)
        try:
            if fmt in ("nquads", "trig"):
                ds = rdflib.Dataset()
                ds.parse(path, format=fmt)
                by_graph: dict[rdflib.term.Node, rdflib.Graph] = defaultdict(rdflib.Graph)
                for s, p, o, g in ds.quads((None, None, None, None)):
                    union.add((s, p, o))
                    target = plain if g is None or g == rdflib.graph.DATASET_DEFAULT_GRAPH_ID else by_graph[g]
                    target.add((s, p, o))
                separate.extend(by_graph[g] for g in sorted(by_graph, key=str))
            elif fmt == "json-ld":
                graph = _jsonld_graph(path)
                for triple in graph:
                    union.add(triple)
                    plain.add(triple)
            else:
                graph = rdflib.Graph().parse(path, format=fmt)
                for triple in graph:
                    union.add(triple)
                    plain.add(triple)
        except TrialkgError:
            raise
        except Exception as exc:  # noqa: BLE001 - rdflib raises many kinds for bad syntax
            raise TrialkgError(f"{path}: not valid {fmt}: {exc}") from exc
    if len(plain):
        separate.append(plain)
    return union, separate


def _jsonld_graph(path: Path) -> rdflib.Graph:
    """A JSON-LD file as a graph, never fetching anything: a remote @context (or @import) is refused, not loaded.

    (rdflib would GET any context URL the file names: a file to validate could make trialkg call any server.)
    """
    doc = json.loads(path.read_text(encoding="utf-8-sig"))
    remote = next(_remote_contexts(doc), None)
    if remote is not None:
        raise TrialkgError(
            f"{path}: names a remote JSON-LD context ({remote[:200]}); trialkg validate never fetches one "
            "(no network): put the context inline in the file"
        )
    return rdflib.Graph().parse(data=json.dumps(doc), format="json-ld", publicID=path.resolve().as_uri())


def _remote_contexts(node: Any) -> Iterator[str]:
    """Every context reference that is not inline: a string in @context (alone or in a list), or an @import."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key == "@context":
                    for ctx in value if isinstance(value, list) else [value]:
                        if isinstance(ctx, str):
                            yield ctx
                if key == "@import" and isinstance(value, str):
                    yield value
                stack.append(value)


def trial_context(data: rdflib.Graph) -> Context:
    """For every node, the trial it belongs to and that trial's NCT id and source documents."""
    out: Context = {}
    for row in data.query(query_text("validation_context")):
        node, trial, _link, nct, _source, file = (str(x) if x is not None else None for x in row)  # type: ignore[union-attr]
        entry = out.setdefault(node, {"trial": trial, "nct_id": nct, "source": file})  # type: ignore[arg-type]
        if file and entry["source"] and file not in entry["source"].split(", "):
            entry["source"] = ", ".join(sorted({*entry["source"].split(", "), file}))
    return out
