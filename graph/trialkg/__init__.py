"""trialkg: clinical-trial records as a validated linked-data knowledge graph.

The library's entry points are `trialkg.build(...)` and `trialkg.open(graph_dir)` (see trialkg.api);
they are imported on first use, so `import trialkg.parsers` alone stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from trialkg.api import Graph, build, open

__all__ = ["Graph", "__version__", "build", "open"]

_API = frozenset({"Graph", "build", "open"})


def __getattr__(name: str) -> Any:
    if name in _API:
        from trialkg import api

        return getattr(api, name)
    raise AttributeError(f"module 'trialkg' has no attribute {name!r}")
