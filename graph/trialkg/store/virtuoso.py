"""`trialkg load --virtuoso`: a build into OpenLink Virtuoso with its own bulk loader, driven through `isql`.

Virtuoso's Graph Store endpoint refuses writes under its default security, and its bulk loader
is the fast route anyway: `ld_add` registers each N-Quads file, `rdf_loader_run` loads them
(each quad into its own named graph), `checkpoint` makes it durable. The server reads the files
itself, so it must run on this machine and the build folder must be in `DirsAllowed` of its
virtuoso.ini. Each graph the build holds is cleared first, so a re-load replaces, never doubles.
Afterwards a SPARQL COUNT per batch of the build's graphs must equal the build's quads.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from trialkg.errors import TrialkgError
from trialkg.rdf import iri
from trialkg.store.load import GRAPHS_PER_COUNT, LoadReport
from trialkg.store.oxigraph import quad_files

#: Where quads without a graph name go (ld_add's graph argument; a build writes none today).
DEFAULT_GRAPH = f"{iri.BASE}graph/default"
#: The isql client of Debian's virtuoso-opensource package, then the upstream name.
ISQL_NAMES = ("isql-vt", "isql")
_COUNT_MARK = "trialkg-count"
_ERROR = re.compile(r"^\*\*\* Error (\S+): (.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Virtuoso:
    """How to reach a Virtuoso server: its SQL port (isql), credentials, and its HTTP port for the SPARQL hint."""

    host: str = "127.0.0.1"
    port: int = 1111
    user: str = "dba"
    password: str = "dba"
    http_port: int = 8890
    isql: str | None = None

    @property
    def sparql_endpoint(self) -> str:
        return f"http://{self.host}:{self.http_port}/sparql"


def isql_binary(given: str | None = None) -> str:
    """The isql client: `given`, else isql-vt or isql on PATH; a one-line error naming the package otherwise."""
    for name in [given] if given else ISQL_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise TrialkgError(
        f"Virtuoso's isql client ({given or ' or '.join(ISQL_NAMES)}) is not installed "
        "(Debian: apt-get install virtuoso-opensource)"
    )


def run_isql(server: Virtuoso, script: str, *, timeout_s: float = 3600.0) -> str:
    """Run an SQL script through isql; its output, or a TrialkgError with Virtuoso's first error message."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", encoding="utf-8", delete=False) as fh:
        fh.write(script)
    try:
        done = subprocess.run(
            [isql_binary(server.isql), f"{server.host}:{server.port}", server.user, server.password, fh.name],
            capture_output=True, text=True, timeout=timeout_s, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise TrialkgError(f"Virtuoso at {server.host}:{server.port} did not finish within {timeout_s:g} s") from exc
    finally:
        os.unlink(fh.name)
    output = done.stdout + done.stderr
    error = _ERROR.search(output)
    if error:
        raise TrialkgError(_explain(server, error.group(1), error.group(2).strip()))
    if done.returncode != 0:
        raise TrialkgError(f"isql exited with code {done.returncode}: {output.strip()[-300:]}")
    return output


def _explain(server: Virtuoso, code: str, message: str) -> str:
    where = f"Virtuoso at {server.host}:{server.port}"
    if "Connect failed" in message or code.startswith("08"):
        return f"{where} does not answer: {message} (is virtuoso-t running? --virtuoso HOST:PORT)"
    if code == "28000" or "Bad login" in message:
        return f"{where} refused the login of {server.user!r} (--virtuoso-user, VIRTUOSO_PASSWORD)"
    if "DirsAllowed" in message or "access control in ini" in message.lower() or code == "42000" and "FA0" in message:
        return f"{where} may not read the build's files: add their folder to DirsAllowed in virtuoso.ini ({message})"
    return f"{where}: {code} {message}"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_graphs(files: Sequence[Path]) -> dict[str, int]:
    """Quads per named graph in the build's N-Quads (quads without a graph count under DEFAULT_GRAPH)."""
    counts: dict[str, int] = {}
    for path in files:
        try:
            for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
                graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else DEFAULT_GRAPH
                counts[graph] = counts.get(graph, 0) + 1
        except SyntaxError as exc:
            raise TrialkgError(f"{path}: not valid N-Quads: {exc}") from exc
    return counts


def load_script(files: Sequence[Path], graphs: Sequence[str]) -> str:
    """The isql script of one load: clear the build's graphs, register the files, run the loader, checkpoint."""
    lines = ["log_enable(3, 1);"]  # autocommit, no transaction log: what the bulk loader's docs advise
    lines += [f"SPARQL CLEAR GRAPH <{g}>;" for g in graphs]
    for path in files:
        # A file loaded before stays in load_list as done; forget it so it is loaded again.
        lines.append(f"DELETE FROM DB.DBA.load_list WHERE ll_file = {_sql_string(str(path))};")
        lines.append(f"ld_add({_sql_string(str(path))}, {_sql_string(DEFAULT_GRAPH)});")
    lines += ["rdf_loader_run();", "checkpoint;"]
    names = ", ".join(_sql_string(str(p)) for p in files)
    lines.append(f"SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_file IN ({names}) AND ll_error IS NOT NULL;")
    return "\n".join(lines) + "\n"


def count_script(graphs: Sequence[str]) -> str:
    """SPARQL COUNTs of the quads in `graphs`, a batch per query, each answer marked to find it in isql's output."""
    lines = []
    for start in range(0, len(graphs), GRAPHS_PER_COUNT):
        values = " ".join(f"<{g}>" for g in graphs[start : start + GRAPHS_PER_COUNT])
        lines.append(
            f'SPARQL SELECT ("{_COUNT_MARK}" AS ?k) (COUNT(*) AS ?n) '
            f"WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }};"
        )
    return "\n".join(lines) + "\n"


def counted(output: str) -> int:
    """The sum of the marked counts in isql's output."""
    return sum(int(n) for n in re.findall(rf"^{_COUNT_MARK}\s+(\d+)\s*$", output, re.MULTILINE))


def load_virtuoso(graph_dir: Path, server: Virtuoso) -> LoadReport:
    """Bulk-load the build in `graph_dir` into the Virtuoso `server` and check the count there."""
    started = time.perf_counter()
    files = [p.resolve() for p in quad_files(graph_dir, required=True)]
    per_graph = build_graphs(files)
    graphs = sorted(per_graph)
    output = run_isql(server, load_script(files, graphs))
    failed = [line for line in output.splitlines() if line.startswith(tuple(str(p) for p in files))]
    if failed:
        raise TrialkgError(f"Virtuoso's bulk loader failed on: {failed[0].strip()}")
    holds = counted(run_isql(server, count_script(graphs)))
    expected = sum(per_graph.values())
    if holds != expected:
        raise TrialkgError(
            f"count check failed: Virtuoso at {server.host}:{server.port} holds {holds} quads in the build's "
            f"{len(graphs)} graphs, the build has {expected}"
        )
    return LoadReport(len(graphs), expected, 1, 0, time.perf_counter() - started, holds)
