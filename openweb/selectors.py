"""Reads for citation export: a work, or a researcher's works (filtered), as `CitedWork`s.

Two queries whatever the number of works: the works, then their authorships in order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from claims.models import FlagState, WorkFlag
from openweb.citations import CitedWork
from profiles.models import Researcher
from profiles.works_list import WorksFilter, researcher_works
from works.models import Authorship, Work

# A researcher's export is one response; past this many works it is cut (and says so).
EXPORT_MAX_WORKS = 5000


def researcher_citable_works(researcher: Researcher, filters: WorksFilter) -> QuerySet[Work]:
    """The researcher's works as the profile lists them (its filters and order), without the
    ones they flagged "not mine".

    An accepted flag has already removed the authorship; a pending one is the owner saying
    the work is not theirs, so their citation list leaves it out at once.
    """
    flagged = WorkFlag.objects.filter(
        researcher=researcher, work=OuterRef("pk"), state=FlagState.PENDING
    )
    return researcher_works(researcher, filters).exclude(Exists(flagged)).select_related("source")


def _cited_work(work: Work, *, authors: list[str], url: str, more: bool = False) -> CitedWork:
    return CitedWork(
        pk=work.pk,
        title=work.title,
        work_type=work.work_type,
        year=work.publication_year,
        month=work.publication_date.month if work.publication_date else None,
        day=work.publication_date.day if work.publication_date else None,
        venue=work.source.display_name if work.source else work.venue,
        doi=work.doi or "",
        arxiv_id=work.arxiv_id or "",
        openalex_id=work.openalex_id or "",
        abstract=work.abstract,
        authors=tuple(authors),
        url=url,
        more_authors=more,
    )


@dataclass(frozen=True)
class PageAuthor:
    name: str  # as printed on the work
    slug: str  # their profile


def cited_work_head(work: Work, *, url: str, limit: int) -> tuple[CitedWork, list[PageAuthor]]:
    """The work with its first `limit` authors (one query): what its page shows and cites."""
    rows = list(
        Authorship.objects.filter(work=work)
        .order_by("position")
        .values_list("raw_author_name", "researcher__display_name", "researcher__slug")[: limit + 1]
    )
    authors = [PageAuthor(name=raw or name, slug=slug) for raw, name, slug in rows[:limit]]
    cited = _cited_work(work, authors=[a.name for a in authors], url=url, more=len(rows) > limit)
    return cited, authors


def cited_works(works: list[Work], *, url_of: Callable[[Work], str]) -> list[CitedWork]:
    """`CitedWork`s of the works, in the given order, with their authors in order."""
    authors: dict[int, list[str]] = defaultdict(list)
    rows = (
        Authorship.objects.filter(work__in=[w.pk for w in works])
        .order_by("work_id", "position")
        .values_list("work_id", "raw_author_name", "researcher__display_name")
    )
    for work_id, raw_name, record_name in rows:
        # The name as printed on the work; the record's name when the source gave none.
        authors[work_id].append(raw_name or record_name)
    return [_cited_work(work, authors=authors[work.pk], url=url_of(work)) for work in works]
