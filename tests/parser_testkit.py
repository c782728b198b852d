"""What the parser tests in tests/parsers/ share: where their documents are, parsing a file or a text with a
parser module, a trial's record without id/sources, the golden and expected records beside the documents,
the contract schema, mutated documents for property tests, and the standard tests of a format as classes.

Imported as `parser_testkit` (pytest puts tests/ on the path); a parser is passed as its module
(`trialkg.parsers.keyvalue`...), which has FORMAT, parse(path, source) and sniff(head).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import examples
from trialkg.errors import RecordParseError
from trialkg.model import SourceDocument, Trial
from trialkg.normalize.enrich import enrich
from trialkg.parsers import detect_format, source_document
from trialkg.rdf.record import CONTRACT_KEYS, DERIVED_KEYS, EXTRA_KEYS, to_record

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SEEDS = DATA / "seeds"
CTGOV = DATA / "ctgov"
#: The real ClinicalTrials.gov downloads, when shared/ is beside the repository; tests reading them are marked so.
SHARED_CTGOV = ROOT.parent / "shared" / "ctgov"
needs_shared_ctgov = pytest.mark.skipif(not SHARED_CTGOV.is_dir(), reason="shared/ctgov is not beside the repository")


def readme_study_counts() -> dict[str, int]:
    """Studies per folder as shared/ctgov/README.md's table states them (`| folder/ | format | studies |`).

    Tests count against the README, not a number of their own: the folder grows between waves.
    """
    counts = {}
    for line in (SHARED_CTGOV / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[2].replace(",", "").isdigit():
            counts[cells[0].rstrip("/")] = int(cells[2].replace(",", ""))
    return counts


#: The folder of ~6,800 legacy XML records: read only by slow tests and benchmarks.
BIG_XML_FOLDER = "ctgov_xml_2023_reesewang25"
GOLDEN_RECORDS = ROOT / "tests" / "golden" / "records"
#: The contract schema: the repository's copy, and the public one (checked too when it stands beside the repository).
CONTRACT_SCHEMA = DATA / "contract" / "trial-record.schema.json"
SHARED_CONTRACT_SCHEMA = ROOT.parent / "shared" / "contract" / "trial-record.schema.json"
#: The keys of a record without "id", "sources" and what trialkg derives from other fields (what a parser alone
#: decides).
RECORD_KEYS = tuple(k for k in (*CONTRACT_KEYS, *EXTRA_KEYS) if k not in ("id", "sources", *DERIVED_KEYS))
#: A page/export format's sniff score of its own documents is at least SNIFF_SURE, of the other seeds below
#: SNIFF_REJECTS.
SNIFF_SURE, SNIFF_REJECTS = 60, 30


def stem(path: Path) -> str:
    """A document's test id: its file name without the extension."""
    return path.stem


