"""A full MeSH descriptor file, when the user has one (`trialkg build --mesh FILE`): names and entry terms.

Two NLM formats are read, told apart by their first bytes (either may be gzipped):
  desc20XX.xml   the MeSH XML (DescriptorRecordSet/DescriptorRecord: DescriptorUI, DescriptorName,
                 TreeNumberList, ConceptList/Concept[@PreferredConceptYN]/TermList/Term/String);
  mesh.nt        the MeSH RDF as N-Triples (meshv:preferredConcept, meshv:concept, meshv:term,
                 meshv:preferredTerm, meshv:prefLabel, meshv:altLabel, meshv:treeNumber, rdfs:label).
Terms of the descriptor's preferred concept are its synonyms (skos:exactMatch); terms of its other,
narrower concepts are kept as closeMatch entries (MeSH: "not strictly synonymous").
Only descriptors under the tree branches that name conditions or interventions are read.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO

from defusedxml.ElementTree import iterparse

from trialkg.errors import TrialkgError
from trialkg.normalize.lexicon import Entry, Lexicon, data_path, default_lexicon
from trialkg.normalize.text import key

#: Tree-number prefixes -> the kind of mention a descriptor under them names (MeSH tree categories:
#: C Diseases, F03 Mental Disorders; D Chemicals and Drugs, E Techniques and Equipment, F04 Behavioural
#: disciplines such as psychotherapy).
KIND_BY_TREE = (("C", "condition"), ("F03", "condition"), ("D", "intervention"), ("E", "intervention"),
                ("F04", "intervention"))  # fmt: skip


@dataclass(frozen=True)
class Descriptor:
    ui: str
    name: str
    tree_numbers: tuple[str, ...]
    #: Terms of the preferred concept (the descriptor's own synonyms).
    entry_terms: tuple[str, ...]
    #: Terms of its other concepts (narrower or related: close, not exact).
    concept_terms: tuple[str, ...]


def kinds(tree_numbers: tuple[str, ...]) -> list[str]:
    """>>> kinds(("C17.300.480.680", "C20.111.590"))
    ['condition']
    """
    return sorted({kind for t in tree_numbers for prefix, kind in KIND_BY_TREE if t.startswith(prefix)})


def _open(path: Path) -> IO[bytes]:
    with path.open("rb") as fh:
        head = fh.read(2)
    return gzip.open(path, "rb") if head == b"\x1f\x8b" else path.open("rb")  # type: ignore[return-value]


def read_descriptors(path: Path) -> Iterator[Descriptor]:
    """The descriptors of a MeSH XML or N-Triples file. Raises TrialkgError when it is neither."""
    try:
        with _open(path) as fh:
            head = fh.read(4096).lstrip()
    except OSError as exc:
        raise TrialkgError(f"{path}: cannot read the MeSH file ({exc.strerror or exc})") from exc
    if head.startswith(b"<?xml") or b"<DescriptorRecordSet" in head:
        yield from _xml_descriptors(path)
    elif head.startswith((b"<http", b"#")) or not head:
        yield from _nt_descriptors(path)
    else:
        raise TrialkgError(f"{path}: not a MeSH descriptor file (expected NLM desc20XX.xml or MeSH RDF N-Triples)")


def _xml_descriptors(path: Path) -> Iterator[Descriptor]:
    with _open(path) as fh:
        try:
            for _event, elem in iterparse(fh, events=("end",)):
                if elem.tag != "DescriptorRecord":
                    continue
                preferred: list[str] = []
                other: list[str] = []
                for concept in elem.iterfind("ConceptList/Concept"):
                    terms = [t.findtext("String") or "" for t in concept.iterfind("TermList/Term")]
                    (preferred if concept.get("PreferredConceptYN") == "Y" else other).extend(terms)
                yield Descriptor(
                    elem.findtext("DescriptorUI") or "",
                    elem.findtext("DescriptorName/String") or "",
                    tuple(t.text or "" for t in elem.iterfind("TreeNumberList/TreeNumber")),
                    tuple(preferred),
                    tuple(other),
                )
                elem.clear()  # the full file is ~300 MB: keep one record in memory at a time
        except SyntaxError as exc:  # ElementTree.ParseError
            raise TrialkgError(f"{path}: the MeSH XML is not well-formed ({exc})") from exc


_MESH = "http://id.nlm.nih.gov/mesh/"
_MESHV = _MESH + "vocab#"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_TRIPLE = re.compile(r'^<([^>]+)>\s+<([^>]+)>\s+(?:<([^>]+)>|"((?:[^"\\]|\\.)*)"(?:@(\w[\w-]*)|\^\^<[^>]+>)?)\s*\.')
_WANTED = {_MESHV + p for p in ("preferredConcept", "concept", "preferredTerm", "term", "prefLabel", "altLabel",
                                "treeNumber")} | {_RDFS_LABEL}  # fmt: skip


def _unescape(text: str) -> str:
    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|\\(.)", _escape_char, text)


def _escape_char(m: re.Match[str]) -> str:
    if m.group(1) or m.group(2):
        return chr(int(m.group(1) or m.group(2), 16))
    return {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(3), m.group(3))


def _nt_descriptors(path: Path) -> Iterator[Descriptor]:
    # The RDF spreads a descriptor over descriptor -> concept -> term resources: gather, then assemble.
    links: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    labels: dict[str, list[str]] = defaultdict(list)
    with _open(path) as fh:
        for raw in fh:
            line = raw.decode("utf-8", "replace")
            m = _TRIPLE.match(line)
            if not m or m.group(2) not in _WANTED or not m.group(1).startswith(_MESH):
                continue
            s, p, obj, literal, lang = m.groups()
            local = p.rsplit("#", 1)[-1]
            if literal is not None:
                if lang in (None, "en") and local in ("prefLabel", "altLabel", "label"):
                    labels[s].append(_unescape(literal))
            elif obj:
                links[s][local].append(obj)
    for subject, props in links.items():
        ui = subject[len(_MESH) :]
        if not re.fullmatch(r"D\d{6,9}", ui) or "preferredConcept" not in props:
            continue
        preferred = set(props["preferredConcept"])
        concepts = list(dict.fromkeys([*props["preferredConcept"], *props["concept"]]))

        def terms(concept: str) -> list[str]:
            ts = dict.fromkeys([*links[concept]["preferredTerm"], *links[concept]["term"]])
            return [label for t in ts for label in labels.get(t, ())]

        yield Descriptor(
            ui,
            (labels.get(subject) or [""])[0],
            tuple(t.rsplit("/", 1)[-1] for t in props["treeNumber"]),
            tuple(t for c in concepts if c in preferred for t in terms(c)),
            tuple(t for c in concepts if c not in preferred for t in terms(c)),
        )


def mesh_entries(path: Path) -> Iterator[Entry]:
    """Lexicon entries of a MeSH file: each descriptor's name, entry terms and narrower-concept terms."""
    for d in read_descriptors(path):
        if not d.ui or not d.name:
            continue
        for kind in kinds(d.tree_numbers):
            yield Entry(kind, key(d.name), d.ui, d.name, "mesh-label")
            for term in d.entry_terms:
                yield Entry(kind, key(term), d.ui, d.name, "mesh-entry")
            for term in d.concept_terms:
                yield Entry(kind, key(term), d.ui, d.name, "mesh-concept-entry", relation="closeMatch")


