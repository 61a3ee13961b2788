"""Benchmark: `import_arxiv` on a synthetic arXiv metadata file, as the tables grow (issue 12).

    DATABASE_URL=postgres://root@127.0.0.1:5432/<scratch, migrated> \\
        flock /tmp/bzpeer-bench.lock .venv/bin/python -m bench.import_arxiv --records 1000000

The file (`bench.synthetic arxiv`: the Kaggle snapshot's shape, Zipf-skewed family names, each
person printed in a variant per paper) is written once under `--dir` and split into `--parts`
consecutive files. The works, researcher and topic tables of the scratch database are emptied
(TRUNCATE … CASCADE; the script refuses the shared `bzpeer_bench` corpus), then the parts are
imported one after the other as `manage.py import_arxiv --no-progress --no-refresh` does, so
each part's rate shows how the import holds up as the tables grow. Prints records/s per part
and overall, the researchers made and the process's peak RSS. `--by-record`: the record-by-
record loader (`arxiv.load_arxiv_by_record`) instead of the set-based one.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def split_file(source: Path, parts: int, records: int) -> list[Path]:
    per_part = -(-records // parts)
    paths = []
    with source.open("rb") as lines:
        for number in range(parts):
            chunk = list(itertools.islice(lines, per_part))
            if not chunk:
                break
            path = source.with_name(f"{source.stem}.part{number:02d}.jsonl")
            path.write_bytes(b"".join(chunk))
            paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--authors", type=int, default=0, help="default: records / 2")
    parser.add_argument("--parts", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--by-record", action="store_true", help="the record-by-record loader (the reference)"
    )
    parser.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()) / "bzpeer-arxiv-bench"
    )
    args = parser.parse_args(argv)
    if os.environ.get("DATABASE_URL", "").rstrip("/").endswith("/bzpeer_bench"):
        parser.error("bzpeer_bench is the shared corpus: point DATABASE_URL at a scratch database")
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection

    from bench.synthetic import write_arxiv
    from profiles.models import Researcher
    from works.importers.arxiv_load import arxiv_import

    authors = args.authors or max(1, args.records // 2)
    source = args.dir / f"arxiv-{args.records}-{authors}-{args.seed}.jsonl"
    if not source.exists():
        started = time.monotonic()
        write_arxiv(source, args.records, authors, args.seed)
        print(f"wrote {source} in {time.monotonic() - started:.0f}s")
    parts = split_file(source, args.parts, args.records)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE works_authorship, works_worktopic, works_work, works_topic, "
            "profiles_researcher CASCADE"
        )
    total_read = 0
    total_time = 0.0
    ok = True
    for number, path in enumerate(parts, start=1):
        started = time.monotonic()
        report = arxiv_import(
            paths=[path],
            by_record=args.by_record,
            progress=False,
            enqueue_refresh=False,
            error_stream=io.StringIO(),
        )
        elapsed = time.monotonic() - started
        total_read += report.read
        total_time += elapsed
        ok = ok and report.ok
        print(
            f"part {number}/{len(parts)}: {report.read:,} records in {elapsed:.1f}s = "
            f"{report.read / elapsed:,.0f} records/s (created {report.created:,}, "
            f"failed {report.failed})",
            flush=True,
        )
        path.unlink()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"all: {total_read:,} records in {total_time:.1f}s = {total_read / total_time:,.0f} "
        f"records/s; {Researcher.objects.count():,} researchers; peak RSS {peak:.0f} MB"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
