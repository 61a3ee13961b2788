"""The work page as each kind of visitor: typical, empty and huge works, its htmx regions."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from profiles.models import Researcher
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
    WorkTopicFactory,
)
from works import work_selectors, work_views
from works.models import Authorship, Citation, Source, Work

HTMX = {"HTTP_HX_REQUEST": "true"}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def author_names(html: str) -> list[str]:
    return re.findall(r'<li value="\d+"><a href="/researchers/[^"]+/">([^<]+)</a>', html)


def cites(citing: Work, cited: Work) -> None:
    Citation.objects.create(citing=citing, cited=cited, cited_openalex_id=f"W{cited.pk}")


@pytest.fixture
def paper(db):
    venue = Source.objects.create(display_name="Journal of Engines", openalex_id="S1")
    work = WorkFactory(
        title="On the Analytical Engine: notes",
        work_type="article",
        publication_year=1843,
        abstract="The engine weaves algebraic patterns.",
        doi="10.1000/engine",
        arxiv_id="1843.00001",
        openalex_id="W1843",
        cited_by_count=7,
        source=venue,
    )
    ada = ResearcherFactory(display_name="Ada Lovelace", slug="ada-lovelace")
    babbage = ResearcherFactory(display_name="Charles Babbage", slug="charles-babbage")
    AuthorshipFactory(work=work, researcher=babbage, position=1)
    first = AuthorshipFactory(work=work, researcher=ada, position=0)
    first.institutions.add(InstitutionFactory(display_name="University of London"))
    WorkTopicFactory(work=work, topic=TopicFactory(display_name="Computing machinery"))
    older = WorkFactory(title="Bernoulli numbers", publication_year=1800, cited_by_count=3)
    cites(work, older)
    Citation.objects.create(citing=work, cited_openalex_id="W404")  # not in BZPEER
    for year, count in ((1900, 50), (1950, 1)):
        cites(WorkFactory(title=f"Engines revisited in {year}", publication_year=year,
                          cited_by_count=count), work)  # fmt: skip
    return work


def test_the_id_only_url_redirects_to_the_readable_one(client, paper):
    response = client.get(f"/works/{paper.pk}/")
    assert response.status_code == 301
    assert response["Location"] == f"/works/{paper.pk}/on-the-analytical-engine-notes/"


def test_a_wrong_slug_redirects_and_keeps_the_query(client, paper):
    response = client.get(f"/works/{paper.pk}/old-title/?cited=most-cited")
    assert response.status_code == 301
    assert response["Location"] == paper.get_absolute_url() + "?cited=most-cited"


def test_an_unknown_work_is_a_404(client, db):
    assert client.get("/works/999999/").status_code == 404
    assert client.get("/works/999999/anything/").status_code == 404


def test_a_title_without_latin_letters_still_has_a_url(client, db):
    work = WorkFactory(title="机器学习")
    assert work.get_absolute_url() == f"/works/{work.pk}/work/"
    assert client.get(work.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "outsider", "owner", "moderator"])
def test_it_shows_the_whole_work_to_every_visitor(client, paper, who):
    if who != "anonymous":
        user = UserFactory(username=who, is_staff=who == "moderator")
        client.force_login(user)
    response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(html)
    for expected in [
        "On the Analytical Engine: notes",
        "article",
        "1843",
        "Journal of Engines",
        "The engine weaves algebraic patterns.",
        "Computing machinery",
        "University of London",
        "Cites 2 works; 1 is in BZPEER",
        "the other 1 is not imported",
        "2 works in BZPEER cite this one.",
    ]:
        assert expected in text, expected
    assert author_names(html) == ["Ada Lovelace", "Charles Babbage"]  # in order
    assert 'href="https://doi.org/10.1000/engine"' in html
    assert 'href="https://arxiv.org/abs/1843.00001"' in html
    assert 'href="https://arxiv.org/pdf/1843.00001"' in html
    assert 'href="https://openalex.org/W1843"' in html
    bernoulli = Work.objects.get(title="Bernoulli numbers")
    assert f'href="{bernoulli.get_absolute_url()}"' in html
    assert '<section class="card" id="work-citing"' in html


def test_citing_works_come_newest_or_most_cited_first(client, paper):
    html = client.get(paper.get_absolute_url()).content.decode()
    assert html.index("Engines revisited in 1950") < html.index("Engines revisited in 1900")
    most = client.get(paper.get_absolute_url(), {"cited": "most-cited"}).content.decode()
    assert most.index("Engines revisited in 1900") < most.index("Engines revisited in 1950")
    # The fragment alone with htmx.
    fragment = client.get(
        paper.get_absolute_url(), {"cited": "most-cited"}, **HTMX, HTTP_HX_TARGET="citing"
    ).content.decode()
    assert fragment.strip().startswith('<div id="citing">')
    assert "<h1" not in fragment
    assert '<strong aria-current="true">most cited first</strong>' in fragment


def test_citing_works_are_paged(client, paper, monkeypatch):
    monkeypatch.setattr(work_selectors, "CITING_PAGE_SIZE", 1)
    first = client.get(paper.get_absolute_url()).content.decode()
    assert "Engines revisited in 1950" in first and "Engines revisited in 1900" not in first
    assert "First page" not in first
    (after,) = re.findall(r'href="\?cited=newest&amp;cafter=([^"#]+)#work-citing"', first)
    second = client.get(paper.get_absolute_url(), {"cafter": after}).content.decode()
    assert "Engines revisited in 1900" in second and "Engines revisited in 1950" not in second
    assert "First page" in second and "cafter=" not in second.split('id="citing"')[1]


def next_cursor(html: str, order: str) -> str | None:
    found = re.findall(rf'hx-get="\?cited={order}&amp;cafter=([^"]+)"', html)
    return found[0] if found else None


@pytest.mark.parametrize("order", ["newest", "most-cited"])
def test_walking_the_citers_page_by_page_lists_each_once_in_order(client, db, monkeypatch, order):
    """Keyset pages through ties, and from the dated citers on to the undated ones."""
    monkeypatch.setattr(work_selectors, "CITING_PAGE_SIZE", 4)
    cited = WorkFactory(title="Much cited")
    years = [2001, 2001, 2001, 1999, None, 2010, None, 2001, 1999, 2020, None, 2005, 2001]
    citers = [
        WorkFactory(title=f"Citer {i}", publication_year=year, cited_by_count=i % 4)
        for i, year in enumerate(years)
    ]
    for citer in citers:
        cites(citer, cited)
    cites(WorkFactory(title="Citer of another"), WorkFactory())
    if order == "newest":
        expected = sorted(
            citers, key=lambda w: (w.publication_year is None, -(w.publication_year or 0), -w.pk)
        )
    else:
        expected = sorted(citers, key=lambda w: (-w.cited_by_count, -w.pk))
    shown: list[str] = []
    query = {"cited": order}
    pages = 0
    while True:
        html = client.get(cited.get_absolute_url(), query, **HTMX, HTTP_HX_TARGET="citing")
        fragment = html.content.decode()
        shown += re.findall(r">(Citer \d+)</a>", fragment)
        pages += 1
        after = next_cursor(fragment, order)
        if after is None:
            break
        query = {"cited": order, "cafter": after}
    assert shown == [w.title for w in expected]
    assert pages == 4  # 13 citers, 4 a page
    # A cursor past the last citer is no page.
    last = expected[-1]
    key = last.cited_by_count if order == "most-cited" else last.publication_year
    past = f"{'none' if key is None else key}.{last.pk}"
    assert client.get(cited.get_absolute_url(), {"cited": order, "cafter": past}).status_code == 404


def previous_cursor(html: str, order: str) -> str | None:
    found = re.findall(rf'hx-get="\?cited={order}&amp;cbefore=([^"]+)"', html)
    return found[0] if found else None


def pages_of_citers(client, work, order: str, *, going: str, start: str | None) -> list[list[str]]:
    """The titles on each page of citers, following Next (or Previous) from `start`."""
    pages: list[list[str]] = []
    cursor = start
    while True:
        query = {"cited": order} | ({} if cursor is None else {going: cursor})
        response = client.get(work.get_absolute_url(), query, **HTMX, HTTP_HX_TARGET="citing")
        assert response.status_code == 200
        fragment = response.content.decode()
        pages.append(re.findall(r">(Citer \d+)</a>", fragment))
        cursor = (next_cursor if going == "cafter" else previous_cursor)(fragment, order)
        if cursor is None:
            return pages


@pytest.mark.parametrize("cap", [10_000, 2])
@pytest.mark.parametrize("order", ["newest", "most-cited"])
def test_previous_walks_back_through_the_same_pages(client, db, monkeypatch, cap, order):
    """From the last page of citers, Previous lists the pages Next did, back to the first."""
    monkeypatch.setattr(work_selectors, "CITING_PAGE_SIZE", 4)
    monkeypatch.setattr(work_selectors, "COUNT_CAP", cap)  # few citers sorted, or many walked
    cited = WorkFactory(title="Much cited")
    years = [2001, 2001, 2001, 1999, None, 2010, None, 2001, 1999, 2020, None, 2005, 2001]
    for i, year in enumerate(years):
        cites(WorkFactory(title=f"Citer {i}", publication_year=year, cited_by_count=i % 4), cited)
    onwards = pages_of_citers(client, cited, order, going="cafter", start=None)
    assert [len(p) for p in onwards] == [4, 4, 4, 1]
    # The last page's Previous, and so on back to the first page, which has no Previous.
    last = client.get(
        cited.get_absolute_url(),
        {"cited": order, "cafter": next_cursors(client, cited, order)[-1]},
        **HTMX,
        HTTP_HX_TARGET="citing",
    ).content.decode()
    assert "First page" in last
    back = pages_of_citers(
        client, cited, order, going="cbefore", start=previous_cursor(last, order)
    )
    assert back == onwards[-2::-1]
    third = client.get(
        cited.get_absolute_url(), {"cited": order, "cbefore": previous_cursor(last, order)}
    ).content.decode()  # the whole page, reached backwards: still not the first
    assert "First page" in third and "Previous" in third and "Next" in third


def next_cursors(client, work, order: str) -> list[str]:
    """The cursors of Next on each page, first page onwards."""
    cursors: list[str] = []
    query = {"cited": order}
    while True:
        html = client.get(work.get_absolute_url(), query, **HTMX, HTTP_HX_TARGET="citing")
        after = next_cursor(html.content.decode(), order)
        if after is None:
            return cursors
        cursors.append(after)
        query = {"cited": order, "cafter": after}


def test_previous_from_the_second_page_is_the_first(client, paper, monkeypatch):
    monkeypatch.setattr(work_selectors, "CITING_PAGE_SIZE", 1)
    first = client.get(paper.get_absolute_url()).content.decode()
    assert "Previous" not in first
    (after,) = re.findall(r'href="\?cited=newest&amp;cafter=([^"#]+)#work-citing"', first)
    second = client.get(paper.get_absolute_url(), {"cafter": after}).content.decode()
    (before,) = re.findall(r'href="\?cited=newest&amp;cbefore=([^"#]+)#work-citing"', second)
    again = client.get(paper.get_absolute_url(), {"cbefore": before}).content.decode()
    assert "Engines revisited in 1950" in again and "Engines revisited in 1900" not in again
    assert "Previous" not in again and "First page" not in again
    assert re.findall(r'href="\?cited=newest&amp;cafter=([^"#]+)#work-citing"', again) == [after]


@pytest.mark.parametrize(
    "query",
    [
        {"cbefore": "x"},
        {"cbefore": "3000.1"},  # before every citer
        {"cited": "most-cited", "cbefore": "none.5"},
        {"cafter": "1950.1", "cbefore": "1900.1"},  # one or the other
        {"cafter": "x"},
        {"cafter": "0"},
        {"cafter": "2015"},
        {"cafter": "2015.x"},
        {"cafter": "-1.5"},
        {"cafter": "1.2.3"},
        {"cafter": "99999999999.1"},
        {"cited": "most-cited", "cafter": "none.5"},  # counts are never unknown
        {"cafter": "1800.1"},  # past every citer
        {"cited": "oldest"},
        {"authors": "some"},
        {"apage": "-1"},
    ],
)
def test_bad_query_strings_are_404s_not_errors(client, paper, query):
    assert client.get(paper.get_absolute_url(), query).status_code == 404


def test_an_empty_work_says_what_is_missing(client, db):
    work = WorkFactory(title="Untitled note", publication_year=None)
    text = text_of(client.get(work.get_absolute_url()).content.decode())
    for expected in [
        "Year unknown",
        "Venue not imported",
        "No author imported for this work.",
        "No abstract came with this work.",
        "No topic yet.",
        "No reference list came with this work.",
        "No work in BZPEER cites this one.",
    ]:
        assert expected in text, expected


def _work_with_authors(n: int) -> Work:
    work = WorkFactory(title=f"Big science with {n} authors")
    people = Researcher.objects.bulk_create(
        Researcher(display_name=f"Person {i:05d}", slug=f"person-{n}-{i}") for i in range(n)
    )
    Authorship.objects.bulk_create(
        Authorship(work=work, researcher=person, position=i) for i, person in enumerate(people)
    )
    return work


def test_a_long_author_list_folds_after_the_first_10_and_before_the_last_3(client, db):
    work = _work_with_authors(5000)
    html = client.get(work.get_absolute_url()).content.decode()
    names = author_names(html)
    assert names == [f"Person {i:05d}" for i in [*range(10), 4997, 4998, 4999]]
    assert "… 4,987 more authors …" in text_of(html)
    assert "Show all 5,000 authors" in html
    assert '<li value="4998">' in html  # numbered by position, not by place on the page


def test_show_all_authors_loads_them_in_pages(client, db, monkeypatch):
    monkeypatch.setattr(work_selectors, "AUTHORS_PAGE_SIZE", 20)
    work = _work_with_authors(30)
    all_of_them = client.get(
        work.get_absolute_url(), {"authors": "all"}, **HTMX, HTTP_HX_TARGET="authors"
    ).content.decode()
    assert all_of_them.strip().startswith('<ol class="authors" id="authors">')
    assert author_names(all_of_them) == [f"Person {i:05d}" for i in range(20)]
    assert 'id="authors-more"' in all_of_them
    more = client.get(
        work.get_absolute_url(), {"authors": "all", "apage": 2}, **HTMX,
        HTTP_HX_TARGET="authors-more",
    ).content.decode()  # fmt: skip
    assert author_names(more) == [f"Person {i:05d}" for i in range(20, 30)]
    assert "authors-more" not in more
    assert client.get(work.get_absolute_url(), {"authors": "all", "apage": 3}).status_code == 404


def test_it_runs_a_constant_number_of_queries(client, db, django_assert_num_queries):
    small = WorkFactory(title="Small")
    AuthorshipFactory(work=small)
    cites(small, WorkFactory())
    cites(WorkFactory(), small)
    big = _work_with_authors(300)
    for author in big.authorships.all()[:50]:
        author.institutions.add(InstitutionFactory())
    topics = [TopicFactory() for _ in range(20)]
    for topic in topics:
        WorkTopicFactory(work=big, topic=topic)
    citers = Work.objects.bulk_create(Work(title=f"Citer {i}") for i in range(300))
    Citation.objects.bulk_create(
        Citation(citing=w, cited=big, cited_openalex_id="W1") for w in citers
    )
    Citation.objects.bulk_create(
        Citation(citing=big, cited=w, cited_openalex_id=f"W{w.pk}") for w in citers[:150]
    )
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(small.get_absolute_url()).status_code == 200
    with django_assert_num_queries(len(small_queries)):
        response = client.get(big.get_absolute_url())
    assert response.status_code == 200
    assert "300 works in BZPEER cite this one." in text_of(response.content.decode())
    # The work (with its counts and topics), the authors and their institutions, references,
    # one page of citers, and the cite panel's authors (openweb, issue 14).
    assert len(small_queries) == 6


def test_citers_past_the_cap_are_counted_as_more_than_it(client, db, monkeypatch):
    monkeypatch.setattr(work_selectors, "COUNT_CAP", 2)
    work = WorkFactory(title="Popular")
    for i in range(3):
        cites(WorkFactory(title=f"Citer {i}"), work)
    monkeypatch.setattr(work_views, "COUNT_CAP", 2)
    text = text_of(client.get(work.get_absolute_url()).content.decode())
    assert "More than 2 works in BZPEER cite this one." in text


@pytest.mark.parametrize("cap", [1_000, 5], ids=["ids sorted", "index walked"])
@pytest.mark.parametrize("order", ["newest", "most-cited"])
def test_citing_pages_follow_one_order_whether_citers_are_few_or_many(db, monkeypatch, cap, order):
    """Few citers are sorted by id, many found by walking the order's index: same pages."""
    monkeypatch.setattr(work_selectors, "COUNT_CAP", cap)
    monkeypatch.setattr(work_selectors, "CITING_PAGE_SIZE", 4)
    work = WorkFactory(title="Cited")
    for i in range(11):
        year = None if i == 5 else 2000 + i % 3
        cites(WorkFactory(title=f"Citer {i}", publication_year=year, cited_by_count=i % 4), work)
    WorkFactory(title="Not a citer", publication_year=2010, cited_by_count=99)
    citers = Work.objects.filter(references__cited=work)
    if order == "newest":
        expected = citers.order_by(F("publication_year").desc(nulls_last=True), F("id").desc())
    else:
        expected = citers.order_by(F("cited_by_count").desc(), F("id").desc())
    loaded = work_selectors.work_queryset().get(pk=work.pk)
    shown: list[str] = []
    after = None
    for number in (1, 2, 3):
        page = work_selectors.work_citing_page(loaded, order=order, after=after)
        shown += [w.title for w in page.works]
        assert page.has_next == (number < 3)
        after = page.next_cursor
    assert shown == [w.title for w in expected]


