"""The sink registry: every format reads back as the store it was written from, and the build and
`trialkg query --update` write their exports through the same sinks."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import IO

import pyoxigraph as ox
import pytest
import rdflib
from trialkg.pipeline import build
from trialkg.store import export
from trialkg.store.export import SINKS, export_statements, rdflib_parser
from trialkg.store.oxigraph import open_graph
from trialkg.store.sparql import update_local

#: An update that changes nothing: the exports are rewritten from an unchanged store.
NO_CHANGE = "DELETE DATA { <https://example.org/none> <https://example.org/p> <https://example.org/o> }"


def statements(path: Path) -> set[ox.Quad] | set[ox.Triple]:
    """The file's quads (N-Quads) or triples, parsed by Oxigraph as the registry says."""
    sink = next(s for s in SINKS.values() if path.name.endswith(s.suffix))
    parsed = ox.parse(path=str(path), format=sink.rdf_format)
    return set(parsed) if sink.rdf_format == ox.RdfFormat.N_QUADS else {q.triple for q in parsed}


@pytest.fixture(scope="module")
def store(sample_build: Path) -> ox.Store:
    return open_graph(sample_build)


@pytest.mark.parametrize("fmt", list(SINKS))
def test_every_sink_round_trips(store: ox.Store, tmp_path: Path, fmt: str) -> None:
    [path] = export_statements(store, tmp_path, [fmt])
    assert path.name == SINKS[fmt].file_name()
    quads = set(store)
    assert statements(path) == (quads if fmt == "nq" else {q.triple for q in quads})
    # rdflib reads it with the parser the registry names for the suffix (what `trialkg validate` uses).
    parsed = rdflib.Dataset() if fmt == "nq" else rdflib.Graph()
    parsed.parse(path, format=rdflib_parser(path))
    count = sum(1 for _ in parsed.quads()) if fmt == "nq" else len(parsed)
    assert count == len(statements(path))


def test_rdflib_parsers_by_suffix() -> None:
    assert rdflib_parser(Path("a.TTL")) == "turtle" and rdflib_parser(Path("a.json")) == "json-ld"
    assert rdflib_parser(Path("a.trig")) == "trig" and rdflib_parser(Path("a.csv")) is None


def test_an_update_that_changes_nothing_rewrites_the_same_statements(sample_build: Path, tmp_path: Path) -> None:
    graph = Path(shutil.copytree(sample_build, tmp_path / "build"))
    names = [sink.file_name() for sink in SINKS.values()]
    written = update_local(graph, NO_CHANGE)
    assert [p.name for p in written] == names
    assert all(statements(graph / name) == statements(sample_build / name) for name in names)
    again = {name: (graph / name).read_bytes() for name in names}
    update_local(graph, NO_CHANGE)
    assert {name: (graph / name).read_bytes() for name in names} == again  # sorted, so the bytes repeat


def test_the_build_and_update_write_through_the_same_sinks(monkeypatch, tmp_path: Path) -> None:
    def marked(sink: export.Sink) -> export.Sink:
        def join(parts: export.JoinInput, out: IO[bytes]) -> None:
            out.write(b"# joined by the registry\n")
            sink.join(parts, out)

        return dataclasses.replace(sink, join=join)

    for name in ("nt", "ttl"):
        monkeypatch.setitem(SINKS, name, marked(SINKS[name]))
    out = tmp_path / "out"
    build([], out, formats=["nq", "nt", "ttl"])
    built = {name: (out / f"trialkg.{name}").read_bytes() for name in ("nt", "ttl")}
    update_local(out, NO_CHANGE)
    for name, data in built.items():
        rewritten = (out / f"trialkg.{name}").read_bytes()
        assert data.startswith(b"# joined by the registry\n") and rewritten.startswith(b"# joined by the registry\n")


# ---------------------------------------------------------------- JSON-LD compacted, Turtle without escapes (issue 18)


def _walk(value: object) -> list[object]:
    """Every dict and string inside a JSON value."""
    if isinstance(value, dict):
        return [value, *(x for v in value.values() for x in _walk(v))]
    if isinstance(value, list):
        return [x for v in value for x in _walk(v)]
    return [value]


def test_jsonld_is_compacted_with_the_shipped_context(sample_build: Path) -> None:
    import json

    doc = json.loads((sample_build / "trialkg.jsonld").read_text(encoding="utf-8"))
    terms = set(doc["@context"]) - {"@version"}
    nodes = doc["@graph"]
    keys = {k for node in nodes for k in node}
    assert keys - {"@id", "@type"} <= terms, keys - terms
    ids = [node["@id"] for node in nodes]
    assert any(i.startswith("trial:NCT") and "/" in i for i in ids)
    assert not any(i.startswith("https://w3id.org/trialkg/trial/") for i in ids)
    trial = next(n for n in nodes if n["@id"] == "trial:NCT04397107")
    # Typed by the context: the value stands bare, as JSON-LD compaction writes it.
    assert isinstance(trial["enrollment"], str) and trial["enrollment"].isdigit()
    assert isinstance(trial["briefTitle"], str)
    assert all(isinstance(c, str) and c.startswith("https://") for c in _as_list(trial["condition"]))
    # No value object whose long form the context makes unnecessary.
    for value in _walk(nodes):
        if isinstance(value, dict) and "@value" in value:
            assert "@type" in value or "@language" in value, value
        if isinstance(value, dict) and set(value) == {"@id"}:
            raise AssertionError(f"an @id object left uncompacted: {value}")


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]


def test_jsonld_expands_with_pyld_to_the_same_triples(sample_build: Path) -> None:
    import json

    from pyld import jsonld
    from rdflib.compare import isomorphic

    doc = json.loads((sample_build / "trialkg.jsonld").read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    by_pyld = rdflib.Graph().parse(data=nquads, format="nt")
    ntriples = rdflib.Graph().parse(sample_build / "trialkg.nt", format="nt")
    assert len(by_pyld) == len(ntriples) and isomorphic(by_pyld, ntriples)


def test_turtle_writes_no_escaped_local_names(sample_build: Path) -> None:
    text = (sample_build / "trialkg.ttl").read_text(encoding="utf-8")
    outside_strings = [line for line in text.splitlines() if '"' not in line]
    assert not [line for line in outside_strings if "\\" in line]
    assert "<https://w3id.org/trialkg/trial/NCT04397107/arm/1>" in text
    assert statements(sample_build / "trialkg.ttl") == statements(sample_build / "trialkg.nt")


@pytest.mark.parametrize(
    "text",
    [
        b'trial:NCT1\\/arm\\/1 trialkg:text "a \\\\/ trial:X\\\\/y" .\n',
        b'trial:NCT1 trialkg:text """long "x" trial:Y/z\\\\""" ; trialkg:arm trial:NCT1\\/arm\\/2 .\n',
    ],
)
def test_unescaping_turtle_names_leaves_strings_alone(text: bytes) -> None:
    fixed = export._unescaped_names(text)
    header = export.turtle_header()
    original = set(ox.parse(header + text, format=ox.RdfFormat.TURTLE))
    assert set(ox.parse(header + fixed, format=ox.RdfFormat.TURTLE)) == original
    assert b"trial:NCT1\\/" not in fixed
