"""`--mesh FILE`: a MeSH descriptor file's names and entry terms join the lexicon, in a build and its workers.

The MeSH files here are small slices written by the tests in the NLM layouts (desc20XX.xml and the
MeSH RDF N-Triples); records are abridged to the elements the loader reads.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from testdata import DATA
from trialkg.errors import TrialkgError
from trialkg.normalize.lexicon import default_lexicon
from trialkg.normalize.linking import primary, resolve
from trialkg.normalize.mesh_file import kinds, lexicon_with_mesh, read_descriptors

#: (UI, name, tree numbers, preferred-concept terms, other-concept terms)
SLICE = [
    ("D015352", "Dry Eye Syndromes", ["C11.496.260"], ["Dry Eye Syndromes", "Dry Eye Syndrome", "Dry Eye"],
     ["Evaporative Dry Eye"]),
    ("D012595", "Scleroderma, Systemic", ["C17.300.799", "C17.800.784"],
     ["Scleroderma, Systemic", "Systemic Scleroderma", "Systemic Sclerosis"], []),
    ("D019888", "Nelfinavir", ["D03.383.725.547"], ["Nelfinavir", "Viracept"], []),
    # Not a condition or intervention branch (G: Phenomena and Processes): not read.
    ("D011247", "Pregnancy", ["G08.686.784.769"], ["Pregnancy", "Gestation"], []),
]  # fmt: skip


def mesh_xml(path: Path) -> Path:
    records = []
    for ui, name, trees, preferred, other in SLICE:
        concepts = [("Y", preferred)] + ([("N", other)] if other else [])
        concept_xml = "".join(
            f'<Concept PreferredConceptYN="{flag}"><ConceptName><String>{terms[0]}</String></ConceptName><TermList>'
            + "".join(f"<Term><String>{t}</String></Term>" for t in terms)
            + "</TermList></Concept>"
            for flag, terms in concepts
        )
        records.append(
            f'<DescriptorRecord DescriptorClass="1"><DescriptorUI>{ui}</DescriptorUI>'
            f"<DescriptorName><String>{name}</String></DescriptorName><TreeNumberList>"
            + "".join(f"<TreeNumber>{t}</TreeNumber>" for t in trees)
            + f"</TreeNumberList><ConceptList>{concept_xml}</ConceptList></DescriptorRecord>"
        )
    text = '<?xml version="1.0"?>\n<DescriptorRecordSet LanguageCode = "eng">' + "".join(records)
    path.write_text(text + "</DescriptorRecordSet>\n", encoding="utf-8")
    return path


def mesh_nt(path: Path) -> Path:
    m, v = "http://id.nlm.nih.gov/mesh/", "http://id.nlm.nih.gov/mesh/vocab#"
    lines = []
    for n, (ui, name, trees, preferred, other) in enumerate(SLICE):
        d = f"<{m}{ui}>"
        lines.append(f'{d} <http://www.w3.org/2000/01/rdf-schema#label> "{name}"@en .')
        lines += [f"{d} <{v}treeNumber> <{m}{t}> ." for t in trees]
        for c_n, (pred, terms) in enumerate((("preferredConcept", preferred), ("concept", other))):
            if not terms:
                continue
            concept = f"<{m}M{n}{c_n:06d}>"
            lines.append(f"{d} <{v}{pred}> {concept} .")
            for t_n, term in enumerate(terms):
                t = f"<{m}T{n}{c_n}{t_n:05d}>"
                lines.append(f"{concept} <{v}{'preferredTerm' if t_n == 0 else 'term'}> {t} .")
                label = "prefLabel" if t_n == 0 else "altLabel"
                lines.append(f'{t} <{v}{label}> "{term}"@en .')
                lines.append(f'{t} <{v}{label}> "{term} (fr)"@fr .')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(params=["xml", "nt", "xml.gz"])
def mesh_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "nt":
        return mesh_nt(tmp_path / "mesh.nt")
    path = mesh_xml(tmp_path / "desc2025.xml")
    if request.param == "xml.gz":
        gz = tmp_path / "desc2025.xml.gz"
        gz.write_bytes(gzip.compress(path.read_bytes()))
        return gz
    return path


def test_both_formats_read_the_same_descriptors(tmp_path: Path) -> None:
    def as_sets(path: Path) -> dict[str, tuple[str, frozenset[str], frozenset[str], frozenset[str]]]:
        return {
            d.ui: (d.name, frozenset(d.tree_numbers), frozenset(d.entry_terms), frozenset(d.concept_terms))
            for d in read_descriptors(path)
        }

    xml, nt = as_sets(mesh_xml(tmp_path / "d.xml")), as_sets(mesh_nt(tmp_path / "d.nt"))
    assert xml == nt
    assert set(xml) == {ui for ui, *_ in SLICE}
    assert "Dry Eye (fr)" not in xml["D015352"][2] | nt["D015352"][2]  # English labels only


def test_kind_by_tree_branch() -> None:
    assert kinds(("C11.496.260",)) == ["condition"]
    assert kinds(("D03.383.725.547", "E02.319")) == ["intervention"]
    assert kinds(("G08.686.784.769",)) == []


def test_an_entry_term_only_the_mesh_file_knows_gets_linked(mesh_file: Path) -> None:
    shipped = default_lexicon()
    # Before: the shipped lexicon does not know these names.
    for kind, mention in (("condition", "Systemic Sclerosis"), ("condition", "Dry Eye"), ("intervention", "Viracept")):
        assert primary(resolve(mention, kind, shipped)) is None, mention
    lex = lexicon_with_mesh(str(mesh_file))
    expected = [
        ("condition", "Systemic Sclerosis", "D012595", "synonym"),
        ("condition", "Dry Eye", "D015352", "synonym"),
        ("condition", "Dry Eye Syndromes", "D015352", "exact"),
        ("condition", "Scleroderma, Systemic", "D012595", "exact"),
        ("intervention", "Viracept 750 mg tablets", "D019888", "synonym"),
    ]
    for kind, mention, ui, method in expected:
        top = primary(resolve(mention, kind, lex))
        assert top is not None, mention
        assert (top.ui, top.method, top.relation) == (ui, method, "exactMatch"), mention
    # A term of a narrower concept is close, not the same: linked, but it names no shared node.
    (link,) = resolve("Evaporative Dry Eye", "condition", lex)
    assert (link.ui, link.relation) == ("D015352", "closeMatch")
    assert primary((link,)) is None
    # Descriptors outside the condition/intervention branches are not read.
    assert primary(resolve("Gestation", "condition", lex)) is None
    # What the shipped lexicon knew is still known.
    assert primary(resolve("SLE", "condition", lex)).ui == "D008180"  # type: ignore[union-attr]


def test_not_a_mesh_file_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n", encoding="utf-8")
    with pytest.raises(TrialkgError, match="not a MeSH descriptor file"):
        list(read_descriptors(bad))
    broken = tmp_path / "desc.xml"
    broken.write_text("<?xml version='1.0'?><DescriptorRecordSet><DescriptorRecord>", encoding="utf-8")
    with pytest.raises(TrialkgError, match="not well-formed"):
        list(read_descriptors(broken))


def _codes(out: Path, trial: str) -> list[str]:
    from trialkg.rdf.readback import read_trial

    store = ox.Store.read_only(str(out / "oxigraph"))
    codes: list[str] = read_trial(store, trial)["condition_codes"]
    return codes


def test_build_with_mesh_links_in_worker_processes(tmp_path: Path) -> None:
    from trialkg.pipeline import build

    docs = [str(DATA / "ctgov" / "NCT00739713.xml"), str(DATA / "unseen" / "registry_page" / "two_arms_recruiting.txt")]
    mesh = mesh_xml(tmp_path / "desc2025.xml")
    without = build(docs, tmp_path / "plain", formats=("nq",), jobs=2)
    with_mesh = build(docs, tmp_path / "mesh", formats=("nq",), jobs=2, mesh=mesh)
    assert not without.failed and not with_mesh.failed
    assert with_mesh.conforms
    trials = [t for d in with_mesh.documents for t in d.trials]
    assert len(trials) == 2
    for trial in trials:
        assert "MESH:D015352" not in _codes(tmp_path / "plain", trial)
        assert "MESH:D015352" in _codes(tmp_path / "mesh", trial)


@pytest.mark.e2e
def test_cli_build_mesh_option(tmp_path: Path) -> None:
    mesh = mesh_nt(tmp_path / "mesh.nt")
    run = [
        sys.executable,
        "-m",
        "trialkg",
        "build",
        str(DATA / "ctgov" / "NCT00739713.xml"),
        "--out",
        str(tmp_path / "o"),
    ]
    ok = subprocess.run([*run, "--mesh", str(mesh), "--json"], capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    show = subprocess.run(
        [sys.executable, "-m", "trialkg", "show", "NCT00739713", "--graph", str(tmp_path / "o"), "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert show.returncode == 0, show.stderr
    assert json.loads(show.stdout)["condition_codes"] == ["MESH:D015352"]
    bad = tmp_path / "bad.txt"
    bad.write_text("not mesh\n", encoding="utf-8")
    refused = subprocess.run([*run, "--mesh", str(bad)], capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "not a MeSH descriptor file" in refused.stderr


def test_the_merged_lexicon_is_cached_by_the_files_digest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALKG_CACHE_DIR", str(tmp_path / "cache"))
    path = mesh_xml(tmp_path / "desc2025.xml")
    first = lexicon_with_mesh.__wrapped__(str(path))  # type: ignore[attr-defined]
    (cached,) = (tmp_path / "cache").glob("mesh-lexicon-*.pickle")
    second = lexicon_with_mesh.__wrapped__(str(path))  # type: ignore[attr-defined]
    assert second is not first and list(second.all_entries()) == list(first.all_entries())
    # Another MeSH file is another cache entry; a damaged cache file is read past, not trusted.
    path.write_text(path.read_text(encoding="utf-8").replace("Viracept", "Viracept XR"), encoding="utf-8")
    cached.write_bytes(b"not a pickle")
    third = lexicon_with_mesh.__wrapped__(str(path))  # type: ignore[attr-defined]
    assert primary(resolve("Viracept XR", "intervention", third)) is not None
    assert len(list((tmp_path / "cache").glob("mesh-lexicon-*.pickle"))) == 2


def test_legacy_mesh_terms_without_ids_resolve_through_the_mesh_file(mesh_file: Path) -> None:
    from trialkg.model import MeshTerm, SourceDocument, Trial
    from trialkg.normalize.enrich import enrich

    trial = Trial(
        SourceDocument("t.xml", "ctgov-xml", "0" * 64), nct_id="NCT01234567", conditions=("Dry eye disease",),
        condition_meshes=(MeshTerm("", "Dry Eye Syndromes"),),
    )  # fmt: skip
    plain, with_mesh = enrich(trial), enrich(trial, lexicon_with_mesh(str(mesh_file)))
    assert plain.condition_mesh_pairings == ()  # the shipped lexicon does not know the descriptor by that name
    (pairing,) = with_mesh.condition_mesh_pairings
    assert (pairing.descriptor.id, pairing.method) == ("D015352", "registry-sole")
    assert with_mesh.conditions[0].primary is not None and with_mesh.conditions[0].primary.ui == "D015352"


def test_overlaid_equals_extended(mesh_file: Path) -> None:
    base = lexicon_with_mesh(str(mesh_file))
    rows = list(default_lexicon().all_entries())[:50]
    fast, slow = base.overlaid(rows), base.extended(rows)
    assert fast.entries == slow.entries and fast.by_sorted == slow.by_sorted
    assert fast.labels == slow.labels
