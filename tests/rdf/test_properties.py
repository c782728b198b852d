"""Property-based tests across every parser and the mapper (issue 9, item 2).

- Any bytes or text, in any encoding, given to any parser (through `parse_file` and through the parser's
  own `parse`) raise nothing but trialkg's own error types.
- Every IRI the mapper mints for a generated trial is a valid RFC 3987 IRI (checked by a regex built from
  the RFC's ABNF, below), the same on every call and in another process, and distinct for distinct keys.
- Generated trials round-trip through the Turtle and JSON-LD exports (test_roundtrip.py covers record ->
  graph -> record and SHACL conformance of generated trials).
"""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from strategies import examples, trials
from testdata import DATA, SEEDS
from trialkg.errors import TrialkgError
from trialkg.model import Trial
from trialkg.normalize.enrich import enrich
from trialkg.parsers import PARSERS, parse_file, source_document
from trialkg.rdf import iri
from trialkg.rdf.mapping import map_trial
from trialkg.rdf.terms import quads
from trialkg.store.export import export_statements, rdflib_parser

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [*SEEDS, *sorted((DATA / "ctgov").glob("*.json")), *sorted((DATA / "ctgov").glob("*.xml"))]
SLOW = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- RFC 3987 IRI syntax (section 2.2), as regular expressions built from its ABNF -----------------------

_UCSCHAR = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd\U00030000-\U0003fffd"
    "\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd\U00070000-\U0007fffd\U00080000-\U0008fffd"
    "\U00090000-\U0009fffd\U000a0000-\U000afffd\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd"
    "\U000e1000-\U000efffd"
)
_IPRIVATE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_IUNRESERVED = rf"A-Za-z0-9\-._~{_UCSCHAR}"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_IPCHAR = rf"(?:[{_IUNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_ISEGMENT = rf"{_IPCHAR}*"
_ISEGMENT_NZ = rf"{_IPCHAR}+"
_IUSERINFO = rf"(?:[{_IUNRESERVED}{_SUB_DELIMS}:]|{_PCT})*"
_IREG_NAME = rf"(?:[{_IUNRESERVED}{_SUB_DELIMS}]|{_PCT})*"  # also covers IPv4address; IP-literals not accepted
_IAUTHORITY = rf"(?:{_IUSERINFO}@)?{_IREG_NAME}(?::[0-9]*)?"
_IHIER_PART = (
    rf"(?://{_IAUTHORITY}(?:/{_ISEGMENT})*"  # "//" iauthority ipath-abempty
    rf"|/(?:{_ISEGMENT_NZ}(?:/{_ISEGMENT})*)?"  # ipath-absolute
    rf"|{_ISEGMENT_NZ}(?:/{_ISEGMENT})*"  # ipath-rootless
    r"|)"  # ipath-empty
)
_IQUERY = rf"(?:{_IPCHAR}|[{_IPRIVATE}/?])*"
_IFRAGMENT = rf"(?:{_IPCHAR}|[/?])*"
#: IRI = scheme ":" ihier-part [ "?" iquery ] [ "#" ifragment ]  (absolute, as RDF requires)
RFC3987_IRI = re.compile(rf"[A-Za-z][A-Za-z0-9+\-.]*:{_IHIER_PART}(?:\?{_IQUERY})?(?:#{_IFRAGMENT})?")


def is_iri(text: str) -> bool:
    return RFC3987_IRI.fullmatch(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "https://w3id.org/trialkg/trial/NCT04136106",
        "http://id.nlm.nih.gov/mesh/D008180",
        "https://w3id.org/trialkg/ontology#Trial",
        "https://例え.jp/パス?q=ü#frag",
        "urn:isbn:0451450523",
        "http://user:pw@host:8080/a/b%20c?x=1&y=2",
        "mailto:someone@example.org",
    ],
)
def test_the_iri_checker_accepts_iris(text):
    assert is_iri(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no-scheme/path",
        "1http://x",
        "http://x/a b",
        "http://x/<y>",
        'http://x/"y"',
        "http://x/{y}",
        "http://x/a\\b",
        "http://x/%zz",
        "http://x/a^b",
        "http://x/a|b",
        "http://x/`y`",
        "http://x/\u0000",
        "http://x/\ufdd0",  # a noncharacter
        "http://x/#a#b",
        "http://x/\ue000",  # private use: only in the query
    ],
)
def test_the_iri_checker_refuses_non_iris(text):
    assert not is_iri(text)


