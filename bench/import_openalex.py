"""Benchmark: `import_openalex` on a synthetic OpenAlex works file vs a bare COPY of the same rows.

    flock /tmp/bzpeer-bench.lock .venv/bin/python -m bench.import_openalex --works 1000000

1. The synthetic file (`bench.synthetic`, Zipf-skewed authors, big-science works, abstracts as
   inverted indexes, locations, topics, references) is written once as a snapshot-style
   `.jsonl.gz` part file and reused.
2. The ceiling: the rows the importer ends up writing (works, researchers, authorships,
   authorship institutions, institutions, sources, topics, work topics, citation edges) are
   prepared as COPY text files beforehand (untimed: this is where JSON decoding happens), then
   COPY'd into a freshly migrated database — the same schema, indexes and constraints. Timed.
3. The import: `manage.py import_openalex FILE` into another freshly migrated database, as a
   user runs it (decoding, checks, staging, upserts, data_version bumps). Timed; its resident
   memory is sampled every half second (psutil), to show the peak and that it stays flat, and
   so is the works id sequence (drawn by the importer as it writes each batch), which gives
   the rate of each tenth of the works: flat, or falling as the tables grow.
4. With `--bulk`, the same import with `--bulk` (first load into an empty database: indexes
   and foreign keys built after, citation edges staged unlogged) into a third database.
5. The databases must end with the same row counts; the figures are printed.

The databases are `<--prefix>_copy`, `<--prefix>_import` and `<--prefix>_bulk` (dropped and
re-created).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import psutil
import psycopg

ROOT = Path(__file__).resolve().parent.parent
NOW = "2025-01-01 00:00:00+00"
TABLES = {
    "profiles_institution": "id, openalex_id, ror_id, display_name, country_code, "
    "institution_type, homepage_url, domains",
    "works_source": "id, openalex_id, display_name, issn_l, source_type",
    "works_topic": "id, origin, external_id, display_name, subfield, field, domain",
    "profiles_researcher": "id, slug, display_name, name_variants, headline, "
    "open_to_collaborate, openalex_id, verification_level, claim_status, data_version, "
    "created_at, updated_at",
    "works_work": "id, openalex_id, doi, arxiv_id, work_type, publication_year, "
    "publication_date, title, abstract, language, source_id, venue, cited_by_count, "
    "updated_date, created_at, updated_at",
    "works_authorship": "id, work_id, researcher_id, position, raw_author_name, is_corresponding",
    "works_authorshipinstitution": "authorship_id, institution_id",
    "works_worktopic": "work_id, topic_id, score",
    "works_citation": "citing_id, cited_openalex_id, cited_id",
}


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


class Ids:
    def __init__(self) -> None:
        self.ids: dict[Any, int] = {}

    def get(self, key: Any) -> tuple[int, bool]:
        found = self.ids.get(key)
        if found is not None:
            return found, False
        self.ids[key] = len(self.ids) + 1
        return self.ids[key], True


def prepare_copy_rows(source: Path, out: Path) -> dict[str, int]:
    """The importer's rows for `source`, as COPY text files under `out` (one per table)."""
    import django

    django.setup()
    from works.importers.openalex_records import parse_work

    files = {t: (out / f"{t}.tsv").open("w", encoding="utf-8") for t in TABLES}
    counts = dict.fromkeys(TABLES, 0)

    def write(table: str, *values: Any) -> None:
        files[table].write("\t".join(_text(v) for v in values) + "\n")
        counts[table] += 1

    works, researchers, institutions, sources, topics = Ids(), Ids(), Ids(), Ids(), Ids()
    authorship_id = 0
    with gzip.open(source, "rb") as lines:
        for number, line in enumerate(lines, start=1):
            w = parse_work(str(source), number, orjson.loads(line))
            work_id, _ = works.get(w.openalex_id)
            source_id = None
            if w.source:
                source_id, new = sources.get(w.source[0])
                if new:
                    write("works_source", source_id, *w.source)
            write(
                "works_work",
                work_id,
                w.openalex_id,
                w.doi,
                w.arxiv_id,
                w.work_type,
                w.publication_year,
                w.publication_date,
                w.title,
                w.abstract,
                w.language,
                source_id,
                w.venue,
                w.cited_by_count,
                w.updated_date,
                NOW,
                NOW,
            )
            inst_ids = {}
            for inst in w.institutions:
                inst_ids[inst[0]], new = institutions.get(inst[0])
                if new:
                    write("profiles_institution", inst_ids[inst[0]], *inst, "", "{}")
            for a in w.authorships:
                researcher_id, new = researchers.get(a.author_openalex_id)
                if new:
                    write(
                        "profiles_researcher",
                        researcher_id,
                        a.slug,
                        a.display_name,
                        "{}",
                        "",
                        False,
                        a.author_openalex_id,
                        1,
                        "unclaimed",
                        1,
                        NOW,
                        NOW,
                    )
                authorship_id += 1
                write(
                    "works_authorship",
                    authorship_id,
                    work_id,
                    researcher_id,
                    a.position,
                    a.raw_author_name,
                    a.is_corresponding,
                )
                for inst_id in a.institution_ids:
                    write("works_authorshipinstitution", authorship_id, inst_ids[inst_id])
            for topic, score in w.topics:
                topic_id, new = topics.get((topic[0], topic[1]))
                if new:
                    write("works_topic", topic_id, *topic)
                write("works_worktopic", work_id, topic_id, score)
            for cited in w.references:
                write("works_citation", work_id, cited, works.ids.get(cited))
    for f in files.values():
        f.close()
    return counts


