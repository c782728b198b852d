"""`trialkg load`: the build into a triple store over the Graph Store Protocol, or with Oxigraph's bulk loader."""

from __future__ import annotations

from pathlib import Path

import click

from trialkg.cli.common import errors_exit_2
from trialkg.store.load import DEFAULT_CHUNK, load_bulk, load_to_endpoint


@click.command(name="load")
@click.option("--endpoint", default=None, metavar="URL",
              help="Graph Store endpoint, e.g. http://127.0.0.1:7878/store (see docs/triple-stores.md).")  # fmt: skip
@click.option("--oxigraph-location", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Instead of --endpoint: bulk-load offline into this Oxigraph store folder.")  # fmt: skip
@click.option("--graph-dir", "graph_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("output"),
              show_default=True, help="Folder of a built graph (what `trialkg build` wrote).")  # fmt: skip
@click.option("--graph", "target_graph", default=None, metavar="IRI",
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
@errors_exit_2
def load_command(
    endpoint: str | None,
    oxigraph_location: Path | None,
    graph_dir: Path,
    target_graph: str | None,
    query_endpoint: str | None,
    chunk_size: int,
    retries: int,
    backoff_s: float,
    graph_param: str,
) -> None:
    """Load the build into a triple store (Graph Store Protocol), then check the triple count there."""
    if (endpoint is None) == (oxigraph_location is None):
        raise click.UsageError("give exactly one of --endpoint URL or --oxigraph-location DIR")
    if oxigraph_location is not None:
        report = load_bulk(graph_dir, oxigraph_location)
        where = str(oxigraph_location)
    else:
        assert endpoint is not None
        report = load_to_endpoint(
            graph_dir, endpoint, query_endpoint=query_endpoint, target_graph=target_graph,
            chunk_size=chunk_size, retries=retries, backoff_s=backoff_s, graph_param=graph_param,
        )  # fmt: skip
        where = endpoint
    rate = report.triples / report.seconds if report.seconds else 0.0
    click.echo(
        f"sent {report.triples} triples in {report.graphs} graph(s) to {where} in {report.seconds:.2f} s "
        f"({rate:,.0f} triples/s; {report.requests} requests, {report.retries} retries); "
        f"count check ok: the store holds {report.counted} triples"
    )
