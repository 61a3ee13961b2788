"""The header's unread count of collaboration requests and threads."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from collab.selectors import unread_count


def collab_unread(request: HttpRequest) -> dict[str, object]:
    """`collab_unread`, counted only if a template shows it (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"collab_unread": SimpleLazyObject(lambda: unread_count(user))}
