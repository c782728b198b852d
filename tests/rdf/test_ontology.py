"""The ontology is the single source of truth: generated files, shapes, mapping and model agree with it."""

from __future__ import annotations

import pytest
import rdflib
from hypothesis import given, settings
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS
from strategies import examples, trials
from testdata import ROOT
from trialkg import model
from trialkg.normalize.enrich import enrich
from trialkg.rdf import iri
from trialkg.rdf.gen import generated_files
from trialkg.rdf.mapping import map_trial

ONTOLOGY = rdflib.Graph().parse(ROOT / "ontology" / "trialkg.ttl", format="turtle")
SHAPES = rdflib.Graph().parse(ROOT / "shapes" / "trialkg.shacl.ttl", format="turtle")
DECLARED = {
    s
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    for s in ONTOLOGY.subjects(RDF.type, kind)
    if str(s).startswith(iri.ONTOLOGY)
}
#: Terms of other vocabularies that the mapping uses as they are.
EXTERNAL = {
    RDF.type,
    RDFS.label,
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.prefLabel,
    rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"),
} | set(ONTOLOGY.subjects(RDF.type, OWL.AnnotationProperty))  # declared there: skos:altLabel...
CONCEPTS = set(ONTOLOGY.subjects(RDF.type, SKOS.Concept))


@pytest.mark.parametrize("path", sorted(generated_files(ROOT)), ids=lambda p: p.name)
def test_generated_files_have_not_drifted(path):
    expected = generated_files(ROOT)[path]
    actual = path.read_text(encoding="utf-8") if path.exists() else ""
    assert actual == expected, f"{path.relative_to(ROOT)} is out of date: run `trialkg gen` at the repo root"


def test_every_term_has_label_definition_and_range():
    for term in DECLARED:
        assert ONTOLOGY.value(term, RDFS.label), term
        assert ONTOLOGY.value(term, SKOS.definition), term
        if (term, RDF.type, OWL.Class) not in ONTOLOGY:
            assert ONTOLOGY.value(term, RDFS.range), term


def test_shapes_only_name_declared_terms():
    paths = {o for o in SHAPES.objects(None, SH.path) if isinstance(o, rdflib.URIRef)}
    for alt in SHAPES.objects(None, SH.alternativePath):
        paths |= set(rdflib.collection.Collection(SHAPES, alt))
    targets = set(SHAPES.objects(None, SH.targetClass))
    assert targets <= DECLARED, targets - DECLARED
    assert paths <= DECLARED | EXTERNAL, paths - DECLARED - EXTERNAL


def test_every_class_has_a_shape():
    classes = {c for c in ONTOLOGY.subjects(RDF.type, OWL.Class) if str(c).startswith(iri.ONTOLOGY)}
    assert classes == set(SHAPES.objects(None, SH.targetClass))


def test_shape_enumerations_are_ontology_codes():
    for node in SHAPES.objects(None, SH["in"]):
        for code in rdflib.collection.Collection(SHAPES, node):
            assert isinstance(code, rdflib.Literal) or code in CONCEPTS, code


@pytest.mark.parametrize(
    "scheme,enum",
    [("OverallStatus", model.OverallStatus), ("Phase", model.Phase), ("StudyType", model.StudyType),
     ("Allocation", model.Allocation), ("InterventionModel", model.InterventionModel),
     ("PrimaryPurpose", model.PrimaryPurpose), ("Masking", model.Masking),
     ("InterventionType", model.InterventionType), ("Sex", model.Sex), ("AgencyClass", model.AgencyClass),
     ("OfficialRole", model.OfficialRole), ("CriterionType", model.CriterionKind), ("OutcomeType", model.OutcomeKind)],
)  # fmt: skip
def test_model_enums_match_code_lists(scheme, enum):
    in_scheme = set(ONTOLOGY.subjects(SKOS.inScheme, rdflib.URIRef(iri.CODE + scheme)))
    notations = {str(ONTOLOGY.value(c, SKOS.notation)) for c in in_scheme}
    assert notations == {m.value for m in enum}


def _undeclared(triples):
    problems = set()
    for _s, p, o in triples:
        if p not in DECLARED | EXTERNAL:
            problems.add(("predicate", p))
        if p == RDF.type and o not in DECLARED:
            problems.add(("class", o))
        if isinstance(o, rdflib.URIRef) and str(o).startswith(iri.CODE) and o not in CONCEPTS:
            problems.add(("code", o))
    return problems


def test_seed_build_uses_only_declared_terms(seed_build):
    graph = rdflib.Graph().parse(seed_build / "trialkg.nt", format="nt")
    assert _undeclared(graph) == set()


@settings(max_examples=examples(40), deadline=None)
@given(trials())
def test_mapping_uses_only_declared_terms(trial):
    assert _undeclared(map_trial(enrich(trial)).triples) == set()


def test_every_property_has_a_domain():
    for term in DECLARED:
        if (term, RDF.type, OWL.Class) not in ONTOLOGY:
            assert ONTOLOGY.value(term, RDFS.domain) is not None, term


def test_ontology_header():
    (ontology,) = ONTOLOGY.subjects(RDF.type, OWL.Ontology)
    for prop in ("versionIRI", "versionInfo"):
        assert ONTOLOGY.value(ontology, OWL[prop]) is not None, prop
    dcterms = rdflib.Namespace("http://purl.org/dc/terms/")
    for prop in ("license", "creator", "title", "description"):
        assert ONTOLOGY.value(ontology, dcterms[prop]) is not None, prop


def test_owl_rl_closure_is_consistent(seed_build):
    """The ontology with the seed data passes an OWL-RL closure without inconsistency (owl:Nothing, errors)."""
    owlrl = pytest.importorskip("owlrl")
    closure = rdflib.Graph()
    for triple in ONTOLOGY:
        closure.add(triple)
    closure.parse(seed_build / "trialkg.nt", format="nt")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    assert not list(closure.subjects(RDF.type, OWL.Nothing))
    errors = [o for o in closure.objects(None, rdflib.URIRef("http://www.w3.org/2002/07/owl#Error"))]
    assert errors == []
    # the closure does what the alignment says: a trial is a schema.org MedicalTrial
    probe = rdflib.URIRef("https://w3id.org/trialkg/trial/NCT00000000")
    closure.add((probe, RDF.type, rdflib.URIRef(iri.ONTOLOGY + "Trial")))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    assert (probe, RDF.type, rdflib.URIRef("https://schema.org/MedicalTrial")) in closure
