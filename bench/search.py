"""Benchmarks of the search (issues 10 and 13). Prints their figures.

    flock /tmp/bzpeer-bench.lock python -m bench.search \\
        --server postgres://root@127.0.0.1:5432 --researchers 200000
    flock /tmp/bzpeer-bench.lock python -m bench.search \\
        --server postgres://root@127.0.0.1:5432 \\
        --works-corpus postgres://root@127.0.0.1:5432/bzpeer_bench

With `--works-corpus` (issue 13): the site search over works on the 1 M-work synthetic corpus.
The corpus database is only read: its tables are copied (COPY, streamed) into a scratch
database migrated by this checkout, so the search document and its indexes are the ones the
migrations build (`--reuse` keeps a scratch copy made before). Then one- and two-word queries,
with and without filters, are timed through Django's test client (the whole home page: the
overview of every kind, and the works page with its facets), and the page's queries counted.
The synthetic titles and abstracts draw on a 60-word vocabulary, so a word from it is in most
of the million works: the worst case for counting, ordering and facets.

Researchers (without `--works-corpus`):

The synthetic corpora name everyone "Author N", which says nothing about searching names, so
this makes its own scratch database (dropped at the end unless --keep): migrated, with
`--researchers` records (200,000, the researchers of the 1 M-work corpus) whose names follow a
skewed distribution of real-looking given and family names (so "Wang" matches thousands, a
rare name a few), each with a trust snapshot (works count, top topics) as the worker stores
them. Then, for classes of queries — a common family name, a full name, an initial, a rare
name, two typos, nothing near — it times `profiles.search.researcher_search` (first page, and a
later page) and the whole home page through Django's test client (middleware and template), and
counts the page's queries. The search never reads works or authorships (a result's figures come
from the snapshot), so the number of works in the corpus does not enter its cost.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def words(text: str) -> list[str]:
    return text.split()


FAMILY = words(
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo "
    "Kim Lee Park Choi Nguyen Tran Singh Kumar Sharma Patel Gupta Khan Ali Ahmed Hassan "
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Müller Schmidt "
    "Schneider Fischer Weber Meyer Wagner Becker Rossi Russo Ferrari Esposito Bianchi "
    "Dubois Durand Lefebvre Moreau Laurent Silva Santos Oliveira Souza Pereira Costa "
    "Ivanov Smirnov Kuznetsov Popov Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto "
    "Nakamura Kobayashi Kato Andersson Johansson Nielsen Hansen Jensen Novak Kowalski "
    "Nowak Horvath Papadopoulos Yilmaz Kaya Demir Cohen Levi Mizrahi Okafor Mensah Feng "
    "Jiang Tang Deng Xie Han Cao Peng Zeng Xiao Tian Dong Yuan Pan Du Dai Xia Zhong Fang"
)
GIVEN = words(
    "Wei Jing Li Min Yan Hui Xin Lei Jun Ying Hao Yu Jie Tao Ming Fang Hong Qiang Lin "
    "Jiashi Xiaoming Yifan Zhiwei Ji-Hoon Min-Jun Seo-Yeon Anh Minh Arjun Priya Rahul "
    "Ananya Mohammed Fatima Omar Aisha James Mary John Patricia Robert Jennifer Michael "
    "Linda David Elizabeth William Barbara Richard Susan Joseph Jessica Thomas Sarah "
    "Maria José Juan Ana Luis Carlos Sofia Lucas Hannah Jürgen Anna Giulia Marco Pierre "
    "Camille Chloé João Beatriz Ivan Olga Dmitri Hiroshi Yuki Haruto Sakura Lars Ingrid "
    "Søren Piotr Agnieszka Zoltán Eleni Mehmet Ayşe Noa Chinedu Ama Kwame Amara Ngozi"
)
QUERIES = {
    "common family name": ["Wang", "Li", "Zhang", "Smith", "Kim"],
    "full name": ["Wei Zhang", "Jing Li", "Maria Garcia", "Hiroshi Tanaka", "Jiashi Feng"],
    "one letter": ["J", "W", "m"],
    "rare name": ["Ngozi Okafor", "Zoltán Horvath", "Søren Jensen", "Kwame Mensah"],
    "two typos": ["Jaishi Fng", "Hirosi Tanka", "Mraia Garcai", "Zoltan Horvat"],
    "nothing near": ["Qqqq Zzzzz", "Xylophone Quokka"],
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def make_corpus(url: str, researchers: int, seed: int) -> None:
    """Researchers with skewed real-looking names, and their snapshots, by COPY."""
    import psycopg

    rng = random.Random(seed)
    # Skewed, not extreme: the commonest family name ends up on about 4 % of the records.
    family_weights = [1 / (rank**0.7) for rank in range(1, len(FAMILY) + 1)]
    given_weights = [1 / (rank**0.6) for rank in range(1, len(GIVEN) + 1)]
    families = rng.choices(FAMILY, family_weights, k=researchers)
    givens = rng.choices(GIVEN, given_weights, k=researchers)
    with psycopg.connect(url, autocommit=True) as conn:
        topics = io.StringIO()
        for t in range(1, 301):
            topics.write(f"{t}\topenalex\tT{t}\tTopic number {t}\t\t\t\n")
        with conn.cursor().copy(
            "COPY works_topic (id, origin, external_id, display_name, subfield, field, domain) "
            "FROM STDIN"
        ) as copy:
            copy.write(topics.getvalue())
        people = io.StringIO()
        snapshots = io.StringIO()
        for i in range(researchers):
            style = rng.random()
            given, family = givens[i], families[i]
            name = (
                f"{family}, {given}"
                if style < 0.1
                else f"{given[0]}. {family}"
                if style < 0.25
                else f"{given} {family}"
            )
            people.write(f"{i + 1}\tr-{i + 1}\t{name}\t{{}}\t\tf\t0\tunclaimed\t1\tnow\tnow\n")
            works = max(1, int(rng.paretovariate(1.2)))
            top = ",".join(
                f'{{"id": {t}, "name": "Topic number {t}", "works": {works}}}'
                for t in rng.sample(range(1, 301), 3)
            )
            snapshots.write(
                f"{i + 1}\t4\tEmerging\t1\t0\tunclaimed\t{works}\t0\t3\t0\tf\tf"
                f"\t0\t0\t0\t3\t0\t1\t0\tnow\tnow\t[]\t[{top}]\n"
            )
        with conn.cursor().copy(
            "COPY profiles_researcher (id, slug, display_name, name_variants, headline, "
            "open_to_collaborate, verification_level, claim_status, data_version, created_at, "
            "updated_at) FROM STDIN"
        ) as copy:
            copy.write(people.getvalue())
        with conn.cursor().copy(
            "COPY profiles_trustsnapshot (researcher_id, score, tier, formula_version, "
            "verification_level, claim_status, works_count, followers_count, topics_count, "
            "close_collaborators_count, has_orcid, has_affiliation, points_verification, "
            "points_claim, points_identity, points_publications, points_collaboration, "
            "points_topics, points_community, computed_at, changed_at, history, top_topics) "
            "FROM STDIN"
        ) as copy:
            copy.write(snapshots.getvalue())
        conn.execute("VACUUM ANALYZE")


def time_it(fn: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


# The site search's tables, copied from the corpus in this order (foreign keys first).
CORPUS_TABLES = [
    "profiles_institution",
    "works_topic",
    "works_source",
    "profiles_researcher",
    "profiles_trustsnapshot",
    "works_work",
    "works_authorship",
    "works_authorshipinstitution",
    "works_worktopic",
]
WORK_QUERIES = {
    "one word": ["learning", "protein", "quantum", "market", "xylophone"],
    "two words": ["deep learning", "climate model", "graph network", "risk market", "cat dog"],
}


def copy_corpus(source_url: str, target_url: str) -> dict[str, int]:
    """Copy the corpus's rows into the migrated scratch database, table by table."""
    import psycopg

    copied = {}
    with (
        psycopg.connect(source_url) as source,
        psycopg.connect(target_url, autocommit=True) as target,
    ):
        source.execute("SET TRANSACTION READ ONLY")
        for table in CORPUS_TABLES:
            # The columns both have, minus generated ones (the search document is computed).
            wanted = target.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
                " AND is_generated = 'NEVER' ORDER BY ordinal_position",
                [table],
            ).fetchall()
            present = {
                name
                for (name,) in source.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                    [table],
                ).fetchall()
            }
            columns = ", ".join(f'"{name}"' for (name,) in wanted if name in present)
            started = time.perf_counter()
            with (
                source.cursor().copy(f"COPY {table} ({columns}) TO STDOUT") as out,
                target.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as into,
            ):
                for chunk in out:
                    into.write(chunk)
            # Table names from CORPUS_TABLES, this module's constant.
            count = target.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
            copied[table] = count[0] if count else 0
            print(f"  {table}: {copied[table]:,} rows in {time.perf_counter() - started:.0f}s")
            if table != "profiles_trustsnapshot":  # keyed by researcher, no sequence
                target.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
        target.execute("VACUUM ANALYZE")
    return copied