# -- parsers: any input, only our own errors -----------------------------------------------------------------


def _parse_all(path: Path) -> None:
    """parse_file and every parser's own parse on `path`: results are trials or our errors, nothing raised else."""
    runs = [lambda: parse_file(path)] + [
        lambda m=module: m.parse(path, source_document(path, m.FORMAT)) for module in PARSERS.values()
    ]
    for run in runs:
        try:
            results = list(run())
        except TrialkgError:
            continue
        assert all(isinstance(r, (Trial, TrialkgError)) for r in results)


_ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "utf-8-sig"]


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """Bytes a user might hand the build: noise, text in some encoding, or a real document damaged."""
    kind = draw(st.sampled_from(["bytes", "text", "damaged"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    if kind == "text":
        text = draw(st.text(max_size=300))
        return text.encode(draw(st.sampled_from(_ENCODINGS)), "replace")
    data = draw(st.sampled_from(DOCUMENTS)).read_bytes()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["cut", "flip", "insert", "drop"]))
        if edit == "cut":
            data = data[:at]
        elif edit == "flip" and at < len(data):
            data = data[:at] + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))]) + data[at + 1 :]
        elif edit == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=20)) + data[at:]
        else:
            data = data[:at] + data[at + draw(st.integers(1, 200)) :]
    return data


@SLOW
@given(documents(), st.sampled_from(["doc.txt", "doc.json", "doc.xml", "doc"]))
def test_every_parser_raises_only_its_own_errors(tmp_path_factory, data, name):
    path = tmp_path_factory.mktemp("junk") / name
    path.write_bytes(data)
    _parse_all(path)


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda p: p.name)
def test_every_parser_on_every_format_raises_only_its_own_errors(doc):
    _parse_all(doc)


# -- the mapper's IRIs ------------------------------------------------------------------------------------------


def minted(trial: Trial) -> set[str]:
    """Every IRI in the trial's triples: subjects, predicates, objects and literal datatypes."""
    out: set[str] = set()
    for triple in map_trial(enrich(trial)).triples:
        for term in triple:
            if isinstance(term, URIRef):
                out.add(str(term))
            elif isinstance(term, Literal) and term.datatype is not None:
                out.add(str(term.datatype))
    return out


@SLOW
@given(trials())
def test_minted_iris_are_rfc3987_iris_and_stable(trial):
    iris = minted(trial)
    bad = sorted(i for i in iris if not is_iri(i))
    assert bad == []
    assert minted(trial) == iris