def recreate_database(server_url: str, name: str) -> str:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{server_url}/{name}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return url


def timed_copy(url: str, rows_dir: Path) -> float:
    started = time.monotonic()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for table, columns in TABLES.items():
            with (
                (rows_dir / f"{table}.tsv").open("rb") as data,
                cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                while chunk := data.read(1 << 20):
                    copy.write(chunk)
            conn.commit()
        for table in TABLES:
            if table != "works_authorshipinstitution":
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - table names from a fixed list in this file
                    f"GREATEST((SELECT max(id) FROM {table}), 1))"
                )
        conn.commit()
    return time.monotonic() - started


def sample_work_ids(url: str, done: threading.Event, into: list[tuple[float, int]]) -> None:
    """(time, works ids drawn) every half second until `done`: the import's progress curve."""
    with psycopg.connect(url, autocommit=True) as conn:
        sequence = conn.execute("SELECT pg_get_serial_sequence('works_work', 'id')").fetchone()
        assert sequence is not None
        while not done.is_set():
            row = conn.execute(f"SELECT last_value, is_called FROM {sequence[0]}").fetchone()  # noqa: S608 - the sequence's own name, from PostgreSQL
            assert row is not None
            into.append((time.monotonic(), row[0] if row[1] else 0))
            done.wait(0.5)


def tenths(samples: list[tuple[float, int]], total: int) -> list[float]:
    """Works per second in each tenth of `total` works, from the first work drawn (start-up
    excluded) to the last; the time a tenth was crossed is interpolated between samples."""

    def crossed(count: float) -> float:
        previous = samples[0]
        for sample in samples:
            if sample[1] >= count:
                if sample[1] == previous[1]:
                    return sample[0]
                share = (count - previous[1]) / (sample[1] - previous[1])
                return previous[0] + share * (sample[0] - previous[0])
            previous = sample
        return samples[-1][0]

    start = next(t for t, n in samples if n > 0)
    marks = [start] + [crossed(total * i / 10) for i in range(1, 11)]
    return [total / 10 / max(b - a, 1e-9) for a, b in itertools.pairwise(marks)]


def timed_import(
    url: str, path: Path, batch_size: int | None, extra: list[str] | None = None
) -> tuple[float, list[int], str, list[tuple[float, int]]]:
    command = [sys.executable, "manage.py", "import_openalex", str(path), "--no-refresh"]
    if batch_size:
        command += ["--batch-size", str(batch_size)]
    command += extra or []
    started = time.monotonic()
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    samples: list[int] = []
    watcher = psutil.Process(proc.pid)

    def sample() -> None:
        while proc.poll() is None:
            try:
                samples.append(watcher.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.5)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    progress: list[tuple[float, int]] = []
    done = threading.Event()
    counter = threading.Thread(target=sample_work_ids, args=(url, done, progress), daemon=True)
    counter.start()
    assert proc.stdout is not None
    output = []
    for line in proc.stdout:
        output.append(line)
        if "records," in line:
            print("   ", line.rstrip(), flush=True)
    proc.wait()
    elapsed = time.monotonic() - started
    thread.join()
    done.set()
    counter.join()
    if proc.returncode:
        raise SystemExit("".join(output[-30:]) + f"\nimport failed with status {proc.returncode}")
    return elapsed, samples, "".join(output), progress


