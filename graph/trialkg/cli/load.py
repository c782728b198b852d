"""`trialkg load`: the build into a triple store over the Graph Store Protocol, or with a store's bulk loader."""

from __future__ import annotations

import re
from pathlib import Path

import click

from trialkg.cli.common import errors_exit_2, graph_option, json_option, print_json
from trialkg.store.load import DEFAULT_CHUNK, LoadReport, load_bulk, load_to_endpoint
from trialkg.store.virtuoso import Virtuoso, load_virtuoso


def _host_port(value: str, default_port: int) -> tuple[str, int]:
    host, _, port = value.rpartition(":") if ":" in value else (value, "", str(default_port))
    if not port.isdigit():
        raise click.BadParameter(f"{value!r} is not HOST:PORT", param_hint="--virtuoso")
    return host or "127.0.0.1", int(port)


@click.command(name="load")
@click.option("--endpoint", default=None, metavar="URL",
              help="Graph Store endpoint, e.g. http://127.0.0.1:7878/store (see docs/triple-stores.md).")  # fmt: skip
@click.option("--oxigraph-location", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Instead of --endpoint: bulk-load offline into this Oxigraph store folder.")  # fmt: skip
@click.option("--virtuoso", "virtuoso", default=None, metavar="HOST:PORT",
              help="Instead of --endpoint: bulk-load into the Virtuoso server at HOST:PORT (its SQL port, 1111 by "
              "default) through isql (ld_add + rdf_loader_run). It reads the files itself: same machine, and the "
              "build folder in DirsAllowed of its virtuoso.ini.")  # fmt: skip
@click.option("--virtuoso-user", default="dba", show_default=True, help="Virtuoso account for isql.")
@click.option("--virtuoso-password", default="dba", show_default=True, envvar="VIRTUOSO_PASSWORD",
              help="Its password (or the VIRTUOSO_PASSWORD environment variable).")  # fmt: skip
@click.option("--virtuoso-http-port", type=click.IntRange(1, 65535), default=8890, show_default=True,
              help="Virtuoso's HTTP port ([HTTPServer] ServerPort), for the SPARQL endpoint it prints.")  # fmt: skip
@click.option("--isql", "isql", default=None, metavar="PATH", help="The isql client (default: isql-vt, then isql).")
@graph_option
@click.option(
    "--graph-dir", "graph_dir_old", type=click.Path(file_okay=False, path_type=Path), default=None, hidden=True
)  # fmt: skip  (the old name of --graph)
@click.option("--graph-iri", "target_graph", default=None, metavar="IRI",
              help="Load the default graph (the merged view) into this named graph.")  # fmt: skip
@click.option("--query-endpoint", default=None, metavar="URL",
              help="The store's SPARQL query endpoint for the count check (default: from --endpoint).")  # fmt: skip
@click.option("--chunk-size", type=click.IntRange(min=1), default=DEFAULT_CHUNK, show_default=True,
              help="Most triples per request.")  # fmt: skip
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Further tries of a request after a 5xx/429 answer or a connection error.")  # fmt: skip
@click.option("--backoff", "backoff_s", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds before the first retry; doubles on each further one.")  # fmt: skip
@click.option("--graph-param", default="graph", show_default=True,
              help="Query parameter naming the graph (Virtuoso: graph-uri).")  # fmt: skip
@json_option
@errors_exit_2
def load_command(
    endpoint: str | None, oxigraph_location: Path | None, virtuoso: str | None, virtuoso_user: str,
    virtuoso_password: str, virtuoso_http_port: int, isql: str | None, graph_dir: Path, graph_dir_old: Path | None,
    target_graph: str | None, query_endpoint: str | None, chunk_size: int, retries: int, backoff_s: float,
    graph_param: str, as_json: bool,
) -> None:  # fmt: skip
    """Load the build (--graph DIR) into a triple store, then check the count there."""
    graph_dir = graph_dir_old or graph_dir
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:/", str(graph_dir)):  # an IRI, as the old --graph took
        raise click.UsageError("--graph is the build folder; give a named graph's IRI with --graph-iri IRI")
    if sum(x is not None for x in (endpoint, oxigraph_location, virtuoso)) != 1:
        raise click.UsageError("give exactly one of --endpoint URL, --oxigraph-location DIR or --virtuoso HOST:PORT")
    hint = ""
    if oxigraph_location is not None:
        report = load_bulk(graph_dir, oxigraph_location)
        where = str(oxigraph_location)
        hint = f"serve it with: oxigraph serve --location {oxigraph_location}"
    elif virtuoso is not None:
        if target_graph:
            raise click.UsageError("--graph-iri is not used with --virtuoso: the N-Quads name each quad's graph")
        host, port = _host_port(virtuoso, 1111)
        server = Virtuoso(host, port, virtuoso_user, virtuoso_password, virtuoso_http_port, isql)
        report = load_virtuoso(graph_dir, server)
        where = f"Virtuoso at {host}:{port}"
        hint = (
            f"query it at {server.sparql_endpoint}, e.g. trialkg query --endpoint {server.sparql_endpoint} "
            f"'SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}'; SQL: isql-vt {host}:{port}"
        )
    else:
        assert endpoint is not None
        report = load_to_endpoint(
            graph_dir, endpoint, query_endpoint=query_endpoint, target_graph=target_graph,
            chunk_size=chunk_size, retries=retries, backoff_s=backoff_s, graph_param=graph_param,
        )  # fmt: skip
        where = endpoint
    _print_report(report, where, hint, as_json)


def _print_report(report: LoadReport, where: str, hint: str, as_json: bool) -> None:
    if as_json:
        print_json(
            {"store": where, "graphs": report.graphs, "triples": report.triples, "counted": report.counted,
             "requests": report.requests, "retries": report.retries, "seconds": round(report.seconds, 3)}
        )  # fmt: skip
        return
    rate = report.triples / report.seconds if report.seconds else 0.0
    click.echo(
        f"sent {report.triples} triples in {report.graphs} graph(s) to {where} in {report.seconds:.2f} s "
        f"({rate:,.0f} triples/s; {report.requests} requests, {report.retries} retries); "
        f"count check ok: the store holds {report.counted} triples"
    )
    if hint:
        click.echo(hint)
