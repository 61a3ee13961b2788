"""The profile page's viewer-independent fragments, rendered once per version of their data.

An anonymous view of a profile (no query string, no htmx) renders the same header, trust
snapshot, citation figures and first page of works for everyone, until the record changes. Those
fragments are kept in the default cache (Redis) under a key made of everything they are drawn
from: the researcher's whole row (its `data_version`, bumped in the same transaction by every
writer of its works and co-authors — `researchers_changed` — and any field an owner or a
moderator edits), the trust snapshot's `computed_at` (the worker's figures), the live followers
count, the affiliation's name, and the source of the page's template (a deploy that changes it
starts afresh). A change of any of them makes a new key: the next view renders and stores again,
nothing needs deleting. What depends on the viewer (the follow button, the claim panel, the CSRF
token) is rendered on every request around them.

Fail open: with Redis unreachable a read is a miss and a write is dropped (the default cache,
`profiles.cache.FailOpenRedisCache`, does so itself; a strict backend's errors are caught here),
so the page renders as if nothing were cached. Entries
expire after `BZPEER_PROFILE_CACHE_SECONDS` (an hour): the bound on staleness for what no
`data_version` tracks (a co-author's own name in the works list, a venue renamed).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import cache as default_cache
from django.template import loader
from django.utils.safestring import SafeString
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from profiles.models import Researcher

logger = logging.getLogger(__name__)
# What a Redis cache raises when it cannot answer: the fail-open default cache swallows these
# itself, but the page must render whatever cache backend is configured.
CACHE_ERRORS = (RedisError, ConnectionInterrupted, OSError)

# Bump when what the fragments hold changes shape without the template's source changing.
FRAGMENTS_VERSION = 1
TEMPLATE = "profiles/researcher_detail.html"


@dataclass(frozen=True)
class ProfileFragments:
    summary: SafeString  # header, trust snapshot, topics, close collaborators, citations
    works: SafeString  # the works list as it first shows: no filter, page 1
    page_meta: Any  # openweb's PageMeta (description, JSON-LD) — a profile panel's value
    rendered_at: datetime  # the Last-Modified of everything cached


@cache
def _template_digest() -> str:
    source = loader.get_template(TEMPLATE).template.source  # type: ignore[attr-defined]
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def profile_fragments_key(researcher: Researcher) -> str:
    """What the cached fragments are drawn from, as one short key (also the page's ETag)."""
    annotated: Any = researcher
    snapshot = getattr(researcher, "trust_snapshot", None)
    parts = [
        FRAGMENTS_VERSION,
        _template_digest(),
        *(getattr(researcher, field.attname) for field in Researcher._meta.concrete_fields),
        researcher.affiliation.display_name if researcher.affiliation else None,
        snapshot.computed_at.isoformat() if snapshot else None,
        annotated.followers_count,
        settings.BZPEER_CLOSE_COLLABORATOR_MIN_SHARED_WORKS,
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"profile-fragments:{researcher.pk}:{digest}"


def profile_fragments_get(key: str) -> ProfileFragments | None:
    """The stored fragments, or None (not stored, or the cache is unreachable)."""
    try:
        found = default_cache.get(key)
    except CACHE_ERRORS as exc:
        logger.warning("profile cache unreachable, rendering in full: %s", exc)
        return None
    return found if isinstance(found, ProfileFragments) else None


def profile_fragments_set(key: str, fragments: ProfileFragments) -> None:
    """Store them; an unreachable cache drops the write (logged), the page is unaffected."""
    try:
        default_cache.set(key, fragments, timeout=settings.BZPEER_PROFILE_CACHE_SECONDS)
    except CACHE_ERRORS as exc:
        logger.warning("profile cache unreachable, fragments not stored: %s", exc)