def table_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]  # noqa: S608 - table names from a fixed list in this file
            for t in TABLES
        }


def quartiles(samples: list[int]) -> Iterator[str]:
    for share in (0.25, 0.5, 0.75, 1.0):
        index = min(len(samples) - 1, int(len(samples) * share) - 1)
        yield f"{samples[max(index, 0)] / 1e6:.0f} MB at {share:.0%}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--works", type=int, default=1_000_000)
    parser.add_argument("--authors", type=int, default=0, help="default: works / 5")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "bzpeer-bench")
    parser.add_argument("--server-url", default="postgres://root@127.0.0.1:5432")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--prefix", default="bzpeer_bench", help="names of the scratch databases")
    parser.add_argument("--bulk", action="store_true", help="also time `import_openalex --bulk`")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ.setdefault("DATABASE_URL", f"{args.server_url}/bzpeer_bench_import")
    sys.path.insert(0, str(ROOT))

    from bench.synthetic import write_openalex

    args.dir.mkdir(parents=True, exist_ok=True)
    authors = args.authors or max(1, args.works // 5)
    path = args.dir / f"works-{args.works}-{authors}-{args.seed}.jsonl.gz"
    if not path.exists():
        print(f"writing {path} …", flush=True)
        write_openalex(path, args.works, authors, args.seed)
    print(f"input: {path} ({path.stat().st_size / 1e6:.0f} MB compressed)", flush=True)

    rows_dir = args.dir / f"rows-{path.stem}"
    rows_dir.mkdir(exist_ok=True)
    print("preparing the COPY rows (untimed) …", flush=True)
    prepared = prepare_copy_rows(path, rows_dir)
    print(f"  {prepared}", flush=True)

    copy_url = recreate_database(args.server_url, f"{args.prefix}_copy")
    print("bare COPY of the same rows …", flush=True)
    copy_seconds = timed_copy(copy_url, rows_dir)
    copy_counts = table_counts(copy_url)
    print(f"  {copy_seconds:.1f}s", flush=True)

    import_url = recreate_database(args.server_url, f"{args.prefix}_import")
    print("manage.py import_openalex …", flush=True)
    import_seconds, samples, output, progress = timed_import(import_url, path, args.batch_size)
    import_counts = table_counts(import_url)
    print("  " + output.strip().splitlines()[-1], flush=True)

    if import_counts != copy_counts:
        print(f"ROW COUNTS DIFFER\n  copy:   {copy_counts}\n  import: {import_counts}")
        return 1
    works = import_counts["works_work"]
    import_rate = works / import_seconds
    copy_rate = works / copy_seconds
    print()
    print(f"rows per table (both databases): {import_counts}")
    print(f"import:       {import_seconds:8.1f} s  {import_rate:10,.0f} works/s")
    print(f"bare COPY:    {copy_seconds:8.1f} s  {copy_rate:10,.0f} works/s")
    print(f"ratio:        {import_rate / copy_rate:8.1%} of the COPY ceiling (target ≥ 50%)")
    rates = tenths(progress, works)
    print("works/s by tenth of the works: " + ", ".join(f"{r:,.0f}" for r in rates))
    print(f"last tenth / first tenth: {rates[-1] / rates[0]:.1%} (target ≥ 70%)")
    print(f"peak RSS:     {max(samples) / 1e6:8.0f} MB  ({', '.join(quartiles(samples))})")
    print(flush=True)
    if args.bulk:
        bulk_url = recreate_database(args.server_url, f"{args.prefix}_bulk")
        print("manage.py import_openalex --bulk …", flush=True)
        bulk_seconds, bulk_samples, bulk_output, _ = timed_import(
            bulk_url, path, args.batch_size, ["--bulk"]
        )
        print("  " + " / ".join(bulk_output.strip().splitlines()[-2:]), flush=True)
        bulk_counts = table_counts(bulk_url)
        if bulk_counts != copy_counts:
            print(f"ROW COUNTS DIFFER\n  copy:   {copy_counts}\n  bulk:   {bulk_counts}")
            return 1
        print(
            f"bulk import:  {bulk_seconds:8.1f} s  {works / bulk_seconds:10,.0f} works/s  "
            f"{import_seconds / bulk_seconds:.2f}x the import, "
            f"{copy_seconds / bulk_seconds:.2f}x the bare COPY; "
            f"peak RSS {max(bulk_samples) / 1e6:.0f} MB"
        )
    for directory in (rows_dir,):
        for file in directory.glob("*.tsv"):
            file.unlink()
        directory.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
