"""Benchmark of the research-graph slice at corpus scale (issue 6). Prints its figures.

    flock /tmp/bzpeer-bench.lock python -m bench.graph_slice \\
        --database-url postgres://root@127.0.0.1:5432/bzpeer_bench

On a corpus loaded by `python -m bench.synthetic load` (run `VACUUM ANALYZE` after the load, as
autovacuum eventually would, so index-only scans are index-only). It measures:

1. compute: `graph_slice_compute` (SQL cut + networkx + storing the payload) in a separate
   process that imports what a Celery worker imports, for researchers sampled across the
   productivity range (equal numbers from each decile of works per researcher, plus the most
   prolific) — p50/p95/max and the process's peak RSS;
2. serve: the stored slice fragment (`/researchers/<slug>/graph-slice/`, full middleware and
   template) through Django's test client, in-process server time — p50/p95;
3. naive: the whole graph (works, researchers, topics; authorship, citation and topic edges)
   loaded into one networkx graph, on growing fractions of the corpus, with load time, peak
   RSS, and the time of one slice from it (2-hop ego graph + PageRank inside it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def sample_researchers(database_url: str, per_decile: int, top: int, seed: int) -> list[int]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT researcher_id, count(*) FROM works_authorship GROUP BY researcher_id"
        ).fetchall()
    rows.sort(key=lambda r: (r[1], r[0]))
    rng = random.Random(seed)
    chosen: list[int] = [r[0] for r in rows[-top:]]
    n = len(rows)
    for decile in range(10):
        bucket = rows[decile * n // 10 : (decile + 1) * n // 10]
        chosen += [r[0] for r in rng.sample(bucket, min(per_decile, len(bucket)))]
    return list(dict.fromkeys(chosen))


# --- 1. compute, in a worker-like process ------------------------------------------------


def compute_child(database_url: str, ids: list[int]) -> None:
    setup_django(database_url)
    import bzpeer.celery  # noqa: F401 - what a worker process imports
    import graph.tasks  # noqa: F401
    from graph.compute import graph_slice_compute
    from graph.drawing import PAYLOAD_VERSION
    from graph.models import GraphSlice
    from profiles.models import Researcher

    versions = dict(Researcher.objects.filter(pk__in=ids).values_list("pk", "data_version"))
    GraphSlice.objects.filter(researcher_id__in=ids).delete()
    GraphSlice.objects.bulk_create(
        [
            GraphSlice(researcher_id=pk, data_version=v, payload_version=PAYLOAD_VERSION)
            for pk, v in versions.items()
        ]
    )
    rss_before = peak_rss_mb()
    timings = []
    for pk in ids:
        started = time.perf_counter()
        graph_slice_compute(researcher_id=pk, data_version=versions[pk])
        timings.append((pk, (time.perf_counter() - started) * 1000))
    print(
        json.dumps(
            {"timings": timings, "rss_after_import_mb": rss_before, "peak_rss_mb": peak_rss_mb()}
        )
    )


def run_compute(database_url: str, ids: list[int]) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.graph_slice",
            "--compute-child",
            "--database-url",
            database_url,
            "--ids",
            ",".join(map(str, ids)),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# --- 2. serving the stored fragment --------------------------------------------------------


def run_serve(ids: list[int], rounds: int) -> list[float]:
    from django.test import Client
    from django.test.utils import setup_test_environment

    from profiles.models import Researcher

    setup_test_environment()  # lets the test client's "testserver" host in
    slugs = list(Researcher.objects.filter(pk__in=ids).values_list("slug", flat=True))
    client = Client(HTTP_HX_REQUEST="true")
    timings = []
    for _ in range(rounds):
        for slug in slugs:
            started = time.perf_counter()
            response = client.get(f"/researchers/{slug}/graph-slice/")
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and b'data-state="ready"' in response.content
    return timings


def run_explorer(ids: list[int]) -> list[float]:
    """The explorer centred on a researcher with their two strongest co-authors expanded."""
    from django.test import Client

    from graph.models import GraphSlice
    from profiles.models import Researcher

    client = Client(HTTP_HX_REQUEST="true", HTTP_HX_TARGET="explorer")
    timings = []
    for researcher in Researcher.objects.filter(pk__in=ids):
        ready = GraphSlice.objects.filter(researcher=researcher).first()
        payload = (ready.payload if ready else None) or {}
        people = [
            n["id"] for n in payload.get("nodes", []) if n["kind"] == "person" and not n["center"]
        ][:2]
        url = f"/researchers/{researcher.slug}/explorer/?open={','.join(people)}"
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return timings


# --- 3. the naive approach ----------------------------------------------------------------


def naive_child(database_url: str, fraction: float, probe_ids: list[int]) -> None:
    import networkx as nx
    import psycopg

    started = time.perf_counter()
    graph = nx.Graph()
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT max(id) FROM works_work").fetchone()
        max_work = row[0] if row else 0
        limit = int(max_work * fraction)
        queries = [
            ("SELECT work_id, researcher_id FROM works_authorship WHERE work_id <= %s", "w", "r"),
            (
                "SELECT citing_id, cited_id FROM works_citation "
                "WHERE citing_id <= %s AND cited_id <= %s",
                "w",
                "w",
            ),
            ("SELECT work_id, topic_id FROM works_worktopic WHERE work_id <= %s", "w", "t"),
        ]
        for sql, a, b in queries:
            with conn.cursor(name="stream") as cur:  # server-side: rows are streamed
                cur.itersize = 50_000
                cur.execute(sql, [limit] * sql.count("%s"))
                for x, y in cur:
                    graph.add_edge(f"{a}{x}", f"{b}{y}")
            conn.commit()
    load_s = time.perf_counter() - started
    slice_ms = []
    for pk in probe_ids:
        node = f"r{pk}"
        if node not in graph:
            continue
        t = time.perf_counter()
        ego = nx.ego_graph(graph, node, radius=2)
        nx.pagerank(ego, personalization={node: 1.0})
        slice_ms.append((time.perf_counter() - t) * 1000)
    print(
        json.dumps(
            {
                "fraction": fraction,
                "nodes": graph.number_of_nodes(),
                "edges": graph.number_of_edges(),
                "load_s": load_s,
                "peak_rss_mb": peak_rss_mb(),
                "slice_ms": slice_ms,
            }
        )
    )


def run_naive(database_url: str, fraction: float, probe_ids: list[int]) -> dict[str, Any] | None:
    try:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.graph_slice",
                "--naive-child",
                str(fraction),
                "--database-url",
                database_url,
                "--ids",
                ",".join(map(str, probe_ids)),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        print(f"  naive at {fraction:.0%}: did not finish ({type(exc).__name__})")
        return None
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--per-decile", type=int, default=12)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--serve-rounds", type=int, default=5)
    parser.add_argument("--naive", default="0.05,0.1,0.2", help="corpus fractions, or ''")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--compute-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--naive-child", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--ids", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    ids = [int(x) for x in args.ids.split(",") if x]
    if args.compute_child:
        compute_child(args.database_url, ids)
        return 0
    if args.naive_child is not None:
        naive_child(args.database_url, args.naive_child, ids)
        return 0

    import psycopg

    with psycopg.connect(args.database_url) as conn:
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]  # noqa: S608 - table names from a fixed list in this file
            for t in ("profiles_researcher", "works_work", "works_authorship", "works_citation")
        }
    print("corpus:", ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    ids = sample_researchers(args.database_url, args.per_decile, args.top, args.seed)
    with psycopg.connect(args.database_url) as conn:
        works: dict[int, int] = dict(
            conn.execute(
                "SELECT researcher_id, count(*) FROM works_authorship "
                "WHERE researcher_id = ANY(%s) GROUP BY researcher_id",
                [ids],
            ).fetchall()
        )
    sizes = sorted(works.values())
    print(
        f"sample: {len(ids)} researchers, works per researcher min {sizes[0]}, "
        f"median {statistics.median(sizes)}, max {sizes[-1]}"
    )

    result = run_compute(args.database_url, ids)
    ms = [t for _, t in result["timings"]]
    prolific = [t for pk, t in result["timings"] if works[pk] >= sizes[-args.top]]
    print(
        f"compute (worker process, {len(ms)} slices): p50 {percentile(ms, 50):.0f} ms, "
        f"p95 {percentile(ms, 95):.0f} ms, max {max(ms):.0f} ms; "
        f"the {args.top} most prolific: p50 {percentile(prolific, 50):.0f} ms, "
        f"max {max(prolific):.0f} ms"
    )
    print(
        f"worker memory: {result['rss_after_import_mb']:.0f} MB after imports, "
        f"peak {result['peak_rss_mb']:.0f} MB"
    )

    setup_django(args.database_url)
    served = run_serve(ids, args.serve_rounds)
    print(
        f"serve stored fragment ({len(served)} requests): p50 {percentile(served, 50):.1f} ms, "
        f"p95 {percentile(served, 95):.1f} ms, max {max(served):.1f} ms"
    )

    explored = run_explorer(sorted(ids, key=lambda pk: -works[pk])[: args.top] + ids[args.top :: 6])
    print(
        f"explorer page, centre + 2 expanded neighbours ({len(explored)} requests): "
        f"p50 {percentile(explored, 50):.0f} ms, p95 {percentile(explored, 95):.0f} ms"
    )

    fractions = [float(f) for f in args.naive.split(",") if f]
    probe = sorted(ids, key=lambda pk: -works[pk])[: args.top] + ids[args.top :: 10]
    for fraction in fractions:
        naive = run_naive(args.database_url, fraction, probe)
        if naive is None:
            break
        sl = naive["slice_ms"]
        print(
            f"naive whole graph at {fraction:.0%} of the works: {naive['nodes']:,} nodes, "
            f"{naive['edges']:,} edges, load {naive['load_s']:.0f} s, "
            f"peak {naive['peak_rss_mb']:.0f} MB; one slice (ego radius 2 + PageRank) "
            f"p50 {percentile(sl, 50):.0f} ms, max {max(sl) if sl else float('nan'):.0f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
