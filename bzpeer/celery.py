"""The Celery app: configured from Django settings (CELERY_*), tasks discovered in each app."""

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")

app = Celery("bzpeer")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Imports run for minutes to hours per file; on a queue of their own they never hold up the
# short tasks (slice builds, refresh drains, mail) queued behind them on the default queue.
IMPORT_TASKS = frozenset({"works.tasks.import_file", "works.tasks.import_records"})


def import_queue(default_queue: str) -> str:
    """The queue of the import tasks: the default queue's name + `-import`."""
    return f"{default_queue}-import"


def route_task(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any) -> Any:
    """Celery router (`task_routes`): import tasks to the import queue, the rest by default."""
    if name in IMPORT_TASKS:
        return {"queue": import_queue(app.conf.task_default_queue)}
    return None
