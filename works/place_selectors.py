"""Reads for venue and institution pages: bounded, a constant number of queries.

A venue or an institution can have hundreds of thousands of works, so what is aggregated
(authors who publish there most, topics) is read from a window of its most recent works —
`WINDOW` of them — and the page says so when the window is smaller than the whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL

from profiles.models import Institution, Researcher
from works.models import Source, Work

WORKS_SHOWN = 20
PEOPLE_SHOWN = 20
TOPICS_SHOWN = 12
WINDOW = 2_000  # the most recent works an aggregate looks at
COUNT_CAP = 100_000


@dataclass(frozen=True)
class Named:
    """A researcher or topic with a count, read as plain rows."""

    key: str | int  # a researcher's slug or a topic's id
    name: str
    count: int


def _named(sql: str, params: list[Any]) -> list[Named]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Named(key, name, count) for key, name, count in cursor.fetchall()]


# --- venues ---------------------------------------------------------------------------------


def venue_queryset() -> QuerySet[Source]:
    """Venues with how many works they hold (counted up to COUNT_CAP + 1)."""
    return Source.objects.annotate(
        works_count=RawSQL(
            "SELECT count(*) FROM (SELECT 1 FROM works_work w"
            " WHERE w.source_id = works_source.id LIMIT %s) AS capped",
            [COUNT_CAP + 1],
        )
    )


@dataclass(frozen=True)
class VenuePage:
    venue: Source
    recent: list[Work]
    most_cited: list[Work]
    authors: list[Named]  # who publish there most, within the window

    @property
    def works_count(self) -> int:
        count: int = getattr(self.venue, "works_count", 0)
        return count

    @property
    def windowed(self) -> bool:
        return self.works_count > WINDOW


VENUE_AUTHORS_SQL = """
SELECT r.slug, r.display_name, count(*) AS n
FROM (SELECT w.id FROM works_work w WHERE w.source_id = %s
      ORDER BY w.publication_year DESC NULLS LAST, w.id DESC LIMIT %s) AS recent
JOIN works_authorship a ON a.work_id = recent.id
JOIN profiles_researcher r ON r.id = a.researcher_id
GROUP BY r.id ORDER BY n DESC, r.display_name, r.id LIMIT %s
"""


def venue_page(venue: Source) -> VenuePage:
    """The venue's newest and most cited works and its most frequent authors (3 queries)."""
    works = Work.objects.filter(source=venue).select_related("source")
    return VenuePage(
        venue=venue,
        recent=list(
            works.order_by(F("publication_year").desc(nulls_last=True), "-id")[:WORKS_SHOWN]
        ),
        most_cited=list(works.order_by("-cited_by_count", "-id")[:WORKS_SHOWN]),
        authors=_named(VENUE_AUTHORS_SQL, [venue.pk, WINDOW, PEOPLE_SHOWN]),
    )


# --- institutions ---------------------------------------------------------------------------


def institution_queryset() -> QuerySet[Institution]:
    """Institutions with their affiliated researchers and works counted (works up to the cap)."""
    return Institution.objects.annotate(
        researchers_count=RawSQL(
            "SELECT count(*) FROM profiles_researcher r"
            " WHERE r.affiliation_id = profiles_institution.id",
            [],
        ),
        works_count=RawSQL(
            "SELECT count(DISTINCT a.work_id) FROM (SELECT ai.authorship_id"
            " FROM works_authorshipinstitution ai"
            " WHERE ai.institution_id = profiles_institution.id LIMIT %s) AS capped"
            " JOIN works_authorship a ON a.id = capped.authorship_id",
            [COUNT_CAP + 1],
        ),
    )


@dataclass(frozen=True)
class InstitutionPage:
    institution: Institution
    researchers: list[Researcher]  # affiliated, most works first
    recent: list[Work]
    authors: list[Named]  # authors on its works most often, within the window
    topics: list[Named]  # topics of its works, within the window

    @property
    def works_count(self) -> int:
        count: int = getattr(self.institution, "works_count", 0)
        return count

    @property
    def researchers_count(self) -> int:
        count: int = getattr(self.institution, "researchers_count", 0)
        return count

    @property
    def windowed(self) -> bool:
        return self.works_count > WINDOW


# The works with an author at the institution: its most recently imported authorships' works
# (ids grow with imports), the newest WINDOW of them by year. Bounded whatever its size.
INSTITUTION_WINDOW_SQL = """
SELECT w.id FROM works_work w
WHERE w.id IN (
    SELECT a.work_id FROM works_authorshipinstitution ai
    JOIN works_authorship a ON a.id = ai.authorship_id
    WHERE ai.institution_id = %s ORDER BY ai.id DESC LIMIT %s
)
ORDER BY w.publication_year DESC NULLS LAST, w.id DESC LIMIT %s
"""

INSTITUTION_AUTHORS_SQL = f"""
SELECT r.slug, r.display_name, count(*) AS n
FROM ({INSTITUTION_WINDOW_SQL}) AS recent
JOIN works_authorship a ON a.work_id = recent.id
JOIN works_authorshipinstitution ai ON ai.authorship_id = a.id AND ai.institution_id = %s
JOIN profiles_researcher r ON r.id = a.researcher_id
GROUP BY r.id ORDER BY n DESC, r.display_name, r.id LIMIT %s
"""  # noqa: S608 - composed from this module's SQL constants

INSTITUTION_TOPICS_SQL = f"""
SELECT t.id, t.display_name, count(*) AS n
FROM ({INSTITUTION_WINDOW_SQL}) AS recent
JOIN works_worktopic wt ON wt.work_id = recent.id
JOIN works_topic t ON t.id = wt.topic_id
GROUP BY t.id ORDER BY n DESC, t.display_name, t.id LIMIT %s
"""  # noqa: S608 - composed from this module's SQL constants


def institution_page(institution: Institution) -> InstitutionPage:
    """Its researchers, recent works, frequent authors and topics (4 queries)."""
    window = [institution.pk, WINDOW * 5, WINDOW]
    researchers = (
        Researcher.objects.filter(affiliation=institution)
        .select_related("trust_snapshot")
        .order_by(F("trust_snapshot__works_count").desc(nulls_last=True), "display_name", "pk")
    )
    recent = (
        Work.objects.filter(pk__in=RawSQL(INSTITUTION_WINDOW_SQL, window))
        .select_related("source")
        .order_by(F("publication_year").desc(nulls_last=True), "-id")
    )
    return InstitutionPage(
        institution=institution,
        researchers=list(researchers[:PEOPLE_SHOWN]),
        recent=list(recent[:WORKS_SHOWN]),
        authors=_named(INSTITUTION_AUTHORS_SQL, [*window, institution.pk, PEOPLE_SHOWN]),
        topics=_named(INSTITUTION_TOPICS_SQL, [*window, TOPICS_SHOWN]),
    )
