"""The all-co-authors page: shared works, years together, sorts, paging, constant reads."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from profiles import coauthors as coauthors_module
from profiles.models import Researcher
from tests.factories import AuthorshipFactory, ResearcherFactory, UserFactory, WorkFactory
from works.models import Authorship


def names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/researchers/[^"]+/">([^<]+)</a>', html)


@pytest.fixture
def ada(db):
    ada = ResearcherFactory(display_name="Ada Lovelace", slug="ada")
    babbage = ResearcherFactory(display_name="Charles Babbage")
    mary = ResearcherFactory(display_name="Mary Somerville")
    for year, people in [(1840, [babbage]), (1843, [babbage, mary]), (1850, [babbage])]:
        work = WorkFactory(publication_year=year)
        AuthorshipFactory(work=work, researcher=ada, position=0)
        for i, person in enumerate(people, start=1):
            AuthorshipFactory(work=work, researcher=person, position=i)
    AuthorshipFactory(work=WorkFactory(publication_year=1860), researcher=mary)  # not with Ada
    return ada


def url(sort: str = "", page: int | None = None) -> str:
    query = {k: v for k, v in {"sort": sort, "page": page}.items() if v}
    base = reverse("profiles:coauthors", args=["ada"])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_it_lists_every_coauthor_with_shared_works_and_years(client, ada, who):
    if who != "anonymous":
        client.force_login(UserFactory(username=who, is_staff=who == "moderator"))
    html = client.get(url()).content.decode()
    assert names(html) == ["Charles Babbage", "Mary Somerville"]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Charles Babbage 3 1840–1850" in text
    assert "Mary Somerville 1 1843" in text
    assert "2 co-authors; 1–2 shown" in text


def test_it_sorts_by_shared_works_name_or_recency(client, ada):
    mary = Researcher.objects.get(display_name="Mary Somerville")
    anne = ResearcherFactory(display_name="Anne Isabella")
    for year, person in [(1900, mary), (1841, anne)]:
        work = WorkFactory(publication_year=year)
        AuthorshipFactory(work=work, researcher=ada, position=0)
        AuthorshipFactory(work=work, researcher=person, position=1)
    orders = {
        "shared": ["Charles Babbage", "Mary Somerville", "Anne Isabella"],
        "recent": ["Mary Somerville", "Charles Babbage", "Anne Isabella"],
        "name": ["Anne Isabella", "Charles Babbage", "Mary Somerville"],
    }
    for sort, expected in orders.items():
        assert names(client.get(url(sort)).content.decode()) == expected, sort


def test_it_pages_and_rejects_bad_pages(client, ada, monkeypatch):
    monkeypatch.setattr(coauthors_module, "PAGE_SIZE", 1)
    assert names(client.get(url(page=2)).content.decode()) == ["Mary Somerville"]
    for bad in ["?page=3", "?page=0", "?page=x", "?sort=random"]:
        assert client.get(reverse("profiles:coauthors", args=["ada"]) + bad).status_code == 404
    assert client.get(reverse("profiles:coauthors", args=["nobody"])).status_code == 404


def test_a_lone_author_has_none(client, db):
    AuthorshipFactory(researcher=ResearcherFactory(slug="alone"))
    html = client.get(reverse("profiles:coauthors", args=["alone"])).content.decode()
    assert "No co-author: none of this record" in html


def test_a_huge_record_reads_one_query_for_the_list(client, db, django_assert_num_queries):
    me = ResearcherFactory(slug="big")
    people = Researcher.objects.bulk_create(
        Researcher(display_name=f"P {i}", slug=f"p-{i}") for i in range(3000)
    )
    big = WorkFactory()
    Authorship.objects.bulk_create(
        Authorship(work=big, researcher=p, position=i + 1) for i, p in enumerate(people)
    )
    AuthorshipFactory(work=big, researcher=me, position=0)
    small = ResearcherFactory(slug="small")
    AuthorshipFactory(researcher=small)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("profiles:coauthors", args=["small"]))
    with django_assert_num_queries(len(few)):
        html = client.get(reverse("profiles:coauthors", args=["big"])).content.decode()
    assert "3,000 co-authors; 1–50 shown" in html
