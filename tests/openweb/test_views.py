"""Citation downloads, the cite page and the pages' meta tags, as each kind of visitor."""

from __future__ import annotations

import json
import re

import bibtexparser
import pytest
import rispy
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.models import FlagState, WorkFlag
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
    WorkTopicFactory,
)
from works.models import Source, Work


@pytest.fixture
def ada(db):
    return ResearcherFactory(
        display_name="Ada Lovelace",
        slug="ada-lovelace",
        openalex_id="A1",
        orcid="0000-0002-1825-0097",
    )


@pytest.fixture
def works(ada):
    """Three works of Ada's, the second with Ada as second author after Charles Babbage."""
    babbage = ResearcherFactory(display_name="Charles Babbage", slug="charles-babbage")
    notes = WorkFactory(
        title="Notes on the Analytical Engine", publication_year=1843, doi="10.1/notes"
    )
    engine = WorkFactory(title="The Difference Engine", publication_year=1830, work_type="book")
    sketch = WorkFactory(
        title="Sketch of an engine",
        publication_year=1842,
        work_type="preprint",
        arxiv_id="1842.00001",
    )
    AuthorshipFactory(work=notes, researcher=ada, position=0, raw_author_name="Augusta Ada King")
    AuthorshipFactory(work=engine, researcher=babbage, position=0)
    AuthorshipFactory(work=engine, researcher=ada, position=1)
    AuthorshipFactory(work=sketch, researcher=ada, position=0)
    return {"notes": notes, "engine": engine, "sketch": sketch}


def visitors():
    return ["anonymous", "outsider", "moderator"]


def client_for(who: str, request) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    return client


@pytest.mark.parametrize("who", visitors())
def test_it_downloads_a_researchers_works_in_every_format_for_anyone(who, request, ada, works):
    client = client_for(who, request)
    bib = client.get("/researchers/ada-lovelace/works.bib")
    assert bib.status_code == 200
    assert bib["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert bib["Content-Disposition"] == 'attachment; filename="ada-lovelace-works.bib"'
    entries = bibtexparser.parse_string(bib.content.decode()).entries
    # The profile's order: newest first.
    assert [e["title"] for e in entries] == [
        "{Notes on the Analytical Engine}",
        "{Sketch of an engine}",
        "{The Difference Engine}",
    ]
    assert entries[0]["author"] == "King, Augusta Ada"  # the name as printed on the work
    assert entries[2]["author"] == "Babbage, Charles and Lovelace, Ada"  # in the work's order
    records = rispy.loads(client.get("/researchers/ada-lovelace/works.ris").content.decode())
    assert [r["type_of_reference"] for r in records] == ["JOUR", "UNPB", "BOOK"]
    items = json.loads(client.get("/researchers/ada-lovelace/works.csl.json").content)
    assert [i["id"] for i in items] == [e.key for e in entries]


def test_the_export_keeps_the_profiles_filters_and_refuses_bad_ones(ada, works):
    client = Client()
    topic = TopicFactory(display_name="Engines")
    WorkTopicFactory(work=works["engine"], topic=topic)
    by_year = client.get("/researchers/ada-lovelace/works.ris?from=1842&to=1842")
    assert [r["title"] for r in rispy.loads(by_year.content.decode())] == ["Sketch of an engine"]
    by_type = client.get("/researchers/ada-lovelace/works.ris?type=book")
    assert [r["title"] for r in rispy.loads(by_type.content.decode())] == ["The Difference Engine"]
    by_topic = client.get(f"/researchers/ada-lovelace/works.ris?topic={topic.pk}")
    by_title = client.get("/researchers/ada-lovelace/works.ris?sort=title")
    assert [r["title"] for r in rispy.loads(by_title.content.decode())] == [
        "Notes on the Analytical Engine",
        "Sketch of an engine",
        "The Difference Engine",
    ]
    assert [r["title"] for r in rispy.loads(by_topic.content.decode())] == ["The Difference Engine"]
    bad = client.get("/researchers/ada-lovelace/works.bib?from=soon")
    assert bad.status_code == 400
    assert "from: Enter a whole number." in bad.content.decode()
    backwards = client.get("/researchers/ada-lovelace/works.bib?from=1900&to=1800")
    assert backwards.status_code == 400
    assert "“From year” (1900) is after “To year” (1800)." in backwards.content.decode()


def test_works_flagged_not_mine_are_left_out(ada, works):
    flagger = UserFactory(username="ada")
    WorkFlag.objects.create(researcher=ada, work=works["engine"], raised_by=flagger)
    WorkFlag.objects.create(
        researcher=ada, work=works["sketch"], raised_by=flagger, state=FlagState.DISMISSED
    )
    titles = [
        r["title"]
        for r in rispy.loads(Client().get("/researchers/ada-lovelace/works.ris").content.decode())
    ]
    # Pending "not mine": out at once; dismissed: the moderator said it is hers, so it stays.
    assert titles == ["Notes on the Analytical Engine", "Sketch of an engine"]


def test_unknown_formats_researchers_and_works_are_404(ada, works):
    client = Client()
    assert client.get("/researchers/ada-lovelace/works.xml").status_code == 404
    assert client.get("/researchers/nobody/works.bib").status_code == 404
    assert client.get("/works/999999/citation.bib").status_code == 404
    assert client.get(f"/works/{works['notes'].pk}/citation.docx").status_code == 404
    assert client.post(f"/works/{works['notes'].pk}/citation.bib").status_code == 405


def test_one_work_downloads_under_its_key(works):
    response = Client().get(f"/works/{works['notes'].pk}/citation.bib")
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="king1843notes-{works["notes"].pk}.bib"'
    )
    (entry,) = bibtexparser.parse_string(response.content.decode()).entries
    assert entry["doi"] == "10.1/notes"


