"""Benchmark: the duplicate-candidates job over every researcher of the synthetic corpus.

On the shared 1 M-work corpus, in one transaction that is rolled back (the candidates are
stored, as the nightly job does, then thrown away):

    flock /tmp/bzpeer-bench.lock python -m bench.duplicate_candidates \\
        --database-url postgres://root@127.0.0.1:5432/bzpeer_bench

Prints the researchers read, the time to read and block their names, the name-compatible
pairs, the time to gather the evidence (shared co-authors, institutions, topics) in SQL, the
candidates found, the time to store them (one upsert per 5,000) and the records left out in
over-large name blocks.

The synthetic corpus names everyone "Author N" (no two names compatible), so by default the
names are replaced, in memory only, by realistic ones drawn for each id (`--names synthetic`):
Zipf-distributed family names and given names, a third of them written as an initial. The
blocking then works on real-looking collisions and the evidence SQL runs on the corpus's own
works, co-authors, institutions and topics. `--names stored` uses the names in the database.
"""

from __future__ import annotations

import argparse
import os
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--names", choices=["synthetic", "stored"], default="synthetic")
    args = parser.parse_args(argv)
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="bzpeer.settings")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from records.services.candidates import (
        candidates_store,
        large_blocks_size,
        name_pairs,
        pairs_evidence,
    )

    with transaction.atomic(), connection.cursor() as cursor:
        t0 = time.perf_counter()
        started = timezone.now()
        cursor.execute("SELECT id, display_name FROM profiles_researcher")
        names = cursor.fetchall()
        if args.names == "synthetic":
            names = _synthetic_names([rid for rid, _ in names])
        pairs = list(name_pairs(names))
        t1 = time.perf_counter()
        candidates = pairs_evidence(pairs)
        t2 = time.perf_counter()
        candidates_store(candidates, full_run=True, started=started)
        t3 = time.perf_counter()
        left_out = large_blocks_size(names)
        transaction.set_rollback(True)  # nothing stays in the shared corpus
    print(f"researchers: {len(names):,}")
    print(f"names read and blocked, compatible pairs: {len(pairs):,} in {t1 - t0:.1f} s")
    print(f"evidence gathered: {len(candidates):,} candidates in {t2 - t1:.1f} s")
    print(f"stored (then rolled back) in {t3 - t2:.1f} s")
    print(f"total: {t3 - t0:.1f} s; records in blocks over the cap (skipped): {left_out:,}")
    for c in sorted(candidates, key=lambda c: -c.score)[:5]:
        print(f"  {c.low} ~ {c.high}: {c.score} ({'; '.join(c.reasons)})")
    return 0


def _synthetic_names(ids: list[int]) -> list[tuple[int, str]]:
    """Deterministic realistic-looking names: 2,000 family names and 400 given names, both
    Zipf-weighted, a third of the given names reduced to an initial."""
    import itertools
    import random

    syllables = ["ka", "lo", "mi", "ren", "sa", "to", "vi", "na", "el", "dor", "be", "ju", "ha"]
    words = ["".join(p).capitalize() for p in itertools.product(syllables, repeat=3)]
    rng = random.Random(16)
    rng.shuffle(words)
    families, given = words[:2000], words[2000:2400]
    fam_w = [1 / (rank + 1) for rank in range(len(families))]
    giv_w = [1 / (rank + 1) for rank in range(len(given))]
    out = []
    for rid in ids:
        first = rng.choices(given, giv_w)[0]
        if rng.random() < 1 / 3:
            first = first[0] + "."
        out.append((rid, f"{first} {rng.choices(families, fam_w)[0]}"))
    return out


if __name__ == "__main__":
    raise SystemExit(main())
