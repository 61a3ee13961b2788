"""Following researchers: idempotent follow and unfollow, each refreshing the trust signal."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from profiles.models import Follow
from profiles.services.refresh import researchers_request_refresh


def follow_create(*, user: Any, researcher_id: int) -> bool:
    """Follow a researcher; True if this created the follow, False if it already existed."""
    try:
        with transaction.atomic():
            _, created = Follow.objects.get_or_create(user=user, researcher_id=researcher_id)
            if created:
                # Followers are a trust signal (community); the worker recomputes the score.
                researchers_request_refresh(researcher_ids=[researcher_id])
    except IntegrityError:  # a concurrent double click got there first; the unique constraint held
        return False
    return created


def follow_delete(*, user: Any, researcher_id: int) -> bool:
    """Stop following; True if a follow was removed."""
    with transaction.atomic():
        deleted, _ = Follow.objects.filter(user=user, researcher_id=researcher_id).delete()
        if deleted:
            researchers_request_refresh(researcher_ids=[researcher_id])
    return bool(deleted)