@pytest.mark.parametrize("who", visitors())
def test_the_work_page_cites_in_apa_ieee_and_bibtex(who, request, works):
    engine = works["engine"]
    client = client_for(who, request)
    # The page's cite panel is a frame that htmx fills once it is scrolled to …
    response = client.get(engine.get_absolute_url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="cite")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card cite-panel" id="cite"')
    assert "<h1" not in html  # only the panel came back
    assert "Babbage, C., &amp; Lovelace, A. (1830). The Difference Engine." in html
    assert "[1] C. Babbage and A. Lovelace, The Difference Engine. 1830." in html
    assert f"@book{{babbage1830difference-{engine.pk}," in html
    assert f'<a href="/works/{engine.pk}/citation.ris" download>RIS</a>' in html
    # … and without JavaScript a link asks for the whole page with it.
    page = client.get(engine.get_absolute_url(), {"cite": "show"}).content.decode()
    assert "Babbage, C., &amp; Lovelace, A. (1830). The Difference Engine." in page
    assert f"@book{{babbage1830difference-{engine.pk}," in page


def test_the_work_page_as_linked_formats_no_reference(works, monkeypatch):
    """citeproc and nameparser cost more than the rest of the page: only the panel runs them."""

    def unwanted(*args, **kwargs):
        raise AssertionError("the page formatted its references")

    monkeypatch.setattr("openweb.panels.cite_panel", unwanted)
    engine = works["engine"]
    html = Client().get(engine.get_absolute_url()).content.decode()
    assert (
        'id="cite" aria-labelledby="cite-heading" hx-get="?cite=show" hx-trigger="revealed"' in html
    )
    assert '<a href="?cite=show#cite">Show it in APA, IEEE and BibTeX</a>' in html
    assert f'<a href="/works/{engine.pk}/citation.ris" download>RIS</a>' in html
    assert "@book{" not in html
    # The JSON-LD and description are still the page's own.
    (article,) = jsonld_of(html)
    assert [a["name"] for a in article["author"]] == ["Charles Babbage", "Ada Lovelace"]


def test_the_cite_panel_escapes_titles_and_cites_the_first_authors_only(db, monkeypatch):
    monkeypatch.setattr("openweb.panels.PANEL_AUTHORS", 2)
    work = WorkFactory(title='<img src=x onerror="alert(1)"> & more')
    for position, name in enumerate(["Ann Able", "Bob Baker", "Cy Cole"]):
        AuthorshipFactory(
            work=work, researcher=ResearcherFactory(display_name=name), position=position
        )
    html = Client().get(work.get_absolute_url(), {"cite": "show"}).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x" in html
    assert "author = {Able, Ann and Baker, Bob and others}" in html
    (article,) = jsonld_of(html)
    assert [a["name"] for a in article["author"]] == ["Ann Able", "Bob Baker"]
    # The download has every author.
    bib = Client().get(f"/works/{work.pk}/citation.bib").content.decode()
    assert bibtexparser.parse_string(bib).entries[0]["author"] == (
        "Able, Ann and Baker, Bob and Cole, Cy"
    )


