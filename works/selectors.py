"""Reads about works and topics: one query per question."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from celery import current_app
from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.db.models.expressions import RawSQL

from profiles.models import Researcher
from profiles.services.refresh import QUEUE_ERRORS
from works.models import CorpusFigures, Topic, Work
from works.search import with_first_authors

logger = logging.getLogger(__name__)

TOPIC_RESEARCHERS_SHOWN = 50
TOPIC_WORKS_SHOWN = 50


@dataclass(frozen=True)
class TopicPage:
    topic: Topic
    researchers: list[Researcher]
    works: list[Work]


def topic_researchers(topic: Topic) -> QuerySet[Researcher]:
    """Researchers with works on the topic, most works on it first."""
    return (
        Researcher.objects.filter(authorships__work__worktopic__topic=topic)
        .annotate(topic_works=Count("authorships__work", distinct=True))
        .order_by("-topic_works", "display_name", "pk")
    )


def topic_works(topic: Topic) -> QuerySet[Work]:
    """Works on the topic, newest first then by title."""
    return Work.objects.filter(worktopic__topic=topic).select_related("source").newest_first()


def topic_queryset() -> QuerySet[Topic]:
    """Topics with how many works and researchers they have (subqueries, one query)."""
    return Topic.objects.annotate(
        works_count=RawSQL(
            "SELECT count(*) FROM works_worktopic wt WHERE wt.topic_id = works_topic.id", []
        ),
        researchers_count=RawSQL(
            """
            SELECT count(DISTINCT a.researcher_id) FROM works_worktopic wt
            JOIN works_authorship a ON a.work_id = wt.work_id WHERE wt.topic_id = works_topic.id
            """,
            [],
        ),
    )


def topic_page(topic: Topic) -> TopicPage:
    return TopicPage(
        topic=topic,
        researchers=list(topic_researchers(topic)[:TOPIC_RESEARCHERS_SHOWN]),
        works=list(topic_works(topic)[:TOPIC_WORKS_SHOWN]),
    )


RECENT_WORKS = 8
FIGURES_REQUESTED_KEY = "works:corpus-figures-requested"


@dataclass(frozen=True)
class FrontDoor:
    figures: CorpusFigures | None  # None until the worker has counted once
    recent_works: list[Work]


def front_door() -> FrontDoor:
    """The home page without a query: stored corpus figures and the recently added works.

    Nothing here counts the corpus: the figures are the worker's (works.tasks.
    refresh_corpus_figures, hourly); before its first count the page asks for one (at most
    every five minutes, and never failing the page when the broker is down).
    """
    figures = CorpusFigures.objects.filter(pk=1).first()
    if figures is None:
        try:
            if cache.add(FIGURES_REQUESTED_KEY, 1, timeout=300):
                current_app.signature("works.tasks.refresh_corpus_figures").apply_async(retry=False)
        except QUEUE_ERRORS:
            logger.warning("could not ask for the corpus figures", exc_info=True)
    recent = with_first_authors(Work.objects.order_by("-created_at", "-id"))[:RECENT_WORKS]
    return FrontDoor(figures=figures, recent_works=list(recent))