def fuzz(max_examples: int) -> settings:
    """Hypothesis settings of the junk-input tests: no deadline, slow data generation allowed."""
    return settings(max_examples=examples(max_examples), deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- documents -----------------------------------------------------------------------------------


def unseen_docs(folder: str) -> list[Path]:
    """The hand-written documents in tests/data/unseen/FOLDER, each beside its NAME.expected.json."""
    return sorted((DATA / "unseen" / folder).glob("*.txt"))


def other_seeds(own: Sequence[Path]) -> list[Path]:
    """The seeds that are not `own`: documents of other formats."""
    return sorted(p for p in SEEDS.glob("*.txt") if p not in own)


@contextlib.contextmanager
def temp_document(name: str, content: str | bytes) -> Iterator[Path]:
    """A file `name` in a fresh folder holding `content` (text as UTF-8, lone surrogates kept), removed after."""
    data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        yield path


# -- parsing ---------------------------------------------------------------------------------------


def parse_path(parser: ModuleType, path: Path) -> list[Trial | RecordParseError]:
    """Every result `parser` gives for the file at `path`."""
    return list(parser.parse(path, source_document(path, parser.FORMAT)))


def parse_text(parser: ModuleType, content: str | bytes, name: str = "doc.txt") -> list[Trial | RecordParseError]:
    """Parse `content` as a file: what a user's file with that content would give."""
    with temp_document(name, content) as path:
        return parse_path(parser, path)


def one_trial(parser: ModuleType, content: str | bytes, name: str = "doc.txt") -> Trial:
    """The one trial `content` holds (an error when it holds another number of results or a bad record)."""
    (trial,) = parse_text(parser, content, name)
    assert isinstance(trial, Trial), trial
    return trial


def parse_or_error(parser: ModuleType, content: str | bytes, name: str = "doc.txt") -> None:
    """Parse `content` as a file; only RecordParseError may escape (junk-input tests)."""
    with contextlib.suppress(RecordParseError):
        parse_text(parser, content, name)


@cache
def trial_of(parser: ModuleType, path: Path) -> Trial:
    """The one trial of the document at `path` (parsed once per test session)."""
    trials = parse_path(parser, path)
    assert len(trials) == 1
    assert isinstance(trials[0], Trial), trials[0]
    return trials[0]


# -- records ----------------------------------------------------------------------------------------


def record_of(trial: Trial) -> dict[str, Any]:
    """The trial's contract record without "id" and "sources" (which the build, not the parser, decides) and without
    what trialkg derives from other fields (criteria_constraints: tested in tests/test_criteria.py)."""
    record: dict[str, Any] = to_record(enrich(trial), trial_id="", sources=[])
    for key in ("id", "sources", *DERIVED_KEYS):
        del record[key]
    return record


def _json(path: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return value


def expected_of(doc: Path) -> dict[str, Any]:
    """The hand-written record NAME.expected.json beside the unseen document NAME.txt."""
    return _json(doc.with_name(doc.stem + ".expected.json"))


def golden_of(doc: Path, folder: Path = GOLDEN_RECORDS) -> dict[str, Any]:
    """The golden record of a seed (or of a ctgov document, with its folder): FOLDER/STEM.json."""
    return _json(folder / f"{doc.stem}.json")


def assert_conforms_to_contract(trial: Trial, doc: Path) -> None:
    """The trial's full record (with id and sources) is valid under the repository's copy of the contract schema
    and under shared/contract's when that is beside the repository."""
    jsonschema = pytest.importorskip("jsonschema")
    record = to_record(enrich(trial), trial_id="urn:x", sources=[doc.name])
    jsonschema.validate(record, _json(CONTRACT_SCHEMA))
    if SHARED_CONTRACT_SCHEMA.exists():
        jsonschema.validate(record, _json(SHARED_CONTRACT_SCHEMA))


# -- sniffing and errors ---------------------------------------------------------------------------


def assert_sniffed_as(parser: ModuleType, doc: Path, at_least: int) -> None:
    """`parser` scores the head of `doc` at least `at_least`, and format detection picks it."""
    head = doc.read_text(encoding="utf-8")[:65536]
    assert parser.sniff(head) >= at_least
    assert detect_format(head, doc.name) == parser.FORMAT


def assert_unusable_file_error(parser: ModuleType, path: Path, content: bytes, message: str) -> None:
    """A file `path` holding `content` is refused: parsing it raises a RecordParseError that names the file
    and says `message`."""
    path.write_bytes(content)
    with pytest.raises(RecordParseError) as info:
        parse_path(parser, path)
    assert str(path) in str(info.value) and message in str(info.value)


def assert_missing_file_is_a_parse_error(
    parser: ModuleType, path: Path, source: SourceDocument, match: str | None = None
) -> None:
    """Parsing a file that is not there raises RecordParseError (saying `match` when given), not OSError."""
    with pytest.raises(RecordParseError, match=match):
        list(parser.parse(path, source))


# -- junk input ------------------------------------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn, path: Path) -> str:
    """A real document with lines dropped, repeated, shuffled, edited, and maybe cut short."""
    lines = path.read_text(encoding="utf-8").splitlines()
    picks = draw(st.lists(st.integers(0, len(lines) - 1), max_size=2 * len(lines)))
    out = [lines[i] for i in picks]
    edit: bool = draw(st.booleans())
    if out and edit:
        at = draw(st.integers(0, len(out) - 1))
        out[at] = out[at][: draw(st.integers(0, len(out[at])))] + draw(st.text(max_size=20))
    text = "\n".join(out)
    return text[: draw(st.integers(0, len(text)))] if draw(st.booleans()) else text


# -- the standard tests of a format, as classes to bind to a `Test...` name in a test module ------------------


def text_format_tests(
    parser: ModuleType, *, seeds: Sequence[Path], unseen: Sequence[Path], no_trial_texts: Sequence[str]
) -> type:
    """The tests every page/export format (one trial a text document) shares:

    each seed against its golden record in tests/golden/records and each unseen document against its
    NAME.expected.json, field by field, each listing every record key; the records valid under the contract;
    the sniff score sure of its own documents and rejecting the other seeds; `no_trial_texts` a parse error;
    and arbitrary text or mutated documents (its own and the other seeds) raising only RecordParseError.
    """
    own = [*seeds, *unseen]
    others = other_seeds(seeds)

    class TextFormatTests:
        # -- golden and unseen documents, field by field

        @pytest.mark.parametrize("seed", seeds, ids=stem)
        @pytest.mark.parametrize("field", RECORD_KEYS)
        def test_seed_matches_golden(self, seed: Path, field: str) -> None:
            assert record_of(trial_of(parser, seed))[field] == golden_of(seed)[field], f"{seed.name}: field {field!r}"

        @pytest.mark.parametrize("seed", seeds, ids=stem)
        def test_golden_lists_every_record_key(self, seed: Path) -> None:
            assert set(golden_of(seed)) == set(RECORD_KEYS)

        @pytest.mark.parametrize("doc", unseen, ids=stem)
        @pytest.mark.parametrize("field", RECORD_KEYS)
        def test_unseen_document_matches_expected(self, doc: Path, field: str) -> None:
            assert record_of(trial_of(parser, doc))[field] == expected_of(doc)[field], f"{doc.name}: field {field!r}"

        @pytest.mark.parametrize("doc", unseen, ids=stem)
        def test_expected_lists_every_record_key(self, doc: Path) -> None:
            assert set(expected_of(doc)) == set(RECORD_KEYS)

        def test_there_are_unseen_documents(self) -> None:
            assert len(unseen) >= 2

        @pytest.mark.parametrize("doc", own, ids=stem)
        def test_records_conform_to_contract(self, doc: Path) -> None:
            assert_conforms_to_contract(trial_of(parser, doc), doc)

        # -- sniffing

        @pytest.mark.parametrize("doc", own, ids=stem)
        def test_sniff_is_sure_of_its_own_documents(self, doc: Path) -> None:
            assert parser.sniff(doc.read_text(encoding="utf-8")) >= SNIFF_SURE

        @pytest.mark.parametrize("doc", others, ids=stem)
        def test_sniff_rejects_other_formats(self, doc: Path) -> None:
            assert parser.sniff(doc.read_text(encoding="utf-8")) < SNIFF_REJECTS

        # -- bad input

        @pytest.mark.parametrize("text", no_trial_texts)
        def test_document_without_trial_content_is_a_parse_error(self, text: str) -> None:
            with pytest.raises(RecordParseError):
                parse_text(parser, text)

        @fuzz(150)
        @given(st.text())
        def test_arbitrary_text_raises_only_parse_errors(self, text: str) -> None:
            parse_or_error(parser, text)

        @fuzz(200)
        @given(st.sampled_from([*own, *others]).flatmap(mutated))
        def test_mutated_documents_raise_only_parse_errors(self, text: str) -> None:
            parse_or_error(parser, text)

    return TextFormatTests


def golden_record_tests(parser: ModuleType, names: Sequence[str]) -> type:
    """The golden tests of a ClinicalTrials.gov format: each document in tests/data/ctgov against its record in
    tests/golden/records/ctgov, field by field, and `pytest --update-goldens` to rewrite those records."""
    folder = GOLDEN_RECORDS / "ctgov"
    fields = [(name, key) for name in names for key in record_of(trial_of(parser, CTGOV / name))]

    class GoldenRecordTests:
        def test_update_goldens(self, update_goldens: bool) -> None:
            """`pytest --update-goldens` rewrites the golden records from the current parser."""
            if not update_goldens:
                pytest.skip("run with --update-goldens to rewrite tests/golden/records/ctgov/")
            folder.mkdir(parents=True, exist_ok=True)
            for name in names:
                text = json.dumps(record_of(trial_of(parser, CTGOV / name)), indent=2, ensure_ascii=False) + "\n"
                (folder / f"{Path(name).stem}.json").write_text(text, encoding="utf-8")

        @pytest.mark.parametrize(("doc", "field"), fields, ids=lambda v: str(v))
        def test_study_matches_golden(self, doc: str, field: str) -> None:
            golden = golden_of(Path(doc), folder)
            assert field in golden, f"{doc}: golden lacks {field!r} (rerun with --update-goldens and review the diff)"
            assert record_of(trial_of(parser, CTGOV / doc))[field] == golden[field], f"{doc}: field {field!r}"

    return GoldenRecordTests
