"""Benchmark of the collaboration fit (issue 15) on a large corpus. Prints its figures.

    flock /tmp/bzpeer-bench.lock python -m bench.collab_fit \\
        --database-url postgres://root@127.0.0.1:5432/bzpeer_bench

Read-only. Times `collab.fit.collab_fit` (one SQL query) between the two most prolific
records, and between a typical record and the most prolific one, `--runs` times each: median
and max in milliseconds, with how many reasons came out and whether a side was cut to the
newest FIT_WORKS_CAP works.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
    import django

    django.setup()
    from django.db import connection

    from collab.fit import FIT_WORKS_CAP, collab_fit

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT researcher_id, count(*) FROM works_authorship"
            " GROUP BY 1 ORDER BY 2 DESC LIMIT 2"
        )
        (top, top_n), (second, second_n) = cursor.fetchall()
        cursor.execute("SELECT count(*) FROM profiles_researcher")
        (researchers,) = cursor.fetchone()
        cursor.execute(
            "SELECT id FROM profiles_researcher ORDER BY id LIMIT 1 OFFSET %s", [researchers // 2]
        )
        (typical,) = cursor.fetchone()
    print(f"most prolific: {top} ({top_n} works), {second} ({second_n}); cap {FIT_WORKS_CAP}")
    for label, a, b in [("prolific × prolific", top, second), ("typical × prolific", typical, top)]:
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            fit = collab_fit(sender_researcher_id=a, owner_researcher_id=b)
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"{label}: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms; "
            f"{len(fit.reasons)} reasons, truncated={fit.truncated}"
        )


if __name__ == "__main__":
    main()