#: Bumped when the cached lexicon's shape or the reading of MeSH files changes.
CACHE_VERSION = "1"


def cache_dir() -> Path:
    """Where compiled MeSH lexicons are kept: $TRIALKG_CACHE_DIR, else $XDG_CACHE_HOME/trialkg or ~/.cache/trialkg."""
    if os.environ.get("TRIALKG_CACHE_DIR"):
        return Path(os.environ["TRIALKG_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "trialkg"


def _cache_file(mesh: Path) -> Path:
    """The cache file of this MeSH file with this shipped lexicon: named by the digest of both."""
    digest = hashlib.sha256(CACHE_VERSION.encode())
    for path in (mesh, *(data_path(n) for n in ("mesh_lexicon.tsv", "synonyms.tsv", "xrefs.tsv"))):
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return cache_dir() / f"mesh-lexicon-{digest.hexdigest()[:32]}.pickle"


@cache
def lexicon_with_mesh(mesh_path: str | None) -> Lexicon:
    """The shipped lexicon, plus a MeSH file's names and entry terms when given; read once per process.

    Reading NLM's ~30,000 descriptors and merging them into the lexicon takes about a minute of one
    core, so the merged lexicon is kept in `cache_dir()` under the digest of the MeSH file and of the
    shipped data: a build after the first loads it in about a second per process. Build workers call
    this with the path from their task, so each process reads the file (or the cache) at most once.
    A cache file that cannot be read or written is ignored (the file is read again).
    """
    if not mesh_path:
        return default_lexicon()
    mesh = Path(mesh_path)
    try:
        cached = _cache_file(mesh)
    except OSError as exc:
        raise TrialkgError(f"{mesh}: cannot read the MeSH file ({exc.strerror or exc})") from exc
    try:
        with cached.open("rb") as fh:
            loaded = pickle.load(fh)  # noqa: S301 - our own cache, in the user's cache folder
        if isinstance(loaded, Lexicon):
            return loaded
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    lexicon = default_lexicon().extended(e for e in mesh_entries(mesh) if e.key)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=cached.parent, delete=False, suffix=".part") as tmp:
            pickle.dump(lexicon, tmp, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp.name, cached)  # atomic: a reader sees the whole cache or none
    except OSError:
        pass
    return lexicon