def test_a_deep_page_of_citers_reads_as_many_queries_as_the_first(
    client, db, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(work_selectors, "CITING_PAGE_SIZE", 2)
    cited = WorkFactory(title="Much cited")
    for i, year in enumerate([2001, 2002, 2003, None, None, 2004]):
        cites(WorkFactory(title=f"Citer {i}", publication_year=year), cited)
    with CaptureQueriesContext(connection) as first:
        html = client.get(cited.get_absolute_url()).content.decode()
    after = next_cursor(html, "newest")
    for _ in range(2):  # the page crossing from dated to undated citers, then an undated one
        assert after is not None
        with django_assert_num_queries(len(first)):
            html = client.get(cited.get_absolute_url(), {"cafter": after}).content.decode()
        after = next_cursor(html, "newest")
    assert after is None
    before = previous_cursor(html, "newest")
    for _ in range(2):  # back across the undated and the dated citers
        assert before is not None
        with django_assert_num_queries(len(first)):
            html = client.get(cited.get_absolute_url(), {"cbefore": before}).content.decode()
        before = previous_cursor(html, "newest")
    assert before is None


@pytest.fixture
def real_open_work(db, tmp_path):
    """The first green work of the real OpenAlex samples with two open copies, imported."""
    import io
    import json

    from tests.works.importing import DEMO
    from works.importers.openalex import openalex_import

    page = DEMO / "openalex" / "works-page-biodiversity-finance.json"
    records = json.loads(page.read_text())["results"]
    record = next(
        r
        for r in records
        if r["open_access"]["oa_status"] == "green"
        and sum(1 for place in r["locations"] if place["is_oa"]) >= 2
    )
    path = tmp_path / "one.json"
    path.write_text(json.dumps([record]))
    report = openalex_import(
        paths=[path], progress=False, enqueue_refresh=False, error_stream=io.StringIO()
    )
    assert report.ok
    return record, Work.objects.get(openalex_id=record["id"].rsplit("/", 1)[1])


@pytest.mark.parametrize("who", ["anonymous", "outsider", "owner", "moderator"])
def test_a_real_open_work_links_its_free_copy_and_lists_the_others(client, real_open_work, who):
    record, work = real_open_work
    if who != "anonymous":
        client.force_login(UserFactory(username=who, is_staff=who == "moderator"))
    html = client.get(work.get_absolute_url()).content.decode()
    oa_url = record["open_access"]["oa_url"]
    link = f'<a class="open-access" href="{oa_url.replace("&", "&amp;")}" rel="external">'
    assert link + "Open access (green)</a>" in html
    copies = [place for place in record["locations"] if place["is_oa"]]
    assert f"{len(copies)} free copies: green (a copy in a repository)" in text_of(html)
    for place in copies:
        assert (place["pdf_url"] or place["landing_page_url"]).replace("&", "&amp;") in html


def test_a_closed_work_says_no_free_copy_is_known_and_an_arxiv_work_links_its_pdf(client, db):
    closed = WorkFactory(title="Behind a paywall", oa_status="closed")
    html = client.get(closed.get_absolute_url()).content.decode()
    assert "No free copy known (OpenAlex: closed access)." in html
    assert 'class="open-access"' not in html
    preprint = WorkFactory(title="On arXiv", arxiv_id="2101.00001")
    html = client.get(preprint.get_absolute_url()).content.decode()
    assert (
        '<a class="open-access" href="https://arxiv.org/pdf/2101.00001" rel="external">'
        "Open access PDF (arXiv)</a>"
    ) in html


def test_the_database_refuses_an_unknown_status_and_a_link_that_is_not_a_web_link(db):
    from django.db import IntegrityError, transaction

    work = WorkFactory()
    for change in ({"oa_status": "platinum"}, {"oa_url": "javascript:alert(1)"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Work.objects.filter(pk=work.pk).update(**change)
