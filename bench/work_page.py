"""Benchmark of the work page (issue 13). Prints its figures.

    flock /tmp/bzpeer-bench.lock .venv/bin/python -m bench.work_page \\
        --database-url postgres://root@127.0.0.1:5432/bzpeer_bench

On the 1 M-work synthetic corpus (`bench/synthetic.py`), READ-ONLY: everything it adds is in
one transaction that is rolled back at the end — the work page's two indexes when the corpus
predates them, and the two extremes the issue names, which the corpus does not reach: a work
with 5,000 authors and one cited by 50,000 works in the corpus. It then times the whole page
through Django's test client (URL routing, middleware, queries, template) for a random sample
of works, the corpus's most-authored and most-cited works and the two extremes, each also with
its other regions (citing works most cited first, keyset pages of citers deep in the list,
Previous from one of them, all authors), and a work with 2,000-10,000 citers (the sorted regime,
the one nearest 5,000), and
counts each page's queries. Then the most prolific researcher's profile (its works list
sorted and filtered, a late page) and co-authors page.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

INDEXES = [
    "CREATE INDEX IF NOT EXISTS work_newest ON works_work "
    "(publication_year DESC NULLS LAST, id DESC)",
    "CREATE INDEX IF NOT EXISTS work_most_cited ON works_work (cited_by_count DESC, id DESC)",
]


def new_work(cursor: Any, title: str) -> int:
    cursor.execute(
        "INSERT INTO works_work (title, work_type, abstract, language, venue, cited_by_count,"
        " created_at, updated_at) VALUES (%s, 'article', '', '', '', 0, now(), now())"
        " RETURNING id",
        [title],
    )
    return int(cursor.fetchone()[0])


def missing_columns(connection: Any) -> list[str]:
    """ALTERs adding, as plain nullable columns, what the models have and the corpus lacks.

    The corpus was loaded by an older schema; the pages read every column of their models
    (e.g. a later generated search column) though these benchmarks use none of the new ones.
    """
    from django.apps import apps
    from django.db.models import GeneratedField

    statements = []
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for model in apps.get_models():
            table = model._meta.db_table
            if table not in tables:
                continue
            present = {
                c.name for c in connection.introspection.get_table_description(cursor, table)
            }
            for field in model._meta.concrete_fields:
                if field.column in present:
                    continue
                typed = field.output_field if isinstance(field, GeneratedField) else field
                assert typed is not None
                statements.append(
                    f'ALTER TABLE "{table}" ADD COLUMN "{field.column}" '
                    f"{typed.db_type(connection)} NULL"
                )
    return statements


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/bzpeer_bench")
    parser.add_argument("--sample", type=int, default=200, help="random works timed")
    parser.add_argument("--repeat", type=int, default=5, help="timings per extreme page")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from works.models import Work

    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    rng = random.Random(args.seed)
    client = Client()
    cpu_times: list[float] = []  # this process's CPU per page: the load of others aside
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

    def timed(url: str, repeat: int, *, warm: bool = True) -> tuple[list[float], int]:
        # The extremes are timed again and again, so they are warmed first.
        if warm and client.get(url).status_code == 404:  # e.g. no 50th page of citers
            return [], 0
        times = []
        for _ in range(repeat):
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return times, len(queries)

    with transaction.atomic():
        with connection.cursor() as cursor:
            started = time.perf_counter()
            for sql in INDEXES:
                cursor.execute(sql)
            for sql in missing_columns(connection):
                print(f"for this run only: {sql}")
                cursor.execute(sql)
            cursor.execute("SELECT max(id) FROM works_work")
            (last_work,) = cursor.fetchone()
            cursor.execute("SELECT min(id), max(id) FROM profiles_researcher")
            first_person, _ = cursor.fetchone()
            # The extremes, rolled back with everything else.
            huge_authors = new_work(cursor, "A work with 5,000 authors")
            cursor.execute(
                "INSERT INTO works_authorship (work_id, researcher_id, position, raw_author_name,"
                " is_corresponding) SELECT %s, id, row_number() OVER (ORDER BY id) - 1, '', false"
                " FROM profiles_researcher WHERE id BETWEEN %s AND %s",
                [huge_authors, first_person, first_person + 4999],
            )
            huge_cited = new_work(cursor, "A work cited 50,000 times")
            citers = rng.sample(range(1, last_work + 1), 50_000)
            cursor.execute(
                "INSERT INTO works_citation (citing_id, cited_id, cited_openalex_id)"
                " SELECT w, %s, 'W-bench' FROM unnest(%s::bigint[]) AS w",
                [huge_cited, citers],
            )
            cursor.execute("ANALYZE works_work")
            cursor.execute("ANALYZE works_citation")
            cursor.execute(
                "SELECT cited_id FROM works_citation WHERE cited_id <> %s"
                " GROUP BY cited_id ORDER BY count(*) DESC LIMIT 1",
                [huge_cited],
            )
            (most_cited,) = cursor.fetchone()
            # A work in the middle of the sorted regime (2,000-10,000 citers: their ids sorted).
            cursor.execute(
                "SELECT cited_id, count(*) FROM works_citation WHERE cited_id <> %s"
                " GROUP BY cited_id HAVING count(*) BETWEEN 2000 AND 10000"
                " ORDER BY abs(count(*) - 5000) LIMIT 1",
                [huge_cited],
            )
            middle = cursor.fetchone()
            cursor.execute(
                "SELECT work_id FROM works_authorship WHERE work_id <> %s"
                " GROUP BY work_id ORDER BY count(*) DESC LIMIT 1",
                [huge_authors],
            )
            (most_authored,) = cursor.fetchone()
            print(f"setup (indexes, extremes, analyze): {time.perf_counter() - started:.1f}s")

        titled = Work.objects.only("pk", "title")
        extremes = {
            "corpus's most cited": titled.get(pk=most_cited),
            "corpus's most authored": titled.get(pk=most_authored),
            "5,000 authors": titled.get(pk=huge_authors),
            "cited by 50,000": titled.get(pk=huge_cited),
        }
        if middle is not None:
            extremes[f"cited by {middle[1]:,}"] = titled.get(pk=middle[0])

        def deep_citers(work_id: int, depth: int, *, before: bool = False) -> str:
            """The query string of the page of citers after (or before) the `depth`-th newest."""
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT w.publication_year, w.id FROM works_citation c"
                    " JOIN works_work w ON w.id = c.citing_id WHERE c.cited_id = %s"
                    " ORDER BY w.publication_year DESC NULLS LAST, w.id DESC OFFSET %s LIMIT 1",
                    [work_id, depth - 1],
                )
                row = cursor.fetchone()
            if row is None:
                return ""
            year, citer = row
            return (
                f"?{'cbefore' if before else 'cafter'}={'none' if year is None else year}.{citer}"
            )

        variants = {
            "page": "",
            "citers most cited": "?cited=most-cited",
            "all authors (200)": "?authors=all",
        }
        everything: list[float] = []
        first_views: list[float] = []  # the page as linked: no region asked for
        print(f"{'work':<24} {'region':<20} {'p50 ms':>8} {'max ms':>8} {'queries':>7}")
        for name, work in extremes.items():
            # Keyset pages of citers: after the 1,000th (where OFFSET paging stopped) and the
            # 40,000th; a work with fewer citers has no such page.
            deep = {
                f"citers after {depth:,}": deep_citers(work.pk, depth) for depth in (1000, 40000)
            } | {"citers before 1,000": deep_citers(work.pk, 1000, before=True)}
            for region, query in (variants | deep).items():
                if region.startswith("citers ") and not query:
                    print(f"{name:<24} {region:<20} (no such page)")
                    continue
                times, queries = timed(work.get_absolute_url() + query, args.repeat)
                if not times:
                    print(f"{name:<24} {region:<20} (no such page)")
                    continue
                everything += times
                if region == "page":
                    first_views += times
                print(
                    f"{name:<24} {region:<20} {statistics.median(times):8.1f} "
                    f"{max(times):8.1f} {queries:7d}"
                )
        sample: list[float] = []
        ids = rng.sample(range(1, last_work + 1), args.sample)
        for work in Work.objects.filter(pk__in=ids).only("pk", "title"):
            times, _ = timed(work.get_absolute_url(), 1, warm=False)  # first view
            sample += times
        everything += sample
        print(
            f"{len(sample)} random works: p50 {percentile(sample, 50):.1f} ms, "
            f"p95 {percentile(sample, 95):.1f} ms, max {max(sample):.1f} ms"
        )
        first_views += sample
        print(
            f"work pages as linked, random and extremes ({len(first_views)}): p50 "
            f"{percentile(first_views, 50):.1f} ms, p95 {percentile(first_views, 95):.1f} ms, "
            f"max {max(first_views):.1f} ms"
        )
        print(
            f"all pages timed ({len(everything)}): p50 {percentile(everything, 50):.1f} ms, "
            f"p95 {percentile(everything, 95):.1f} ms, max {max(everything):.1f} ms"
        )
        # The profile's works list and the co-authors page of the most prolific researcher.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.slug, count(*) FROM works_authorship a"
                " JOIN profiles_researcher r ON r.id = a.researcher_id"
                " GROUP BY r.id ORDER BY count(*) DESC LIMIT 1"
            )
            slug, works = cursor.fetchone()
        profile = f"/researchers/{slug}/"
        print(f"most prolific researcher: {slug}, {works:,} works")
        for region, path in {
            "profile": profile,
            "profile, most cited": profile + "?sort=most-cited",
            "profile, title": profile + "?sort=title",
            "profile, filtered": profile + "?from=2000&to=2015&type=article",
            "profile, page 50": profile + "?page=50",
            "co-authors": profile + "coauthors/",
            "co-authors by name": profile + "coauthors/?sort=name",
        }.items():
            times, queries = timed(path, args.repeat)
            print(
                f"{'':<24} {region:<20} {statistics.median(times):8.1f} "
                f"{max(times):8.1f} {queries:7d}"
            )
        print(
            f"Django's own CPU per page (no database time): p50 {percentile(cpu_times, 50):.1f}"
            f" ms, p95 {percentile(cpu_times, 95):.1f} ms; load average after: "
            + " ".join(f"{x:.1f}" for x in os.getloadavg())
        )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
