"""Benchmark of the read API (issue 14) at corpus scale. Prints its figures.

    flock /tmp/bzpeer-bench.lock python -m bench.api \\
        --database-url postgres://root@127.0.0.1:5432/bzpeer_bench \\
        --redis-url redis://127.0.0.1:6379/6

Read-only. Each request goes through the whole stack in-process (Django's test client: URL
routing, every middleware, the per-client rate limit in Redis, django-ninja's validation and
JSON rendering, PostgreSQL), so the times are server times without the network. Records are
sampled at random across the id range (a fixed seed); each request comes from its own client
address, so the limit never refuses one. Targets (issue 14): p95 ≤ 50 ms for a single
entity, ≤ 150 ms for a page of 50.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def setup_django(database_url: str, redis_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--requests", type=int, default=200, help="per endpoint")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--only", default="", help="measure only the endpoints named so")
    args = parser.parse_args()
    setup_django(args.database_url, args.redis_url)

    from django.db import connection
    from django.test import Client

    from openweb.api import _encode_cursor

    rng = random.Random(args.seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT max(id) FROM works_work), (SELECT max(id) FROM profiles_researcher),"
            " (SELECT count(*) FROM works_work), (SELECT count(*) FROM profiles_researcher)"
        )
        max_work, max_researcher, works, researchers = cursor.fetchone()

        def sample(sql: str, n: int) -> list[object]:
            cursor.execute(sql, [n])
            return [row[0] for row in cursor.fetchall()]

        def spread(table: str, column: str, top: int, n: int) -> list[object]:
            # The first row at or after random ids: spread over the table, one index probe each.
            found = []
            for _ in range(n):
                cursor.execute(
                    f"SELECT {column} FROM {table} WHERE id >= %s ORDER BY id LIMIT 1",  # noqa: S608 - names from this file
                    [rng.randrange(1, top + 1)],
                )
                found += [row[0] for row in cursor.fetchall()]
            return found

        work_ids = spread("works_work", "id", max_work, 400)
        slugs = spread("profiles_researcher", "slug", max_researcher, 400)
        topic_ids = sample("SELECT id FROM works_topic ORDER BY random() LIMIT %s", 400)
        institution_ids = sample(
            "SELECT id FROM profiles_institution ORDER BY random() LIMIT %s", 400
        )
        venue_ids = sample("SELECT id FROM works_source ORDER BY random() LIMIT %s", 400)
    print(f"corpus: {works:,} works, {researchers:,} researchers")

    addresses = iter(range(1, 10**9))

    def client() -> Client:
        n = next(addresses)
        return Client(REMOTE_ADDR=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")

    def pick(values: list[object]) -> object:
        return rng.choice(values)

    single: dict[str, Callable[[], str]] = {
        "researcher": lambda: f"/api/v1/researchers/{pick(slugs)}",
        "work": lambda: f"/api/v1/works/{pick(work_ids)}",
        "topic": lambda: f"/api/v1/topics/{pick(topic_ids)}",
        "institution": lambda: f"/api/v1/institutions/{pick(institution_ids)}",
        "venue": lambda: f"/api/v1/venues/{pick(venue_ids)}",
    }
    pages: dict[str, Callable[[], str]] = {
        "works page": lambda: (
            f"/api/v1/works?limit=50&cursor={_encode_cursor(rng.randrange(max_work))}"
        ),
        "researchers page": lambda: (
            f"/api/v1/researchers?limit=50&cursor={_encode_cursor(rng.randrange(max_researcher))}"
        ),
        "a researcher's works": lambda: f"/api/v1/researchers/{pick(slugs)}/works?limit=50",
        "works of a topic": lambda: f"/api/v1/works?limit=50&topic={pick(topic_ids)}",
        # Newest first on (year, id): a cursor somewhere inside the range.
        "works of a year range": lambda: (
            f"/api/v1/works?limit=50&from=2015&to=2018&cursor="
            f"{_encode_cursor(rng.randint(2015, 2018), rng.randrange(max_work))}"
        ),
        "topics page": lambda: "/api/v1/topics?limit=50",
    }
    failures = 0
    for title, group, target in (("single entity", single, 50), ("page of 50", pages, 150)):
        print(f"\n{title} (target p95 ≤ {target} ms), {args.requests} requests each")
        for name, url_of in group.items():
            if args.only and args.only not in name:
                continue
            for _ in range(5):  # warm the connection and the plan cache
                client().get(url_of())
            times = []
            for _ in range(args.requests):
                url = url_of()
                start = time.perf_counter()
                response = client().get(url)
                times.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    failures += 1
                    print(f"  {url}: {response.status_code} {response.content[:200]!r}")
            p95 = percentile(times, 95)
            verdict = "ok" if p95 <= target else "OVER"
            print(
                f"  {name:24} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms"
                f"  max {max(times):6.1f} ms  {verdict}"
            )
    if failures:
        raise SystemExit(f"{failures} requests failed")


if __name__ == "__main__":
    main()