def bench_works(args: argparse.Namespace) -> None:
    """The site search on a copy of the 1 M-work corpus."""
    import psycopg

    admin = f"{args.server}/postgres"
    url = f"{args.server}/{args.database}"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [args.database]
        ).fetchone()
        if not (args.reuse and exists):
            conn.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
            conn.execute(f'CREATE DATABASE "{args.database}"')
            exists = None
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from works.models import Topic

    setup_test_environment()  # the test client then keeps each response's context

    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    started = time.perf_counter()
    call_command("migrate", verbosity=0)  # a kept copy gets this checkout's new migrations
    if not exists:
        print(f"copying the corpus from {args.works_corpus}")
        copy_corpus(args.works_corpus, url)
        print(f"scratch copy ready in {time.perf_counter() - started:.0f}s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM works_work")
        row = cursor.fetchone()
    print(f"works: {row[0] if row else 0:,}")
    topic = Topic.objects.order_by("pk").values_list("pk", flat=True).first()
    variants: dict[str, dict[str, str]] = {
        "overview": {},
        "works + facets": {"kind": "works"},
        "works, years 2010-2015": {"kind": "works", "year_from": "2010", "year_to": "2015"},
        "works, type preprint": {"kind": "works", "type": "preprint"},
        "works, one topic": {"kind": "works", "topic": str(topic)},
        "works, page 3": {"kind": "works", "page": "3"},
    }
    client = Client()
    print(f"{'query':<16} {'variant':<24} {'works':>7} {'p50 ms':>8} {'max ms':>8} {'queries':>7}")
    by_kind: dict[str, list[float]] = {}
    for words_class, queries in WORK_QUERIES.items():
        for query in queries:
            for variant, extra in variants.items():
                params = {"q": query, **extra}
                response = client.get("/", params)
                if response.status_code != 200:
                    print(f"{query:<16} {variant:<24} HTTP {response.status_code}")
                    continue
                times = time_it(partial(client.get, "/", params), args.repeat)
                with CaptureQueriesContext(connection) as queries_run:
                    page = client.get("/", params)
                works = page.context["search"].works.results
                total = f"{'>' if works.total_capped else ''}{works.total}"
                by_kind.setdefault(f"{words_class}, {variant}", []).extend(times)
                print(
                    f"{query:<16} {variant:<24} {total:>7} {statistics.median(times):8.1f} "
                    f"{max(times):8.1f} {len(queries_run):7d}"
                )
    print("p95 by class (whole page, server side):")
    for name, times in by_kind.items():
        print(f"  {name:<40} p50 {percentile(times, 50):7.1f}  p95 {percentile(times, 95):7.1f} ms")
    everything = [t for times in by_kind.values() for t in times]
    print(
        f"all: p50 {percentile(everything, 50):.1f} ms, p95 {percentile(everything, 95):.1f} ms, "
        f"max {max(everything):.1f} ms over {len(everything)} pages"
    )
    if not args.keep:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.database}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://root@127.0.0.1:5432")
    parser.add_argument("--database", default="bzpeer_bench_search")
    parser.add_argument("--researchers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--works-corpus", help="the site search on a copy of this corpus")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept scratch copy")
    args = parser.parse_args()
    if args.works_corpus:
        if args.database == "bzpeer_bench_search":
            args.database = "bzpeer_bench_site_search"
        bench_works(args)
        return

    import psycopg

    admin = f"{args.server}/postgres"
    url = f"{args.server}/{args.database}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    try:
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
        os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
        os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from profiles.search import researcher_search

        settings.ALLOWED_HOSTS = ["*"]
        settings.STORAGES["staticfiles"] = {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        }
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        make_corpus(url, args.researchers, args.seed)
        print(f"corpus: {args.researchers:,} researchers in {time.perf_counter() - started:.0f}s")
        client = Client()
        print(f"{'class':<20} {'query':<18} {'total':>7} {'p50 ms':>8} {'max ms':>8} "
              f"{'page 2':>8} {'page ms':>8} {'queries':>7}")  # fmt: skip
        by_class: dict[str, list[float]] = {}
        for kind, queries in QUERIES.items():
            for query in queries:
                results = researcher_search(query)
                first = time_it(partial(researcher_search, query), args.repeat)
                later = time_it(partial(researcher_search, query, number=2), args.repeat)
                page = time_it(partial(client.get, "/", {"q": query}), args.repeat)
                with CaptureQueriesContext(connection) as queries_run:
                    client.get("/", {"q": query})
                total = f"{'>' if results.total_capped else ''}{results.total}"
                total += "~" if results.loose else ""
                by_class.setdefault(kind, []).extend(page)
                print(
                    f"{kind:<20} {query:<18} {total:>7} {statistics.median(first):8.1f} "
                    f"{max(first):8.1f} {statistics.median(later):8.1f} "
                    f"{statistics.median(page):8.1f} {len(queries_run):7d}"
                )
        everything = [t for times in by_class.values() for t in times]
        print(
            f"home page with results, all classes: p50 {percentile(everything, 50):.1f} ms, "
            f"p95 {percentile(everything, 95):.1f} ms, max {max(everything):.1f} ms "
            "(~ after a total: the looser second pass)"
        )
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.database}"')


if __name__ == "__main__":
    main()
