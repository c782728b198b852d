"""Hostile documents (issue 17, items 3, 6, 7, 9 and the JSON ones of 15): each is read as far as it can be,
refused where it would blow up the output, memory or time, and named in one line; the rest of the build is kept.

- a registry page whose heading-shaped line is a megabyte long (item 3): no heading over 80 characters, at most
  256 KiB of unmapped text per trial (with a warning), so the exports stay within a small multiple of the input;
- a zip with a corrupt member (item 6): that member named and skipped, the others read;
- zip bombs and huge strings (item 7): a member over 64 MiB decompressed, a JSON string over 1 MiB, refused
  while streaming (figures: benchmarks/fuzz_parsers.py);
- an NCT id with non-ASCII digits (item 9): a field warning, never an IRI;
- a JSON key stated twice, an API page that is also a study, a zip whose every member fails (item 15).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyoxigraph as ox
from hostile_kit import GOOD, cli, lines_about, listed, study
from testdata import SEEDS
from trialkg.parsers import detect_format

#: A seed in the registry-page format (the seeds' README: 001_*).
PAGE = next(p for p in SEEDS if detect_format(p.read_text("utf-8"), p.name) == "registry_page")
#: trialkg.parsers.MAX_UNMAPPED_CHARS (written out: the code before issue 17 had no cap to import).
MAX_UNMAPPED_CHARS = 256 * 1024
BLURB = "Get a summary of what this part of the page holds, written in the same style as the others."


def build(tmp_path: Path, *docs: Path) -> tuple[object, Path]:
    out = tmp_path / "out"
    result = cli("build", *map(str, docs), str(GOOD), "--out", str(out), "--jobs", "1")
    assert "Traceback" not in result.output
    assert "NCT02063061" in {t["nct_id"] for t in listed(out)}, result.output  # the good document is always kept
    return result, out


def exports_size(out: Path) -> int:
    return sum((out / f"trialkg.{ext}").stat().st_size for ext in ("nq", "nt", "ttl", "jsonld"))


# -- item 3: output bounded by input


def test_a_long_heading_shaped_line_does_not_amplify_the_output(tmp_path: Path) -> None:
    """The issue's page, scaled down (20 KB instead of 1 MiB): before, every later line repeated the 20 KB title."""
    base = tmp_path / "base.txt"
    base.write_text(PAGE.read_text("utf-8"), "utf-8")
    _, out_base = build(tmp_path / "b", base)
    page = tmp_path / "page.txt"
    heading = "A" + "a" * 20_000
    lines = "".join(f"x{n}\n" for n in range(500))  # distinct: RDF would keep one copy of repeated notes
    page.write_text(PAGE.read_text("utf-8") + f"\n{heading}\n{BLURB}\n" + lines, "utf-8")
    result, out = build(tmp_path, page)
    assert not lines_about(result, page, "FAILED") and len(lines_about(result, page, "ok")) == 1
    grown = exports_size(out) - exports_size(out_base)
    added = page.stat().st_size - base.stat().st_size
    assert grown < 20 * added, (grown, added)  # before: about 500 x 20 KB in each of the four exports


