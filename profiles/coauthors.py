"""All of a researcher's co-authors, with shared works and the years they worked together.

One query whatever the record: the co-author pairs are aggregated in SQL (the same self-join of
authorships as the close collaborators, without their threshold), sorted, paged, and the total
comes with the page (`count(*) OVER ()`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from profiles.models import Researcher

COAUTHOR_SORTS: dict[str, str] = {
    "shared": "most shared works",
    "recent": "most recent",
    "name": "name",
}
ORDERS = {
    "shared": "p.shared DESC, p.last_year DESC NULLS LAST, lower(r.display_name), r.id",
    "recent": "p.last_year DESC NULLS LAST, p.shared DESC, lower(r.display_name), r.id",
    "name": "lower(r.display_name), r.id",
}
PAGE_SIZE = 50

COAUTHORS_SQL = """
SELECT r.slug, r.display_name, p.shared, p.first_year, p.last_year, count(*) OVER () AS total
FROM (
    SELECT other.researcher_id, count(*) AS shared,
           min(w.publication_year) AS first_year, max(w.publication_year) AS last_year
    FROM works_authorship mine
    JOIN works_authorship other
      ON other.work_id = mine.work_id AND other.researcher_id <> mine.researcher_id
    JOIN works_work w ON w.id = mine.work_id
    WHERE mine.researcher_id = %s
    GROUP BY other.researcher_id
) AS p
JOIN profiles_researcher r ON r.id = p.researcher_id
ORDER BY {order}
LIMIT %s OFFSET %s
"""


@dataclass(frozen=True)
class Coauthor:
    slug: str
    name: str
    shared: int
    first_year: int | None
    last_year: int | None


@dataclass(frozen=True)
class CoauthorsPage:
    coauthors: list[Coauthor]
    total: int
    number: int
    sort: str

    @property
    def has_next(self) -> bool:
        return self.number * PAGE_SIZE < self.total

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def first_shown(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.coauthors else 0

    @property
    def last_shown(self) -> int:
        return (self.number - 1) * PAGE_SIZE + len(self.coauthors)


def researcher_coauthors(researcher: Researcher, *, sort: str, number: int) -> CoauthorsPage:
    """One page of the researcher's co-authors in the asked order (one query)."""
    sort = sort if sort in ORDERS else "shared"
    number = max(number, 1)
    sql = COAUTHORS_SQL.format(order=ORDERS[sort])
    with connection.cursor() as cursor:
        cursor.execute(sql, [researcher.pk, PAGE_SIZE, (number - 1) * PAGE_SIZE])
        rows = cursor.fetchall()
    return CoauthorsPage(
        coauthors=[Coauthor(*row[:5]) for row in rows],
        total=rows[0][5] if rows else 0,
        number=number,
        sort=sort,
    )
