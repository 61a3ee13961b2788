"""The default cache: django-redis, failing open when Redis is unreachable.

django-redis's IGNORE_EXCEPTIONS already turns an outage into a miss for reads and a dropped
write (logged). One call needs more: allauth's rate limits take a short lock with `add`, and
a refused `add` reads as "somebody holds the lock", so every log-in, sign-up and password reset
would wait a second and then be answered 429 for as long as Redis is down. Here `add` answers
"stored" during an outage: the limit is not counted, the request goes through. Callers that
must know whether a write happened use the strict "coordination" cache instead.
"""

from __future__ import annotations

import logging
from typing import Any

from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted

logger = logging.getLogger(__name__)


class FailOpenRedisCache(RedisCache):  # type: ignore[misc]  # django-redis ships no types
    def add(self, *args: Any, **kwargs: Any) -> bool:
        try:
            return bool(self.client.add(*args, **kwargs))
        except ConnectionInterrupted as exc:
            logger.warning("cache unreachable, add() failed open: %s", exc)
            return True
