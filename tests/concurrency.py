"""Calls raced on real, separate database connections, for the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def race(refused: type[Exception], *calls: Callable[[], Any]) -> list[str]:
    """Run each call in its own thread (own connection), released together; collect outcomes.

    Each outcome is "ok", "refused" (the service said no with `refused`), or "error: …" for
    anything else — a deadlock or a lost row lands there instead of dying with its thread.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcome = "ok"
        except refused:
            outcome = "refused"
        except Exception as exc:
            outcome = f"error: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)
