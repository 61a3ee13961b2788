"""Atom feeds of new works: a researcher's and a topic's (Django's syndication framework).

"New" is the profile's order, newest publication first; each entry links to the work's page,
names its authors and carries its abstract. Three queries per feed: the subject, its latest
works, their authors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from openweb.citations import CitedWork
from openweb.selectors import cited_works
from profiles.models import Researcher
from works.models import Topic, Work

FEED_ITEMS = 50


@dataclass(frozen=True)
class FeedEntry:
    work: Work
    cited: CitedWork  # authors in order, venue, date


class WorksFeed(Feed):  # type: ignore[type-arg]  # generic in django-stubs only
    """The entries' shape; a subclass says whose works they are."""

    feed_type = Atom1Feed

    def works(self, obj: Researcher | Topic) -> list[Work]:
        raise NotImplementedError

    def items(self, obj: Researcher | Topic) -> list[FeedEntry]:
        works = self.works(obj)
        cited = cited_works(works, url_of=lambda w: "")
        return [FeedEntry(work=w, cited=c) for w, c in zip(works, cited, strict=True)]

    def item_title(self, item: FeedEntry) -> str:
        return item.work.title

    def item_link(self, item: FeedEntry) -> str:
        return item.work.get_absolute_url()

    def item_description(self, item: FeedEntry) -> str:
        cited = item.cited
        byline = ", ".join(cited.authors) or "Authors unknown"
        where = " · ".join(p for p in (str(cited.year or ""), cited.venue) if p)
        return f"{byline}{f' ({where})' if where else ''}. {cited.abstract}".strip()

    def item_author_name(self, item: FeedEntry) -> str | None:
        authors = item.cited.authors
        return ", ".join(authors[:10]) + (" et al." if len(authors) > 10 else "") or None

    def item_pubdate(self, item: FeedEntry) -> datetime | None:
        cited = item.cited
        if not cited.year:
            return None
        return datetime.combine(date(cited.year, cited.month or 1, cited.day or 1), time(), UTC)

    def item_updateddate(self, item: FeedEntry) -> datetime:
        return item.work.updated_at


class ResearcherWorksFeed(WorksFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Researcher:
        return get_object_or_404(Researcher, slug=slug)

    def title(self, obj: Researcher) -> str:
        return f"New works of {obj.display_name} — BZPEER"

    def link(self, obj: Researcher) -> str:
        return reverse("profiles:researcher_detail", args=[obj.slug])

    def subtitle(self, obj: Researcher) -> str:
        return f"The newest works of {obj.display_name}, newest publication first."

    def works(self, obj: Researcher) -> list[Work]:  # type: ignore[override]
        return list(
            Work.objects.filter(authorships__researcher=obj)
            .select_related("source")
            .newest_first()[:FEED_ITEMS]
        )


class TopicWorksFeed(WorksFeed):
    def get_object(self, request: HttpRequest, topic_id: int) -> Topic:
        return get_object_or_404(Topic, pk=topic_id)

    def title(self, obj: Topic) -> str:
        return f"New works on {obj.display_name} — BZPEER"

    def link(self, obj: Topic) -> str:
        return reverse("works:topic_detail", args=[obj.pk])

    def subtitle(self, obj: Topic) -> str:
        return f"The newest works on the topic {obj.display_name}, newest publication first."

    def works(self, obj: Topic) -> list[Work]:  # type: ignore[override]
        return list(
            Work.objects.filter(worktopic__topic=obj)
            .select_related("source")
            .newest_first()[:FEED_ITEMS]
        )
