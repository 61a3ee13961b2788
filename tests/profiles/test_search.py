"""The researcher search: relevance, an honest total, pages, a stated cut-off, a looser second
pass, and results that tell namesakes apart — at a cost that does not grow with the records."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from profiles import search
from profiles.search import edit_distance, loose_distance, researcher_search
from profiles.services.trust import trust_recompute
from tests.factories import (
    AuthorshipFactory,
    InstitutionFactory,
    ResearcherFactory,
    TopicFactory,
    WorkFactory,
    WorkTopicFactory,
)

pytestmark = pytest.mark.django_db


def names(results) -> list[str]:
    return [r.display_name for r in results.hits]


def test_only_names_with_the_word_count_and_whole_words_come_first():
    for name in ["Rinchen Wangchuk", "Liming Wang", "Amy Chang", "Zhang, Wei", "Wang, Y.", "Wanda"]:
        ResearcherFactory(display_name=name)
    results = researcher_search("Wang")
    assert results.total == 3 and not results.total_capped and not results.loose
    assert set(names(results)[:2]) == {"Liming Wang", "Wang, Y."}
    assert names(results)[2] == "Rinchen Wangchuk"


def test_an_exact_name_comes_first_and_every_word_must_match():
    for name in ["Wei Zhang Li", "Wei Zhang", "Zhang Wei", "Wei Chen"]:
        ResearcherFactory(display_name=name)
    results = researcher_search("wei zhang")
    assert names(results)[0] == "Wei Zhang"
    assert set(names(results)) == {"Wei Zhang", "Zhang Wei", "Wei Zhang Li"}


def test_the_more_prolific_namesake_comes_first():
    quiet, busy = (
        ResearcherFactory(display_name="Wei Zhang"),
        ResearcherFactory(display_name="Wei Zhang"),
    )
    for _ in range(3):
        AuthorshipFactory(researcher=busy)
    AuthorshipFactory(researcher=quiet)
    trust_recompute(researcher_ids=[quiet.pk, busy.pk])
    assert [r.pk for r in researcher_search("Wei Zhang").hits] == [busy.pk, quiet.pk]


def test_results_are_paged_and_counted(client):
    ResearcherFactory.create_batch(45, display_name=factory_name("Wang"))
    first = researcher_search("wang")
    assert (first.total, first.num_pages, len(first.hits)) == (45, 3, 20)
    last = researcher_search("wang", number=3)
    assert len(last.hits) == 5 and not last.has_next
    seen = {r.pk for n in (1, 2, 3) for r in researcher_search("wang", number=n).hits}
    assert len(seen) == 45
    url = reverse("home")
    html = client.get(url, {"q": "wang", "kind": "researchers", "page": 2}).content.decode()
    assert "45 researchers match “wang”" in html and "Page 2 of 3" in html and "21–40" in html
    assert client.get(url, {"q": "wang", "kind": "researchers", "page": 4}).status_code == 404
    assert client.get(url, {"q": "wang", "kind": "researchers", "page": "x"}).status_code == 404
    # The overview shows the first five and the honest total, with a link to all of them.
    html = client.get(url, {"q": "wang"}).content.decode()
    assert "45 researchers match “wang”" in html and html.count('class="result"') == 5
    assert "All 45 researchers →" in html


def factory_name(family: str):
    import factory

    return factory.Sequence(lambda n: f"Given{n} {family}")


def test_a_cut_off_is_said(client, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 10)
    ResearcherFactory.create_batch(12, display_name=factory_name("Wang"))
    results = researcher_search("wang")
    assert results.total == 10 and results.total_capped
    html = client.get(reverse("home"), {"q": "wang"}).content.decode()
    assert "More than 10 researchers match “wang”" in html and "Counting stopped at 10" in html


def test_two_typos_find_the_name_in_a_second_looser_pass(client):
    ResearcherFactory(display_name="Jiashi Feng", slug="jiashi-feng")
    ResearcherFactory(display_name="Jiashi Zhang")
    ResearcherFactory(display_name="Fang Jia")
    results = researcher_search("Jaishi Fng")
    assert results.loose and names(results) == ["Jiashi Feng"] and results.total == 1
    html = client.get(reverse("home"), {"q": "Jaishi Fng"}).content.decode()
    assert "No researcher is named “Jaishi Fng”: 1 close spelling" in html
    assert 'href="/researchers/jiashi-feng/"' in html


def test_nothing_near_says_so(client):
    ResearcherFactory(display_name="Jiashi Feng")
    html = client.get(reverse("home"), {"q": "Qqqq Zzzz", "kind": "researchers"}).content.decode()
    assert "No researcher matches “Qqqq Zzzz”" in html
    html = client.get(reverse("home"), {"q": "Qqqq Zzzz"}).content.decode()
    assert "Nothing matches “Qqqq Zzzz”" in html


def test_typos_are_counted_with_swaps_as_one():
    assert edit_distance("jaishi", "jiashi") == 1
    assert edit_distance("fng", "feng") == 1
    assert edit_distance("feng", "zhang") == 3
    assert loose_distance(["jaishi", "fng"], "Jiashi Feng") == 2
    assert loose_distance(["fng"], "Jiashi Zhang") is None
    assert loose_distance(["jurgen"], "Jürgen Schmidt") == 0
    assert loose_distance(["j", "feng"], "Jiashi Feng") == 0  # an initial is a prefix


def namesake(affiliation: str, topic: str, works: int):
    person = ResearcherFactory(
        display_name="Wei Zhang", affiliation=InstitutionFactory(display_name=affiliation)
    )
    subject = TopicFactory(display_name=topic)
    for _ in range(works):
        work = WorkFactory()
        AuthorshipFactory(work=work, researcher=person)
        WorkTopicFactory(work=work, topic=subject)
    return person


def test_each_result_tells_namesakes_apart(client):
    first = namesake("Tsinghua University", "Graph neural networks", works=3)
    second = namesake("University of Toronto", "Ocean acoustics", works=1)
    trust_recompute(researcher_ids=[first.pk, second.pk])
    html = client.get(reverse("home"), {"q": "Wei Zhang"}).content.decode()
    items = re.findall(r'<li class="result">(.*?)</li>', html, re.S)
    assert len(items) == 2
    assert "Tsinghua University" in items[0] and "3 works" in items[0]
    assert "Graph neural networks" in items[0] and "Ocean acoustics" not in items[0]
    assert "University of Toronto" in items[1] and "1 work" in items[1]
    assert "Ocean acoustics" in items[1]


def test_a_page_of_results_costs_the_same_whatever_the_records_hold(client):
    small = namesake("A", "T1", works=1)
    trust_recompute(researcher_ids=[small.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"), {"q": "Wei Zhang", "kind": "researchers"})
    big = [namesake(f"B{i}", f"T{i}", works=30) for i in range(5)]
    trust_recompute(researcher_ids=[b.pk for b in big])
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("home"), {"q": "Wei Zhang", "kind": "researchers"})
    assert response.content.decode().count('class="result"') == 6
    assert len(many) == len(few)
    assert not any("works_authorship" in q["sql"] for q in many.captured_queries)


def test_too_many_whole_word_matches_are_listed_by_name_and_the_page_says_so(client, monkeypatch):
    monkeypatch.setattr(search, "RANK_LIMIT", 3)
    for name in ["Zed Wang", "Ann Wang", "Bo Wang", "Cy Wang"]:
        ResearcherFactory(display_name=name)
    results = researcher_search("wang")
    assert results.alphabetical and names(results) == ["Ann Wang", "Bo Wang", "Cy Wang", "Zed Wang"]
    html = client.get(reverse("home"), {"q": "wang"}).content.decode()
    assert "listed alphabetically, not ranked" in html