def test_the_work_page_has_scholarly_article_json_ld(works):
    notes = works["notes"]
    notes.abstract = "On Bernoulli numbers."
    notes.venue = "Taylor's Scientific Memoirs"
    notes.openalex_id = "W9"
    notes.save()
    html = Client().get(notes.get_absolute_url()).content.decode()
    (article,) = jsonld_of(html)
    url = f"http://testserver{notes.get_absolute_url()}"
    assert article == {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "name": "Notes on the Analytical Engine",
        "headline": "Notes on the Analytical Engine",
        "url": url,
        "author": [
            {
                "@type": "Person",
                "name": "Augusta Ada King",
                "url": "http://testserver/researchers/ada-lovelace/",
            }
        ],
        "datePublished": "1843",
        "identifier": [
            {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.1/notes"},
            {"@type": "PropertyValue", "propertyID": "OpenAlex", "value": "W9"},
        ],
        "sameAs": ["https://doi.org/10.1/notes", "https://openalex.org/W9"],
        "isPartOf": {"@type": "Periodical", "name": "Taylor's Scientific Memoirs"},
        "abstract": "On Bernoulli numbers.",
    }
    assert f'<link rel="canonical" href="{url}">' in html
    assert '<meta property="og:type" content="article">' in html


def jsonld_of(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(b) for b in blocks]


def test_the_profile_has_person_json_ld_description_canonical_and_open_graph(ada, works):
    ada.affiliation = InstitutionFactory(display_name="University of London", ror_id="04cw6st05")
    ada.headline = "Mathematician."
    ada.save()
    html = Client().get("/researchers/ada-lovelace/?page=1").content.decode()
    (person,) = jsonld_of(html)
    assert person == {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": "Ada Lovelace",
        "sameAs": ["https://orcid.org/0000-0002-1825-0097", "https://openalex.org/A1"],
        "identifier": [
            {"@type": "PropertyValue", "propertyID": "ORCID", "value": "0000-0002-1825-0097"},
            {"@type": "PropertyValue", "propertyID": "OpenAlex", "value": "A1"},
        ],
        "description": "Mathematician.",
        "affiliation": {
            "@type": "Organization",
            "name": "University of London",
            "sameAs": [
                "https://ror.org/04cw6st05",
                f"https://openalex.org/{ada.affiliation.openalex_id}",
            ],
        },
        "url": "http://testserver/researchers/ada-lovelace/",
    }
    assert '<link rel="canonical" href="http://testserver/researchers/ada-lovelace/">' in html
    assert '<meta property="og:type" content="profile">' in html
    assert '<meta property="og:title" content="Ada Lovelace">' in html
    assert (
        '<meta name="description" content="Ada Lovelace: Mathematician · University of London · '
        '3 published items. Profile, works and research graph on BZPEER.">'
    ) in html


def test_script_in_the_data_cannot_break_out_of_the_json_ld(db):
    ResearcherFactory(
        slug="mallory", display_name='</script><script>alert("x")</script>', headline="a & b <!--"
    )
    html = Client().get("/researchers/mallory/").content.decode()
    head = html[: html.index("</head>")]
    # One script element of ours holds the data; nothing in it closes it or opens another.
    assert head.count("<script>") == 0
    assert "</script><script>" not in head
    (person,) = jsonld_of(head)
    assert person["name"] == '</script><script>alert("x")</script>'
    assert person["description"] == "a & b <!--"


@pytest.mark.parametrize("who", visitors())
def test_an_institution_page_has_organization_json_ld_with_its_ids(who, request, db):
    uni = InstitutionFactory(
        display_name="University of London",
        ror_id="04cw6st05",
        openalex_id="I124357947",
        institution_type="education",
        country_code="GB",
        homepage_url="https://www.london.ac.uk/",
    )
    ResearcherFactory(affiliation=uni)
    path = f"/institutions/{uni.pk}/"
    html = client_for(who, request).get(f"{path}?page=2").content.decode()
    (org,) = jsonld_of(html)
    assert org == {
        "@context": "https://schema.org",
        "@type": "CollegeOrUniversity",
        "name": "University of London",
        "sameAs": [
            "https://ror.org/04cw6st05",
            "https://openalex.org/I124357947",
            "https://www.london.ac.uk/",
        ],
        "identifier": [
            {"@type": "PropertyValue", "propertyID": "ROR", "value": "04cw6st05"},
            {"@type": "PropertyValue", "propertyID": "OpenAlex", "value": "I124357947"},
        ],
        "address": {"@type": "PostalAddress", "addressCountry": "GB"},
        "url": f"http://testserver{path}",
    }
    assert f'<link rel="canonical" href="http://testserver{path}">' in html
    assert '<meta property="og:title" content="University of London">' in html
    assert (
        '<meta name="description" content="University of London: Education (GB) · '
        '1 affiliated researcher · 0 works with an author here. On BZPEER.">'
    ) in html


def test_an_institution_without_type_or_ids_is_an_organization(db):
    uni = InstitutionFactory(display_name="Somewhere", openalex_id=None)
    (org,) = jsonld_of(Client().get(f"/institutions/{uni.pk}/").content.decode())
    assert org == {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": "Somewhere",
        "url": f"http://testserver/institutions/{uni.pk}/",
    }


@pytest.mark.parametrize("who", visitors())
def test_a_venue_page_has_periodical_json_ld_with_its_issn(who, request, works):
    venue = Source.objects.create(
        display_name="Nature", openalex_id="S137773608", issn_l="0028-0836", source_type="journal"
    )
    Work.objects.filter(pk=works["notes"].pk).update(source=venue)
    path = f"/venues/{venue.pk}/"
    html = client_for(who, request).get(path).content.decode()
    (periodical,) = jsonld_of(html)
    assert periodical == {
        "@context": "https://schema.org",
        "@type": "Periodical",
        "name": "Nature",
        "issn": "0028-0836",
        "identifier": [
            {"@type": "PropertyValue", "propertyID": "ISSN-L", "value": "0028-0836"},
            {"@type": "PropertyValue", "propertyID": "OpenAlex", "value": "S137773608"},
        ],
        "sameAs": [
            "https://portal.issn.org/resource/ISSN/0028-0836",
            "https://openalex.org/S137773608",
        ],
        "url": f"http://testserver{path}",
    }
    assert '<meta property="og:title" content="Nature">' in html
    assert (
        '<meta name="description" content="Nature: Journal · ISSN-L 0028-0836 · 1 work on BZPEER. '
        'Its newest and most cited works and the authors who publish there most.">'
    ) in html


def test_a_venue_that_is_no_journal_is_a_creative_work_series(db):
    venue = Source.objects.create(display_name="arXiv", source_type="repository")
    (series,) = jsonld_of(Client().get(f"/venues/{venue.pk}/").content.decode())
    assert series["@type"] == "CreativeWorkSeries"
    assert "issn" not in series and "sameAs" not in series


@pytest.mark.parametrize("kind", ["venue", "institution"])
def test_script_in_a_place_name_cannot_break_out_of_the_json_ld(db, kind):
    name = '</script><script>alert("x")</script> & <!--'
    if kind == "venue":
        place = Source.objects.create(display_name=name, issn_l="1234-5678")
    else:
        place = InstitutionFactory(display_name=name, ror_id="04cw6st05")
    html = Client().get(f"/{kind}s/{place.pk}/").content.decode()
    head = html[: html.index("</head>")]
    assert head.count("<script>") == 0
    assert "</script><script>" not in head and "<!--" not in head
    (data,) = jsonld_of(head)
    assert data["name"] == name
    assert '<meta property="og:title" content="&lt;/script&gt;&lt;script&gt;' in head


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?q=feng",
        "/topics/{topic}/",
        "{work}",
        "/researchers/ada-lovelace/explorer/",
        "/researchers/ada-lovelace/coauthors/?sort=name",
        "/venues/{venue}/",
        "/institutions/{institution}/",
    ],
)
def test_every_public_page_has_a_description_canonical_url_and_open_graph(path, works):
    topic = TopicFactory(display_name="Engines")
    venue = Source.objects.create(display_name="Annals of Engines")
    institution = InstitutionFactory(display_name="University of London")
    path = path.format(
        topic=topic.pk,
        work=works["notes"].get_absolute_url(),
        venue=venue.pk,
        institution=institution.pk,
    )
    html = Client().get(path).content.decode()
    canonical = "http://testserver" + path.split("?")[0]
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert re.search(r'<meta name="description" content="[^"]{20,}">', html)
    for prop in ("og:title", "og:description", "og:type", "og:url", "og:site_name"):
        assert f'<meta property="{prop}" content="' in html


