"""A picture of a trial's related trials: who they are, and what each shares with the query trial.

The query trial sits in the centre, its related trials on an outer ring (best first, clockwise
from the top), and the entities they share with it in between, each towards the trials that
share it (entities shared by more than two of them closer to the centre). Entity nodes are
coloured by kind; an edge from an entity to a related trial is as wide as what that entity adds
to the pair's score. The layout is computed here (angles, then label boxes pushed apart), not
by a force simulation, so the same graph always gives the same picture and needs no scipy.
Drawing needs matplotlib (`pip install 'trialkg[plot]'`); it renders with Agg, never pyplot.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from trialkg.apps.related import DEFAULT_SCORER, EntityGraph, RelatedTrial, Shared, load_entity_graph, related
from trialkg.errors import TrialkgError

#: Shared entities drawn per related trial (its heaviest), and in all.
PER_TRIAL = 4
MAX_ENTITIES = 24
#: Node colours of the entity kinds; a kind not listed here gets one from _SPARE_COLOURS.
KIND_COLOURS = {
    "condition": "#d62728",
    "condition_mesh": "#ff7f0e",
    "condition_mesh_ancestor": "#f7b6a3",
    "intervention": "#2ca02c",
    "intervention_mesh": "#98df8a",
    "sponsor": "#9467bd",
    "reference": "#8c564b",
    "site": "#17becf",
    "title_word": "#bcbd22",
    "summary_word": "#dbdb8d",
}
_SPARE_COLOURS = ("#e377c2", "#7f7f7f", "#aec7e8", "#c5b0d5", "#c49c94", "#f7b6d2", "#9edae5")
_QUERY_COLOUR = "#1f3b73"
_TRIAL_COLOUR = "#6b8fc9"
#: Layout radii (the trials' ring is 1): entities shared by 1-2 trials, by more, and the farthest out a label may go.
_R_TRIALS, _R_ENTITIES, _R_INNER, _R_MAX = 1.0, 0.64, 0.40, 0.86
#: The query's label box (width, height) in layout units, and the longest entity label drawn.
_QUERY_BOX = (0.50, 0.30)
_LABEL_CHARS = 28
_LABEL_HEIGHT = 0.055


def _short(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _trial_name(trial: str, nct_id: str | None) -> str:
    return nct_id or _short(trial.rsplit("/", 1)[-1], 18)


def _kind_colour(kind: str, kinds: list[str]) -> str:
    if kind in KIND_COLOURS:
        return KIND_COLOURS[kind]
    spare = sorted(k for k in kinds if k not in KIND_COLOURS)
    return _SPARE_COLOURS[spare.index(kind) % len(_SPARE_COLOURS)]


def _node_key(s: Shared) -> str:
    """The node of a shared entity: its IRI, or kind and label for one without (a shared word)."""
    return s.iri or f"{s.kind}:{s.label}"


def _drawable(rel: RelatedTrial) -> list[Shared]:
    return [s for s in rel.shared if s.kind != "design"]


def _pick_entities(found: list[RelatedTrial]) -> tuple[dict[str, Shared], int]:
    """The shared entities worth drawing (each related trial's heaviest, capped), and how many were left out."""
    total: dict[str, float] = {}
    first: dict[str, Shared] = {}
    every: set[str] = set()
    for rel in found:
        every |= {_node_key(s) for s in _drawable(rel)}
        for s in _drawable(rel)[:PER_TRIAL]:
            first.setdefault(_node_key(s), s)
            total[_node_key(s)] = total.get(_node_key(s), 0.0) + s.weight
    # Every trial keeps its heaviest entity (so each is linked to something), the rest go by total weight.
    keep = list(dict.fromkeys(_node_key(_drawable(rel)[0]) for rel in found if _drawable(rel)))
    rest = sorted(total, key=lambda e: (-total[e], first[e].kind, first[e].label))
    keep += [e for e in rest if e not in keep][: max(0, MAX_ENTITIES - len(keep))]
    return {e: first[e] for e in keep}, len(every) - len(keep)


def related_graph(found: list[RelatedTrial], query: str) -> tuple[nx.Graph, int]:
    """The graph drawn: query, related trials and the picked shared entities (edges carry `weight`)."""
    entities, left_out = _pick_entities(found)
    g: nx.Graph = nx.Graph()
    g.add_node(query, role="query")
    for rel in found:
        g.add_node(rel.id, role="trial", rank=rel.rank)
        for s in _drawable(rel):
            key = _node_key(s)
            if key in entities:
                g.add_node(key, role="entity", kind=s.kind, label=s.label)
                g.add_edge(key, rel.id, weight=s.weight)
                g.add_edge(query, key, weight=0.0)
    return g, left_out


def _label_width(text: str) -> float:
    """Roughly how wide an entity label's box is, in layout units (figure inches / 4.2)."""
    return 0.0155 * len(text) + 0.03


def _spread(wanted: list[float], widths: list[float], radius: float) -> list[float]:
    """Angles (sorted, clockwise from the top) nudged apart, order kept, until neighbouring labels clear.

    Two labels on the ring clear each other when they are apart by their half widths side by side
    (near the top and bottom of the ring) or by a label's height one above the other (near its sides).
    """
    n = len(wanted)
    if n < 2:
        return list(wanted)

    def need(i: int, j: int, at: float) -> float:
        across = ((widths[i] + widths[j]) / 2 + 0.01) / (radius * abs(math.cos(at)) + 1e-6)
        above = (_LABEL_HEIGHT + 0.01) / (radius * abs(math.sin(at)) + 1e-6)
        return min(across, above)

    got = list(wanted)
    for _ in range(300):
        moved = False
        gaps = [need(i, (i + 1) % n, (got[i] + got[(i + 1) % n]) / 2) for i in range(n)]
        scale = min(1.0, 2 * math.pi / sum(gaps))
        for i in range(n):
            j = (i + 1) % n
            ahead = got[j] - got[i] if j else got[j] + 2 * math.pi - got[i]
            gap = gaps[i] * scale
            if ahead < gap - 1e-6:
                push = min((gap - ahead) / 2, 0.05)
                got[i] -= push
                got[j] += push
                moved = True
        if not moved:
            break
    return got


def _layout(g: nx.Graph, found: list[RelatedTrial], query: str) -> dict[str, tuple[float, float]]:
    """Query in the centre; trials on a ring, best at the top going clockwise; entities inside, near their trials.

    An entity sits at the weighted mean direction of the trials sharing it (entities shared by
    more than two trials on an inner ring), nudged sideways so that labels do not overlap.
    """
    pos: dict[str, tuple[float, float]] = {query: (0.0, 0.0)}
    clockwise: dict[str, float] = {}  # a trial's angle, clockwise from the top
    for i, rel in enumerate(found):
        clockwise[rel.id] = 2 * math.pi * i / max(len(found), 1)
        a = math.pi / 2 - clockwise[rel.id]
        pos[rel.id] = (_R_TRIALS * math.cos(a), _R_TRIALS * math.sin(a))

    def wanted(entity: str) -> float:
        trials = sorted(t for t in g[entity] if t in clockwise)
        x = sum(g[entity][t]["weight"] * math.sin(clockwise[t]) for t in trials)
        y = sum(g[entity][t]["weight"] * math.cos(clockwise[t]) for t in trials)
        return math.atan2(x, y) % (2 * math.pi) if (x or y) else 0.0

    entities = [n for n, d in g.nodes(data=True) if d["role"] == "entity"]
    rings: dict[float, list[str]] = {_R_INNER: [], _R_ENTITIES: []}
    for e in entities:
        many = sum(1 for t in g[e] if t in clockwise) > 2
        rings[_R_INNER if many else _R_ENTITIES].append(e)
    width = {e: _label_width(_short(g.nodes[e]["label"], _LABEL_CHARS)) for e in entities}
    for radius, members in rings.items():
        members.sort(key=lambda e: (wanted(e), g.nodes[e]["kind"], g.nodes[e]["label"]))
        angles = _spread([wanted(e) for e in members], [width[e] for e in members], radius)
        for e, angle in zip(members, angles, strict=True):
            pos[e] = (radius * math.sin(angle), radius * math.cos(angle))
    ordered = sorted(entities, key=lambda e: (g.nodes[e]["kind"], g.nodes[e]["label"]))
    placed = _declutter([pos[e] for e in ordered], [width[e] for e in ordered])
    pos.update(zip(ordered, placed, strict=True))
    return pos


def _declutter(points: list[tuple[float, float]], widths: list[float]) -> list[tuple[float, float]]:
    """Label boxes centred on `points` pushed apart (mostly up and down) until none overlap.

    The query's box in the centre does not move; labels stay between it and the trials' ring.
    """
    xy = [list(p) for p in points]
    fixed = [(0.0, 0.0, _QUERY_BOX[0], _QUERY_BOX[1])]
    for _ in range(400):
        moved = False
        boxes = [(x, y, w, _LABEL_HEIGHT) for (x, y), w in zip(xy, widths, strict=True)]
        for i, (xi, yi, wi, hi) in enumerate(boxes):
            for j, (xj, yj, wj, hj) in enumerate(boxes[i + 1 :] + fixed, i + 1):
                dx, dy = xj - xi, yj - yi
                over_x = (wi + wj) / 2 + 0.012 - abs(dx)
                over_y = (hi + hj) / 2 + 0.012 - abs(dy)
                if over_x <= 0 or over_y <= 0:
                    continue
                moved = True
                share = 1.0 if j >= len(boxes) else 0.5  # a fixed box does not move: the label moves it all
                if over_y <= over_x:
                    step = (over_y * share + 1e-3) * (1 if dy < 0 or (dy == 0 and yi >= 0) else -1)
                    xy[i][1] += step
                    if j < len(boxes):
                        xy[j][1] -= step
                else:
                    step = (over_x * share + 1e-3) * (1 if dx < 0 or (dx == 0 and xi >= 0) else -1)
                    xy[i][0] += step
                    if j < len(boxes):
                        xy[j][0] -= step
        for p in xy:  # stay inside the trials' ring
            r = math.hypot(*p)
            if r > _R_MAX:
                p[0], p[1] = p[0] * _R_MAX / r, p[1] * _R_MAX / r
        if not moved:
            break
    return [(x, y) for x, y in xy]


def _trial_label(rel: RelatedTrial) -> str:
    title = textwrap.fill(_short(rel.brief_title, 60), 30) if rel.brief_title else "(no title)"
    return f"#{rel.rank} {_trial_name(rel.id, rel.nct_id)}  ({rel.score:.3g})\n{title}"


def plot_related(
    store: ox.Store,
    trial_iri: str,
    out_path: Path | str,
    *,
    top: int = 10,
    scorer: str = DEFAULT_SCORER,
    entity_graph: EntityGraph | None = None,
) -> Path:
    """Draw `trial_iri`, its `top` related trials and what they share as a PNG at `out_path`."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure  # no pyplot: no global backend state
        from matplotlib.lines import Line2D
    except ImportError as exc:
        raise TrialkgError("drawing related trials needs matplotlib: pip install 'trialkg[plot]'") from exc

    eg = entity_graph or load_entity_graph(store)
    found = related(store, trial_iri, top=top, scorer=scorer, entity_graph=eg)
    info = eg.trials.get(trial_iri)
    query_name = _trial_name(trial_iri, info.nct_id if info else None)
    query_title = info.brief_title if info else None

    fig = Figure(figsize=(15, 13.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.90))
    ax.set_axis_off()
    ax.set_xlim(-1.75, 1.75)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    fig.text(0.5, 0.975, f"Trials related to {query_name}  ·  scorer: {scorer}  ·  top {top}",
             ha="center", va="top", fontsize=17, weight="bold")  # fmt: skip
    fig.text(0.5, 0.945, _short(query_title, 130) or "(no title)", ha="center", va="top", fontsize=12, style="italic")

    query_box: dict[str, Any] = {"boxstyle": "round,pad=0.5", "fc": _QUERY_COLOUR, "ec": "none"}
    query_text = f"{query_name}\n" + textwrap.fill(_short(query_title, 56), 22) if query_title else query_name
    if not found:
        ax.text(0, 0.15, query_text, ha="center", va="center", fontsize=12, color="white", bbox=query_box)
        ax.text(0, -0.25, f"No related trials found\n(no other trial in this graph shares anything with {query_name})",
                ha="center", va="center", fontsize=14, color="#444444")  # fmt: skip
        return _save(fig, out_path)

    g, left_out = related_graph(found, trial_iri)
    pos = _layout(g, found, trial_iri)
    kinds = sorted({d["kind"] for _, d in g.nodes(data=True) if d["role"] == "entity"})
    ent_edges = [(u, v) for u, v, w in g.edges(data="weight") if w]
    widths = [0.6 + 9.0 * g.edges[e]["weight"] / max(g.edges[x]["weight"] for x in ent_edges) for e in ent_edges]
    nx.draw_networkx_edges(g, pos, ax=ax, edgelist=[e for e in g.edges if e not in set(ent_edges)],
                           width=0.6, style="dotted", edge_color="#9a9a9a")  # fmt: skip
    nx.draw_networkx_edges(g, pos, ax=ax, edgelist=ent_edges, width=widths, edge_color="#5a6f8f", alpha=0.55)

    for rel in found:  # the trials: numbered discs on the ring, labels outside it
        x, y = pos[rel.id]
        ax.scatter([x], [y], s=380, c=_TRIAL_COLOUR, edgecolors="white", linewidths=1.5, zorder=3)
        ax.text(x, y, str(rel.rank), ha="center", va="center", fontsize=10, color="white", weight="bold", zorder=4)
        lx, ly = x * 1.09, y * 1.09
        ha = "center" if abs(x) < 0.3 else ("left" if x > 0 else "right")
        va = "bottom" if y > 0.85 else ("top" if y < -0.85 else "center")
        ax.text(lx, ly, _trial_label(rel), ha=ha, va=va, fontsize=9.5, linespacing=1.15, zorder=5,
                bbox={"boxstyle": "round,pad=0.3", "fc": "#eef2fa", "ec": _TRIAL_COLOUR, "lw": 0.8})  # fmt: skip

    for node, data in g.nodes(data=True):  # the shared entities: labelled boxes coloured by kind
        if data["role"] != "entity":
            continue
        x, y = pos[node]
        ax.text(x, y, _short(data["label"], _LABEL_CHARS), ha="center", va="center", fontsize=8.5, zorder=6,
                bbox={"boxstyle": "round,pad=0.25", "fc": _kind_colour(data["kind"], kinds), "ec": "#555555",
                      "lw": 0.5, "alpha": 0.95})  # fmt: skip

    ax.text(0, 0, query_text, ha="center", va="center", fontsize=10, color="white", weight="bold", zorder=7,
            bbox=query_box)  # fmt: skip

    handles = [Line2D([], [], marker="s", linestyle="", markersize=11, markerfacecolor=_kind_colour(k, kinds),
                      markeredgecolor="#555555", label=k.replace("_", " ")) for k in kinds]  # fmt: skip
    handles.append(Line2D([], [], color="#5a6f8f", lw=4, alpha=0.55, label="edge width: weight in score"))
    ax.legend(handles=handles, loc="lower left", fontsize=9.5, title="shared entity kind", title_fontsize=10,
              frameon=True, framealpha=0.9)  # fmt: skip
    note = f"Up to {PER_TRIAL} heaviest shared entities per trial drawn"
    if left_out:
        note += f"; {left_out} more shared entities not drawn"
    note += ".\nDesign agreement (phase, study type, age band) counts in scores but is not drawn."
    ax.text(1.72, -1.43, note, ha="right", va="bottom", fontsize=8.5, color="#555555")
    return _save(fig, out_path)


def _save(fig: Any, out_path: Path | str) -> Path:
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png", metadata={"Software": None})
    return out
