"""Citation metrics: computed by the worker with the trust snapshot, shown on the profile."""

from __future__ import annotations

import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from profiles.metrics_chart import YEARS_SHOWN, year_chart
from profiles.models import TrustSnapshot
from profiles.services.trust import trust_recompute
from tests.factories import AuthorshipFactory, ResearcherFactory, WorkFactory
from works.models import Citation, Work


def h_index(citations: list[int]) -> int:
    """The definition, literally: the largest h with h works cited at least h times each."""
    return max((h for h in range(len(citations) + 1)
                if sum(1 for c in citations if c >= h) >= h), default=0)  # fmt: skip


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_it_counts_citations_h_and_i10_and_works_per_year(db):
    me = ResearcherFactory()
    for cited, year in [(10, 2020), (5, 2020), (3, 2021), (3, 2023), (0, None)]:
        AuthorshipFactory(
            researcher=me, work=WorkFactory(cited_by_count=cited, publication_year=year)
        )
    trust_recompute(researcher_ids=[me.pk])
    snapshot = TrustSnapshot.objects.get(pk=me.pk)
    assert (snapshot.citations_total, snapshot.h_index, snapshot.i10_index) == (21, 3, 1)
    assert snapshot.per_year == [
        {"year": 2020, "works": 2, "citations": 15},
        {"year": 2021, "works": 1, "citations": 3},
        {"year": 2023, "works": 1, "citations": 3},
    ]


def test_citations_are_the_sources_counts(db):
    me = ResearcherFactory()
    mine = WorkFactory(cited_by_count=1)
    AuthorshipFactory(researcher=me, work=mine)
    for _ in range(3):  # shown on the work page, not counted in the metrics
        Citation.objects.create(citing=WorkFactory(), cited=mine, cited_openalex_id="W1")
    trust_recompute(researcher_ids=[me.pk])
    assert TrustSnapshot.objects.get(pk=me.pk).citations_total == 1


def test_the_sql_agrees_with_the_definitions_on_random_records(db):
    rng = random.Random(13)
    people = [ResearcherFactory() for _ in range(6)]
    expected = {}
    for person in people:
        counts = [rng.choice([0, 1, 2, 5, 9, 10, 11, 40]) for _ in range(rng.randint(0, 15))]
        works = Work.objects.bulk_create(Work(title="x", cited_by_count=c) for c in counts)
        for w in works:
            AuthorshipFactory(researcher=person, work=w)
        expected[person.pk] = (sum(counts), h_index(counts), sum(c >= 10 for c in counts))
    trust_recompute(researcher_ids=[p.pk for p in people])
    for snapshot in TrustSnapshot.objects.filter(pk__in=expected):
        got = (snapshot.citations_total, snapshot.h_index, snapshot.i10_index)
        assert got == expected[snapshot.pk]


def test_a_record_without_works_has_zeros(db):
    me = ResearcherFactory()
    trust_recompute(researcher_ids=[me.pk])
    snapshot = TrustSnapshot.objects.get(pk=me.pk)
    assert (snapshot.citations_total, snapshot.h_index, snapshot.i10_index) == (0, 0, 0)
    assert snapshot.per_year == []


def test_the_chart_draws_the_last_years_and_counts_earlier_ones():
    per_year = [{"year": 1950, "works": 4, "citations": 0}] + [
        {"year": 2000 + i, "works": i % 3, "citations": i} for i in range(40)
    ]
    chart = year_chart(per_year, key="works", label="works")
    assert len(chart.bars) == YEARS_SHOWN
    assert (chart.first_year, chart.last_year) == (2039 - YEARS_SHOWN + 1, 2039)
    assert chart.total == 4 + sum(i % 3 for i in range(40))
    assert chart.earlier == 4 + sum(i % 3 for i in range(40 - YEARS_SHOWN))
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.height == 60 and tallest.y == 0 and tallest.value == chart.peak == 2
    assert all(b.x + b.width <= chart.width for b in chart.bars)
    gap = year_chart(
        [{"year": 2001, "works": 1}, {"year": 2004, "works": 2}], key="works", label="w"
    )
    assert [b.value for b in gap.bars] == [1, 0, 0, 2]  # years without a work keep their slot
    assert year_chart([], key="works", label="works").bars == []


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_the_profile_shows_the_metrics_with_definitions_and_date(client, db, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    me = ResearcherFactory(slug="me")
    for cited, year in [(12, 2019), (11, 2020), (2, 2020)]:
        AuthorshipFactory(
            researcher=me, work=WorkFactory(cited_by_count=cited, publication_year=year)
        )
    trust_recompute(researcher_ids=[me.pk])
    html = client.get(reverse("profiles:researcher_detail", args=["me"])).content.decode()
    assert re.search(r"<dt>citations</dt><dd>25</dd>", html)
    assert re.search(r"<dt>h-index</dt><dd>2</dd>", html)
    assert re.search(r"<dt>i10-index</dt><dd>2</dd>", html)
    text = text_of(html)
    assert "the largest h such that h of the works have at least h citations each" in text
    assert "Computed " in text and "by the background worker" in text
    assert html.count("<rect ") == 4  # 2019 and 2020, for works and for citations
    assert "<title>2020: 2 works</title>" in html


def test_the_profile_never_computes_them(client, db):
    me = ResearcherFactory(slug="me")
    AuthorshipFactory(researcher=me, work=WorkFactory(cited_by_count=3))
    html = client.get(reverse("profiles:researcher_detail", args=["me"])).content.decode()
    assert "Not computed yet" in html
    trust_recompute(researcher_ids=[me.pk])
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("profiles:researcher_detail", args=["me"]))
    assert not any("works_citation" in q["sql"] for q in queries.captured_queries)
    assert not any(q["sql"].startswith(("INSERT", "UPDATE")) for q in queries.captured_queries)
