"""Bounded-time mutation fuzzing of every parser (issue 9, item 6; zips and long-heading pages: issue 17).

Inputs are the repository's documents (seeds, unseen pages, ClinicalTrials.gov JSON and XML) mutated by
bit flips, byte edits, truncation, splicing two documents, duplicated or deleted chunks, inserted hostile
tokens (DTDs, NUL, deep nesting, long digit runs, BOMs, zip magic) and encoding changes. Each input goes,
round-robin, to `parse_file` (format detection), to each parser's own `parse`, and to the build's
`read_document` (parse -> map -> SHACL). A crash is any exception other than trialkg's own error types
(for read_document: a document error that says "internal error"); a hang is an input that takes longer
than --timeout. Issue 17 added generated inputs, a quarter of all: bulk zips of 1-4 (mutated) studies with
corrupt deflate data, lying sizes, a member over the decompressed limit, a 2 MiB string, a nested zip or a
member that is not JSON; and registry pages shaped like issue 17's item 3 (a heading-shaped line of up to
1 MiB before a blurb, then thousands of distinct lines). For read_document, an output past a bound linear in
the input's bytes and lines (amplification_bound) is a failure too ("AMPLIFIED"). Inputs run in a worker process, restarted after a hang. Failures are saved to OUT as
TARGET-HASH.bin with TARGET-HASH.txt (the traceback); reproduce one with
`python benchmarks/fuzz_parsers.py --replay OUT/TARGET-HASH.bin --target TARGET`.

    python benchmarks/fuzz_parsers.py OUT [--seconds 600] [--timeout 10] [--seed 1]
"""

from __future__ import annotations

import argparse
import codecs
import hashlib
import io
import multiprocessing as mp
import random
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "graph"))

CORPUS = sorted(
    [*(ROOT / "tests/data/seeds").glob("*.txt"), *(ROOT / "tests/data/unseen").glob("*/*.txt"),
     *(ROOT / "tests/data/ctgov").glob("*.json"), *(ROOT / "tests/data/ctgov").glob("*.xml")]
)  # fmt: skip
HOSTILE = [
    b"\x00", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"PK\x03\x04", b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"&a;",
    b"[" * 3000, b"{" * 1500, b"9" * 5000, b"\\", b'"', b"\n" * 1000, b"\r", b"\t", b"NCT", b"NCT12345678",
    b"Inclusion Criteria:", b"* ", b"1. ", b"|", b":", b"\xed\xa0\x80", b"\xf0\x9f\x98\x80", "\u202e".encode(),
    b"<clinical_study>", b"</clinical_study>", b'{"protocolSection": {', b'"studies": [', b"]}", b"\x1b[31m",
]  # fmt: skip
ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252", "utf-8-sig", "ascii"]


# -- mutations -------------------------------------------------------------------------------------------


def mutate(data: bytes, rng: random.Random, corpus: list[bytes]) -> bytes:
    for _ in range(rng.choice([1, 1, 1, 2, 3, 5])):
        data = rng.choice(MUTATORS)(data, rng, corpus)
    return data


def _at(data: bytes, rng: random.Random) -> int:
    return rng.randint(0, len(data))


def bit_flip(data: bytes, rng: random.Random, _c: list[bytes]) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def byte_set(data: bytes, rng: random.Random, _c: list[bytes]) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    return (
        data[:i]
        + bytes([rng.choice([0, 0x22, 0x5C, 0x7B, 0x5B, 0x3C, 0x0A, 0xFF, 0x80, rng.randrange(256)])])
        + data[i + 1 :]
    )


def truncate(data: bytes, rng: random.Random, _c: list[bytes]) -> bytes:
    return data[: _at(data, rng)]


def splice(data: bytes, rng: random.Random, corpus: list[bytes]) -> bytes:
    other = rng.choice(corpus)
    return data[: _at(data, rng)] + other[_at(other, rng) :]


def insert_hostile(data: bytes, rng: random.Random, _c: list[bytes]) -> bytes:
    i = _at(data, rng)
    return data[:i] + rng.choice(HOSTILE) * rng.choice([1, 1, 2, 10]) + data[i:]


def duplicate_chunk(data: bytes, rng: random.Random, _c: list[bytes]) -> bytes:
    i, j = sorted((_at(data, rng), _at(data, rng)))
    return data[:j] + data[i:j] * rng.randint(1, 4) + data[j:]


def delete_chunk(data: bytes, rng: random.Random, _c: list[bytes]) -> bytes:
    i, j = sorted((_at(data, rng), _at(data, rng)))
    return data[:i] + data[j:]


def shuffle_lines(data: bytes, rng: random.Random, _c: list[bytes]) -> bytes:
    lines = data.split(b"\n")
    i, j = sorted((rng.randrange(len(lines)), rng.randrange(len(lines))))
    part = lines[i:j]
    rng.shuffle(part)
    return b"\n".join(lines[:i] + part + lines[j:])


