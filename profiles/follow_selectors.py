"""Reads about follows: the follow button's state and the "Following" page."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Prefetch, QuerySet
from django.db.models.functions import Lower

from profiles.models import Follow, Researcher
from works.models import Authorship

NEWEST_WORKS_PER_PERSON = 3


def is_following(*, user: Any, researcher: Researcher) -> bool:
    return (
        bool(user.is_authenticated)
        and Follow.objects.filter(user=user, researcher=researcher).exists()
    )


# `is_following` as a column of the signed-in profile's one viewer query (profiles.viewer_page).
FOLLOWING_SQL = (
    "EXISTS (SELECT 1 FROM profiles_follow"
    " WHERE user_id = %(user_id)s AND researcher_id = %(researcher_id)s)"
)


def following_from_column(value: Any, user: Any, researcher: Researcher) -> bool:
    return bool(value)


def researcher_followers_count(researcher_id: int) -> int:
    return Follow.objects.filter(researcher_id=researcher_id).count()


def following_queryset(*, user: Any) -> QuerySet[Follow]:
    """The user's follows, latest first, each researcher with their newest works prefetched.

    Two queries per page whatever the number of works: the follows, then one windowed query for
    the newest works of every researcher on the page (Django slices a Prefetch with ROW_NUMBER).
    """
    newest = Authorship.objects.select_related("work", "work__source").order_by(
        F("work__publication_year").desc(nulls_last=True),
        Lower("work__title"),
        "work_id",
    )[:NEWEST_WORKS_PER_PERSON]
    return (
        Follow.objects.filter(user=user)
        .select_related("researcher", "researcher__affiliation")
        .prefetch_related(
            Prefetch("researcher__authorships", queryset=newest, to_attr="newest_authorships")
        )
        .annotate(works_count=Count("researcher__authorships"))
        .order_by("-created_at", "-pk")
    )
