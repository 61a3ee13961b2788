"""The full research-graph explorer in a real browser: select, expand, recentre, filter, pan,
mostly with the keyboard, and all swapped in place by htmx (no page reload)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import (
    AuthorshipFactory,
    ResearcherFactory,
    TopicFactory,
    WorkFactory,
    WorkTopicFactory,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def corpus(transactional_db):
    me = ResearcherFactory(display_name="Ada Centre", slug="ada-centre")
    bo = ResearcherFactory(display_name="Bo Partner")
    far = ResearcherFactory(display_name="Far Away")
    topic = TopicFactory(display_name="Graph theory")
    for i in range(3):
        work = WorkFactory(title=f"Shared paper {i}")
        AuthorshipFactory(work=work, researcher=me, position=0)
        AuthorshipFactory(work=work, researcher=bo, position=1)
        WorkTopicFactory(work=work, topic=topic)
    # Far Away wrote with Bo only: reachable by expanding Bo.
    solo = WorkFactory(title="Bo and Far")
    AuthorshipFactory(work=solo, researcher=bo, position=0)
    AuthorshipFactory(work=solo, researcher=far, position=1)
    return {"me": me, "bo": bo, "far": far}


def test_expand_recentre_filter_and_pan(live_server, page, corpus):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    documents: list[str] = []
    page.on("request", lambda r: documents.append(r.url) if r.resource_type == "document" else None)

    page.goto(f"{live_server.url}/researchers/ada-centre/")
    page.get_by_role("link", name="Open full explorer").click()
    expect(page.locator("#explorer-status")).to_contain_text("Centred on Ada Centre")
    page.wait_for_load_state("load")  # htmx has processed the page (before, links just navigate)
    assert len(documents) == 2  # the profile, then the explorer; from here on htmx swaps
    bo = f"#n-person-{corpus['bo'].pk}"
    expect(page.locator(bo)).to_be_visible()
    expect(page.locator("#explorer-canvas")).not_to_contain_text("Far Away")

    # Select Bo with the keyboard: focus the node, press Enter.
    page.locator(bo).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#details-heading")).to_have_text("Bo Partner")

    # Expand Bo's neighbourhood (keyboard again): Far Away joins the picture.
    page.locator("#action-expand").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#explorer-canvas")).to_contain_text("Far Away")
    expect(page.locator("#action-expand")).to_have_text("Collapse neighbourhood")

    # Recentre on Bo (mouse).
    page.locator("#action-recentre").click()
    expect(page.locator("#explorer-status")).to_contain_text("Centred on Bo Partner")
    expect(page.locator(bo)).to_have_class(lambda_has("node-center"))
    assert f"focus=person%3A{corpus['bo'].pk}" in page.url  # the state is a link

    # Filter papers out with Space on the toggle; the centre stays.
    papers = page.locator("#explorer-canvas .node-paper")
    assert papers.count() > 0
    page.locator("#filter-paper").focus()
    page.keyboard.press("Space")
    expect(page.locator("#filter-paper")).to_have_attribute("aria-pressed", "false")
    expect(papers).to_have_count(0)
    expect(page.locator(bo)).to_be_visible()

    # Pan and zoom with the keyboard on the picture: the viewBox moves.
    svg = page.locator("svg.explorer-graph")
    before = svg.get_attribute("viewBox")
    page.locator("#explorer-canvas").focus()
    page.keyboard.press("+")
    expect(svg).not_to_have_attribute("viewBox", before or "")
    zoomed = svg.get_attribute("viewBox")
    page.locator("#explorer-canvas").focus()
    page.keyboard.press("ArrowRight")
    expect(svg).not_to_have_attribute("viewBox", zoomed or "")

    # Search and add: Ada comes back via the search box.
    page.locator("#explorer-q").fill("Ada Centre")
    page.keyboard.press("Enter")
    # Ada is on the graph already: the result offers to select her, not to add her again.
    page.get_by_role("link", name="Select it").first.click()
    expect(page.locator("#details-heading")).to_have_text("Ada Centre")

    assert len(documents) == 2, documents  # no page was reloaded
    assert errors == []


def lambda_has(css_class: str):
    import re

    return re.compile(rf"(^|\s){css_class}(\s|$)")
