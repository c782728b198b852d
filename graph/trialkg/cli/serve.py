"""`trialkg serve`: the build as a read-only SPARQL endpoint until Ctrl-C."""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path
from types import FrameType

import click

from trialkg.cli.common import errors_exit_2
from trialkg.errors import TrialkgError
from trialkg.store.endpoint import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_RESULTS,
    DEFAULT_PORT,
    DEFAULT_TIMEOUT_S,
    Limits,
    serving,
)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@click.command(name="serve")
@click.option("--graph", "graph_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("output"),
              show_default=True, help="Folder of a built graph (what `trialkg build` wrote).")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True)
@click.option("--bind", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback only, unless --public).")  # fmt: skip
@click.option("--public", is_flag=True,
              help="Allow a --bind address other than loopback (anyone who can reach it can query).")  # fmt: skip
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT_S, show_default=True,
              help="Seconds a query may run before it is cancelled (answer 504).")  # fmt: skip
@click.option("--max-results", type=click.IntRange(min=1), default=DEFAULT_MAX_RESULTS, show_default=True,
              help="Most result rows (or triples) one answer may hold; more is refused with 413.")  # fmt: skip
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Largest answer in bytes; larger is refused with 413.")  # fmt: skip
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Let pages from ORIGIN (e.g. http://localhost:3000, or '*' for any) read the answers "
              "(CORS; repeatable). Default: no cross-origin reads.")  # fmt: skip
@errors_exit_2
def serve_command(
    graph_dir: Path, port: int, bind: str, public: bool, timeout_s: float, max_results: int, max_bytes: int,
    cors_origins: tuple[str, ...],
) -> None:  # fmt: skip
    """Serve the built graph as a read-only SPARQL endpoint until Ctrl-C: a query page (YASGUI) at
    http://BIND:PORT/, queries at /query (or /sparql), Graph Store reads at /store.

    All named graphs are seen as one default graph, as in `trialkg query`. Updates are refused.
    """
    limits = Limits(timeout_s=timeout_s, max_results=max_results, max_bytes=max_bytes)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        with serving(graph_dir, bind=bind, port=port, limits=limits, public=public, cors_origins=cors_origins) as proxy:
            host, real_port = str(proxy.server_address[0]), proxy.server_address[1]
            host = f"[{host}]" if ":" in host else host
            pid = proxy.child.pid if proxy.child else "-"
            click.echo(
                f"SPARQL endpoint http://{host}:{real_port}/query (read-only; timeout {timeout_s:g} s, "
                f"at most {max_results} results / {max_bytes} bytes; oxigraph pid {pid})",
                err=True,
            )
            click.echo(f"query page http://{host}:{real_port}/ (also /sparql; Graph Store reads at /store)", err=True)
            click.echo("stop with Ctrl-C", err=True)
            with contextlib.suppress(KeyboardInterrupt):
                proxy.serve_forever(poll_interval=0.2)
    except OSError as exc:
        raise TrialkgError(f"cannot listen on {bind}:{port}: {exc.strerror or exc}") from exc
    click.echo("stopped", err=True)
