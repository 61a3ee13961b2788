"""Loaded with `-p` (pyproject.toml), before pytest-django sets Django up: under pytest-xdist,
give each worker its own cache key prefix on the shared Redis.

pytest-django already gives each xdist worker its own test database (test_<name>_gw0, ...), so
primary keys repeat across workers; the profile page's fragment cache is keyed by them, and one
worker would be served another's fragments. The prefix goes into the environment, so the Celery
workers and servers a test starts (which inherit it) share their own test process's keys.
"""

from __future__ import annotations

import os

_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    os.environ["CACHE_KEY_PREFIX"] = f"{os.environ.get('CACHE_KEY_PREFIX', 'bzpeer')}-{_worker}"
