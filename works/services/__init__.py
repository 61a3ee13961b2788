"""Writes of the works app: importing records, the corpus figures."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from django.db import connection, transaction
from django.utils import timezone

from works.importers.report import ImportReport
from works.models import CorpusFigures

ACTIVE_TOPICS = 10
# "Most active": most works published in the last three years of the corpus that have topics
# (the newest imports may have none yet: derived topics come with the nightly run).
ACTIVE_YEARS = 3

SOURCES = ("openalex", "arxiv", "orcid")


def _importer(source: str) -> Callable[..., ImportReport]:
    if source == "openalex":
        from works.importers.openalex import openalex_import

        return openalex_import
    if source == "arxiv":
        from works.importers.arxiv_load import arxiv_import

        return arxiv_import
    if source == "orcid":
        from works.importers.orcid import orcid_import

        return orcid_import
    raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")


def records_import(
    *,
    source: str,
    paths: Sequence[str | Path],
    progress: bool = True,
    enqueue_refresh: bool = True,
    batch_size: int | None = None,
    error_stream: TextIO | None = None,
    bulk: bool = False,
) -> ImportReport:
    """Import every record of `source` under `paths`; bad records are reported and skipped.
    `bulk` (OpenAlex only): a first load into an empty database, indexes built after."""
    options: dict[str, Any] = {
        "paths": paths,
        "progress": progress,
        "enqueue_refresh": enqueue_refresh,
        "error_stream": error_stream,
    }
    if bulk:
        if source != "openalex":
            raise ValueError("bulk mode is for OpenAlex imports only")
        options["bulk"] = True
    if batch_size and source != "orcid":
        options["batch_size"] = batch_size
    return _importer(source)(**options)


def corpus_figures_refresh(*, today: datetime.date | None = None) -> CorpusFigures:
    """Count the corpus for the home page and store the figures (idempotent).

    Whole-table counts and one grouped join over the recent works' topics: about a second on
    the 1 M-work corpus, which is why the worker does it and the page only reads the row.
    """
    this_year = (today or timezone.now().date()).year
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM profiles_researcher),
                   (SELECT count(*) FROM works_work),
                   (SELECT coalesce(sum(cited_by_count), 0) FROM works_work),
                   (SELECT count(*) FROM works_topic),
                   (SELECT count(*) FROM profiles_institution),
                   (SELECT count(*) FROM works_source),
                   (SELECT max(w.publication_year) FROM works_work w
                    WHERE w.publication_year <= %s
                      AND EXISTS (SELECT 1 FROM works_worktopic wt WHERE wt.work_id = w.id))
            """,
            [this_year],
        )
        researchers, works, citations, topics, institutions, venues, last_year = (
            cursor.fetchone() or (0, 0, 0, 0, 0, 0, None)
        )
        since = last_year - ACTIVE_YEARS + 1 if last_year is not None else None
        active: list[dict[str, object]] = []
        if since is not None:
            cursor.execute(
                """
                SELECT t.id, t.display_name, count(*) AS works
                FROM works_worktopic wt
                JOIN works_work w ON w.id = wt.work_id
                JOIN works_topic t ON t.id = wt.topic_id
                WHERE w.publication_year BETWEEN %s AND %s
                GROUP BY t.id, t.display_name
                ORDER BY works DESC, t.display_name, t.id
                LIMIT %s
                """,
                [since, last_year, ACTIVE_TOPICS],
            )
            active = [{"id": i, "name": n, "works": c} for i, n, c in cursor.fetchall()]
    with transaction.atomic():
        figures, _ = CorpusFigures.objects.update_or_create(
            id=1,
            defaults={
                "researchers": researchers,
                "works": works,
                "citations": citations,
                "topics": topics,
                "institutions": institutions,
                "venues": venues,
                "active_topics": active,
                "active_since": since if active else None,
                "computed_at": timezone.now(),
            },
        )
    return figures
