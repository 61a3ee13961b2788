"""The profile page's links into record repair (a profile panel: no query, only URLs)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from profiles.models import Researcher


def records_panel(*, user: Any, researcher: Researcher) -> dict[str, str]:
    """Links for staff (history, split) and the owner ("Is this you too?", history); the page
    shows them by role, from the claim panel's `is_owner` and `user.is_staff`."""
    return {
        "history_url": reverse("records:record_history", args=[researcher.slug]),
        "split_url": reverse("records:split", args=[researcher.slug]),
        "duplicates_url": reverse("records:owner_duplicates", args=[researcher.slug]),
    }
