"""The query page of `trialkg serve` in a real headless Chromium (Debian's `chromium`, driven by Playwright).

The page is the YASGUI page the oxigraph server ships (bundled, no CDN), served through the proxy.
The test types a query into the editor, runs it and reads the result table; it also records every
request the page makes, so a page that reaches for another host fails here. `.ci/run` installs
chromium with apt-get when it is missing; outside CI the test skips without it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.parse
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
QUERY = """PREFIX trialkg: <https://w3id.org/trialkg/ontology#>
SELECT ?id ?title WHERE { ?t trialkg:nctId ?id ; trialkg:briefTitle ?title } ORDER BY ?id"""

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser_page():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it with apt-get)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with tempfile.TemporaryDirectory(prefix="trialkg-chromium-") as profile, playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 800},
        )  # fmt: skip
        try:
            yield context.new_page()
        finally:
            context.close()


def test_the_query_page_runs_a_typed_query_and_shows_the_table(
    served, browser_page, sample_build: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from trialkg.rdf.readback import list_trials
    from trialkg.store.oxigraph import open_graph

    page = browser_page
    root = served.url.removesuffix("query")
    origin = urllib.parse.urlsplit(root)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(root)
    assert page.title() == "trialkg SPARQL endpoint (read-only)"
    editor = page.locator(".yasqe .CodeMirror")
    editor.wait_for()
    # Type the query as a person would: select what the editor holds, then type over it.
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(QUERY.replace("\n", " "))
    page.click(".yasqe_queryButton")
    page.locator(".yasr table tbody tr").first.wait_for(timeout=30_000)
    rows = [
        [cell.strip() for cell in row.split("\t") if cell.strip()]
        for row in page.locator(".yasr table tbody tr").all_inner_texts()
    ]
    shot = tmp_path_factory.mktemp("query-page") / "query-page.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    expected = sorted((t["nct_id"], t["brief_title"]) for t in list_trials(open_graph(sample_build)) if t["nct_id"])
    # Each row: the row number, then ?id and ?title as the table shows them.
    assert [(r[1], r[2]) for r in rows] == expected
    hosts = {urllib.parse.urlsplit(u).netloc for u in requested if u.startswith("http")}
    assert hosts == {origin.netloc}, f"the page reached other hosts: {hosts - {origin.netloc}}"
