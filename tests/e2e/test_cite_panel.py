"""The work page's cite panel in a real browser: it is formatted once scrolled into view, "Copy
BibTeX" puts the entry on the clipboard, and the page's JSON-LD block raises no CSP violation."""

from __future__ import annotations

import bibtexparser
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOT_DIR, new_page, watch
from tests.factories import AuthorshipFactory, ResearcherFactory, WorkFactory

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", [1280, 375])
def test_copy_bibtex_puts_the_entry_on_the_clipboard(transactional_db, live_server, browser, width):
    work = WorkFactory(title="Über {braces} & 50% of $x_1$", publication_year=2021, doi="10.1/x")
    AuthorshipFactory(work=work, researcher=ResearcherFactory(display_name="Søren Kierkegaard"))
    page = new_page(browser, width=width)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    seen = watch(page)
    page.goto(f"{live_server.url}{work.get_absolute_url()}")
    # The page carries its JSON-LD, which the CSP (script-src 'self') lets be: it is data.
    assert page.locator('script[type="application/ld+json"]').count() == 1

    # The panel is formatted when it is scrolled into view (htmx, "revealed").
    page.evaluate("document.getElementById('cite').scrollIntoView()")
    page.get_by_role("button", name="Copy BibTeX").click()
    expect(page.locator("[data-copy-status]")).to_have_text("Copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    (entry,) = bibtexparser.parse_string(copied).entries
    assert entry.key == f"kierkegaard2021uber-{work.pk}"
    assert entry["author"] == "Kierkegaard, S{\\o}ren"
    assert entry["doi"] == "10.1/x"
    assert copied == page.locator("pre.bibtex").inner_text()
    (SCREENSHOT_DIR / str(width)).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / str(width) / "work-cite-panel-loaded.png", full_page=True)
    assert seen.take() == []
    page.context.close()
