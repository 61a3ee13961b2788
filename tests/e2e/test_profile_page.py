"""The seed profile in a real browser: the graph slice arrives without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import SEED
from works.importers.seed import seed_profile_import

pytestmark = [pytest.mark.e2e, pytest.mark.worker]


def test_the_graph_slice_replaces_its_placeholder_and_abstracts_expand(
    transactional_db, live_server, celery_worker_process, page
):
    seed_profile_import(path=SEED)
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    response = page.goto(f"{live_server.url}/researchers/jiashi-feng/")
    # The page itself arrives with the placeholder (htmx may already have swapped the slice in
    # by the time the load event fires: the worker can be that quick).
    assert response is not None
    html = response.text()
    assert 'data-state="pending"' in html and "Building this graph slice" in html

    # The worker builds the slice; htmx polls and swaps it in, in place.
    page.wait_for_selector('#graph-slice[data-state="ready"]', timeout=30_000)
    assert page.locator("#graph-slice svg.graph").is_visible()
    assert len(navigations) == 1  # no reload happened
    # Once ready, the fragment no longer polls.
    assert page.locator("#graph-slice").get_attribute("hx-trigger") is None

    abstract = page.locator("details.abstract").first
    full_text = abstract.locator("p")
    assert not full_text.is_visible()
    abstract.locator("summary").click()
    assert full_text.is_visible()
    assert "Contrastive Masked Autoencoder (CMAE)" in full_text.inner_text()

    page.get_by_role("link", name="Show more").click()
    expect(page.locator(".work-title")).to_have_count(40)
    assert len(navigations) == 1
    assert not console_errors, console_errors