def reencode(data: bytes, rng: random.Random, _c: list[bytes]) -> bytes:
    text = data.decode("utf-8", "replace")
    encoding = rng.choice(ENCODINGS)
    out = text.encode(encoding, "replace")
    return codecs.BOM_UTF16_LE + out if encoding == "utf-16-le" and rng.random() < 0.5 else out


MUTATORS = [bit_flip, byte_set, truncate, splice, insert_hostile, duplicate_chunk, delete_chunk, shuffle_lines,
            reencode]  # fmt: skip


# -- generated inputs (issue 17): zips, and registry pages with a long heading ---------------------------------


def _member(rng: random.Random, corpus: list[bytes], studies: list[bytes]) -> bytes:
    """One zip member: a study, mutated or not, or one of the hostile shapes issue 17 found."""
    study = rng.choice(studies)
    kind = rng.choice(["study", "study", "mutated", "mutated", "huge string", "bomb", "zip", "page", "empty"])
    if kind == "mutated":
        return mutate(study, rng, corpus)
    if kind == "huge string":  # a title past the per-string limit (1 MiB)
        return study.replace(b'"briefTitle": "', b'"briefTitle": "' + b"T" * rng.choice([1 << 20, 2 << 20]), 1)
    if kind == "bomb":  # whitespace past the per-member limit (64 MiB): deflates to ~70 KB
        return study[:-1] + b" " * rng.choice([65 << 20, 70 << 20]) + b"}"
    if kind == "zip":
        return make_zip(rng, corpus, depth=1)
    if kind == "page":
        return rng.choice(corpus)
    return b"" if kind == "empty" else study


