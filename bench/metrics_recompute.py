"""Benchmark: the nightly recomputation of every researcher's snapshot with its citation metrics.

    flock /tmp/bzpeer-bench.lock .venv/bin/python -m bench.metrics_recompute \\
        --database-url postgres://root@127.0.0.1:5432/bzpeer_bench

The shared 1 M-work corpus is read-only, so everything happens in one transaction that is
rolled back: columns newer than the corpus are added as plain columns
(`bench.work_page.missing_columns`), then every id-range batch of the nightly run is
recomputed in turn by the same service a worker runs (`profiles.services.trust`'s set-based
statement: trust inputs, points, citations, h-index, i10-index, works and citations per year,
the profile's lists), in this one process — what one solo worker does, without the broker.
Prints the total and the per-batch rates.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/bzpeer_bench")
    parser.add_argument("--batch-size", type=int, default=0, help="default: the setting")
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

    from profiles.models import TrustSnapshot
    from profiles.services.trust import trust_batches, trust_recompute_range

    size = args.batch_size or settings.BZPEER_TRUST_BATCH_SIZE
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    from bench.work_page import missing_columns

    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql in missing_columns(connection):  # columns newer than the corpus
                print(f"for this run only: {sql}")
                cursor.execute(sql)
        bounds = trust_batches(batch_size=size)
        rates: list[float] = []
        slowest = (0.0, 0, 0)
        started = time.perf_counter()
        written = 0
        for batch in bounds:
            batch_started = time.perf_counter()
            n = trust_recompute_range(first_id=batch.first_id, last_id=batch.last_id)
            seconds = time.perf_counter() - batch_started
            written += n
            rates.append(n / seconds if seconds else 0.0)
            slowest = max(slowest, (seconds, batch.first_id, batch.last_id))
        total = time.perf_counter() - started
        top = TrustSnapshot.objects.order_by("-h_index").values_list(
            "researcher_id", "works_count", "citations_total", "h_index", "i10_index"
        )[:1]
        print(
            f"recomputed {written:,} researchers in {len(bounds)} batches of {size:,}: "
            f"{total:.1f}s in all"
        )
        print(
            f"per-batch rate (researchers/s): median {statistics.median(rates):,.0f}, "
            f"min {min(rates):,.0f}, max {max(rates):,.0f}; slowest batch: ids "
            f"{slowest[1]}–{slowest[2]} in {slowest[0]:.2f}s"
        )
        print(f"highest h-index (researcher, works, citations, h, i10): {list(top)}")
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
