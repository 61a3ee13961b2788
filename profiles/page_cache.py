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

**The whole page, for anonymous visitors** (`AnonymousProfilePageMiddleware` in
`profiles/http.py`): a visitor without a session or messages cookie sees the same bytes as
every other such visitor (an anonymous page carries no CSRF token). The page is stored whole
under a key made by one small query (`profile_page_key`: an md5 of the researcher's row, the
affiliation's name, the snapshot's `computed_at`, the followers count) plus the host and a
digest of the deployed templates and static manifest. A hit costs that
query (a prepared statement, one round trip) and, the first time in a process, one cache GET:
each process keeps its own copies of the pages Redis holds (`LOCAL_PAGES`, an in-memory LRU
with the same expiry), so a popular record's ~80 KB page is not fetched from Redis on every
view. All of it before the session, auth, messages and CSRF middleware run. It is the same
for every anonymous visitor, so its ETag is the key's digest and shared caches may keep it
(revalidating on every use).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol, cast

import psycopg
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.db import InterfaceError, OperationalError, connection
from django.template import loader
from django.utils import timezone
from django.utils.safestring import SafeString
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from profiles.models import ClaimStatus, Researcher

logger = logging.getLogger(__name__)
# What a Redis cache raises when it cannot answer: the fail-open default cache swallows these
# itself, but the page must render whatever cache backend is configured.
CACHE_ERRORS = (RedisError, ConnectionInterrupted, OSError)

# Bump when what the fragments hold changes shape without the template's source changing.
FRAGMENTS_VERSION = 1
TEMPLATE = "profiles/researcher_detail.html"
# Each process's own copies of the whole anonymous pages and of the fragments (settings.CACHES):
# a local tier above Redis.
LOCAL_PAGES = "profile_pages"


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
    """The stored fragments, or None (not stored, or the cache is unreachable): this process's
    copy first, then Redis (as `profile_page_get`)."""
    return _two_tier_get(key, ProfileFragments)


def profile_fragments_set(key: str, fragments: ProfileFragments) -> None:
    """Store them; an unreachable cache drops the write (logged), the page is unaffected."""
    _two_tier_set(key, fragments)


# Set on a request by the middleware when the view should render the page for storing whole, and
# by the view on the response it rendered so.
STORE_WHOLE_PAGE = "bzpeer_profile_page_store"

# Everything the anonymous page of a record is drawn from, in one row: the record's whole row
# (as md5 of its text: any field an owner, a moderator or a writer of its works changes, with
# its data_version), the affiliation's name, the worker's snapshot time, the followers count
# (on the follows' researcher index). No count that grows with the record.
PAGE_VERSIONS_SQL = """
SELECT r.id, r.claim_status, md5(r::text), i.display_name, s.computed_at,
       (SELECT count(*) FROM profiles_follow f WHERE f.researcher_id = r.id)
FROM profiles_researcher r
LEFT JOIN profiles_institution i ON i.id = r.affiliation_id
LEFT JOIN profiles_trustsnapshot s ON s.researcher_id = r.id
WHERE r.slug = %s
"""
VERSIONS_COLUMNS = 6


@dataclass(frozen=True)
class PageKey:
    researcher_id: int
    claimed: bool
    key: str
    claim_status: str = ClaimStatus.UNCLAIMED
    followers_count: int = 0  # as the stored page shows it

    @property
    def digest(self) -> str:
        return self.key.rsplit(":", 1)[1]


@dataclass(frozen=True)
class StoredPage:
    body: bytes  # the same for every anonymous visitor: no CSRF token, no cookie
    headers: tuple[tuple[str, str], ...]  # Content-Type, CSP, …: what the full stack set
    rendered_at: datetime


@cache
def _deploy_digest() -> str:
    """The project's templates and the static files' manifest (hashed asset names): a deploy
    that changes either starts a fresh set of pages. Read once per process."""
    digest = hashlib.sha256()
    folders: list[Path] = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]  # type: ignore[attr-defined]
    for folder in folders:
        for path in sorted(folder.rglob("*.html")):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    digest.update(repr(sorted(getattr(staticfiles_storage, "hashed_files", {}).items())).encode())
    return digest.hexdigest()[:16]


class VersionsUnavailable(Exception):
    """The record's versions could not be read on this request's connection."""


_ONLY_WHEN_ASKED = 2**31 - 1  # a prepare threshold: prepare only what asks for it


