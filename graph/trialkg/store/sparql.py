"""`trialkg query`: read-only SPARQL on a build or an endpoint; updates only when asked for with --update.

Whether a text is a query or an update is decided from the SPARQL 1.1 grammar (§19.8, rules
[1] QueryUnit and [3] UpdateUnit): both start with a prologue of BASE/PREFIX declarations, and
the first keyword after it tells the two apart.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox

from trialkg.errors import TrialkgError
from trialkg.store.export import SINKS, export_statements
from trialkg.store.oxigraph import STORE_DIR, open_graph

QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
#: The first keyword of each SPARQL 1.1 Update operation (grammar rule [31] Update1, plus WITH of [41] Modify).
UPDATE_FORMS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})

# Prologue tokens: white space, comments, BASE <iri>, PREFIX pname: <iri> (rules [4]-[6]).
_PROLOGUE_ITEM = re.compile(
    r"\s+|#[^\n\r]*|BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>",
    re.IGNORECASE,
)
_KEYWORD = re.compile(r"[A-Za-z]+")

#: How long `--endpoint` waits for an answer.
ENDPOINT_TIMEOUT_S = 60.0


class UpdateRefusedError(TrialkgError):
    """A SPARQL update was given where only queries are allowed."""


class ServiceRefusedError(TrialkgError):
    """A query with SERVICE (federation: the query engine fetches another endpoint) where it is not allowed."""


# SPARQL 1.1 §19.2: \uXXXX and \UXXXXXXXX escapes are replaced before the query is parsed, anywhere in the text.
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Left to right, what can hide the word SERVICE: strings (long forms first), IRIs (rule [139] IRIREF: no
# spaces or braces inside, so `<` as less-than cannot swallow a pattern), comments; then the keyword itself,
# not part of a variable (?service), a prefixed name (ex:service, service:x) or a longer word.
_SERVICE_SCAN = re.compile(
    r"'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|\#[^\n\r]*"
    r"|(?<![\w?$:])(SERVICE)(?![\w:-])",
    re.IGNORECASE | re.DOTALL,
)


def uses_service(text: str) -> bool:
    """Whether a query text holds a SERVICE pattern (federated query), codepoint escapes and all.

    >>> uses_service('SELECT ?service { ?service <urn:p> "SERVICE" }')
    False
    >>> uses_service("select * { service <http://x/> {} }")
    True
    """
    text = _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    return any(m.group(1) for m in _SERVICE_SCAN.finditer(text))


def refuse_service(text: str, *, where: str) -> None:
    """Raise ServiceRefusedError for a federated query: the engine would send requests to any URL it names."""
    if uses_service(text):
        raise ServiceRefusedError(
            f"{where}: SERVICE (a federated query) is refused: it makes the query engine send requests to "
            "other servers; give --allow-service to `trialkg query` to run it"
        )


def operation_kind(text: str) -> str:
    """'query', 'update' or 'unknown' (left to the SPARQL parser to report), from the first keyword.

    >>> operation_kind("PREFIX ex: <http://e/> # hi\\n insert data { ex:a ex:b ex:c }")
    'update'
    """
    pos = 0
    while match := _PROLOGUE_ITEM.match(text, pos):
        pos = match.end()
    keyword = _KEYWORD.match(text, pos)
    word = keyword.group(0).upper() if keyword else ""
    if word in QUERY_FORMS:
        return "query"
    if word in UPDATE_FORMS:
        return "update"
    return "unknown"


def refuse_update(text: str, *, where: str) -> None:
    """Raise UpdateRefusedError if `text` is a SPARQL update."""
    if operation_kind(text) == "update":
        raise UpdateRefusedError(
            f"{where} is read-only: this is a SPARQL update (INSERT/DELETE/LOAD/CLEAR/DROP/CREATE/...); "
            "give --update to change the graph"
        )


def run_local(
    graph_dir: Path, text: str, *, allow_service: bool = False
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Answer a read-only query over a build (the default graph: each trial merged, each fact once)."""
    return answer(open_graph(graph_dir), text, where=f"the graph in {graph_dir}", allow_service=allow_service)


def answer(
    store: ox.Store, text: str, *, where: str, allow_service: bool = False
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """A read-only query's answer from `store` (the merged default graph; SERVICE only if allowed)."""
    refuse_update(text, where=where)
    if not allow_service:
        refuse_service(text, where=where)
    try:
        return store.query(text)
    except SyntaxError as exc:
        raise TrialkgError(f"SPARQL syntax error: {exc}") from exc


def update_local(graph_dir: Path, text: str) -> list[Path]:
    """Apply a SPARQL update to a build and persist it: the store, and the exports rewritten from it.

    The exports go through the build's sinks (store/export.py), the whole store as one document.
    Without a named graph in the update, INSERT DATA writes into the default graph, which the
    N-Quads export keeps as triples without a graph name.
    """
    persistent = (graph_dir / STORE_DIR).is_dir()
    store = open_graph(graph_dir, writable=True)
    try:
        store.update(text)
    except SyntaxError as exc:
        raise TrialkgError(f"SPARQL syntax error: {exc}") from exc
    if persistent:
        store.flush()
    formats = [name for name, sink in SINKS.items() if (graph_dir / sink.file_name()).exists()]
    return export_statements(store, graph_dir, formats)


def _post(endpoint: str, field: str, text: str, accept: str) -> tuple[str, bytes]:
    body = urllib.parse.urlencode({field: text}).encode("utf-8")
    request = urllib.request.Request(
        endpoint,
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
    )
    try:
        with urllib.request.urlopen(request, timeout=ENDPOINT_TIMEOUT_S) as resp:
            return resp.headers.get_content_type(), resp.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip()[:500]
        raise TrialkgError(f"{endpoint} answered {exc.code} {exc.reason}: {detail}") from exc
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        raise TrialkgError(f"cannot reach {endpoint}: {getattr(exc, 'reason', exc)}") from exc


def run_remote(endpoint: str, text: str, *, allow_service: bool = False) -> ox.QuerySolutions | ox.QueryBoolean | bytes:
    """Answer a read-only query at a SPARQL 1.1 Protocol endpoint: parsed results, or N-Triples bytes."""
    refuse_update(text, where=endpoint)
    if not allow_service:
        refuse_service(text, where=endpoint)
    content_type, data = _post(endpoint, "query", text, "application/sparql-results+json, application/n-triples")
    if content_type == "application/sparql-results+json":
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    return data


def update_remote(endpoint: str, text: str) -> None:
    """Send a SPARQL update (form field `update=`, SPARQL 1.1 Protocol §2.2) to an update endpoint."""
    _post(endpoint, "update", text, "*/*")
