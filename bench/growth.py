"""Benchmark: do the pages cost more on a bigger corpus? (issue 17: "flat from 1 M to 5 M works").

    flock /tmp/bzpeer-bench.lock .venv/bin/python -m bench.growth \\
        --database-url postgres://root@127.0.0.1:5432/bz_growth_1m \\
        --database-url postgres://root@127.0.0.1:5432/bz_growth_5m --explain

Each database is a synthetic corpus (`bench.synthetic load`, migrated, VACUUM ANALYZE) that this
run may write to (a copy: it refuses the shared `bzpeer_bench`): it computes what the worker would
for the records it measures (their trust snapshots, and graph slices for some), as after the
worker's pass. For each database, in a child process with the site's settings:

* the pages: the profile of the most prolific researcher and of `--sample` researchers picked at
  random among those with works; the work page of the most cited work and of `--sample` random
  works; the graph-slice fragment of the most prolific researcher and of 5 of the sample; the
  site search for a few queries (a common word, two words, a name, a word nobody wrote);
* each page is fetched `--repeat` times through Django's test client (URL routing, middleware,
  queries, templates), anonymously, **every cache emptied before each request** (Redis and the
  process's own copies): what a page costs when it is rendered from the database, which is what
  could grow with the corpus — a cached hit is one lookup by key whatever the corpus holds;
* it prints, per kind of page, the p50, p95 and maximum and the most queries a page made; with
  `--explain`, the plan (`EXPLAIN (ANALYZE, BUFFERS)`) of the slowest query of the slowest page
  of each kind.

The parent prints each kind's figures per database and the growth of the p95 from the first
database to each other one (issue 17's bar: at most +20 % from 1 M to 5 M works).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ("learning", "network analysis", "Author 1234", "zyxwvut")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def _pages(sample: int, seed: int) -> dict[str, list[str]]:
    """Pick the measured pages and compute what the worker would for them."""
    from django.db import connection
    from django.urls import reverse

    from graph.compute import graph_slice_compute
    from graph.services import graph_slice_request
    from profiles.models import Researcher
    from profiles.services.trust import trust_recompute
    from works.models import Work

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT researcher_id FROM works_authorship GROUP BY researcher_id "
            "ORDER BY count(*) DESC, researcher_id LIMIT 1"
        )
        prolific = cursor.fetchone()[0]
        cursor.execute("SELECT max(id) FROM profiles_researcher")
        top_researcher = cursor.fetchone()[0]
        cursor.execute(
            "SELECT DISTINCT researcher_id FROM works_authorship WHERE researcher_id = ANY(%s)",
            [rng.sample(range(1, top_researcher + 1), sample * 3)],
        )
        others = [row[0] for row in cursor.fetchall() if row[0] != prolific][:sample]
        cursor.execute(
            "SELECT cited_id FROM works_citation WHERE cited_id IS NOT NULL GROUP BY cited_id "
            "ORDER BY count(*) DESC, cited_id LIMIT 1"
        )
        most_cited = cursor.fetchone()[0]
        cursor.execute("SELECT max(id) FROM works_work")
        top_work = cursor.fetchone()[0]
    works = [most_cited, *rng.sample(range(1, top_work + 1), sample)]
    researchers = [prolific, *others]
    trust_recompute(researcher_ids=researchers)
    sliced = researchers[:6]
    for researcher in Researcher.objects.filter(pk__in=sliced):
        graph_slice_request(researcher=researcher)
        graph_slice_compute(researcher_id=researcher.pk, data_version=researcher.data_version)
    slugs = dict(Researcher.objects.filter(pk__in=researchers).values_list("pk", "slug"))
    return {
        "profile": [
            reverse("profiles:researcher_detail", kwargs={"slug": slugs[r]}) for r in researchers
        ],
        "work page": [w.get_absolute_url() for w in Work.objects.filter(pk__in=works)],
        "slice fragment": [reverse("graph:slice", kwargs={"slug": slugs[r]}) for r in sliced],
        "search": [f"/?q={query.replace(' ', '+')}" for query in QUERIES],
    }


def _explain(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def child(sample: int, repeat: int, seed: int, explain: bool) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    started = time.monotonic()
    pages = _pages(sample, seed)
    prepared = time.monotonic() - started
    client = Client()
    figures: dict[str, Any] = {"prepare_seconds": round(prepared, 1), "kinds": {}}
    for urls in pages.values():  # templates compiled, connections opened: not timed
        for url in urls:
            client.get(url)
    for kind, urls in pages.items():
        times: list[float] = []
        worst = (0.0, "")
        most_queries = 0
        for url in urls:
            for _ in range(repeat):
                for alias in caches:
                    caches[alias].clear()
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - began) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
                times.append(elapsed)
                most_queries = max(most_queries, len(queries))
                worst = max(worst, (elapsed, url))
        entry = {
            "pages": len(urls),
            "views": len(times),
            "p50": statistics.median(times),
            "p95": percentile(times, 95),
            "max": max(times),
            "queries": most_queries,
            "worst": worst[1],
        }
        if explain:
            for alias in caches:
                caches[alias].clear()
            with CaptureQueriesContext(connection) as queries:
                client.get(worst[1])
            slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
            # Run the statement again as the page ran it: Django logs it with its values
            # inlined, which is also what EXPLAIN needs.
            entry["slowest_query_ms"] = float(slowest["time"]) * 1000
            entry["plan"] = _explain(slowest["sql"], None)
        figures["kinds"][kind] = entry
    print("RESULT " + json.dumps(figures))


def run_child(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis_url,
        "DJANGO_SETTINGS_MODULE": "bzpeer.settings",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-growth"),
        "CELERY_QUEUE": "bzpeer-bench-growth",
        "CACHE_KEY_PREFIX": "bzpeer-bench-growth",
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        # As the web server runs (bzpeer/wsgi.py): a page's query has no parallel workers.
        "DATABASE_PARALLEL_WORKERS": os.environ.get("DATABASE_PARALLEL_WORKERS", "0"),
    }
    # The pages name their static files by the manifest's hashed names.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    command = [sys.executable, "-m", "bench.growth", "--child", "--sample", str(args.sample)]
    command += ["--repeat", str(args.repeat), "--seed", str(args.seed)]
    if args.explain:
        command.append("--explain")
    output = subprocess.run(
        command, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True
    ).stdout
    line = next(x for x in reversed(output.splitlines()) if x.startswith("RESULT "))
    return dict(json.loads(line.removeprefix("RESULT ")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", action="append", default=[])
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.sample, args.repeat, args.seed, args.explain)
        return
    if not args.database_url:
        parser.error("give at least one --database-url")
    if any(url.rstrip("/").endswith("/bzpeer_bench") for url in args.database_url):
        parser.error("bzpeer_bench is the shared corpus and this run writes: use a copy")
    if len(set(args.database_url)) != len(args.database_url):
        parser.error("each --database-url once")
    results = {}
    for url in args.database_url:
        name = url.rstrip("/").rsplit("/", 1)[1]
        print(f"measuring {name} ...", flush=True)
        results[name] = run_child(url, args)
        print(f"  prepared in {results[name]['prepare_seconds']} s", flush=True)
    names = list(results)
    print()
    print(f"{'page':<16}" + "".join(f"{n + ' p50 / p95 / max (queries)':>46}" for n in names))
    for kind in results[names[0]]["kinds"]:
        row = f"{kind:<16}"
        for name in names:
            k = results[name]["kinds"][kind]
            cell = f"{k['p50']:.1f} / {k['p95']:.1f} / {k['max']:.1f} ms ({k['queries']})"
            row += f"{cell:>46}"
        print(row)
    base = names[0]
    for name in names[1:]:
        for kind, k in results[name]["kinds"].items():
            growth = k["p95"] / results[base]["kinds"][kind]["p95"] - 1
            print(f"p95 growth {base} -> {name}, {kind}: {growth:+.0%}")
    if args.explain:
        for name in names:
            for kind, k in results[name]["kinds"].items():
                print(
                    f"\n== {name}, {kind}: slowest page {k['worst']}, its slowest query "
                    f"{k['slowest_query_ms']:.1f} ms =="
                )
                print(k["plan"])


if __name__ == "__main__":
    main()