class _PreparedCursor(psycopg.Cursor[Any]):
    """Server-side binding, the statement prepared on its connection's first use: PostgreSQL
    then skips parsing and planning, which cost more than executing this query (Django turns
    psycopg's automatic preparing off, for connection poolers; PgBouncer ≥ 1.21 handles
    protocol-level prepared statements, older transaction-mode poolers do not)."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: Any = None
    ) -> _PreparedCursor:
        # Django opens its connections with `prepare_threshold=None`, and psycopg then ignores
        # `prepare=True` as well (nothing was prepared before: measured). Lift it for this
        # statement only, to a threshold no other statement reaches: the rest stay unprepared.
        threshold = self.connection.prepare_threshold
        if threshold is None:
            self.connection.prepare_threshold = _ONLY_WHEN_ASKED
        try:
            super().execute(query, params, prepare=True, binary=binary)
        finally:
            self.connection.prepare_threshold = threshold
        return self


def _page_versions(slug: str) -> tuple[Any, ...] | None:
    return prepared_row(PAGE_VERSIONS_SQL, [slug])


def prepared_row(sql: str, params: Any) -> tuple[Any, ...] | None:
    """The query's first row, in one round trip, from a prepared statement.

    Through a cursor of its own on Django's connection (logged like any other query), which
    also skips `conn_health_checks`' `SELECT 1` before a request's first query: a second
    round trip. This query is its own health check: if the connection died (a database
    restart), it fails, and the request goes the full way, where Django's check (still owed)
    replaces the connection before the view's first query."""
    try:
        connection.ensure_connection()
        with connection.wrap_database_errors:
            raw = _PreparedCursor(connection.connection)
        wrapper = (
            connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
        )
        with wrapper(cast(Any, raw)) as cursor:
            cursor.execute(sql, params)
            row: tuple[Any, ...] | None = cursor.fetchone()
            return row
    except (OperationalError, InterfaceError) as exc:
        raise VersionsUnavailable from exc


def profile_page_key(*, slug: str, origin: str) -> PageKey | None:
    """The anonymous page's key for this record seen at `origin` (scheme and host: the page
    carries its canonical URL), or None when no record has this slug. One query (one round
    trip); `VersionsUnavailable` when the connection failed."""
    row = _page_versions(slug)
    if row is None:
        return None
    return page_key_from_versions(row, origin=origin)


def page_key_from_versions(row: tuple[Any, ...], *, origin: str) -> PageKey:
    """The page's key from `PAGE_VERSIONS_SQL`'s row (its first `VERSIONS_COLUMNS` values)."""
    researcher_id, claim_status, row_digest, affiliation, computed_at, followers = row[
        :VERSIONS_COLUMNS
    ]
    parts = [
        FRAGMENTS_VERSION,
        _deploy_digest(),
        origin,
        row_digest,
        affiliation,
        computed_at.isoformat() if computed_at else None,
        followers,
        settings.BZPEER_CLOSE_COLLABORATOR_MIN_SHARED_WORKS,
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return PageKey(
        researcher_id=researcher_id,
        claimed=claim_status == ClaimStatus.CLAIMED,
        key=f"profile-page:{researcher_id}:{digest}",
        claim_status=claim_status,
        followers_count=followers,
    )


class _Rendered(Protocol):
    @property
    def rendered_at(self) -> datetime: ...


def _keep_locally(key: str, value: _Rendered) -> None:
    # Until the shared copy expires, not longer: the same bound on staleness for what no key
    # tracks, whichever copy a view is served from.
    age = (timezone.now() - value.rendered_at).total_seconds()
    remaining = int(settings.BZPEER_PROFILE_CACHE_SECONDS - age)
    if remaining > 0:
        caches[LOCAL_PAGES].set(key, value, timeout=remaining)


def _two_tier_get[T: _Rendered](key: str, kind: type[T]) -> T | None:
    found = caches[LOCAL_PAGES].get(key)
    if isinstance(found, kind):
        return found
    try:
        found = default_cache.get(key)
    except CACHE_ERRORS as exc:
        logger.warning("profile cache unreachable, rendering in full: %s", exc)
        return None
    if not isinstance(found, kind):
        return None
    _keep_locally(key, found)
    return found


def _two_tier_set(key: str, value: _Rendered) -> None:
    """Into Redis, and into this process's copies only once Redis has it: the local tier is a
    copy of the shared one, so with Redis down every view renders, as without either."""
    try:
        shared: Any = default_cache  # django-redis: typed as Django's BaseCache, whose set is None
        stored = shared.set(key, value, timeout=settings.BZPEER_PROFILE_CACHE_SECONDS)
    except CACHE_ERRORS as exc:
        logger.warning("profile cache unreachable, nothing stored: %s", exc)
        return
    if stored:  # django-redis answers whether Redis took it (None when it failed open)
        _keep_locally(key, value)


def profile_page_get(key: str) -> StoredPage | None:
    """The stored page, or None (not stored, or the cache is unreachable).

    First from this process's own copies (`LOCAL_PAGES`, Django's in-memory LRU cache), then
    from Redis. A key names one version of everything the page is drawn from, so a copy kept
    here is never out of date for what the key tracks: it saves the GET and the transfer of
    an ~80 KB page on every view of a popular record."""
    return _two_tier_get(key, StoredPage)


def profile_page_set(key: str, page: StoredPage) -> None:
    """Store it; an unreachable cache drops the write (logged), the page is unaffected."""
    _two_tier_set(key, page)
