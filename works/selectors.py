"""Reads about works and topics: one query per question."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.expressions import RawSQL

from profiles.models import Researcher
from works.models import Topic, Work

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
