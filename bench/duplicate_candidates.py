"""Benchmark: the duplicate-candidates job over every researcher of the synthetic corpus.

Read only (a READ ONLY transaction; nothing is stored), on the shared 1 M-work corpus:

    flock /tmp/bzpeer-bench.lock python -m bench.duplicate_candidates \\
        --database-url postgres://root@127.0.0.1:5432/bzpeer_bench

Prints the researchers read, the time to read and block their names, the name-compatible
pairs, the time to gather the evidence (shared co-authors, institutions, topics) in SQL, the
candidates found and the records left out in over-large name blocks.
"""

from __future__ import annotations

import argparse
import os
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args(argv)
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="bzpeer.settings")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
    import django

    django.setup()
    from django.db import connection, transaction

    from records.services.candidates import large_blocks_size, name_pairs, pairs_evidence

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION READ ONLY")
        t0 = time.perf_counter()
        cursor.execute("SELECT id, display_name FROM profiles_researcher")
        names = cursor.fetchall()
        pairs = list(name_pairs(names))
        t1 = time.perf_counter()
        candidates = pairs_evidence(pairs)
        t2 = time.perf_counter()
        left_out = large_blocks_size(names)
    print(f"researchers: {len(names):,}")
    print(f"names read and blocked, compatible pairs: {len(pairs):,} in {t1 - t0:.1f} s")
    print(f"evidence gathered: {len(candidates):,} candidates in {t2 - t1:.1f} s")
    print(f"total: {t2 - t0:.1f} s; records in blocks over the cap (skipped): {left_out:,}")
    for c in sorted(candidates, key=lambda c: -c.score)[:5]:
        print(f"  {c.low} ~ {c.high}: {c.score} ({'; '.join(c.reasons)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
