"""Benchmark: merging a record with 5,000 works into another, and undoing it (issue 16: ≤ 2 s).

In a scratch database of its own (it writes):

    createdb -h 127.0.0.1 -U root i16_bench
    flock /tmp/bzpeer-bench.lock python -m bench.records_merge \\
        --database-url postgres://root@127.0.0.1:5432/i16_bench

It migrates, builds record A (5,000 works, each with two co-authors and an institution on A's
authorship, 200 followers, a pending claim, a flag) and record B (500 works, 50 of them shared
with A, 20 of A's followers), then times `records_merge(A → B)` and `operation_undo`, each one
transaction, `--repeat` times (merge, undo, merge, …) and prints each time.
"""

from __future__ import annotations

import argparse
import os
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--works", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="bzpeer.settings")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    a, b = _build(args.works)
    from records.services.operations import operation_undo, records_merge

    for i in range(args.repeat):
        t0 = time.perf_counter()
        op = records_merge(source_id=a, target_id=b, actor=None, reason="bench")
        t1 = time.perf_counter()
        operation_undo(operation_id=op.pk, actor=None)
        t2 = time.perf_counter()
        print(
            f"run {i + 1}: merge {t1 - t0:.3f} s, undo {t2 - t1:.3f} s (moved {op.summary})",
            flush=True,
        )
    return 0


def _build(n_works: int) -> tuple[int, int]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from claims.models import Claim, WorkFlag
    from profiles.models import Follow, Institution, Researcher
    from works.models import Authorship, AuthorshipInstitution, Work

    tag = str(time.time_ns())
    with transaction.atomic():
        inst = Institution.objects.create(display_name=f"Bench University {tag}")
        a = Researcher.objects.create(display_name="Bench Author", slug=f"bench-a-{tag}")
        b = Researcher.objects.create(display_name="B. Author", slug=f"bench-b-{tag}")
        co = Researcher.objects.bulk_create(
            [Researcher(display_name=f"Co {i}", slug=f"bench-co-{tag}-{i}") for i in range(200)]
        )
        works = Work.objects.bulk_create(
            [Work(title=f"Bench work {i}", publication_year=2000 + i % 25) for i in range(n_works)]
        )
        b_works = Work.objects.bulk_create(
            [Work(title=f"B work {i}", publication_year=2010) for i in range(450)]
        )
        rows = []
        for i, w in enumerate(works):
            rows.append(Authorship(work=w, researcher=a, position=0))
            rows.append(Authorship(work=w, researcher=co[i % 200], position=1))
            rows.append(Authorship(work=w, researcher=co[(i + 7) % 200], position=2))
            if i < 50:  # shared with B: these collide on the merge
                rows.append(Authorship(work=w, researcher=b, position=3))
        rows += [Authorship(work=w, researcher=b, position=0) for w in b_works]
        Authorship.objects.bulk_create(rows)
        AuthorshipInstitution.objects.bulk_create(
            [
                AuthorshipInstitution(authorship=au, institution=inst)
                for au in Authorship.objects.filter(researcher=a)
            ]
        )
        user_model, unusable = get_user_model(), make_password(None)
        users = user_model.objects.bulk_create(
            [user_model(username=f"bench-{tag}-{i}", password=unusable) for i in range(200)]
        )
        Follow.objects.bulk_create([Follow(user=u, researcher=a) for u in users])
        Follow.objects.bulk_create([Follow(user=u, researcher=b) for u in users[:20]])
        Claim.objects.create(user=users[0], researcher=a, claimant_name="Bench Author")
        WorkFlag.objects.create(researcher=a, work=works[-1], raised_by=users[0])
    with transaction.atomic():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return a.pk, b.pk


if __name__ == "__main__":
    raise SystemExit(main())
