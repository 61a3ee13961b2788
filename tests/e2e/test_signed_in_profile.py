"""The signed-in profile spliced from the stored anonymous page (profiles/viewer_page.py), in a
browser: the viewer's parts are theirs, and the follow button posts with the page's token."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOT_DIR, new_page, page_problems, watch
from tests.factories import AuthorshipFactory, ResearcherFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def ada(transactional_db):
    ada = ResearcherFactory(display_name="Ada Feng", slug="ada-feng", openalex_id="A1")
    for i in range(3):
        AuthorshipFactory(work=WorkFactory(title=f"Engines, part {i}"), researcher=ada, position=0)
    return ada


@pytest.mark.parametrize("width", [1280, 375])
def test_a_signed_in_viewer_follows_from_the_page_spliced_from_the_stored_one(
    ada, live_server, browser, width
):
    url = f"{live_server.url}/researchers/ada-feng/"
    anonymous = new_page(browser, width=width)
    anonymous.goto(url)  # stores the anonymous page whole
    expect(anonymous.locator("#follow-actions")).to_contain_text("Log in to follow")
    anonymous.context.close()
    page = new_page(browser, width=width, user=UserFactory(username="reader"), base_url=url)
    seen = watch(page)
    page.goto(url)
    page.wait_for_load_state("load")  # (no worker here: the graph slice stays pending)
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("reader")
    (SCREENSHOT_DIR / str(width)).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / str(width) / "profile-signed-in.png", full_page=True)
    page.locator("#follow-actions button").click()
    expect(page.locator("#follow-actions button")).to_have_text("Following — unfollow 1")
    expect(page.locator("#followers-count")).to_have_text("1")
    assert seen.take() == [] and page_problems(page) == []
    page.context.close()
