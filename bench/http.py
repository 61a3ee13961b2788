"""HTTP benchmark of the site's pages against a bare Django response (issue 17). Prints its figures.

    flock /tmp/bzpeer-bench.lock .venv/bin/python -m bench.http --redis-url redis://127.0.0.1:6379/3
    flock /tmp/bzpeer-bench.lock .venv/bin/python -m bench.http --baseline-tree ../old-checkout
    flock /tmp/bzpeer-bench.lock .venv/bin/python -m bench.http \\
        --database-url postgres://root@127.0.0.1:5432/bzpeer_bench   # read-only: writes nothing

In one run it starts, each under gunicorn with 2 sync workers (as `make run` does), the site's
WSGI app (`bzpeer.wsgi`), optionally the same site from another checkout (`--baseline-tree`:
before/after figures in the same run), and `bench/bare_wsgi.py` — Django answering
`HttpResponse("ok")` with no middleware. Then it drives them with wrk (`-t2 -c16`, Debian's
`wrk`) in interleaved rounds — each round runs every page on every app back to back, so a
neighbour's load on this shared machine hits all of them alike — and prints, per page, the
median over rounds of requests/s, p50 and p99 latency, and the ratio to the bare response
measured in the same round.

Without `--database-url` it makes its own scratch database (`--scratch-db`), migrates, loads the
demo data, computes the trust snapshots and the graph slices of the pages it measures (what the
worker would do), signs in a throwaway user for the signed-in profile, and drops the database at
the end (`--keep-db` keeps it for the next run). With `--database-url` it only reads: pages whose
data the worker has not computed are measured as they are (a slice still building, say);
`--worker-pass` (on a copy of a corpus only: it writes) computes the measured records' trust
snapshots first, as the worker would.

Pages: the seed profile (anonymous and signed in), the most prolific record's profile, a typical
record's (the newest researcher with works), the slice fragment, the explorer, search and a work
page. Then, on a scratch database or with `--worker-pass`, the **cold views**: for each profile,
its data version bumped (a data change: the snapshot is no longer current, the counts are made
on the spot) and the first view timed, then the worker's pass and the first view after it —
one request at a time, `--cold-repeat` times.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def django_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "bzpeer.settings",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-http"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The demo's workers may share this Redis; the tasks this run enqueues stay apart.
        "CELERY_QUEUE": "bzpeer-bench-http",
        "CACHE_KEY_PREFIX": "bzpeer-bench-http",
    }


def manage(tree: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=tree, env=env, check=True)


def scratch_database(admin_url: str, name: str, *, create: bool) -> tuple[str, bool]:
    """The scratch database's URL, and whether it was made now (else it is reused as it is)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        made = create and not exists
        if made:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        if not create and exists:
            connection.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
    return admin_url.rsplit("/", 1)[0] + "/" + name, made


