"""Draws docs/architecture.png: the rooms of graph/trialkg/ in pipeline order, and what flows between them.

    python docs/architecture_diagram.py [OUT.png]

The rooms and their ranks are the ones tests/test_architecture.py holds the imports to.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

#: (room, modules, x, y) on a 16 x 9 canvas; the per-document stages run left to right along the top.
ROOMS = [
    (
        "parsers/",
        "registry · keyvalue · registry_page\ncompass · medpath · ctgov_json · ctgov_xml\ntext · criteria_text · common",
        0.3,
        4.4,
    ),
    (
        "normalize/",
        "enrich · mentions · linking · lexicon\ncriteria · mesh_pairing · dosage · orgs\nmesh_file · make_lexicon · text",
        4.3,
        4.4,
    ),
    ("rdf/", "mapping · record · readback · merge\niri · fields · vocab · terms · queries\ngen · diagram", 8.3, 4.4),
    ("validate/", "compiled · pyshacl_engine\nreport · results", 12.3, 4.4),
    ("store/", "oxigraph · export (sinks) · counts\nsparql · load · server · endpoint", 12.3, 1.2),
    ("apps/", "related · match · plot", 8.3, 1.2),
    ("api.py · cli/", "trialkg.build · trialkg.open\nthe trialkg command (click)", 4.3, 1.2),
    ("core", "model (Trial) · errors\nids (NCT, MeSH, prefixes)\nresources (ontology, shapes, queries)", 0.3, 1.2),
]
W, H = 3.4, 2.2
FLOWS = [
    ("parsers/", "normalize/", "Trial"),
    ("normalize/", "rdf/", "EnrichedTrial"),
    ("rdf/", "validate/", "triples"),
    ("validate/", "store/", "triples + results"),
    ("store/", "apps/", "SPARQL rows"),
    ("apps/", "api.py · cli/", "rankings, verdicts"),
]


def centre(name: str) -> tuple[float, float]:
    for room, _mods, x, y in ROOMS:
        if room == name:
            return x + W / 2, y + H / 2
    raise KeyError(name)


def draw(out: Path) -> None:
    fig, ax = plt.subplots(figsize=(16, 9))
    ax.set_xlim(0, 16)
    ax.set_ylim(0, 9)
    ax.axis("off")
    ax.text(8, 8.6, "trialkg: one room per pipeline stage; imports only go down the pipeline", ha="center",
            fontsize=16, weight="bold")  # fmt: skip
    ax.add_patch(FancyBboxPatch((0.3, 7.1), 15.4, 0.75, boxstyle="round,pad=0.05", fc="#e3f1e0", ec="#2e6b34", lw=1.5))
    ax.text(8, 7.47, "pipeline.py: each document through parsers → normalize → rdf → validate → store, in worker "
            "processes;\nmulti-source trials merged into one; exports joined in input order", ha="center", va="center",
            fontsize=11.5)  # fmt: skip
    ax.add_patch(FancyArrowPatch((8, 7.05), (8, 6.7), arrowstyle="-|>", mutation_scale=16, lw=1.5, color="#2e6b34"))
    for room, mods, x, y in ROOMS:
        colour = "#eeeeee" if room == "core" else "#dbe8f7" if y > 4 else "#f4e7d3"
        ax.add_patch(FancyBboxPatch((x, y), W, H, boxstyle="round,pad=0.05", fc=colour, ec="#1f3b73", lw=1.5))
        ax.text(x + W / 2, y + H - 0.35, room, ha="center", va="center", fontsize=13, weight="bold")
        ax.text(x + W / 2, y + H / 2 - 0.25, mods, ha="center", va="center", fontsize=8.5, linespacing=1.5)
    for a, b, label in FLOWS:
        (x1, y1), (x2, y2) = centre(a), centre(b)
        if y1 == y2:
            step = W / 2 + 0.08 if x2 > x1 else -(W / 2 + 0.08)
            start, end = (x1 + step, y1), (x2 - step, y2)
        else:
            start, end = (x1, y1 - H / 2 - 0.08), (x2, y2 + H / 2 + 0.08)
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=18, lw=1.8, color="#1f3b73"))
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.18, label, ha="center", fontsize=9.5,
                style="italic", color="#1f3b73", bbox={"fc": "white", "ec": "none", "pad": 1})  # fmt: skip
    ax.text(8, 0.45, "A room imports its own modules and the rooms before it on this path (core first), never one after it; "
            "apps read the built store;\napi.py and cli/ are the entrances, and cli/ is the only code that imports "
            "click. tests/test_architecture.py holds this.", ha="center", fontsize=10, color="#444444")  # fmt: skip
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)


if __name__ == "__main__":
    draw(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("architecture.png"))
