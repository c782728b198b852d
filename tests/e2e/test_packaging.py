"""The wheel ships what an installed trialkg needs: ontology, context, shapes, queries, samples, lexicons."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from testdata import ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    (path,) = out.glob("trialkg-*.whl")
    return path


def test_wheel_contains_data_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "trialkg/ontology/trialkg.ttl",
        "trialkg/ontology/context.jsonld",
        "trialkg/shapes/trialkg.shacl.ttl",
        "trialkg/queries/trial_statements.rq",
        "trialkg/samples/000_fa062e4057a13488.txt",
        "trialkg/py.typed",
        "trialkg/data/mesh_lexicon.tsv",
        "trialkg/data/synonyms.tsv",
        "trialkg/data/xrefs.tsv",
        "trialkg/data/organizations.tsv",
    ):
        assert required in names, required
    package = ROOT / "graph" / "trialkg"
    modules = {f"trialkg/{p.relative_to(package).as_posix()}" for p in package.rglob("*.py")}
    assert len(modules) > 40 and not modules - names, sorted(modules - names)  # every room's modules ship
    assert len([n for n in names if n.startswith("trialkg/samples/") and n.endswith(".txt")]) == 5
