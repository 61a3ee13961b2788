"""The profile page for a signed-in viewer: the stored anonymous page with its viewer's parts
put in.

A page's parts that depend on who is looking are named partials between markers in the
templates (`<!--viewer:NAME-->…<!--/viewer-->`): the account menu with the unread count, the
messages, the follow button, the Identity card (the viewer's claim, staff-only lines). Everything
else on the profile of a record that is not claimed is the same for every viewer, and
`AnonymousProfilePageMiddleware` stores it whole (profiles/page_cache.py). A signed-in view of
such a record takes that stored page, renders only its viewer's parts and puts them between the
markers: the session and the user (Django's middleware), then ONE prepared query: the
record's versions (as an anonymous view reads them) and everything about this viewer and this
record, each app's question a column of it (`viewer_part_register`).

What is never spliced, and takes the full render instead: a claimed record (its header and
Direct collaboration card show the owner's live openness and the viewer's own request), a page
not stored yet, a page whose markers are not exactly the known parts (a template changed
without this list), and the versions unreadable. Nothing rendered for a viewer is stored: the
only stored page is the anonymous one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from profiles.http import HtmxHttpRequest
from profiles.models import Researcher
from profiles.page_cache import (
    PAGE_VERSIONS_SQL,
    TEMPLATE,
    VERSIONS_COLUMNS,
    VersionsUnavailable,
    page_key_from_versions,
    prepared_row,
    profile_page_get,
)

# Each viewer part: its marker's name and the partial that renders it.
VIEWER_PARTS = {
    "account-nav": "base.html#account-nav",
    "messages": "base.html#messages",
    "follow-actions": f"{TEMPLATE}#follow-actions",
    "identity": f"{TEMPLATE}#identity",
}
_MARKED = re.compile(rb"<!--viewer:([a-z-]+)-->(.*?)<!--/viewer-->", re.DOTALL)
# The stored anonymous page's <body> has no attributes: an anonymous page carries no CSRF token
# (templates/base.html). A signed-in viewer's gets `base.html#body-attributes` (the token their
# htmx requests send), as the full render gives it.
BARE_BODY = b"<body>"


@dataclass(frozen=True)
class ViewerPart:
    # A scalar SQL expression of %(user_id)s and %(researcher_id)s (a column of the viewer's
    # one query), or None when the value needs no query.
    sql: str | None
    # (the column's value or None, the user, the record) -> the template variable.
    build: Callable[[Any, Any, Researcher], object]


_PARTS: dict[str, ViewerPart] = {}


def viewer_part_register(
    name: str, *, sql: str | None, build: Callable[[Any, Any, Researcher], object]
) -> None:
    """Give the spliced page's viewer parts the template variable `name`, built from one
    column of the viewer's query. An app registers the same value its profile panel gives
    the full render (tests compare the two pages)."""
    _PARTS[name] = ViewerPart(sql=sql, build=build)


def _versions_and_viewer_sql() -> tuple[str, list[str]]:
    """The record's versions (`PAGE_VERSIONS_SQL`, by slug) and every registered viewer column
    about that record, in one statement; and the columns' names in order."""
    with_sql = [(name, part.sql) for name, part in _PARTS.items() if part.sql is not None]
    columns = "".join(
        f", ({sql.replace('%(researcher_id)s', 'v.id')}) AS v{i}"
        for i, (_, sql) in enumerate(with_sql)
    )
    versions = PAGE_VERSIONS_SQL.replace("%s", "%(slug)s")
    return f"SELECT v.*{columns} FROM ({versions}) v", [name for name, _ in with_sql]  # noqa: S608 - composed from registered SQL constants


def viewer_context(
    *, user: Any, researcher: Researcher, columns: dict[str, Any]
) -> dict[str, object]:
    """Every registered viewer variable for this signed-in viewer and record."""
    return {name: part.build(columns.get(name), user, researcher) for name, part in _PARTS.items()}


def splice(body: bytes, parts: dict[str, bytes]) -> bytes | None:
    """`body` with each marked part's content replaced by `parts[name]`; None unless the
    page's marked parts are exactly `parts` (each once)."""
    pieces: list[bytes] = []
    seen: list[str] = []
    at = 0
    for match in _MARKED.finditer(body):
        name = match.group(1).decode()
        if name not in parts or name in seen:
            return None
        seen.append(name)
        pieces += [body[at : match.start(2)], parts[name]]
        at = match.end(2)
    if len(seen) != len(parts):
        return None
    pieces.append(body[at:])
    return b"".join(pieces)


def signed_in_profile(request: HtmxHttpRequest, slug: str) -> HttpResponse | None:
    """The profile of a record that is not claimed, for a signed-in viewer, from the stored
    anonymous page; None when it has to be rendered in full (see the module's docstring)."""
    sql, names = _versions_and_viewer_sql()
    try:
        row = prepared_row(sql, {"slug": slug, "user_id": request.user.pk})
    except VersionsUnavailable:
        return None
    if row is None:
        return None
    key = page_key_from_versions(row, origin=f"{request.scheme}://{request.get_host()}")
    if key.claimed:
        return None
    page = profile_page_get(key.key)
    if page is None:
        return None
    researcher = Researcher(pk=key.researcher_id, slug=slug, claim_status=key.claim_status)
    researcher.followers_count = key.followers_count  # type: ignore[attr-defined]
    columns = dict(zip(names, row[VERSIONS_COLUMNS:], strict=True))
    token = get_token(request)
    context = {
        "researcher": researcher,
        "csrf_token": token,  # masked once for the whole page, as a full render does
        **viewer_context(user=request.user, researcher=researcher, columns=columns),
    }
    rendered = {
        name: render_to_string(partial, context, request).encode()
        for name, partial in VIEWER_PARTS.items()
    }
    body = splice(page.body, rendered)
    if body is None or body.count(BARE_BODY) != 1:
        return None
    attributes = render_to_string("base.html#body-attributes", context, request).encode()
    return HttpResponse(body.replace(BARE_BODY, b"<body" + attributes + b">"))
