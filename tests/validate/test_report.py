"""The validate room's own plumbing: batch attribution, the SHACL report as RDF, reading files for
`trialkg validate`, the trial context, and that the room never imports upward."""

from __future__ import annotations

import ast
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from testdata import ROOT
from testdata import SHAPES as TESTS_SHAPES
from trialkg.errors import TrialkgError
from trialkg.rdf.terms import quads
from trialkg.validate import compiled
from trialkg.validate.report import PREFIXES, load_graphs, report_triples, trial_context
from trialkg.validate.results import ShaclResult, TrialResult

ARM = rdflib.URIRef("https://w3id.org/trialkg/trial/NCT01234567/arm/1")
SH = "http://www.w3.org/ns/shacl#"


def _entry(trial: str, triples: list) -> tuple[str, list, list[ox.Quad]]:
    return trial, triples, quads(triples, rdflib.URIRef(trial + "/graph"))


def test_a_batch_result_goes_to_the_first_trial_whose_triples_hold_its_focus_node() -> None:
    triples = list(rdflib.Graph().parse(TESTS_SHAPES / "invalid" / "arm_empty_label.ttl", format="turtle"))
    arm = [t for t in triples if t[0] == ARM]
    rest = [t for t in triples if t[0] != ARM]
    alone = compiled.validate(triples)
    assert [r.focus for r in alone] == [str(ARM)]

    found = compiled.validate_batch([_entry("urn:a", rest), _entry("urn:b", arm)], "doc.txt")
    assert found == [TrialResult("urn:b", "doc.txt", alone[0])]
    shared = compiled.validate_batch([_entry("urn:a", [*rest, arm[0]]), _entry("urn:b", arm)], "doc.txt")
    assert [r.trial for r in shared] == ["urn:a"]


def _result(severity: str, focus: str = "urn:x") -> TrialResult:
    result = ShaclResult(focus, None, severity, "m", SH + "MinCountConstraintComponent", None)
    return TrialResult("urn:t", "doc.txt", result)


def _conforms(triples: list[ox.Triple]) -> str:
    (value,) = [t.object.value for t in triples if t.predicate.value == SH + "conforms"]
    return value


def test_report_triples_are_sorted_with_stable_result_iris() -> None:
    results = [_result("Warning"), _result("Info", "urn:y")]
    triples = report_triples(results)
    assert triples == sorted(triples, key=str)
    assert triples == report_triples(reversed(results))
    assert _conforms(triples) == "true"
    nodes = {t.object.value for t in triples if t.predicate.value == SH + "result"}
    assert len(nodes) == 2 and all(n.startswith("https://w3id.org/trialkg/report/result/") for n in nodes)
    assert _conforms(report_triples([*results, _result("Violation")])) == "false"
    assert set(PREFIXES) == {"sh", "trialkg"}


def _turtle_format(path: Path) -> str:
    formats = {".ttl": "turtle", ".nq": "nquads"}
    if path.suffix not in formats:
        raise TrialkgError(f"{path}: unknown")
    return formats[path.suffix]


def test_named_graphs_are_validated_one_by_one_the_rest_together(tmp_path: Path) -> None:
    nq = tmp_path / "g.nq"
    nq.write_text(
        "<urn:s> <urn:p> <urn:o1> <urn:g2> .\n<urn:s> <urn:p> <urn:o2> <urn:g1> .\n<urn:s> <urn:p> <urn:o3> .\n",
        encoding="utf-8",
    )
    ttl = tmp_path / "d.ttl"
    ttl.write_text("<urn:s> <urn:p> <urn:o4> .\n", encoding="utf-8")
    union, separate = load_graphs([nq, ttl], _turtle_format)
    assert len(union) == 4
    objects = [sorted(str(o) for o in g.objects()) for g in separate]
    assert objects == [["urn:o2"], ["urn:o1"], ["urn:o3", "urn:o4"]]  # named graphs in IRI order, then the rest


def test_unknown_and_broken_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(TrialkgError, match="unknown"):
        load_graphs([tmp_path / "x.rdf"], _turtle_format)
    broken = tmp_path / "b.ttl"
    broken.write_text("<urn:s> <urn:p> .\n", encoding="utf-8")
    with pytest.raises(TrialkgError, match="not valid turtle"):
        load_graphs([broken], _turtle_format)


def test_trial_context_names_the_trial_of_each_node_and_all_its_source_files() -> None:
    data = rdflib.Graph().parse(
        data="""
        @prefix trialkg: <https://w3id.org/trialkg/ontology#> . @prefix prov: <http://www.w3.org/ns/prov#> .
        <urn:t> a trialkg:Trial ; trialkg:nctId "NCT00000001" ; trialkg:arm <urn:arm> ; trialkg:related <urn:u> ;
            prov:wasDerivedFrom <urn:s1>, <urn:s2> .
        <urn:u> a trialkg:Trial .
        <urn:s1> trialkg:fileName "b.txt" . <urn:s2> trialkg:fileName "a.txt" .
        """,
        format="turtle",
    )
    context = trial_context(data)
    assert context["urn:t"] == {"trial": "urn:t", "nct_id": "NCT00000001", "source": "a.txt, b.txt"}
    assert context["urn:arm"] == context["urn:t"]
    assert context["urn:u"] == {"trial": "urn:u", "nct_id": None, "source": None}  # a trial is its own, not a link


UPWARD = ("trialkg.store", "trialkg.pipeline", "trialkg.apps", "trialkg.cli", "click")


@pytest.mark.parametrize("module", sorted((ROOT / "graph" / "trialkg" / "validate").glob("*.py")), ids=lambda p: p.name)
def test_the_room_imports_nothing_above_it(module: Path) -> None:
    imported = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not [m for m in imported if m.startswith(UPWARD)]