def test_the_coauthors_page_describes_itself(ada, works):
    html = Client().get("/researchers/ada-lovelace/coauthors/").content.decode()
    assert '<meta property="og:title" content="Co-authors of Ada Lovelace">' in html
    assert (
        '<meta name="description" content="Everyone Ada Lovelace wrote with, as BZPEER knows it: '
        '1 co-author, with their shared works and the years they worked together.">'
    ) in html


def test_the_profile_offers_the_export_of_the_view_it_shows(ada, works):
    html = Client().get("/researchers/ada-lovelace/?from=1842&to=1842").content.decode()
    assert "Cite these 1:" in html
    assert 'href="/researchers/ada-lovelace/works.bib?from=1842&amp;to=1842" download' in html
    whole = Client().get("/researchers/ada-lovelace/").content.decode()
    assert "Cite all:" in whole
    assert 'href="/researchers/ada-lovelace/works.ris" download' in whole


def test_the_cite_panel_alone_reads_the_same_queries_for_1_or_150_authors(db):
    small, big = WorkFactory(title="One author"), WorkFactory(title="Many authors")
    AuthorshipFactory(work=small, position=0)
    for position in range(150):
        AuthorshipFactory(work=big, position=position)
    counts = []
    for work in (small, big):
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(
                work.get_absolute_url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="cite"
            )
        assert response.status_code == 200
        assert "Copy BibTeX" in response.content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1] == 2  # the work with its counts, then its first authors