def make_zip(rng: random.Random, corpus: list[bytes], depth: int = 0) -> bytes:
    """A registry bulk zip of 1-4 members; sometimes a member's deflate data is corrupted or its size lies."""
    studies = [d for d in corpus if d.lstrip().startswith(b"{")] or corpus
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", rng.choice([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])) as zf:
        for n in range(rng.randint(1, 4)):
            data = _member(rng, corpus, studies) if depth == 0 else rng.choice(studies)
            zf.writestr(rng.choice([f"NCT{n:08d}.json", f"dir/{n}.json", f"__MACOSX/._{n}.json", f"{n}.txt"]), data)
    raw = bytearray(buf.getvalue())
    edit = rng.choice(["none", "none", "corrupt", "size", "truncate"])
    infos = zipfile.ZipFile(io.BytesIO(bytes(raw))).infolist()
    info = rng.choice(infos)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    if edit == "corrupt" and info.compress_size > 4:  # zlib "Error -3" on inflating
        for i in range(start + 2, min(start + info.compress_size, start + 2 + rng.randint(1, 16))):
            raw[i] = rng.randrange(256)
    elif edit == "size":  # the local header's uncompressed size says something else
        raw[info.header_offset + 22 : info.header_offset + 26] = rng.randrange(1 << 32).to_bytes(4, "little")
    elif edit == "truncate":
        raw = raw[: rng.randint(len(raw) // 2, len(raw))]
    return bytes(raw)


BLURB = b"Get a concise overview of what this part of the study page says, in the page's own style."


def make_long_heading_page(rng: random.Random, corpus: list[bytes]) -> bytes:
    """Issue 17, item 3: a registry page with a heading-shaped line of up to 1 MiB before a blurb, then many
    distinct short lines (each would repeat the heading as its section name)."""
    pages = [d for d in corpus if b"Get a concise snapshot of the trial" in d] or corpus
    heading = b"A" + b"a" * rng.choice([100, 10_000, 200_000, (1 << 20) - 1])
    lines = b"".join(b"line %d\n" % n for n in range(rng.choice([10, 1000, 5000])))
    return rng.choice(pages) + b"\n" + heading + b"\n" + BLURB + b"\n" + lines


def generate(rng: random.Random, corpus: list[bytes]) -> tuple[bytes, str]:
    """A generated input and its file suffix."""
    if rng.random() < 0.5:
        return make_zip(rng, corpus), rng.choice([".zip", ".json", ""])
    return make_long_heading_page(rng, corpus), ".txt"


# -- the worker: one input at a time, in its own process --------------------------------------------------------


def _targets() -> dict[str, object]:
    from trialkg.parsers import PARSERS, parse_file, source_document
    from trialkg.pipeline import read_document

    def run_parser(module: object) -> object:
        return lambda path: list(module.parse(path, source_document(path, module.FORMAT)))  # type: ignore[attr-defined]

    def run_read_document(path: Path) -> None:
        stem = path.with_name(path.name + ".fragment")
        doc, _results = read_document((path, stem, ("nq", "nt", "ttl", "jsonld"), None))
        if doc.error and "internal error" in doc.error:
            raise RuntimeError(doc.error)
        fragments = list(path.parent.glob(stem.name + ".*"))
        written = sum(f.stat().st_size for f in fragments)
        for f in fragments:
            f.unlink()
        size, lines = path.stat().st_size, path.read_bytes().count(b"\n") + 1
        if written > amplification_bound(size, lines):
            raise AmplifiedError(f"{written:,} bytes of fragments from a {size:,}-byte input of {lines:,} lines")

    targets: dict[str, object] = {"parse_file": lambda path: list(parse_file(path))}
    targets.update({name: run_parser(module) for name, module in PARSERS.items()})
    targets["read_document"] = run_read_document
    return targets


class AmplifiedError(Exception):
    """read_document wrote far more than it read (issue 17, item 3)."""


def amplification_bound(size: int, lines: int) -> int:
    """Most fragment bytes an input may give: linear in its bytes and lines. A line can be an entity (a
    country, a site: a few triples in five fragment files, ~3 KB), a byte of text about 50 bytes of output;
    a heading repeated by every later line (length x lines) is far past it."""
    return 4096 * lines + 50 * size + (1 << 20)


def worker(conn: Connection, folder: str) -> None:
    from trialkg.errors import TrialkgError

    targets = _targets()
    n = 0
    while True:
        job = conn.recv()
        if job is None:
            return
        name, suffix, data = job
        n += 1
        path = Path(folder) / f"input{n % 2}{suffix}"
        path.write_bytes(data)
        try:
            targets[name](path)  # type: ignore[operator]
            conn.send(None)
        except TrialkgError:
            conn.send(None)
        except BaseException:  # noqa: BLE001 - a crash is what the fuzzer looks for
            conn.send(traceback.format_exc())


class Runner:
    """A worker process that runs one input at a time and is restarted after a hang."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.ctx = mp.get_context("spawn")
        self._start()

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.process = self.ctx.Process(target=worker, args=(child, self.folder), daemon=True)
        self.process.start()

    def run(self, name: str, suffix: str, data: bytes, timeout: float) -> str | None:
        """None when fine; a traceback for a crash; 'HANG' when it took longer than `timeout`."""
        self.conn.send((name, suffix, data))
        if self.conn.poll(timeout):
            result: str | None = self.conn.recv()
            return result
        self.process.kill()
        self.process.join()
        self._start()
        return "HANG"

    def close(self) -> None:
        self.conn.send(None)
        self.process.join(timeout=10)


def save(out: Path, name: str, data: bytes, problem: str) -> Path:
    digest = hashlib.sha256(data).hexdigest()[:12]
    path = out / f"{name}-{digest}.bin"
    path.write_bytes(data)
    path.with_suffix(".txt").write_text(problem, encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="folder for the reproducers of failures")
    ap.add_argument("--seconds", type=float, default=600.0, help="total fuzzing time (default 600)")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds one input may take before it is a hang")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--replay", type=Path, help="run one saved input through --target and print the outcome")
    ap.add_argument("--target", default="parse_file")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        runner = Runner(tmp)
        if args.replay:
            print(runner.run(args.target, ".bin", args.replay.read_bytes(), args.timeout) or "no failure")
            runner.close()
            return
        fuzz(runner, args)
        runner.close()


def fuzz(runner: Runner, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    corpus = [p.read_bytes() for p in CORPUS]
    names = list(_targets())
    tried: Counter[str] = Counter()
    generated: Counter[str] = Counter()
    crashes: Counter[str] = Counter()
    hangs: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    started = time.monotonic()
    i = 0
    while time.monotonic() - started < args.seconds:
        # read_document maps and validates with SHACL: about 50 times slower, so it gets every 10th turn.
        name = "read_document" if i % 10 == 9 else names[i % (len(names) - 1)]
        i += 1
        if rng.random() < 0.25:
            data, suffix = generate(rng, corpus)
            generated[name] += 1
        else:
            source = rng.randrange(len(corpus))
            data = mutate(corpus[source], rng, corpus)
            suffix = rng.choice([CORPUS[source].suffix, ".txt", ".json", ".xml", ""])
        result = runner.run(name, suffix, data, args.timeout)
        tried[name] += 1
        if result is None:
            continue
        kind = "hang" if result == "HANG" else "amplified" if "AmplifiedError" in result else "crash"
        (hangs if kind == "hang" else crashes)[name] += 1
        last = result.strip().splitlines()[-1] if result != "HANG" else "HANG"
        if (name, last) not in seen:  # one reproducer per target and distinct error
            seen.add((name, last))
            path = save(args.out, name, data, result)
            print(f"{kind.upper():5} {name}: {last[:150]} -> {path}", flush=True)
    elapsed = time.monotonic() - started
    print(f"\n{'target':16} {'inputs':>8} {'generated':>9} {'crashes':>8} {'hangs':>6}")
    for name in names:
        print(f"{name:16} {tried[name]:8,} {generated[name]:9,} {crashes[name]:8} {hangs[name]:6}")
    print(f"{'total':16} {sum(tried.values()):8,} {sum(generated.values()):9,} {sum(crashes.values()):8} "
          f"{sum(hangs.values()):6}"
          f"   in {elapsed:.0f} s, seed {args.seed}, timeout {args.timeout:g} s, corpus {len(corpus)} documents")  # fmt: skip


if __name__ == "__main__":
    main()