def test_unmapped_text_is_capped_per_trial_with_a_warning(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    lines = "".join(f"unknown line {n:05d} " + "z" * 100 + "\n" for n in range(3000))  # 360 KB of text no field takes
    page.write_text(PAGE.read_text("utf-8") + "\nResponsible Party\nIdentify the individual or organization who holds"
                    " the data.\n" + lines, "utf-8")  # fmt: skip
    result, out = build(tmp_path, page)
    (warning,) = [w for w in lines_about(result, page, "warning") if "unmapped notes dropped" in w]
    assert f"{MAX_UNMAPPED_CHARS:,} characters" in warning
    triples = ox.parse(path=str(out / "trialkg.nt"), format=ox.RdfFormat.N_TRIPLES)
    kept = sum(len(t.object.value) for t in triples if t.predicate.value.endswith("unmappedText"))
    assert MAX_UNMAPPED_CHARS / 2 < kept <= MAX_UNMAPPED_CHARS + 100_000  # the page's own notes and the good doc's


# -- items 6 and 7: zips


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def corrupt_member(path: Path, member: str) -> None:
    """Overwrite the start of a member's deflate data: inflating it fails with zlib's 'Error -3'."""
    raw = bytearray(path.read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + 2 : start + 12] = b"\xff" * 10
    path.write_bytes(bytes(raw))


def as_json(value: object) -> bytes:
    return json.dumps(value).encode("utf-8")


def test_a_corrupt_zip_member_is_named_and_the_rest_is_read(tmp_path: Path) -> None:
    doc = write_zip(tmp_path / "bulk.zip", {
        "a.json": as_json(study("NCT90000001")),
        "b.json": as_json(study("NCT90000002")),
        "c.json": as_json(study("NCT90000003")),
    })  # fmt: skip
    corrupt_member(doc, "b.json")
    result, out = build(tmp_path, doc)
    assert result.exit_code == 1
    (failed,) = lines_about(result, doc, "FAILED")
    assert "(b.json)" in failed and "internal error" not in failed
    assert {"NCT90000001", "NCT90000003"} <= {t["nct_id"] for t in listed(out)}


def test_a_huge_string_in_a_zip_member_is_refused_and_the_rest_is_read(tmp_path: Path) -> None:
    doc = write_zip(tmp_path / "bulk.zip", {
        "big.json": as_json(study("NCT90000004", brief_title="T" * (2 << 20))),
        "ok.json": as_json(study("NCT90000005")),
    })  # fmt: skip
    assert doc.stat().st_size < 100_000
    result, out = build(tmp_path, doc)
    assert result.exit_code == 1
    (failed,) = lines_about(result, doc, "FAILED")
    assert "(big.json)" in failed and "a string longer than 1 MiB" in failed
    ids = {t["nct_id"] for t in listed(out)}
    assert "NCT90000005" in ids and "NCT90000004" not in ids


def test_a_zip_bomb_member_is_refused_while_streaming(tmp_path: Path) -> None:
    doc = write_zip(tmp_path / "bomb.zip", {
        "bomb.json": as_json(study("NCT90000006"))[:-1] + b" " * (70 << 20) + b"}",
        "ok.json": as_json(study("NCT90000007")),
    })  # fmt: skip
    assert doc.stat().st_size < 1_000_000
    result, out = build(tmp_path, doc)
    (failed,) = lines_about(result, doc, "FAILED")
    assert "(bomb.json)" in failed and "larger than 64 MiB decompressed" in failed
    assert "NCT90000007" in {t["nct_id"] for t in listed(out)}


def test_a_huge_string_in_a_plain_json_file_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "big.json"
    doc.write_bytes(as_json(study("NCT90000008", brief_title="T" * (2 << 20))))
    result, _ = build(tmp_path, doc)
    (failed,) = lines_about(result, doc, "FAILED")
    assert "a string longer than 1 MiB" in failed


def test_a_zip_whose_every_member_fails_is_not_listed_as_ok(tmp_path: Path) -> None:
    doc = write_zip(tmp_path / "bad.zip", {"a.json": b"[1, 2", "b.json": b'{"x": 1}'})
    result, _ = build(tmp_path, doc)
    assert result.exit_code == 1
    assert lines_about(result, doc, "ok") == []
    assert any("no trial read" in line for line in lines_about(result, doc, "FAILED"))


# -- item 9: NCT ids are ASCII


def test_an_nct_id_with_fullwidth_digits_is_a_field_warning(tmp_path: Path) -> None:
    doc = tmp_path / "wide.json"
    doc.write_text(json.dumps(study("NCT9000000\uff18"), ensure_ascii=False), "utf-8")
    result, out = build(tmp_path, doc)
    assert result.exit_code == 0, result.output  # before: an IRI was minted, then SHACL failed the build
    (warning,) = lines_about(result, doc, "warning")
    assert "identificationModule.nctId: not an NCT id" in warning
    mine = [t for t in listed(out) if "wide.json" in t["sources"]]
    assert len(mine) == 1 and mine[0]["nct_id"] is None and "\uff18" not in mine[0]["id"]


# -- item 15: JSON that says two things at once


def test_a_json_key_stated_twice_is_a_warning(tmp_path: Path) -> None:
    doc = tmp_path / "twice.json"
    text = json.dumps(study("NCT90000009", brief_title="Second"))
    doc.write_text(text.replace('"briefTitle": ', '"briefTitle": "First", "briefTitle": ', 1), "utf-8")
    result, out = build(tmp_path, doc)
    (warning,) = lines_about(result, doc, "warning")
    assert "protocolSection.identificationModule.briefTitle: the key is stated more than once" in warning
    assert {t["nct_id"]: t["brief_title"] for t in listed(out)}["NCT90000009"] == "Second"


def test_an_api_page_that_is_also_a_study_reports_the_study_it_does_not_read(tmp_path: Path) -> None:
    doc = tmp_path / "both.json"
    page = {**study("NCT90000010"), "studies": [study("NCT90000011")]}
    doc.write_text(json.dumps(page), "utf-8")
    result, out = build(tmp_path, doc)
    assert result.exit_code == 1
    (failed,) = lines_about(result, doc, "FAILED")
    assert "also a study itself" in failed
    assert "NCT90000011" in {t["nct_id"] for t in listed(out)}
