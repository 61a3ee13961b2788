"""The sitemap index, split by kind (django.contrib.sitemaps), paged by id ranges.

Django's sitemaps page their items with a `Paginator`: a `count(*)` over the whole table and
an `OFFSET` per page, which at 10 M works reads up to 10 M rows for the last pages. Here a page
is a range of primary keys instead (page n holds ids ((n-1)·limit, n·limit]): the number of
pages is max(id) / limit (one index lookup), and a page is an index range scan of at most
`limit` rows, whatever the size of the table. Ids deleted leave a page shorter, never a
URL listed twice or left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Max, QuerySet
from django.urls import reverse

from profiles.models import Institution, Researcher
from works.models import Source, Topic, Work

PAGE_SIZE = 10_000  # URLs per sitemap page (the protocol allows 50,000; smaller renders faster)


@dataclass(frozen=True)
class IdRangePage:
    object_list: list[Any]


class IdRangePaginator:
    """What Django's sitemap views ask of a paginator: `num_pages` and `page(n).object_list`."""

    def __init__(self, queryset: QuerySet[Any], per_page: int) -> None:
        self.queryset = queryset
        self.per_page = per_page

    @property
    def num_pages(self) -> int:
        top = self.queryset.aggregate(top=Max("pk"))["top"] or 0
        return max(1, math.ceil(top / self.per_page))

    def page(self, number: object) -> IdRangePage:
        try:
            n = int(str(number))
        except ValueError:
            raise PageNotAnInteger("That page number is not an integer") from None
        if n < 1 or n > self.num_pages:
            raise EmptyPage("That page contains no results")
        low, high = (n - 1) * self.per_page, n * self.per_page
        return IdRangePage(list(self.queryset.filter(pk__gt=low, pk__lte=high).order_by("pk")))


class IdRangeSitemap(Sitemap):  # type: ignore[type-arg]  # generic in django-stubs only
    limit = PAGE_SIZE

    def items(self) -> QuerySet[Any]:
        raise NotImplementedError

    @property
    def paginator(self) -> IdRangePaginator:  # type: ignore[override]
        return IdRangePaginator(self.items(), self.limit)

    def get_latest_lastmod(self) -> None:
        # Django's default reads every item's lastmod (10 M rows) for the index; each page's
        # URLs carry their own lastmod, which is what crawlers use.
        return None


class ResearcherSitemap(IdRangeSitemap):
    def items(self) -> QuerySet[Researcher]:
        return Researcher.objects.only("pk", "slug", "updated_at")

    def location(self, item: Researcher) -> str:
        return reverse("profiles:researcher_detail", args=[item.slug])

    def lastmod(self, item: Researcher) -> datetime:
        return item.updated_at


class WorkSitemap(IdRangeSitemap):
    def items(self) -> QuerySet[Work]:
        return Work.objects.only("pk", "title", "updated_at")

    def location(self, item: Work) -> str:
        return item.get_absolute_url()

    def lastmod(self, item: Work) -> datetime:
        return item.updated_at


class TopicSitemap(IdRangeSitemap):
    # Topics keep no update time: no lastmod rather than a made-up one.
    def items(self) -> QuerySet[Topic]:
        return Topic.objects.only("pk")

    def location(self, item: Topic) -> str:
        return reverse("works:topic_detail", args=[item.pk])


class VenueSitemap(IdRangeSitemap):
    # A venue's lastmod is its source record's update time (OpenAlex's `updated_date`); a
    # venue known only from the works that name it has none, and gets no lastmod.
    def items(self) -> QuerySet[Source]:
        return Source.objects.only("pk", "updated_date")

    def location(self, item: Source) -> str:
        return reverse("works:venue_detail", args=[item.pk])

    def lastmod(self, item: Source) -> datetime | None:
        return item.updated_date


class InstitutionSitemap(IdRangeSitemap):
    # As venues: the institution record's update time, when its own record was imported.
    def items(self) -> QuerySet[Institution]:
        return Institution.objects.only("pk", "updated_date")

    def location(self, item: Institution) -> str:
        return reverse("works:institution_detail", args=[item.pk])

    def lastmod(self, item: Institution) -> datetime | None:
        return item.updated_date


class PageSitemap(Sitemap):  # type: ignore[type-arg]  # generic in django-stubs only
    """The pages that are not records: the home page (search)."""

    def items(self) -> list[str]:
        return ["home"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS: dict[str, type[Sitemap[Any]]] = {
    "pages": PageSitemap,
    "researchers": ResearcherSitemap,
    "works": WorkSitemap,
    "topics": TopicSitemap,
    "venues": VenueSitemap,
    "institutions": InstitutionSitemap,
}
