"""The home page's corpus figures: counted by the worker, read by the page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    AuthorshipFactory,
    ResearcherFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
    WorkTopicFactory,
)
from works.models import CorpusFigures, Source
from works.selectors import FIGURES_REQUESTED_KEY
from works.services import corpus_figures_refresh
from works.tasks import refresh_corpus_figures

pytestmark = pytest.mark.django_db


def small_corpus():
    old, busy, quiet = (TopicFactory(display_name=n) for n in ("Old", "Busy", "Quiet"))
    for year, topic in [(2010, old), (2010, old), (2010, old), (2023, busy), (2024, busy)]:
        WorkTopicFactory(work=WorkFactory(publication_year=year, cited_by_count=10), topic=topic)
    WorkTopicFactory(work=WorkFactory(publication_year=2025), topic=quiet)
    WorkFactory(publication_year=2026)  # the newest year has no topics yet
    AuthorshipFactory(researcher=ResearcherFactory())
    Source.objects.create(display_name="A journal")


def test_the_worker_counts_the_corpus_and_the_most_active_topics_of_its_last_years():
    small_corpus()
    figures = corpus_figures_refresh(today=datetime.date(2026, 12, 1))
    assert (figures.researchers, figures.works, figures.citations) == (1, 8, 50)
    assert (figures.topics, figures.venues) == (3, 1)
    # The last year with topics is 2025: 2023-2025 count, 2010 does not.
    assert figures.active_since == 2023
    assert [(t["name"], t["works"]) for t in figures.active_topics] == [("Busy", 2), ("Quiet", 1)]


def test_counting_again_updates_the_one_row():
    small_corpus()
    refresh_corpus_figures()
    WorkFactory.create_batch(2)
    refresh_corpus_figures()
    assert CorpusFigures.objects.get().works == 10


def test_an_empty_corpus_counts_zero():
    figures = corpus_figures_refresh()
    assert figures.works == 0 and figures.active_topics == [] and figures.active_since is None


@pytest.mark.parametrize("who", ["anonymous", "outsider", "moderator"])
def test_the_front_door_shows_the_stored_figures_and_counts_nothing(client, who):
    if who != "anonymous":
        client.force_login(UserFactory(username=who, is_staff=who == "moderator"))
    small_corpus()
    corpus_figures_refresh(today=datetime.date(2026, 12, 1))
    WorkFactory.create_batch(3, title="Added after the count")
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("home")).content.decode()
    assert "<dt>works</dt><dd>8</dd>" in html and "<dt>citations</dt><dd>50</dd>" in html
    assert "Busy" in html and "Most works published 2023–2025" in html
    assert html.count("Added after the count") == 3  # recently added, newest first
    whole_table = re.compile(
        r'count\(\*\)( AS "__count")? FROM "?(works_work|profiles_researcher)"?(\s|$)', re.I
    )
    assert not any(whole_table.search(q["sql"]) for q in queries.captured_queries)


def test_before_the_first_count_the_page_says_so_and_asks_the_worker_once(client, monkeypatch):
    asked = []
    monkeypatch.setattr(
        "celery.app.base.Celery.signature",
        lambda self, name, **kw: type(
            "S", (), {"apply_async": lambda s, **k: asked.append(name)}
        )(),
    )
    cache.delete(FIGURES_REQUESTED_KEY)
    html = client.get(reverse("home")).content.decode()
    client.get(reverse("home"))
    assert "The worker has not counted the corpus yet" in html
    assert asked == ["works.tasks.refresh_corpus_figures"]
    assert "No works yet." in html


def test_the_front_door_costs_the_same_whatever_the_corpus_holds(client):
    corpus_figures_refresh()
    WorkFactory()
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for _ in range(10):
        work = WorkFactory()
        for position in range(6):
            AuthorshipFactory(work=work, position=position)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert len(few) == len(many)
