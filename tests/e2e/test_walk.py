"""The research walk in a browser (issue 13, "Done when"): seed profile → one of its works → a
co-author → their work → a work citing it → its venue, and back through the one search box."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import SEED
from tests.e2e.conftest import watch
from tests.factories import AuthorshipFactory, ResearcherFactory, WorkFactory
from works.importers.seed import seed_profile_import
from works.models import Citation, Source, Work
from works.services import corpus_figures_refresh

pytestmark = pytest.mark.e2e


def build_walk() -> dict[str, object]:
    """The seed, a co-author on its newest work, the co-author's own work and a citing work."""
    seed = seed_profile_import(path=SEED).researcher
    seed_work = Work.objects.filter(authorships__researcher=seed).newest_first().first()
    assert seed_work is not None
    coauthor = ResearcherFactory(display_name="Ada Walker", slug="ada-walker")
    last = seed_work.authorships.order_by("-position").first()
    AuthorshipFactory(work=seed_work, researcher=coauthor, position=last.position + 1)
    own = WorkFactory(title="Sparse coding of walking gaits", publication_year=2021)
    AuthorshipFactory(work=own, researcher=coauthor, position=0)
    venue = Source.objects.create(display_name="Journal of Gait Studies", source_type="journal")
    citing = WorkFactory(title="A survey of gait models", publication_year=2023, source=venue)
    AuthorshipFactory(work=citing, position=0)
    Citation.objects.create(citing=citing, cited=own, cited_openalex_id="W-own")
    corpus_figures_refresh()
    return {"seed_work": seed_work, "own": own, "citing": citing, "venue": venue}


def test_a_visitor_walks_from_the_seed_to_a_venue_and_back_through_search(
    transactional_db, live_server, page
):
    walk = build_walk()
    problems = watch(page)

    page.goto(f"{live_server.url}/researchers/jiashi-feng/")
    page.locator("#works").get_by_role("link", name=walk["seed_work"].title).click()
    expect(page.locator("#work-title")).to_have_text(walk["seed_work"].title)

    page.locator("#authors").get_by_role("link", name="Ada Walker").click()
    expect(page.locator("h1")).to_contain_text("Ada Walker")

    page.get_by_role("link", name="Sparse coding of walking gaits").click()
    expect(page.locator("#work-title")).to_have_text("Sparse coding of walking gaits")

    page.locator("#work-citing").get_by_role("link", name="A survey of gait models").click()
    expect(page.locator("#work-title")).to_have_text("A survey of gait models")

    # Its venue's page, which lists the work among its recent ones.
    page.locator("#work-title").locator("..").get_by_role(
        "link", name="Journal of Gait Studies"
    ).click()
    expect(page.locator("h1")).to_have_text("Journal of Gait Studies")
    expect(page.locator("#venue-recent")).to_contain_text("A survey of gait models")

    # Back through the one search box: htmx swaps the results in as the visitor types.
    page.goto(f"{live_server.url}/")
    expect(page.locator("#corpus")).to_contain_text("works")
    page.fill("#id_q", "gait")
    results = page.locator("#search-results")
    expect(results.locator("#works-group")).to_contain_text("2 works match “gait”")
    expect(results.locator("#venues-group")).to_contain_text("Journal of Gait Studies")
    page.wait_for_url("**/?q=gait")
    results.get_by_role("link", name="Works 2").click()
    expect(page.locator("#work-filters")).to_contain_text("2023")
    page.locator("#work-filters").get_by_role("link", name="2021").click()
    expect(page.locator("#search-results")).to_contain_text("1 work matches “gait”")
    page.get_by_role("link", name="Sparse coding of walking gaits").click()
    expect(page.locator("#work-title")).to_have_text("Sparse coding of walking gaits")

    page.goto(f"{live_server.url}/?q=ada+walker")
    page.locator("#researchers-group").get_by_role("link", name="Ada Walker").click()
    expect(page).to_have_url(f"{live_server.url}/researchers/ada-walker/")
    assert not problems.take()
