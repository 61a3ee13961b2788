"""Venue and institution pages: typical, empty and large cases, constant reads, every visitor."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from profiles.models import Researcher
from profiles.services.trust import trust_recompute
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
    WorkTopicFactory,
)
from works.models import Authorship, AuthorshipInstitution, Source, Work


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def place(db):
    venue = Source.objects.create(display_name="Annals of Engines", issn_l="1234-5678")
    uni = InstitutionFactory(display_name="University of London", ror_id="04cw6st05")
    ada = ResearcherFactory(display_name="Ada Lovelace", slug="ada", affiliation=uni)
    babbage = ResearcherFactory(display_name="Charles Babbage", slug="babbage")
    topic = TopicFactory(display_name="Computing machinery")
    for year, cited in [(1840, 5), (1843, 90), (1850, 1)]:
        work = WorkFactory(title=f"Engine notes {year}", publication_year=year, source=venue,
                           cited_by_count=cited)  # fmt: skip
        AuthorshipFactory(work=work, researcher=ada, position=0).institutions.add(uni)
        AuthorshipFactory(work=work, researcher=babbage, position=1)
        WorkTopicFactory(work=work, topic=topic)
    trust_recompute(researcher_ids=[ada.pk, babbage.pk])
    return venue, uni


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_a_venue_shows_recent_and_most_cited_works_and_its_authors(client, place, who):
    if who != "anonymous":
        client.force_login(UserFactory(username=who, is_staff=who == "moderator"))
    venue, _ = place
    html = client.get(reverse("works:venue_detail", args=[venue.pk])).content.decode()
    recent = html.split('id="venue-recent"')[1].split("</section>")[0]
    assert recent.index("Engine notes 1850") < recent.index("Engine notes 1840")
    cited = html.split('id="venue-most-cited"')[1].split("</section>")[0]
    assert cited.index("Engine notes 1843") < cited.index("Engine notes 1840")
    text = text_of(html)
    assert "ISSN-L 1234-5678" in text and "Ada Lovelace 3" in text and "Charles Babbage 3" in text
    assert 'href="/researchers/ada/"' in html


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_an_institution_shows_researchers_works_authors_and_topics(client, place, who):
    if who != "anonymous":
        client.force_login(UserFactory(username=who, is_staff=who == "moderator"))
    _, uni = place
    html = client.get(reverse("works:institution_detail", args=[uni.pk])).content.decode()
    text = text_of(html)
    assert "University of London" in text
    assert 'href="https://ror.org/04cw6st05"' in html
    assert re.search(r"<dt>affiliated researcher</dt><dd>1</dd>", html)
    assert re.search(r"<dt>works with an author here</dt><dd>3</dd>", html)
    authors = html.split('id="institution-authors"')[1]
    assert "Ada Lovelace" in authors and "Charles Babbage" not in authors  # only signed here
    assert "Computing machinery" in authors
    assert "Engine notes 1850" in html


def test_empty_venue_and_institution_say_so(client, db):
    venue = Source.objects.create(display_name="Empty Journal")
    uni = InstitutionFactory(display_name="Nowhere Institute")
    assert "No work of this venue is on BZPEER yet." in client.get(
        reverse("works:venue_detail", args=[venue.pk])).content.decode()  # fmt: skip
    text = text_of(client.get(reverse("works:institution_detail", args=[uni.pk])).content.decode())
    assert "No researcher gives it as their affiliation." in text
    assert "No work with an author from here yet." in text


def test_unknown_ids_are_404s(client, db):
    assert client.get("/venues/999999/").status_code == 404
    assert client.get("/institutions/999999/").status_code == 404


def test_the_work_and_profile_pages_link_to_them(client, place):
    venue, uni = place
    work = Work.objects.get(title="Engine notes 1843")
    html = client.get(work.get_absolute_url()).content.decode()
    assert f'href="/venues/{venue.pk}/"' in html and f'href="/institutions/{uni.pk}/"' in html
    profile = client.get(reverse("profiles:researcher_detail", args=["ada"])).content.decode()
    assert f'href="/institutions/{uni.pk}/"' in profile and f'href="/venues/{venue.pk}/"' in profile


def test_big_places_read_a_constant_number_of_queries(client, db, django_assert_num_queries):
    def build(n: int) -> tuple[Source, int]:
        venue = Source.objects.create(display_name=f"Venue {n}")
        uni = InstitutionFactory()
        people = Researcher.objects.bulk_create(
            Researcher(display_name=f"R{n}-{i}", slug=f"r{n}-{i}", affiliation=uni)
            for i in range(n)
        )
        works = Work.objects.bulk_create(
            Work(title=f"W{i}", source=venue, publication_year=2000 + i % 20) for i in range(n)
        )
        authorships = Authorship.objects.bulk_create(
            Authorship(work=w, researcher=people[i % len(people)], position=0)
            for i, w in enumerate(works)
        )
        AuthorshipInstitution.objects.bulk_create(
            AuthorshipInstitution(authorship=a, institution=uni) for a in authorships
        )
        return venue, uni.pk

    small_venue, small_uni = build(2)
    big_venue, big_uni = build(600)
    for kind, small, big in [
        ("venue", small_venue.pk, big_venue.pk),
        ("institution", small_uni, big_uni),
    ]:
        with CaptureQueriesContext(connection) as few:
            client.get(reverse(f"works:{kind}_detail", args=[small]))
        with django_assert_num_queries(len(few)):
            assert client.get(reverse(f"works:{kind}_detail", args=[big])).status_code == 200
