"""robots.txt, the sitemap index (every public page exactly once) and the Atom feeds."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openweb import sitemaps
from profiles.models import Institution, Researcher
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    TopicFactory,
    WorkFactory,
    WorkTopicFactory,
)
from works.models import Source, Topic, Work

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
ATOM_NS = {"a": "http://www.w3.org/2005/Atom"}


def locs(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/xml"
    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    return [e.text or "" for e in root.iterfind(".//s:loc", SITEMAP_NS)]


def every_listed_url(client: Client) -> list[str]:
    listed = []
    for section in locs(client, "/sitemap.xml"):
        listed += locs(client, section.removeprefix("http://testserver"))
    return listed


def test_robots_keeps_crawlers_off_slice_computation_and_points_at_the_sitemap(db):
    response = Client().get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for rule in ("/researchers/*/graph-slice", "/researchers/*/explorer/", "/moderation/"):
        assert f"Disallow: {rule}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    # Nothing public is disallowed: profiles, works, topics, the home page.
    assert "Disallow: /researchers/" not in lines and "Disallow: /" not in lines


def test_the_sitemap_lists_every_public_page_of_the_demo_exactly_once(db):
    call_command("load_demo", verbosity=0)
    client = Client()
    listed = every_listed_url(client)
    assert len(listed) == len(set(listed))  # exactly once
    expected = {"http://testserver/"}
    expected |= {
        f"http://testserver/researchers/{slug}/"
        for slug in Researcher.objects.values_list("slug", flat=True)
    }
    expected |= {f"http://testserver{w.get_absolute_url()}" for w in Work.objects.only("title")}
    expected |= {
        f"http://testserver/topics/{pk}/" for pk in Topic.objects.values_list("pk", flat=True)
    }
    expected |= {
        f"http://testserver/venues/{pk}/" for pk in Source.objects.values_list("pk", flat=True)
    }
    expected |= {
        f"http://testserver/institutions/{pk}/"
        for pk in Institution.objects.values_list("pk", flat=True)
    }
    assert set(listed) == expected
    assert len(listed) > 1500  # the demo: ~1,200 researchers, their works and topics
    # Each listed URL is the page itself (no redirect, no error): a sample of each kind.
    rng = random.Random(14)
    for kind in ("/researchers/", "/works/", "/topics/", "/venues/", "/institutions/"):
        sample = rng.sample([u for u in listed if kind in u], 5)
        for url in sample:
            assert client.get(url.removeprefix("http://testserver")).status_code == 200, url


def test_sitemap_pages_are_id_ranges_with_every_record_once(db, monkeypatch):
    monkeypatch.setattr(sitemaps.WorkSitemap, "limit", 3)
    works = [WorkFactory(title=f"Work {i}") for i in range(8)]
    works[4].delete()  # a gap: its page is shorter, nothing moves to another page
    client = Client()
    index = locs(client, "/sitemap.xml")
    pages = -(-works[-1].pk // 3)
    assert index.count("http://testserver/sitemap-works.xml") == 1
    assert [u for u in index if "works" in u] == [
        "http://testserver/sitemap-works.xml",
        *(f"http://testserver/sitemap-works.xml?p={n}" for n in range(2, pages + 1)),
    ]
    listed = []
    for n in range(1, pages + 1):
        with CaptureQueriesContext(connection) as queries:
            page = locs(client, f"/sitemap-works.xml?p={n}")
        assert len(queries) <= 2  # max(id) and the id range, whatever the page
        assert len(page) <= 3
        listed += page
    remaining = [w for w in works if w.pk != works[4].pk]
    assert listed == [f"http://testserver{w.get_absolute_url()}" for w in remaining]
    assert client.get(f"/sitemap-works.xml?p={pages + 1}").status_code == 404
    assert client.get("/sitemap-works.xml?p=zero").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


@pytest.mark.parametrize("kind", ["venues", "institutions"])
def test_venue_and_institution_sitemaps_are_id_ranges_of_constant_cost(db, monkeypatch, kind):
    sitemap = sitemaps.SITEMAPS[kind]
    monkeypatch.setattr(sitemap, "limit", 3)
    make = {
        "venues": lambda i: Source.objects.create(display_name=f"Venue {i}"),
        "institutions": lambda i: InstitutionFactory(display_name=f"Place {i}"),
    }[kind]
    places = [make(i) for i in range(8)]
    places[4].delete()
    client = Client()
    index = locs(client, "/sitemap.xml")
    pages = -(-places[-1].pk // 3)
    assert [u for u in index if kind in u] == [
        f"http://testserver/sitemap-{kind}.xml",
        *(f"http://testserver/sitemap-{kind}.xml?p={n}" for n in range(2, pages + 1)),
    ]
    listed = []
    for n in range(1, pages + 1):
        with CaptureQueriesContext(connection) as queries:
            page = locs(client, f"/sitemap-{kind}.xml?p={n}")
        assert len(queries) <= 2  # max(id) and the id range, whatever the page
        assert len(page) <= 3
        listed += page
    assert listed == [f"http://testserver/{kind}/{p.pk}/" for p in places if p.pk != places[4].pk]


@pytest.mark.parametrize("kind", ["venues", "institutions"])
def test_venue_and_institution_lastmod_is_their_records_update_time(db, kind):
    when = datetime(2024, 5, 17, 12, 0, tzinfo=UTC)
    if kind == "venues":
        seen = Source.objects.create(display_name="Seen", updated_date=when)
        named = Source.objects.create(display_name="Only named by works")
    else:
        seen = InstitutionFactory(updated_date=when)
        named = InstitutionFactory()
    xml = Client().get(f"/sitemap-{kind}.xml").content.decode()
    assert f"<loc>http://testserver/{kind}/{seen.pk}/</loc><lastmod>2024-05-17</lastmod>" in xml
    # Known only from the works that name it: no update time of its own, no lastmod made up.
    assert f"<loc>http://testserver/{kind}/{named.pk}/</loc></url>" in xml


def test_sitemap_lastmod_is_the_records_update_time(db):
    researcher = ResearcherFactory(slug="ada")
    xml = Client().get("/sitemap-researchers.xml").content.decode()
    assert (
        f"<loc>http://testserver/researchers/ada/</loc>"
        f"<lastmod>{researcher.updated_at.date().isoformat()}</lastmod>"
    ) in xml


def entries(response) -> list[ET.Element]:
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content).findall("a:entry", ATOM_NS)  # noqa: S314 - ours


def test_the_researcher_feed_has_their_newest_works_with_links_and_authors(db):
    ada = ResearcherFactory(slug="ada", display_name="Ada Lovelace")
    babbage = ResearcherFactory(display_name="Charles Babbage")
    old = WorkFactory(title="Old work", publication_year=1830)
    new = WorkFactory(
        title="New work",
        publication_year=1843,
        publication_date=date(1843, 9, 1),
        abstract="Notes.",
    )
    AuthorshipFactory(work=old, researcher=ada)
    AuthorshipFactory(work=new, researcher=babbage, position=0)
    AuthorshipFactory(work=new, researcher=ada, position=1)
    AuthorshipFactory(work=WorkFactory(title="Not hers"), researcher=babbage)
    response = Client().get("/researchers/ada/works.atom")
    found = entries(response)
    assert [e.findtext("a:title", namespaces=ATOM_NS) for e in found] == ["New work", "Old work"]
    first = found[0]
    link = first.find("a:link", ATOM_NS)
    assert link is not None and link.get("href") == f"http://testserver{new.get_absolute_url()}"
    assert first.findtext("a:author/a:name", namespaces=ATOM_NS) == "Charles Babbage, Ada Lovelace"
    assert first.findtext("a:published", namespaces=ATOM_NS) == "1843-09-01T00:00:00+00:00"
    assert first.findtext("a:summary", namespaces=ATOM_NS) == (
        "Charles Babbage, Ada Lovelace (1843). Notes."
    )
    profile = Client().get("/researchers/ada/").content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="New works" '
        'href="/researchers/ada/works.atom">'
    ) in profile


def test_the_topic_feed_has_the_topics_newest_works(db):
    topic = TopicFactory(display_name="Engines")
    for year in (1990, 2020, 2005):
        WorkTopicFactory(
            topic=topic, work=WorkFactory(title=f"Engines {year}", publication_year=year)
        )
    WorkFactory(title="Elsewhere")
    found = entries(Client().get(f"/topics/{topic.pk}/works.atom"))
    titles = [e.findtext("a:title", namespaces=ATOM_NS) for e in found]
    assert titles == ["Engines 2020", "Engines 2005", "Engines 1990"]
    page = Client().get(reverse("works:topic_detail", args=[topic.pk])).content.decode()
    assert f'href="/topics/{topic.pk}/works.atom"' in page


def test_feeds_of_unknown_records_are_404(db):
    assert Client().get("/researchers/nobody/works.atom").status_code == 404
    assert Client().get("/topics/999999/works.atom").status_code == 404