def prepare(*, write: bool, worker_pass: bool) -> None:
    """In a child process with the site's settings: compute what the worker would, pick the
    pages, print them as JSON on the last line."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from graph.compute import graph_slice_compute
    from graph.services import graph_slice_request
    from profiles.models import Researcher
    from profiles.services.derived import refresh_requests_drain
    from profiles.services.trust import trust_recompute
    from works.models import Work

    seed = Researcher.objects.filter(slug="jiashi-feng").first()
    prolific = (
        Researcher.objects.annotate(n=Count("authorships"))
        .order_by("-n", "id")
        .only("slug")
        .first()
    )
    if prolific is None:
        raise SystemExit("no researcher in this database")
    seed = seed or prolific
    # A typical record (the newest researcher with works): the profile must not cost more
    # for the most prolific one.
    typical = (
        Researcher.objects.filter(authorships__isnull=False).order_by("-id").only("slug").first()
    )
    if write:
        while refresh_requests_drain():
            pass
    if worker_pass:  # the trust snapshots of the measured records, as the worker computes them
        measured = {r.pk for r in (seed, prolific, typical) if r is not None}
        trust_recompute(researcher_ids=sorted(measured))
        for researcher in {seed.pk: seed, prolific.pk: prolific}.values():
            researcher.refresh_from_db()
            graph_slice_request(researcher=researcher)
            graph_slice_compute(researcher_id=researcher.pk, data_version=researcher.data_version)
    work = Work.objects.filter(authorships__researcher=seed).order_by("-id").first()
    pages = {
        "seed profile": reverse("profiles:researcher_detail", kwargs={"slug": seed.slug}),
        f"prolific profile ({prolific.n} works)": reverse(  # type: ignore[attr-defined]
            "profiles:researcher_detail", kwargs={"slug": prolific.slug}
        ),
        **(
            {
                f"typical profile ({typical.authorships.count()} works)": reverse(
                    "profiles:researcher_detail", kwargs={"slug": typical.slug}
                )
            }
            if typical is not None
            else {}
        ),
        "slice fragment": reverse("graph:slice", kwargs={"slug": seed.slug}),
        "explorer": reverse("graph:explorer", kwargs={"slug": seed.slug}),
        "search": "/?q=learning",
    }
    if work is not None:
        pages["work page"] = work.get_absolute_url()
    if not write:  # asking for a slice that is not stored records one: not on a read-only run
        del pages["slice fragment"], pages["explorer"]
    cookie = ""
    if write:
        user, _ = get_user_model().objects.get_or_create(
            username="bench-http", defaults={"email": "bench-http@example.org"}
        )
        client = Client()
        client.force_login(user)
        cookie = f"sessionid={client.cookies['sessionid'].value}"
    profiles = {prolific.slug: prolific.pk, seed.slug: seed.pk}
    if typical is not None:
        profiles[typical.slug] = typical.pk
    print(json.dumps({"pages": pages, "cookie": cookie, "seed": seed.slug, "profiles": profiles}))


def cold(base: str, profiles: dict[str, int], repeat: int) -> None:
    """In a child process with the site's settings: the first anonymous view of each profile
    after a data change, timed one request at a time (nothing else of ours runs meanwhile).
    "changed": the record's data version bumped (what `researchers_changed` does in the
    writer's transaction) — the snapshot is then not current, the counts are made on the spot;
    "drained": the worker's pass done after it (`trust_recompute`) — the first view after
    that. Writes: only on a scratch database or a copy of a corpus."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db.models import F
    from django.urls import reverse

    from profiles.models import Researcher
    from profiles.services.trust import trust_recompute

    figures: dict[str, dict[str, list[float]]] = {}
    for slug, researcher_id in profiles.items():
        url = base + reverse("profiles:researcher_detail", kwargs={"slug": slug})
        for _ in range(repeat):
            Researcher.objects.filter(pk=researcher_id).update(data_version=F("data_version") + 1)
            for state in ("changed", "drained"):
                if state == "drained":
                    trust_recompute(researcher_ids=[researcher_id])
                started = time.perf_counter()
                with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - ours
                    response.read()
                elapsed = (time.perf_counter() - started) * 1000
                figures.setdefault(slug, {}).setdefault(state, []).append(elapsed)
    print(json.dumps(figures))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(
    app: str, tree: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [GUNICORN, app, "--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "sync"],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}"


def wait_until_up(base: str, path: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + path, timeout=10):  # noqa: S310 - our own server
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def status_of(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"wrk latency {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def wrk(url: str, *, seconds: int, threads: int, connections: int, cookie: str) -> Sample:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Sample(rps, p50, p99, int(errors.group(1)) if errors else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="read-only run on this database")
    parser.add_argument("--admin-url", default="postgres://root@127.0.0.1:5432/postgres")
    parser.add_argument("--scratch-db", default="bzpeer_bench_http")
    parser.add_argument("--keep-db", action="store_true", help="keep (and later reuse) it")
    parser.add_argument("--setup-only", action="store_true", help="make the database, no load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--baseline-tree", type=Path, help="also run the site from this checkout")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--worker-pass",
        action="store_true",
        help="with --database-url: compute the measured records' trust snapshots and time cold "
        "views (writes: only on a copy, never on the shared corpus)",
    )
    parser.add_argument("--cold-repeat", type=int, default=3, help="cold views per profile")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cold", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(write=args.write, worker_pass=args.worker_pass)
        return
    if args.cold:
        cold(args.cold, json.loads(os.environ["BENCH_HTTP_PROFILES"]), args.cold_repeat)
        return

    scratch = args.database_url is None
    fresh = False
    database_url = args.database_url
    if database_url is None:
        database_url, fresh = scratch_database(args.admin_url, args.scratch_db, create=True)
    env = django_env(database_url, args.redis_url)
    trees = {"site": ROOT}
    if args.baseline_tree:
        trees["baseline"] = args.baseline_tree.resolve()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        if scratch:
            manage(ROOT, env, "migrate", "--no-input", "-v", "0")
            if fresh:  # a kept scratch database (--keep-db) already holds the demo
                manage(ROOT, env, "load_demo")
        for tree in trees.values():
            manage(tree, env, "collectstatic", "--no-input", "-v", "0")
        if args.setup_only:
            return
        worker_pass = scratch or args.worker_pass
        command = [
            PYTHON,
            "-m",
            "bench.http",
            "--prepare",
            *(["--write"] if scratch else []),
            *(["--worker-pass"] if worker_pass else []),
        ]
        prepared = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if prepared.returncode:
            raise SystemExit(f"preparing the pages failed:\n{prepared.stderr[-3000:]}")
        setup = json.loads(prepared.stdout.strip().splitlines()[-1])
        pages: dict[str, str] = setup["pages"]
        cookie: str = setup["cookie"]
        profiles: dict[str, int] = setup["profiles"]

        bases: dict[str, str] = {}
        for name, tree in trees.items():
            process, bases[name] = start_gunicorn("bzpeer.wsgi", tree, env)
            processes.append(process)
        process, bare = start_gunicorn("bench.bare_wsgi:application", ROOT, env)
        processes.append(process)
        for base in bases.values():
            wait_until_up(base, "/")
        wait_until_up(bare, "/")

        # (page title, path, cookie) — the seed profile signed in too, when we have a session.
        targets = [(title, path, "") for title, path in pages.items()]
        if cookie:
            targets.insert(1, ("seed profile, signed in", pages["seed profile"], cookie))
        broken = []
        for name, base in bases.items():
            for title, path, with_cookie in targets:
                status = status_of(base + path, with_cookie)
                print(f"{name:8} {status} {title}: {path}")
                if status >= 500:
                    broken.append(f"{name} {title}")
        if broken:  # measuring error pages says nothing (e.g. a database missing a migration)
            raise SystemExit(f"not measured, these pages fail: {', '.join(broken)}")
        run = dict(seconds=args.seconds, threads=args.threads, connections=args.connections)
        # Warm each worker's connections, template cache and the page cache.
        for base in bases.values():
            for _title, path, with_cookie in targets:
                wrk(base + path, **{**run, "seconds": 1}, cookie=with_cookie)

        results: dict[tuple[str, str], list[Sample]] = {}
        ratios: dict[tuple[str, str], list[float]] = {}
        for number in range(args.rounds):
            print(f"round {number + 1}/{args.rounds}", file=sys.stderr)
            for title, path, with_cookie in targets:
                yardstick = wrk(bare + "/", **run, cookie="")
                results.setdefault(("bare", title), []).append(yardstick)
                for name, base in bases.items():
                    sample = wrk(base + path, **run, cookie=with_cookie)
                    results.setdefault((name, title), []).append(sample)
                    ratios.setdefault((name, title), []).append(sample.rps / yardstick.rps)

        print(
            f"\nwrk -t{args.threads} -c{args.connections} -d{args.seconds}s, {args.rounds} "
            f"interleaved rounds, gunicorn 2 sync workers; medians over rounds; "
            f"database {'scratch (demo data)' if scratch else database_url}"
        )
        print(f"{'page':40} {'app':8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7} errors")
        for title, _path, _cookie in targets:
            for name in ("bare", *bases):
                samples = results[(name, title)]
                ratio = statistics.median(ratios[(name, title)]) if name != "bare" else 1.0
                print(
                    f"{title:40} {name:8} {statistics.median(s.rps for s in samples):8.0f} "
                    f"{statistics.median(s.p50_ms for s in samples):8.1f} "
                    f"{statistics.median(s.p99_ms for s in samples):8.1f} "
                    f"{ratio:6.1%} {sum(s.errors for s in samples)}"
                )
        if worker_pass:
            for name, base in bases.items():
                command = [PYTHON, "-m", "bench.http", "--cold", base]
                command += ["--cold-repeat", str(args.cold_repeat)]
                timed = subprocess.run(
                    command,
                    cwd=ROOT,
                    env={**env, "BENCH_HTTP_PROFILES": json.dumps(profiles)},
                    capture_output=True,
                    text=True,
                )
                if timed.returncode:
                    raise SystemExit(f"timing cold views failed:\n{timed.stderr[-3000:]}")
                figures = json.loads(timed.stdout.strip().splitlines()[-1])
                print(f"\ncold views ({name}), one request at a time, ms (min / median / max):")
                for slug, states in figures.items():
                    for state, times in states.items():
                        print(
                            f"  {slug:38} {state:8} {min(times):7.1f} "
                            f"{statistics.median(times):7.1f} {max(times):7.1f}"
                        )
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        if scratch and not (args.keep_db or args.setup_only):
            scratch_database(args.admin_url, args.scratch_db, create=False)


if __name__ == "__main__":
    main()
