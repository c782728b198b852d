"""Build the real registry records in shared/ctgov and measure speed, fidelity and MeSH coverage.

    python benchmarks/ctgov_corpus.py [CTGOV_DIR] [--sample 200] [--seed 7]

Prints:
- build throughput (documents, trials, triples, seconds, trials/s, triples/s, peak RSS);
- rejected files, each with its message;
- field agreement of `show` (read back from the graph) with the raw API v2 JSON, on a random
  sample of studies, field by field, with the raw JSON read here independently of the parser;
- MeSH coverage: among studies whose registry record has condition MeSH terms, the share whose
  conditions (the condition statement nodes) carry a MeSH link, and the pairing methods used.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from trialkg.pipeline import build
from trialkg.rdf.readback import read_trial, resolve_trial
from trialkg.store.oxigraph import open_graph

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "ctgov"


def raw_studies(root: Path) -> dict[str, dict[str, Any]]:
    """Every API v2 study object under `root`, by NCT id (read with the standard json module)."""
    studies: dict[str, dict[str, Any]] = {}
    for path in sorted(root.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        items = data if isinstance(data, list) else data.get("studies", [data]) if isinstance(data, dict) else []
        for item in items:
            if isinstance(item, dict) and "protocolSection" in item:
                nct = item["protocolSection"].get("identificationModule", {}).get("nctId")
                if nct:
                    studies.setdefault(nct, item)
    return studies


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def expected_fields(study: dict[str, Any]) -> dict[str, Any]:
    """What `show` should say, taken straight from the raw JSON."""
    p = study["protocolSection"]
    design = p.get("designModule", {})
    elig = p.get("eligibilityModule", {})
    return {
        "nct_id": _get(p, "identificationModule", "nctId"),
        "org_study_id": _get(p, "identificationModule", "orgStudyIdInfo", "id"),
        "brief_title": _get(p, "identificationModule", "briefTitle"),
        "official_title": _get(p, "identificationModule", "officialTitle"),
        "acronym": _get(p, "identificationModule", "acronym"),
        "overall_status": _get(p, "statusModule", "overallStatus"),
        "start_date": _get(p, "statusModule", "startDateStruct", "date"),
        "completion_date": _get(p, "statusModule", "completionDateStruct", "date"),
        "first_posted": _get(p, "statusModule", "studyFirstPostDateStruct", "date"),
        "last_update_posted": _get(p, "statusModule", "lastUpdatePostDateStruct", "date"),
        "phases": design.get("phases", []),
        "study_type": design.get("studyType"),
        "enrollment": _get(design, "enrollmentInfo", "count"),
        "allocation": _get(design, "designInfo", "allocation"),
        "intervention_model": _get(design, "designInfo", "interventionModel"),
        "primary_purpose": _get(design, "designInfo", "primaryPurpose"),
        "masking": _get(design, "designInfo", "maskingInfo", "masking"),
        "lead_sponsor": _get(p, "sponsorCollaboratorsModule", "leadSponsor", "name"),
        "collaborators": sorted(c.get("name") for c in _get(p, "sponsorCollaboratorsModule", "collaborators") or []),
        "conditions": _get(p, "conditionsModule", "conditions") or [],
        "keywords": sorted(_get(p, "conditionsModule", "keywords") or []),
        "interventions": [(i.get("type"), i.get("name")) for i in _get(p, "armsInterventionsModule", "interventions") or []],
        "arms": [(a.get("label"), a.get("description")) for a in _get(p, "armsInterventionsModule", "armGroups") or []],
        "min_age": elig.get("minimumAge"),
        "max_age": elig.get("maximumAge"),
        "sex": elig.get("sex"),
        "healthy_volunteers": elig.get("healthyVolunteers"),
        "primary_outcomes": [(o.get("measure"), o.get("timeFrame")) for o in _get(p, "outcomesModule", "primaryOutcomes") or []],
        "secondary_outcomes": [(o.get("measure"), o.get("timeFrame")) for o in _get(p, "outcomesModule", "secondaryOutcomes") or []],
        "locations": [(loc.get("facility"), loc.get("city"), loc.get("state"), loc.get("country"))
                      for loc in _get(p, "contactsLocationsModule", "locations") or []],
        "references": [(r.get("pmid"), r.get("citation")) for r in _get(p, "referencesModule", "references") or []],
    }  # fmt: skip


def shown_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The same fields from `show`'s record."""
    return {
        **{k: record[k] for k in ("nct_id", "org_study_id", "brief_title", "official_title", "acronym",
                                  "overall_status", "start_date", "completion_date", "first_posted",
                                  "last_update_posted", "phases", "study_type", "enrollment", "allocation",
                                  "intervention_model", "primary_purpose", "masking", "lead_sponsor",
                                  "conditions", "min_age", "max_age", "sex", "healthy_volunteers")},
        "collaborators": sorted(record["collaborators"]),
        "keywords": sorted(record["keywords"]),
        "interventions": [(i["type"], i["name"]) for i in record["interventions"]],
        "arms": [(a["label"], a["description"]) for a in record["arms"]],
        "primary_outcomes": [(o["measure"], o["time_frame"]) for o in record["primary_outcomes"]],
        "secondary_outcomes": [(o["measure"], o["time_frame"]) for o in record["secondary_outcomes"]],
        "locations": [(x["facility"], x["city"], x["state"], x["country"]) for x in record["locations"]],
        "references": [(r["pmid"], r["citation"]) for r in record["references"]],
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ctgov", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for the build")
    args = parser.parse_args()
    if not args.ctgov.is_dir():
        print(f"no corpus at {args.ctgov}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        started = time.perf_counter()
        report = build([str(args.ctgov)], out, formats=("nq",), jobs=args.jobs)
        seconds = time.perf_counter() - started
        triples = sum(d.triples for d in report.documents)
        peak_mb = (
            max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
        )
        print(f"== build (parse + map + SHACL per trial + N-Quads export), {args.jobs} worker process(es)")
        print(f"documents {len(report.documents)}  trials {report.trial_count}  triples {triples}")
        print(f"seconds {seconds:.1f}  trials/s {report.trial_count / seconds:.0f}  "
              f"triples/s {triples / seconds:.0f}  peak RSS (largest process) {peak_mb:.0f} MB")  # fmt: skip
        print(report.summary())
        print(f"merged trials (read from several files): {len(report.conflicts)}, "
              f"with conflicting values: {sum(1 for c in report.conflicts if c['conflicts'])}")  # fmt: skip
        print(f"== rejected: {len(report.failed)} documents")
        for doc in report.failed:
            for problem in [doc.error] if doc.error else doc.record_errors:
                print(f"  {problem[:200]}")

        store = open_graph(out)
        studies = raw_studies(args.ctgov)
        sample = sorted(random.Random(args.seed).sample(sorted(studies), min(args.sample, len(studies))))
        agree, total, misses = 0, 0, Counter()
        examples: dict[str, str] = {}
        for nct in sample:
            record = read_trial(store, resolve_trial(store, nct))
            if record["provenance"]["preferred_source"] is None:
                continue
            expected, shown = expected_fields(studies[nct]), shown_fields(record)
            for key, value in expected.items():
                total += 1
                if value in (None, []) and shown[key] in (None, []) or value == shown[key]:
                    agree += 1
                else:
                    misses[key] += 1
                    examples.setdefault(key, f"{nct}: json={value!r:.120} shown={shown[key]!r:.120}")
        print(f"== show vs raw JSON on {len(sample)} sampled studies: {agree}/{total} fields agree "
              f"({100 * agree / max(total, 1):.2f}%)")  # fmt: skip
        for key, n in misses.most_common():
            print(f"  {key}: {n} differ, e.g. {examples[key]}")

        with_mesh = [n for n, s in studies.items() if _get(s, "derivedSection", "conditionBrowseModule", "meshes")]
        linked, methods = 0, Counter()
        query = """PREFIX trialkg: <https://w3id.org/trialkg/ontology#>
                   SELECT ?nct ?method WHERE { ?t trialkg:nctId ?nct ; trialkg:conditionStatement ?c .
                                          ?c trialkg:meshDescriptor ?d ; trialkg:meshMatchMethod ?method }"""
        for nct in with_mesh:
            rows = list(store.query(query, substitutions={ox.Variable("nct"): ox.Literal(nct)}))
            if rows:
                linked += 1
            methods.update(r["method"].value for r in rows)
        print(f"== MeSH: {linked}/{len(with_mesh)} studies with registry condition MeSH terms have a MeSH link "
              f"on their conditions ({100 * linked / max(len(with_mesh), 1):.1f}%)")  # fmt: skip
        print("  pairings by method: " + ", ".join(f"{m} {n}" for m, n in methods.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
