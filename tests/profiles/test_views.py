"""The profile page and the home search, as each kind of visitor."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import SEED
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
    WorkTopicFactory,
)

SECTIONS = [
    "Researcher profile",
    "Jiashi Feng contributes to research discovery and scholarly infrastructure.",
    "Affiliation not imported",
    "Open to collaborate",
    "Trust snapshot",
    "Unclaimed author",
    "Follow researcher",
    "Identity and collaboration",
    "Claiming links this public author record to a researcher profile and unlocks direct "
    "collaboration workflows.",
    "Direct collaboration",
    "Claim this author entity first to unlock direct invitations.",
    "Research graph",
    "See the researcher in context",
    "Building this graph slice…",
    "Open full explorer",
    "Published work",
    "47 published items",
]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def count_of(html: str, label: str) -> int:
    match = re.search(rf"<dt[^>]*>{label}</dt><dd[^>]*>(\d+)</dd>", html)
    assert match, f"no count for {label}"
    return int(match.group(1))


def seed_titles() -> list[str]:
    return [work["title"] for work in json.loads(SEED.read_text())["works"]]


def all_titles(client: Client, url: str) -> list[str]:
    titles: list[str] = []
    page = 1
    while True:
        html = client.get(url, {"page": page}).content.decode()
        titles += re.findall(r'<h3 class="work-title"><a href="[^"]+">(.*?)</a></h3>', html)
        if "works-more" not in html:
            return titles
        page += 1


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_it_shows_every_section_of_the_seed(client, seed_researcher, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("profiles:researcher_detail", args=["jiashi-feng"]))
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(html)
    for section in SECTIONS:
        assert section in text, section
    assert count_of(html, "works") == 47
    assert count_of(html, "followers") == 0
    # The seed carries no topics and no co-authors: the page says 0, not the seed's figures.
    assert count_of(html, "topics") == 0
    assert count_of(html, "close collaborators") == 0
    assert "Trust not computed yet" in text


def test_it_asks_anonymous_visitors_to_log_in_to_follow_and_claim(client, seed_researcher):
    html = client.get(reverse("profiles:researcher_detail", args=["jiashi-feng"])).content.decode()
    assert 'href="/accounts/login/?next=/researchers/jiashi-feng/"' in html
    assert "Log in to claim" in html


def test_it_lists_the_47_works_newest_first_then_by_title(client, seed_researcher):
    url = reverse("profiles:researcher_detail", args=["jiashi-feng"])
    titles = all_titles(client, url)
    assert len(titles) == 47
    # The seed page's own order is the reference.
    assert [t.replace("&amp;", "&") for t in titles] == seed_titles()


def test_it_shows_twenty_works_then_a_show_more_fragment(client, seed_researcher):
    url = reverse("profiles:researcher_detail", args=["jiashi-feng"])
    first = client.get(url).content.decode()
    assert first.count('class="work-title"') == 20
    assert 'hx-get="?page=2"' in first
    with CaptureQueriesContext(connection) as queries:
        fragment = client.get(url, {"page": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="works-more")
    assert len(queries) == 3  # the researcher, the page of works, their first authors
    body = fragment.content.decode()
    assert "<html" not in body and "Trust snapshot" not in body
    assert body.count('class="work-title"') == 20
    assert 'hx-get="?page=3"' in body
    last = client.get(url, {"page": 3}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="works-more")
    assert last.content.decode().count('class="work-title"') == 7
    assert "works-more" not in last.content.decode()


def test_it_collapses_long_abstracts_into_details(client, seed_researcher):
    html = client.get(reverse("profiles:researcher_detail", args=["jiashi-feng"])).content.decode()
    assert '<details class="abstract">' in html
    assert "Show full abstract" in html


def test_it_counts_topics_and_close_collaborators_from_the_data(client, db):
    me = ResearcherFactory(slug="me")
    close, occasional = ResearcherFactory(), ResearcherFactory()
    topic_a, topic_b = TopicFactory(), TopicFactory()
    for i in range(4):
        work = WorkFactory(publication_year=2010 + i)
        AuthorshipFactory(work=work, researcher=me, position=0)
        AuthorshipFactory(work=work, researcher=close, position=1)
        if i == 0:
            AuthorshipFactory(work=work, researcher=occasional, position=2)
        WorkTopicFactory(work=work, topic=topic_a if i % 2 else topic_b)
    html = client.get(reverse("profiles:researcher_detail", args=["me"])).content.decode()
    assert count_of(html, "works") == 4
    assert count_of(html, "topics") == 2
    assert count_of(html, "close collaborator") == 1


def test_it_shows_the_affiliation_and_identifiers_when_known(client, db):
    researcher = ResearcherFactory(
        slug="known",
        affiliation=InstitutionFactory(display_name="Uni of Elsewhere"),
        openalex_id="A123",
        orcid="0000-0002-1825-0097",
        verification_level=1,
    )
    html = client.get(
        reverse("profiles:researcher_detail", args=[researcher.slug])
    ).content.decode()
    assert "Uni of Elsewhere" in html and "Affiliation not imported" not in html
    assert "https://openalex.org/A123" in html
    assert "https://orcid.org/0000-0002-1825-0097" in html
    assert "Verification L1" in text_of(html)


def test_it_escapes_user_text(client, db):
    ResearcherFactory(slug="xss", display_name="<script>alert(1)</script>")
    html = client.get(reverse("profiles:researcher_detail", args=["xss"])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_it_answers_404_for_an_unknown_researcher(client, db):
    assert client.get(reverse("profiles:researcher_detail", args=["nobody"])).status_code == 404


def test_it_refuses_post_on_the_profile(client, seed_researcher):
    url = reverse("profiles:researcher_detail", args=["jiashi-feng"])
    assert client.post(url).status_code == 405


def _big_researcher(works: int, coauthors: int, topics: int) -> str:
    me = ResearcherFactory()
    people = [ResearcherFactory() for _ in range(coauthors)]
    subjects = [TopicFactory() for _ in range(topics)]
    for i in range(works):
        work = WorkFactory(publication_year=1990 + i % 30)
        AuthorshipFactory(work=work, researcher=me, position=0)
        AuthorshipFactory(work=work, researcher=people[i % coauthors], position=1)
        WorkTopicFactory(work=work, topic=subjects[i % topics])
    return me.slug


def test_it_runs_a_constant_number_of_queries(client, db, django_assert_num_queries):
    small = _big_researcher(works=3, coauthors=1, topics=1)
    big = _big_researcher(works=300, coauthors=120, topics=60)
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(reverse("profiles:researcher_detail", args=[small])).status_code == 200
    with django_assert_num_queries(len(small_queries)):
        response = client.get(reverse("profiles:researcher_detail", args=[big]))
    assert response.status_code == 200
    assert count_of(response.content.decode(), "works") == 300
    # The page key's versions, the fragments key's row, then researcher, work types (the
    # filter), works, first authors.
    assert len(small_queries) <= 6
    # The next anonymous view takes the whole page from the cache: the page key's versions only.
    with django_assert_num_queries(1):
        again = client.get(reverse("profiles:researcher_detail", args=[big]))
    assert count_of(again.content.decode(), "works") == 300


def test_it_runs_a_constant_number_of_queries_signed_in(client, db, django_assert_num_queries):
    client.force_login(UserFactory(username="reader"))
    small = _big_researcher(works=3, coauthors=1, topics=1)
    big = _big_researcher(works=300, coauthors=120, topics=60)
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(reverse("profiles:researcher_detail", args=[small])).status_code == 200
    with django_assert_num_queries(len(small_queries)):
        response = client.get(reverse("profiles:researcher_detail", args=[big]))
    assert count_of(response.content.decode(), "works") == 300


def test_home_finds_researchers_by_name(client, seed_researcher):
    ResearcherFactory(display_name="Someone Else", slug="someone-else")
    response = client.get(reverse("home"), {"q": "jiashi fen"})
    html = response.content.decode()
    assert 'href="/researchers/jiashi-feng/"' in html
    assert "Someone Else" not in html


def test_home_search_tolerates_typos_and_returns_a_fragment_to_htmx(client, seed_researcher):
    response = client.get(
        reverse("home"),
        {"q": "Jiashi Fend"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="search-results",
    )
    html = response.content.decode()
    assert 'href="/researchers/jiashi-feng/"' in html
    assert "<html" not in html


def test_home_says_when_nothing_matches(client, seed_researcher):
    html = client.get(reverse("home"), {"q": "zzzzqqqq"}).content.decode()
    assert "Nothing matches “zzzzqqqq”" in html


@pytest.mark.parametrize("page", ["999", "4", "abc", "0", "-1", "2.5"])
def test_a_page_of_works_that_does_not_exist_is_a_404(client, seed_researcher, page):
    url = reverse("profiles:researcher_detail", args=["jiashi-feng"])
    assert client.get(url, {"page": page}).status_code == 404
    fragment = client.get(url, {"page": page}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="works-more")
    assert fragment.status_code == 404


def test_show_more_is_not_offered_when_the_works_end_on_a_page_boundary(client, db):
    slug = _big_researcher(works=40, coauthors=1, topics=1)
    url = reverse("profiles:researcher_detail", args=[slug])
    assert 'hx-get="?page=2"' in client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('class="work-title"') == 20
    assert "Show more" not in second and "?page=3" not in second
    assert client.get(url, {"page": 3}).status_code == 404