@settings(max_examples=examples(3), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(trials(), min_size=4, max_size=4))
def test_minted_iris_are_the_same_in_another_process(tmp_path_factory, generated):
    pickled = tmp_path_factory.mktemp("trials") / "trials.pickle"
    pickled.write_bytes(pickle.dumps(generated))
    script = (
        "import json, pickle, sys; from test_properties import minted; "
        "print(json.dumps([sorted(minted(t)) for t in pickle.loads(open(sys.argv[1], 'rb').read())]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": os.pathsep.join([str(ROOT / "graph"),
           str(ROOT / "tests"), str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}  # fmt: skip
    result = subprocess.run([sys.executable, "-c", script, str(pickled)], capture_output=True, text=True, env=env,
                            timeout=300, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [sorted(minted(t)) for t in generated]


def _key(name: str) -> str:
    """The key a shared entity is identified by, written independently of iri.slug: the words (letters and
    digits) of the accent-stripped, lower-cased name (Latin script) and its signs, every "+" and a "-" that
    ends a word, read as "plus" and "minus" ("HER2+" is "HER2 plus", not "HER2-"; "C++" is not "C"); else
    the case-folded name itself."""
    letters = [c for c in name if c.isalnum()]
    stripped = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    if letters and all(unicodedata.normalize("NFKD", c).encode("ascii", "ignore") for c in letters):
        folded = stripped.encode("ascii", "ignore").decode().lower()
        tokens = re.findall(r"[a-z0-9]+|\+|(?<=[a-z0-9])-(?![a-z0-9])", folded)
        return " ".join({"+": "plus", "-": "minus"}.get(t, t) for t in tokens)
    return "#" + name.casefold().strip()


#: Names with signs (issue 17, item 8: "HER2+ Breast Cancer" and "HER2- Breast Cancer" shared a node).
signed_names = st.from_regex(r"[A-Za-z0-9]{1,6}[+\-]{0,2}( [A-Za-z0-9]{1,6}[+\-]{0,2}){0,3}", fullmatch=True)
names = st.text(min_size=1, max_size=200) | st.from_regex(r"[A-Za-z0-9 ,.\-]{100,200}", fullmatch=True) | signed_names


@settings(max_examples=examples(200), deadline=None)
@given(names, names)
def test_shared_entity_iris_are_distinct_for_distinct_keys(a, b):
    assume(_key(a) != _key(b))
    for mint in (iri.condition, iri.intervention_concept):
        assert mint(a) != mint(b), (a, b)


@settings(max_examples=examples(200), deadline=None)
@given(signed_names, st.sampled_from(["+", "-", "++", ""]), st.sampled_from(["+", "-", "++", ""]))
def test_names_that_differ_only_in_their_signs_stay_apart(name, sign, other):
    """One word's sign changed ("HER2+" / "HER2-" / "HER2"): a different meaning, a different node."""
    first, *rest = name.split(" ")
    a, b = " ".join([first.rstrip("+-") + sign, *rest]), " ".join([first.rstrip("+-") + other, *rest])
    assume(sign != other)
    for mint in (iri.condition, iri.intervention_concept, iri.organization):
        assert mint(a) != mint(b), (a, b)


@settings(max_examples=examples(100), deadline=None)
@given(st.from_regex(r"[A-Za-z0-9 ]{120,200}", fullmatch=True), st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True))
def test_long_names_with_a_common_beginning_stay_apart(common, tail):
    assume(_key(common + tail) != _key(common))
    assert iri.condition(common + tail) != iri.condition(common)


def test_a_name_that_reads_like_a_hash_key_is_not_the_hash_key_of_another():
    other = "Лупус"  # Cyrillic: hashed
    key = iri.slug(other)
    assert key.startswith("h-") and iri.slug(key) != key


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["arm", "location", "criterion/INCLUSION"]), st.integers(0, 50)),
                min_size=2, max_size=2, unique=True),
       st.lists(st.text(min_size=1, max_size=30), min_size=2, max_size=2, unique=True))  # fmt: skip
def test_child_and_keyed_trial_iris_are_distinct(children, parts):
    parent = iri.trial("NCT00000001")
    assert iri.child(parent, *children[0]) != iri.child(parent, *children[1])
    assert iri.trial_by_key(*parts) != iri.trial_by_key(*reversed(parts))
    assert iri.trial_by_key(parts[0]) != iri.trial_by_key(parts[1])


# -- generated trials through the exports ------------------------------------------------------------------------


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trials())
def test_generated_trials_round_trip_through_turtle_and_jsonld(trial):
    mapped = map_trial(enrich(trial))
    store = ox.Store()
    store.extend(quads(mapped.triples))  # one source: the default graph, as a build writes it
    with tempfile.TemporaryDirectory() as tmp:
        paths = export_statements(store, Path(tmp), ["nt", "ttl", "jsonld"])
        nt, ttl, jsonld = (rdflib.Graph().parse(path, format=rdflib_parser(path)) for path in paths)
    assert len(nt) == len(set(mapped.triples))
    assert isomorphic(ttl, nt) and isomorphic(jsonld, nt)
