"""What only a browser shows: Back after htmx swaps, the search box after Back, inline styles
under the CSP during swaps, the destructive button style, the owner's affiliation search."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from claims.services.claims import claim_approve, claim_open
from tests.e2e.conftest import new_page, settle, watch
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    UserFactory,
    WorkFactory,
)

pytestmark = pytest.mark.e2e


def verified(username: str, **extra):
    user = UserFactory(username=username, **extra)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def pair(transactional_db):
    ada = ResearcherFactory(display_name="Ada Feng", slug="ada-feng", openalex_id="A1")
    bo = ResearcherFactory(display_name="Bo Wang", slug="bo-wang")
    for i in range(3):
        work = WorkFactory(title=f"Engines, part {i}")
        AuthorshipFactory(work=work, researcher=ada, position=0)
        AuthorshipFactory(work=work, researcher=bo, position=1)
    return ada, bo


def test_back_after_following_shows_the_follow_not_the_page_before_it(pair, live_server, browser):
    page = new_page(browser, user=verified("reader"), base_url=live_server.url)
    seen = watch(page)
    # A first page sets the CSRF cookie, so the browser's cached copy of the profile (Vary:
    # Cookie) would match the request that Back makes.
    page.goto(f"{live_server.url}/")
    page.goto(f"{live_server.url}/researchers/ada-feng/")
    page.wait_for_load_state("load")  # (no worker here: the graph slice stays pending)
    page.locator("#follow-actions button").click()
    expect(page.locator("#follow-actions button")).to_have_text("Following — unfollow 1")
    page.get_by_role("link", name="Open full explorer").click()
    expect(page.locator("#explorer-status")).to_contain_text("Centred on Ada Feng")
    page.go_back()
    expect(page.locator("#follow-actions button")).to_have_text("Following — unfollow 1")
    expect(page.locator("#followers-count")).to_have_text("1")
    assert seen.take() == []
    page.context.close()


def test_back_after_a_search_puts_the_query_back_in_the_box(pair, live_server, browser):
    page = new_page(browser)
    seen = watch(page)
    page.goto(f"{live_server.url}/")
    settle(page)
    page.fill("#id_q", "Feng")
    expect(page.locator("#search-results")).to_contain_text("Ada Feng")
    page.wait_for_url("**/?q=Feng")
    page.fill("#id_q", "Wang")
    expect(page.locator("#search-results")).to_contain_text("Bo Wang")
    page.wait_for_url("**/?q=Wang")
    page.go_back()
    page.wait_for_url("**/?q=Feng")
    expect(page.locator("#id_q")).to_have_value("Feng")
    expect(page.locator("#search-results")).to_contain_text("Ada Feng")
    expect(page.locator("#search-results")).not_to_contain_text("Bo Wang")
    assert seen.take() == []
    page.context.close()


def test_swaps_never_apply_an_inline_style_under_the_csp(pair, live_server, browser):
    page = new_page(browser)
    seen = watch(page)
    page.goto(f"{live_server.url}/researchers/ada-feng/explorer/")
    settle(page)
    # Styles set through the CSSOM are allowed by the CSP (scripts, extensions and test tools
    # set them); htmx copying such a `style` attribute while settling a swap is not.
    page.evaluate("document.getElementById('explorer').style.minHeight = '1px'")
    svg = page.locator("svg.explorer-graph")
    before = svg.get_attribute("viewBox")
    page.locator("#zoom-in").click()
    expect(svg).not_to_have_attribute("viewBox", before or "")
    page.locator("#pan-left").click()
    settle(page)
    page.go_back()
    expect(svg).not_to_have_attribute("viewBox", before or "")
    settle(page)
    assert seen.take() == []
    page.context.close()


def test_destructive_buttons_do_not_look_like_primary_ones(pair, live_server, browser):
    ada, _ = pair
    claim = claim_open(user=verified("claimant"), researcher_id=ada.pk, claimant_name="Ada Feng")
    page = new_page(browser, user=verified("moderator", is_staff=True), base_url=live_server.url)
    page.goto(f"{live_server.url}/moderation/claims/{claim.pk}/")

    def look(name: str) -> tuple[str, str]:
        button = page.get_by_role("button", name=name, exact=True)
        return button.evaluate(
            "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]"
        )

    approve, reject = look("Approve"), look("Reject")
    assert reject != approve
    assert reject[1] == "rgb(179, 38, 30)"  # the danger colour, on a light background
    assert approve[0] != reject[0]
    page.context.close()


def test_the_owner_finds_an_institution_as_they_type_and_saves_it(pair, live_server, browser):
    ada, _ = pair
    owner = verified("owner")
    moderator = verified("moderator", is_staff=True)
    claim_approve(
        claim_id=claim_open(user=owner, researcher_id=ada.pk, claimant_name="Ada Feng").pk,
        moderator=moderator,
    )
    InstitutionFactory.create_batch(3, display_name="Some College")
    wanted = InstitutionFactory(display_name="Institute of Analytical Engines")
    page = new_page(browser, user=owner, base_url=live_server.url)
    seen = watch(page)
    documents: list[str] = []
    page.on("request", lambda r: documents.append(r.url) if r.resource_type == "document" else None)
    page.goto(f"{live_server.url}/researchers/ada-feng/manage/")
    settle(page)
    page.locator("#affiliation-q").press_sequentially("analytical eng", delay=20)
    choice = page.get_by_label("Institute of Analytical Engines")
    expect(choice).to_be_visible()
    assert len(documents) == 1  # found in place, no reload
    choice.check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Your profile is updated.")
    page.get_by_role("link", name="See the public profile").click()
    expect(page.locator(".header")).to_contain_text(wanted.display_name)
    assert seen.take() == []
    page.context.close()
