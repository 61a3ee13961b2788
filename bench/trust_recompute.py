"""Benchmark: the nightly trust recomputation of every researcher, by one Celery worker.

Prepare the corpus once (shared with the graph benchmark; skip if it is already complete):

    createdb bzpeer_bench && DATABASE_URL=postgres://…/bzpeer_bench python manage.py migrate
    python -m bench.synthetic load --database-url postgres://…/bzpeer_bench \\
        --works 1000000 --researchers 200000

Then, one heavy benchmark at a time:

    flock /tmp/bzpeer-bench.lock python -m bench.trust_recompute \\
        --database-url postgres://root@127.0.0.1:5432/bzpeer_bench

It applies the profiles migrations that hold the snapshots, starts one `celery worker` (solo
pool, its own queue), sends `profiles.tasks.recompute_all_researchers` through Redis exactly as
the beat schedule does, waits for the run to finish and prints the total time and the rate of
each batch (from the run's ledger, `TrustRecomputeBatch`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# One worker, one process: the figure is what a single worker does.
WORKER_COMMAND = [
    sys.executable,
    "-m",
    "celery",
    "-A",
    "bzpeer",
    "worker",
    "--pool",
    "solo",
    "--loglevel",
    "WARNING",
    "--without-heartbeat",
    "--without-gossip",
    "--without-mingle",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/bzpeer_bench")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the run")
    args = parser.parse_args(argv)

    queue = f"bench-trust-{uuid.uuid4().hex[:8]}"
    os.environ.update(
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="bzpeer.settings",
        CELERY_QUEUE=queue,
        BZPEER_TRUST_BATCH_SIZE=str(args.batch_size),
    )
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from bzpeer.celery import app as celery_app
    from profiles.models import Researcher, TrustRecomputeBatch, TrustRecomputeRun, TrustSnapshot
    from profiles.tasks import recompute_all_researchers

    call_command("migrate", "profiles", verbosity=0)
    researchers = Researcher.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM works_work")
        row = cursor.fetchone()
        works = row[0] if row else 0
    print(f"corpus: {researchers:,} researchers, {works:,} works; batch size {args.batch_size:,}")

    celery_app.conf.task_default_queue = queue
    log = Path(tempfile.mkstemp(prefix="bench-trust-worker-", suffix=".log")[1])
    worker = subprocess.Popen(
        [*WORKER_COMMAND, "--queues", queue],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(3)
        if worker.poll() is not None:
            raise SystemExit(f"the worker did not start:\n{log.read_text()}")
        last_run = TrustRecomputeRun.objects.order_by("-pk").values_list("pk", flat=True).first()
        started = time.monotonic()
        recompute_all_researchers.apply_async()
        deadline = started + args.timeout
        run = None
        while time.monotonic() < deadline:
            run = TrustRecomputeRun.objects.filter(pk__gt=last_run or 0).order_by("pk").first()
            if run and run.finished_at:
                break
            if worker.poll() is not None:
                raise SystemExit(f"the worker died:\n{log.read_text()}")
            time.sleep(0.5)
        else:
            raise SystemExit(f"the run did not finish within {args.timeout:.0f}s")
        total = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert run is not None
    batches = list(TrustRecomputeBatch.objects.filter(run=run).order_by("first_id"))
    rates = [b.researchers / (b.duration_ms / 1000) for b in batches if b.duration_ms]
    computed = sum(b.researchers for b in batches)
    in_batches = sum(b.duration_ms for b in batches) / 1000
    print(
        f"recomputed {computed:,} researchers in {len(batches)} batches: "
        f"total {total:.1f}s wall clock (send → last batch committed), "
        f"{in_batches:.1f}s inside batches"
    )
    print(
        f"per-batch rate (researchers/s): median {statistics.median(rates):,.0f}, "
        f"min {min(rates):,.0f}, max {max(rates):,.0f}; overall {computed / total:,.0f}/s"
    )
    slowest = max(batches, key=lambda b: b.duration_ms)
    print(
        f"slowest batch: ids {slowest.first_id}–{slowest.last_id}, "
        f"{slowest.researchers:,} researchers in {slowest.duration_ms / 1000:.2f}s"
    )
    tiers = TrustSnapshot.objects.values_list("tier").annotate(n=Count("pk"))
    print("snapshots by tier: " + ", ".join(f"{t} {n:,}" for t, n in sorted(tiers)))
    print(f"under 5 minutes: {'yes' if total < 300 else 'NO'}")
    return 0 if computed == researchers else 1


if __name__ == "__main__":
    raise SystemExit(main())
