"""What only a browser shows on the works pages: htmx swaps keep the page and push the URL."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from profiles.models import Researcher
from tests.e2e.conftest import SCREENSHOT_DIR, watch
from tests.factories import AuthorshipFactory, ResearcherFactory, WorkFactory
from works.models import Authorship, Citation, Work

pytestmark = pytest.mark.e2e


def test_the_works_list_filters_in_place_and_keeps_the_state_in_the_url(
    transactional_db, live_server, page
):
    me = ResearcherFactory(display_name="Grace Hopper", slug="grace")
    for i in range(3):
        AuthorshipFactory(
            researcher=me, work=WorkFactory(title=f"Article {i}", work_type="article")
        )
    AuthorshipFactory(researcher=me, work=WorkFactory(title="A preprint", work_type="preprint"))
    problems = watch(page)
    page.goto(f"{live_server.url}/researchers/grace/")
    page.evaluate("window.notReloaded = true")
    page.select_option("#works-type", "preprint")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#works-count")).to_contain_text("1 of 4 published items")
    expect(page.locator("#works")).to_contain_text("A preprint")
    expect(page.locator("#works")).not_to_contain_text("Article 0")
    page.wait_for_url("**/researchers/grace/?*type=preprint*")
    assert page.evaluate("window.notReloaded") is True  # swapped, not reloaded
    page.reload()  # the URL alone gives the same list
    expect(page.locator("#works-count")).to_contain_text("1 of 4 published items")
    assert not problems.take()


def test_show_all_authors_and_the_citers_order_swap_in_place(transactional_db, live_server, page):
    work = WorkFactory(title="Big science")
    people = Researcher.objects.bulk_create(
        Researcher(display_name=f"Person {i:03d}", slug=f"person-{i}") for i in range(40)
    )
    Authorship.objects.bulk_create(
        Authorship(work=work, researcher=p, position=i) for i, p in enumerate(people)
    )
    for year, cited in [(2001, 50), (2020, 1)]:
        citer = WorkFactory(title=f"Citer {year}", publication_year=year, cited_by_count=cited)
        Citation.objects.create(citing=citer, cited=work, cited_openalex_id="W1")
    problems = watch(page)
    page.goto(live_server.url + Work.objects.get(pk=work.pk).get_absolute_url())
    page.evaluate("window.notReloaded = true")
    authors = page.locator("#authors > li[value]")
    expect(authors).to_have_count(13)
    page.get_by_role("link", name="Show all 40 authors").click()
    expect(authors).to_have_count(40)
    expect(page.locator("#citing li.work").first).to_contain_text("Citer 2020")
    page.locator("#citing").get_by_role("link", name="most cited first").click()
    expect(page.locator("#citing li.work").first).to_contain_text("Citer 2001")
    assert page.evaluate("window.notReloaded") is True
    assert not problems.take()


def test_next_and_previous_pages_of_citers_swap_in_from_their_cursor(
    transactional_db, live_server, page
):
    work = WorkFactory(title="Much cited")
    for i in range(25):  # 20 a page: the second page has the 5 oldest
        citer = WorkFactory(title=f"Citer {1990 + i}", publication_year=1990 + i)
        Citation.objects.create(citing=citer, cited=work, cited_openalex_id="W1")
    problems = watch(page)
    page.goto(live_server.url + Work.objects.get(pk=work.pk).get_absolute_url())
    page.evaluate("window.notReloaded = true")
    citers = page.locator("#citing li.work")
    expect(citers).to_have_count(20)
    expect(citers.first).to_contain_text("Citer 2014")
    page.locator("#citing").get_by_role("link", name="Next").click()
    expect(citers).to_have_count(5)
    expect(citers.first).to_contain_text("Citer 1994")
    expect(page.locator("#citing").get_by_role("link", name="Next")).to_have_count(0)
    page.locator("#citing").get_by_role("link", name="Previous").click()
    expect(citers.first).to_contain_text("Citer 2014")
    expect(citers).to_have_count(20)
    expect(page.locator("#citing").get_by_role("link", name="Previous")).to_have_count(0)
    page.locator("#citing").get_by_role("link", name="Next").click()
    expect(citers.first).to_contain_text("Citer 1994")
    (SCREENSHOT_DIR / "1280").mkdir(parents=True, exist_ok=True)
    page.locator("#work-citing").screenshot(path=SCREENSHOT_DIR / "1280" / "work-citers-page-2.png")
    page.locator("#citing").get_by_role("link", name="First page").click()
    expect(citers.first).to_contain_text("Citer 2014")
    assert page.evaluate("window.notReloaded") is True
    assert not problems.take()
