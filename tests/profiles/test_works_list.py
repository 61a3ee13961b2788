"""The profile's works list: authors, sort, filters in the URL, honest counts, constant reads."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from profiles.models import Researcher
from profiles.selectors import researcher_profile_queryset
from profiles.services.refresh import researchers_changed
from profiles.services.trust import trust_recompute
from profiles.works_list import WorksFilter, researcher_works, researcher_works_page
from tests.factories import (
    AuthorshipFactory,
    ResearcherFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
    WorkTopicFactory,
)
from works.models import Authorship, Topic, Work

HTMX = {"HTTP_HX_REQUEST": "true"}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="work-title"><a href="[^"]+">(.*?)</a></h3>', html)


@pytest.fixture
def grace(db):
    grace = ResearcherFactory(display_name="Grace Hopper", slug="grace-hopper")
    compilers = TopicFactory(display_name="Compilers")
    for title, year, kind, cited, topic in [
        ("Zeta compilers", 1955, "article", 1000, compilers),
        ("Alpha machines", 1952, "article", 500, None),
        ("Mu languages", 1960, "preprint", 40, compilers),
    ]:
        work = WorkFactory(title=title, publication_year=year, work_type=kind, cited_by_count=cited)
        AuthorshipFactory(work=work, researcher=grace, position=0)
        if topic:
            WorkTopicFactory(work=work, topic=topic)
    return grace


def url_of(researcher: Researcher) -> str:
    return reverse("profiles:researcher_detail", args=[researcher.slug])


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["Mu languages", "Zeta compilers", "Alpha machines"]),
        ("most-cited", ["Zeta compilers", "Alpha machines", "Mu languages"]),
        ("title", ["Alpha machines", "Mu languages", "Zeta compilers"]),
    ],
)
def test_it_sorts_from_the_url(client, grace, sort, expected):
    html = client.get(url_of(grace), {"sort": sort}).content.decode()
    assert titles(html) == expected


def test_filters_say_how_many_of_all_match_and_by_what(client, grace):
    compilers = Topic.objects.get(display_name="Compilers")
    html = client.get(
        url_of(grace), {"from": 1950, "to": 1956, "type": "article", "topic": compilers.pk}
    ).content.decode()
    assert titles(html) == ["Zeta compilers"]
    text = text_of(html)
    assert (
        "1 of 3 published items, filtered by years 1950–1956, type “article”, topic “Compilers”"
        in text
    )
    assert "show all" in text


def test_an_unfiltered_list_counts_everything(client, grace):
    text = text_of(client.get(url_of(grace)).content.decode())
    assert "3 published items" in text and "filtered by" not in text


def test_no_match_says_so(client, grace):
    html = client.get(url_of(grace), {"from": 2000}).content.decode()
    assert titles(html) == []
    assert "0 of 3 published items, filtered by years from 2000" in text_of(html)
    assert "No work matches these filters." in html


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"from": "nineteen"}, "Enter a whole number."),
        ({"from": 1990, "to": 1980}, "“From year” (1990) is after “To year” (1980)."),
        ({"sort": "random"}, "Select a valid choice."),
    ],
)
def test_bad_filters_show_an_error_and_keep_the_whole_list(client, grace, query, error):
    response = client.get(url_of(grace), query)
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert len(titles(html)) == 3
    if "from" in query:  # what was typed stays in the box
        assert f'value="{query["from"]}"' in html


def test_filters_come_back_as_a_fragment_to_htmx(client, grace):
    html = client.get(
        url_of(grace), {"type": "preprint"}, **HTMX, HTTP_HX_TARGET="works-list"
    ).content.decode()
    assert html.strip().startswith('<div id="works-list">')
    assert titles(html) == ["Mu languages"]
    assert "Trust snapshot" not in html


def test_show_more_keeps_the_filters(client, db):
    me = ResearcherFactory()
    for i in range(25):
        AuthorshipFactory(
            work=WorkFactory(title=f"Work {i:02d}", work_type="dataset"), researcher=me
        )
    AuthorshipFactory(work=WorkFactory(title="An article"), researcher=me)
    url = url_of(me)
    first = client.get(url, {"type": "dataset", "sort": "title"}).content.decode()
    assert 'hx-get="?sort=title&amp;type=dataset&amp;page=2"' in first
    more = client.get(
        url, {"type": "dataset", "sort": "title", "page": 2}, **HTMX, HTTP_HX_TARGET="works-more"
    ).content.decode()
    assert titles(more) == [f"Work {i:02d}" for i in range(20, 25)]


def test_each_work_names_its_first_authors_and_highlights_the_researcher(client, db):
    me = ResearcherFactory(display_name="Grace Hopper", slug="grace")
    small = WorkFactory(title="Two of us")
    AuthorshipFactory(work=small, researcher=ResearcherFactory(display_name="Howard Aiken"))
    Authorship.objects.filter(work=small).update(position=0)
    AuthorshipFactory(work=small, researcher=me, position=1)
    big = WorkFactory(title="Many of us")
    people = Researcher.objects.bulk_create(
        Researcher(display_name=f"Person {i}", slug=f"p-{i}") for i in range(40)
    )
    Authorship.objects.bulk_create(
        Authorship(work=big, researcher=p, position=i) for i, p in enumerate(people)
    )
    AuthorshipFactory(work=big, researcher=me, position=40)
    html = client.get(url_of(me)).content.decode()
    found = re.findall(r'<p class="work-authors">(.*?)</p>', html)
    lines = [re.sub(r"<[^>]+>", "", line) for line in found]
    assert "Person 0, Person 1, Person 2, … Grace Hopper (41st of 41), et al." in lines
    assert "Howard Aiken, Grace Hopper" in lines
    assert '<strong class="me">Grace Hopper</strong>' in html
    assert f'href="{big.get_absolute_url()}"' in html


def test_a_big_record_reads_a_constant_number_of_queries(client, db, django_assert_num_queries):
    def record(n: int) -> str:
        me = ResearcherFactory()
        topic = TopicFactory()
        works = Work.objects.bulk_create(
            Work(
                title=f"W{i}",
                publication_year=1990 + i % 30,
                work_type=["article", "preprint"][i % 2],
            )
            for i in range(n)
        )
        Authorship.objects.bulk_create(Authorship(work=w, researcher=me, position=0) for w in works)
        for w in works[:5]:
            WorkTopicFactory(work=w, topic=topic)
        return url_of(me) + f"?from=1995&type=article&topic={topic.pk}&sort=most-cited"

    small, big = record(3), record(2000)
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(small).status_code == 200
    with django_assert_num_queries(len(small_queries)):
        assert client.get(big).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_every_visitor_gets_the_same_list(client, grace, who):
    if who != "anonymous":
        client.force_login(UserFactory(username=who, is_staff=who == "moderator"))
    html = client.get(url_of(grace), {"sort": "title"}).content.decode()
    assert titles(html) == ["Alpha machines", "Mu languages", "Zeta compilers"]


def test_the_type_filter_reads_the_workers_snapshot_when_there_is_one(client, grace):
    without = client.get(url_of(grace)).content.decode()
    assert '<option value="article">article (2)</option>' in without  # counted on the spot
    trust_recompute(researcher_ids=[grace.pk])
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url_of(grace)).content.decode()
    assert '<option value="article">article (2)</option>' in html
    assert '<option value="preprint">preprint (1)</option>' in html
    grouped = [
        q["sql"]
        for q in queries.captured_queries
        if 'GROUP BY "works_work"."work_type"' in q["sql"]
    ]
    assert not grouped


def test_an_open_work_links_its_free_copy_in_the_list(client, grace):
    Work.objects.filter(title="Zeta compilers").update(
        oa_status="gold", oa_url="https://journal.example/zeta.pdf"
    )
    Work.objects.filter(title="Alpha machines").update(arxiv_id="1952.00001")
    html = client.get(url_of(grace), {"sort": "title"}).content.decode()
    links = re.findall(r'<a class="open-access" href="([^"]+)"', html)
    assert links == ["https://arxiv.org/pdf/1952.00001", "https://journal.example/zeta.pdf"]


def test_the_first_page_without_a_current_snapshot_is_the_full_sort_of_every_work(db, settings):
    # Between a change and the worker's pass the first page is sorted from the works whose
    # year ranks within the page (FIRST_PAGE_CANDIDATES_SQL), not from all of them: it must be
    # the page the whole sort gives, ties on the cut-off year and works without a year included.
    settings.BZPEER_WORKS_PAGE_SIZE = 4
    me = ResearcherFactory()
    years = [2024, 2021, None, 2024, 2023, 2021, 2021, None, 2019, 2021, 2023, 2010]
    titles = ["b", "A", "z", "a", "q", "c", "B", "y", "d", "b", "Q", "e"]
    works = Work.objects.bulk_create(
        Work(title=f"{title} work", publication_year=year)
        for title, year in zip(titles, years, strict=True)
    )
    Authorship.objects.bulk_create(Authorship(work=w, researcher=me, position=0) for w in works)
    whole = list(researcher_works(me, WorksFilter()).values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        page = researcher_works_page(me, number=1)
    assert [w.pk for w in page.works] == whole[:4] and page.has_next
    assert any("rank() OVER" in q["sql"] for q in queries.captured_queries)
    # A page that ends inside the works without a year (NULLS LAST) and one that is all of them.
    for size in (11, 12, 20):
        settings.BZPEER_WORKS_PAGE_SIZE = size
        page = researcher_works_page(me, number=1)
        assert [w.pk for w in page.works] == whole[:size]
        assert page.has_next == (size < len(whole))
    # And the stale snapshot's stored page is not used: a work added since shows at once.
    settings.BZPEER_WORKS_PAGE_SIZE = 4
    trust_recompute(researcher_ids=[me.pk])
    newest = WorkFactory(title="Newest", publication_year=2025)
    AuthorshipFactory(work=newest, researcher=me, position=0)
    researchers_changed(researcher_ids=[me.pk], reason="import")
    me = researcher_profile_queryset().get(pk=me.pk)
    assert researcher_works_page(me, number=1).works[0] == newest
