"""Benchmark: an import run (`import_openalex DIR --background`) carried out by real workers.

    flock /tmp/bzpeer-bench.lock .venv/bin/python -m bench.import_run \\
        --works 100000 --files 8 --workers 1 --concurrency 2

1. A snapshot-shaped directory (`data/works/updated_date=…/part_NNN.gz` and a manifest) of
   synthetic works (`bench.synthetic`, one author population shared by every file) is written
   once and reused.
2. A freshly migrated database (default `<server>/bzpeer_bench_import_run`, never the 1 M
   corpus); `--workers` Celery worker processes with `--concurrency` pool children each, on a
   queue of their own.
3. Timed from the command to the last file done: the command enqueues one task per file; the
   database is polled every half second for the run's files and for the connections open to
   it (`pg_stat_activity`, the poller's own excluded), so the peak shows how many connections
   the workers really hold.
4. Printed: wall time, works per second over the run, the per-file rates, peak connections,
   and a re-run of the same command (every file unchanged: nothing enqueued).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from bench.import_openalex import recreate_database
from bench.synthetic import iter_openalex_works

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("BZPEER_BENCH_CACHE", Path(tempfile.gettempdir()) / "bzpeer-bench"))


def write_snapshot(root: Path, *, works: int, files: int, authors: int) -> Path:
    """`files` part files of works/files works each, over three updated_date partitions."""
    per_file = works // files
    done = root / ".complete"
    if done.exists():
        return root
    for part in range(files):
        path = root / f"data/works/updated_date=2025-0{part % 3 + 1}-01/part_{part:03d}.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        records = iter_openalex_works(per_file, authors, seed=42, start_id=part * per_file + 1)
        with gzip.open(path, "wt", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps(record, separators=(",", ":")))
                out.write("\n")
    (root / "data/works/manifest").write_text('{"entries": []}')
    done.touch()
    return root


def start_workers(
    env: dict[str, str], *, workers: int, concurrency: int, logs: Path
) -> list[subprocess.Popen[bytes]]:
    procs = []
    command = [
        sys.executable, "-m", "celery", "-A", "bzpeer", "worker", "--loglevel", "INFO",
        "--without-heartbeat", "--without-gossip", "--without-mingle", "--pool", "prefork",
        "--concurrency", str(concurrency),
        "--queues", f"{env['CELERY_QUEUE']},{env['CELERY_QUEUE']}-import",
    ]  # fmt: skip
    for i in range(workers):
        log = (logs / f"worker-{i}.log").open("w")
        procs.append(
            subprocess.Popen(
                [*command, "--hostname", f"bench{i}@%h"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 120
    for i in range(workers):
        while "ready." not in (logs / f"worker-{i}.log").read_text():
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker {i} did not start; see {logs}")
            time.sleep(0.2)
    return procs


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_command(env: dict[str, str], directory: Path) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "import_openalex", str(directory), "--background"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--works", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--authors", type=int, default=0, help="default: works / 5")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (machines)")
    parser.add_argument("--concurrency", type=int, default=2, help="pool children per worker")
    parser.add_argument("--server-url", default="postgres://root@127.0.0.1:5432")
    parser.add_argument("--database", default="bzpeer_bench_import_run")
    args = parser.parse_args(argv)
    if args.database == "bzpeer_bench":
        parser.error("never the 1 M corpus: give another --database")

    directory = write_snapshot(
        CACHE / f"import-run-{args.works}-{args.files}",
        works=args.works,
        files=args.files,
        authors=args.authors or max(args.works // 5, 1),
    )
    url = recreate_database(args.server_url, args.database)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CELERY_QUEUE": f"bench-import-run-{uuid.uuid4().hex[:8]}",
    }
    logs = CACHE / "import-run-logs"
    logs.mkdir(parents=True, exist_ok=True)
    procs = start_workers(env, workers=args.workers, concurrency=args.concurrency, logs=logs)
    try:
        with psycopg.connect(url, autocommit=True) as db:
            started = time.monotonic()
            print(run_command(env, directory))
            peak = 0
            while True:
                (open_connections,) = db.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone() or (0,)
                peak = max(peak, open_connections)
                (waiting,) = db.execute(
                    "SELECT count(*) FROM works_importfile WHERE state IN ('pending', 'running')"
                ).fetchone() or (0,)
                if not waiting:
                    break
                time.sleep(0.5)
            wall = time.monotonic() - started
            rows = db.execute(
                "SELECT state, read, created, failed, worker, "
                "extract(epoch FROM finished_at - started_at) FROM works_importfile"
            ).fetchall()
            (works,) = db.execute("SELECT count(*) FROM works_work").fetchone() or (0,)
            rerun = run_command(env, directory)
    finally:
        stop_workers(procs)

    states = sorted({r[0] for r in rows})
    rates = sorted(r[1] / r[5] for r in rows if r[5])
    workers = {r[4] for r in rows if r[4]}  # host:pid of the pool child
    print(
        f"import run: {len(rows)} files, {args.works:,} works, "
        f"{args.workers} worker(s) x --concurrency {args.concurrency}"
    )
    print(f"  file states: {', '.join(states)}; works in the database: {works:,}")
    print(f"  rejected records: {sum(r[3] for r in rows)}")
    print(f"  wall time, command to last file done: {wall:,.1f} s")
    print(f"  works per second over the run: {works / wall:,.0f}")
    print(f"  per file: {rates[0]:,.0f}-{rates[-1]:,.0f} works/s" if rates else "  per file: -")
    print(f"  distinct worker processes that imported: {len(workers)}")
    print(f"  peak connections to the database (excluding this poller): {peak}")
    print(f"  re-run: {rerun}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
