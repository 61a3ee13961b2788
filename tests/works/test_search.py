"""The site search over works, topics, institutions and venues (works.search)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    TopicFactory,
    WorkFactory,
    WorkTopicFactory,
)
from works import search
from works.models import Source
from works.search import (
    WorkFilters,
    institution_search,
    site_search,
    topic_search,
    venue_search,
    work_search,
)

pytestmark = pytest.mark.django_db


def titles(found) -> list[str]:
    return [work.title for work in found.results.hits]


def test_a_title_match_ranks_above_an_abstract_match_and_forms_of_a_word_match():
    WorkFactory(title="Ocean acoustics", abstract="We study graph networks of hydrophones.")
    WorkFactory(title="Graph neural networks for molecules", abstract="Chemistry.")
    WorkFactory(title="Unrelated", abstract="Nothing to see.")
    found = work_search("graph network")
    assert titles(found) == ["Graph neural networks for molecules", "Ocean acoustics"]
    assert found.results.total == 2 and found.ranked


def test_every_word_must_match_and_the_query_reads_like_a_web_search():
    WorkFactory(title="Graph theory")
    WorkFactory(title="Graph neural networks")
    WorkFactory(title="Neural coding")
    assert titles(work_search("graph neural")) == ["Graph neural networks"]
    assert sorted(titles(work_search("graph -neural"))) == ["Graph theory"]
    assert sorted(titles(work_search("theory or coding"))) == ["Graph theory", "Neural coding"]
    assert titles(work_search('"neural graph"')) == []


def test_a_query_of_stop_words_only_says_so_instead_of_nothing_found(client):
    WorkFactory(title="The theory of everything")
    found = work_search("the of")
    assert found.stop_words_only and found.results.total == 0
    html = client.get(reverse("home"), {"q": "the of", "kind": "works"}).content.decode()
    assert "has only words too common to search works for" in html


def test_past_the_rank_limit_the_most_cited_come_first_and_the_page_says_so(client, monkeypatch):
    monkeypatch.setattr(search, "RANK_LIMIT", 2)
    for cited in (5, 50, 0):
        WorkFactory(title=f"Protein folding {cited}", cited_by_count=cited)
    found = work_search("protein")
    assert not found.ranked
    assert titles(found) == ["Protein folding 50", "Protein folding 5", "Protein folding 0"]
    html = client.get(reverse("home"), {"q": "protein", "kind": "works"}).content.decode()
    assert "Too many to rank by relevance: most cited first" in html


def test_the_total_is_counted_up_to_the_cap_and_said(client, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    WorkFactory.create_batch(5, title="Climate models")
    found = work_search("climate")
    assert found.results.total == 3 and found.results.total_capped
    html = client.get(reverse("home"), {"q": "climate", "kind": "works"}).content.decode()
    assert "More than 3 works match “climate”" in html


def test_works_are_paged(client):
    WorkFactory.create_batch(25, title="Soil carbon")
    url = reverse("home")
    html = client.get(url, {"q": "soil", "kind": "works", "page": 2}).content.decode()
    assert "Page 2 of 2" in html and "21–25" in html and html.count('class="work"') == 5
    assert client.get(url, {"q": "soil", "kind": "works", "page": 3}).status_code == 404


def corpus():
    """Six works on "coral": two kinds, two topics, two institutions, three years."""
    reefs, fish = TopicFactory(display_name="Coral reefs"), TopicFactory(display_name="Fish")
    north, south = (
        InstitutionFactory(display_name="North U"),
        InstitutionFactory(display_name="South U"),
    )
    made: list[object] = []
    for year, kind, topic, place in [
        (2019, "article", reefs, north),
        (2020, "article", reefs, north),
        (2020, "preprint", reefs, south),
        (2021, "article", fish, south),
        (2021, "article", fish, None),
        (2021, "dataset", None, None),
    ]:
        work = WorkFactory(title=f"Coral study {len(made)}", publication_year=year, work_type=kind)
        if topic:
            WorkTopicFactory(work=work, topic=topic)
        if place:
            AuthorshipFactory(work=work).institutions.add(place)
        made.append(work)
    return reefs, fish, north, south


def counts(facet_values) -> dict[str, int]:
    return {value.label: value.count for value in facet_values}


def test_facets_count_the_matches_by_year_type_topic_and_institution():
    corpus()
    facets = work_search("coral").facets
    assert counts(facets.years) == {"2021": 3, "2020": 2, "2019": 1}
    assert counts(facets.types) == {"article": 4, "preprint": 1, "dataset": 1}
    assert counts(facets.topics) == {"Coral reefs": 3, "Fish": 2}
    assert counts(facets.institutions) == {"North U": 2, "South U": 2}
    assert not facets.sampled


def test_filters_narrow_the_works_and_their_facets():
    reefs, fish, _north, south = corpus()
    found = work_search("coral", filters=WorkFilters(year_from=2020, year_to=2020))
    assert found.results.total == 2 and counts(found.facets.types) == {"article": 1, "preprint": 1}
    assert work_search("coral", filters=WorkFilters(work_type="article")).results.total == 4
    assert work_search("coral", filters=WorkFilters(topic_id=fish.pk)).results.total == 2
    by_place = work_search("coral", filters=WorkFilters(institution_id=south.pk))
    assert by_place.results.total == 2 and counts(by_place.facets.topics) == {
        "Coral reefs": 1,
        "Fish": 1,
    }
    both = WorkFilters(year_from=2021, topic_id=reefs.pk)
    assert work_search("coral", filters=both).results.total == 0


def test_facets_past_the_sample_say_they_count_a_sample(client, monkeypatch):
    monkeypatch.setattr(search, "FACET_SAMPLE", 4)
    corpus()
    facets = work_search("coral").facets
    assert facets.sampled and sum(v.count for v in facets.types) == 4
    html = client.get(reverse("home"), {"q": "coral", "kind": "works"}).content.decode()
    assert "Counts among the first 4 matches" in html


def test_filter_links_keep_the_query_and_a_bad_filter_is_reported_not_lost(client):
    reefs, *_ = corpus()
    url = reverse("home")
    html = client.get(url, {"q": "coral", "kind": "works"}).content.decode()
    assert f'href="?q=coral&amp;kind=works&amp;topic={reefs.pk}"' in html
    bad = {"q": "coral", "kind": "works", "year_from": "2021", "year_to": "2019", "topic": "999999"}
    response = client.get(url, bad)
    html = response.content.decode()
    assert response.status_code == 200
    assert "The range ends before it starts (2021 to 2019)." in html
    assert "No such topic: remove it and search again." in html
    # The query and the valid filter still apply; the typed values stay in the form.
    assert "3 works match “coral”" in html
    assert 'name="year_to" value="2019"' in html
    response = client.get(url, {"q": "coral", "kind": "works", "year_from": "abc"})
    assert response.status_code == 200 and "Enter a whole number." in response.content.decode()


def test_a_work_result_shows_its_first_authors_and_how_many_there_are(client):
    work = WorkFactory(title="Big science", cited_by_count=12)
    for position in range(5):
        AuthorshipFactory(
            work=work,
            position=position,
            researcher=ResearcherFactory(display_name=f"Author {position}"),
        )
    html = client.get(reverse("home"), {"q": "big science", "kind": "works"}).content.decode()
    item = re.search(r'<li class="work">(.*?)</li>', html, re.S).group(1)
    assert "Author 0" in item and "Author 2" in item and "Author 3" not in item
    assert "et al. (5 authors)" in item and "cited 12 times" in item


def test_a_page_of_works_costs_the_same_whatever_the_corpus_holds(
    client, django_assert_num_queries
):
    url = reverse("home")
    params = {"q": "coral", "kind": "works"}
    WorkFactory(title="Coral one")
    with CaptureQueriesContext(connection) as few:
        client.get(url, params)
    corpus()
    for _ in range(3):
        work = WorkFactory(title="Coral big")
        for position in range(12):
            AuthorshipFactory(work=work, position=position)
    with CaptureQueriesContext(connection) as many:
        client.get(url, params)
    assert len(few) == len(many)
    with CaptureQueriesContext(connection) as overview_few:
        client.get(url, {"q": "coral"})
    WorkFactory.create_batch(10, title="Coral more")
    with CaptureQueriesContext(connection) as overview_many:
        client.get(url, {"q": "coral"})
    assert len(overview_few) == len(overview_many)


def test_topics_institutions_and_venues_are_found_by_words_of_their_names():
    TopicFactory(display_name="Marine biology")
    TopicFactory(display_name="Symbiosis")
    InstitutionFactory(display_name="Marine Biological Laboratory")
    Source.objects.create(display_name="Journal of Marine Biology")
    assert [t.display_name for t in topic_search("bio").hits] == ["Marine biology"]
    assert [i.display_name for i in institution_search("marine bio").hits] == [
        "Marine Biological Laboratory"
    ]
    venues = venue_search("marine biology")
    assert [v.display_name for v in venues.hits] == ["Journal of Marine Biology"]
    assert not venues.loose


def test_a_name_with_a_typo_is_found_by_a_looser_pass_that_says_so():
    TopicFactory(display_name="Biodiversity conservation")
    InstitutionFactory(display_name="University of Oslo")
    found = topic_search("biodivrsity")
    assert found.loose and [t.display_name for t in found.hits] == ["Biodiversity conservation"]
    assert institution_search("biodivrsity").total == 0


def test_name_results_carry_their_figures(client):
    topic = TopicFactory(display_name="Graph theory")
    WorkTopicFactory.create_batch(3, topic=topic)
    place = InstitutionFactory(display_name="Graph Institute")
    ResearcherFactory.create_batch(2, affiliation=place)
    venue = Source.objects.create(display_name="Graph Letters")
    WorkFactory.create_batch(4, source=venue, title="Unrelated")
    html = client.get(reverse("home"), {"q": "graph"}).content.decode()
    assert "3 works" in html and "2 researchers affiliated" in html and "4 works" in html


def test_the_overview_groups_every_kind_with_honest_totals(client):
    ResearcherFactory(display_name="Coral Smith")
    corpus()
    TopicFactory(display_name="Coral ecology")
    results = site_search("coral")
    assert results.researchers.total == 1 and results.works.results.total == 6
    assert results.topics.total == 2 and results.institutions.total == 0
    html = client.get(reverse("home"), {"q": "coral"}).content.decode()
    assert 'Works <span class="muted">6</span>' in html
    assert 'id="researchers-group"' in html and 'id="works-group"' in html
    assert 'id="institutions-group"' not in html
    assert "All 6 works, with filters →" in html


def test_the_search_box_answers_htmx_with_the_results_only(client):
    corpus()
    response = client.get(
        reverse("home"), {"q": "coral"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-results"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="search-results"') and "<html" not in html
    assert "Coral study" in html


@pytest.mark.parametrize("kind", ["people", "all"])
def test_an_unknown_kind_is_a_404(client, kind):
    assert client.get(reverse("home"), {"q": "x", "kind": kind}).status_code == 404


def test_past_the_count_cap_the_most_cited_come_first_too(monkeypatch):
    monkeypatch.setattr(search, "RANK_LIMIT", 2)
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    for cited in (5, 50, 0, 7, 1):
        WorkFactory(title=f"Protein folding {cited}", cited_by_count=cited)
    found = work_search("protein")
    assert found.results.total_capped and not found.ranked
    assert titles(found) == [f"Protein folding {c}" for c in (50, 7, 5, 1, 0)]


def reference_order(query: str, filters: WorkFilters, *, ranked: bool) -> list[str]:
    """Every match in the order the page must show, computed separately with the ORM."""
    from django.contrib.postgres.search import SearchRank
    from django.db.models import F

    matches = search.work_matches(query, filters)
    if ranked:
        rank = SearchRank(F("search_document"), search.tsquery(query))
        matches = matches.alias(rank=rank).order_by("-rank", "-cited_by_count", "-pk")
    else:
        matches = matches.order_by("-cited_by_count", "-pk")
    return list(matches.values_list("title", flat=True))


@pytest.mark.parametrize(
    ("rank_limit", "count_cap"),
    [(1_000, 1_000), (10, 1_000), (10, 20)],
    ids=["ranked", "most cited", "past the cap"],
)
@pytest.mark.parametrize(
    "filters", [WorkFilters(), WorkFilters(year_from=2001, year_to=2003, work_type="article")]
)
def test_every_page_holds_the_matches_in_order_whatever_the_path(
    monkeypatch, rank_limit, count_cap, filters
):
    """The count, the page and the facets come from one read of the matches: each page is
    the slice of one complete order (rank, then citations), in every regime."""
    monkeypatch.setattr(search, "RANK_LIMIT", rank_limit)
    monkeypatch.setattr(search, "COUNT_CAP", count_cap)
    for i in range(47):
        abstract = "graph network" if i % 3 else ""
        WorkFactory(
            title=f"Graph {'network ' * (i % 4)}study {i}",
            abstract=abstract,
            cited_by_count=(i * 7) % 11,
            publication_year=2000 + i % 5,
            work_type="article" if i % 4 else "preprint",
        )
    expected = reference_order("graph network", filters, ranked=rank_limit >= count_cap)
    assert len(expected) > 20  # more than one page
    shown: list[str] = []
    for number in (1, 2, 3):
        found = work_search("graph network", filters=filters, number=number)
        shown += titles(found)
        assert found.results.total == min(len(expected), count_cap)
    assert shown == expected[: len(shown)]
    # Past the cap a page is served while it starts within the COUNT_CAP + 1 matches counted.
    counted = min(len(expected), count_cap + 1)
    starts = [start for start in (0, 20, 40) if start < counted]
    assert len(shown) == sum(min(20, len(expected) - start) for start in starts)
    years = counts(work_search("graph network", filters=filters).facets.years)
    assert sum(years.values()) == min(len(expected), search.FACET_SAMPLE, count_cap + 1)
