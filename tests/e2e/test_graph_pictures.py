"""The graph pictures in Chromium: every node of the profile's slice is a link to its page, and
hovering or focusing it highlights its edges; hidden labels show on hover; the explorer's
picture keeps its square whatever the details column beside it holds."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from graph.compute import graph_slice_compute
from graph.services import graph_slice_request
from tests.conftest import SEED
from tests.e2e.conftest import new_page, page_problems, settle, watch
from works.importers.seed import seed_profile_import
from works.topics_derived import derive_topics

pytestmark = pytest.mark.e2e


@pytest.fixture
def seed_with_slice(transactional_db):
    researcher = seed_profile_import(path=SEED).researcher
    derive_topics()
    researcher.refresh_from_db()
    graph_slice_request(researcher=researcher)
    graph_slice_compute(researcher_id=researcher.pk, data_version=researcher.data_version)
    return researcher


def active_edges(page) -> list[tuple[str, str]]:
    return page.eval_on_selector_all(
        "#graph-slice .edge.edge-active",
        "edges => edges.map(e => [e.dataset.source, e.dataset.target])",
    )


def test_slice_nodes_link_to_their_pages_and_highlight_their_edges(
    seed_with_slice, live_server, browser
):
    page = new_page(browser)
    seen = watch(page)
    page.goto(f"{live_server.url}/researchers/jiashi-feng/")
    page.wait_for_selector('#graph-slice[data-state="ready"]')
    settle(page)
    nodes = page.locator("#graph-slice svg .node")
    assert nodes.count() > 5
    assert page.locator("#graph-slice svg a.node[href]").count() == nodes.count()

    topic = page.locator("#graph-slice svg a.node-topic").first
    topic_id = topic.get_attribute("data-node")
    assert topic.get_attribute("href").startswith("/topics/")
    topic.hover()
    edges = active_edges(page)
    assert edges and all(topic_id in pair for pair in edges)
    assert page.locator("#graph-slice svg.graph.has-active").count() == 1

    # The keyboard does the same: Tab reaches a node, focus highlights it.
    centre = page.locator("#graph-slice svg a.node-center")
    centre.focus()
    centre_id = centre.get_attribute("data-node")
    edges = active_edges(page)
    assert edges and all(centre_id in pair for pair in edges)

    page.evaluate("document.activeElement.blur()")
    page.mouse.move(1, 1)
    hidden = page.locator("#graph-slice svg a.node:has(text.label-hidden)")
    if hidden.count():
        label = hidden.first.locator("text")
        expect(label).to_be_hidden()
        hidden.first.hover()
        expect(label).to_be_visible()

    topic.click()
    page.wait_for_url("**/topics/*/")
    assert seen.take() == []
    page.context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_explorer_picture_stays_square_beside_long_details(
    seed_with_slice, live_server, browser, width
):
    page = new_page(browser, width=width)
    seen = watch(page)
    centre = f"person:{seed_with_slice.pk}"
    page.goto(f"{live_server.url}/researchers/jiashi-feng/explorer/?selected={centre}")
    settle(page)
    sizes = page.evaluate(
        """() => {
          const canvas = document.getElementById("explorer-canvas").getBoundingClientRect();
          const svg = document.querySelector("#explorer-canvas svg").getBoundingClientRect();
          const details = document.getElementById("explorer-details").getBoundingClientRect();
          return [canvas.height, svg.height, svg.width, details.height];
        }"""
    )
    canvas, svg, svg_width, _details = sizes
    assert abs(svg - svg_width) < 2  # square
    assert canvas - svg < 8, sizes  # the frame hugs the picture: no empty lower half
    assert page_problems(page) == []
    assert seen.take() == []
    page.context.close()
