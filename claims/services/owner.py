"""What the owner of a record (its approved claimant) may change about it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from claims.models import Claim, ClaimState
from claims.services.errors import ClaimError
from profiles.models import Institution, Researcher
from profiles.services.refresh import researchers_request_refresh


def researcher_owner_update(
    *,
    researcher: Researcher,
    user: Any,
    headline: str,
    affiliation: Institution | None,
    open_to_collaborate: bool,
) -> None:
    """The owner edits the parts of their record that are theirs to say."""
    with transaction.atomic():
        locked = Researcher.objects.select_for_update().get(pk=researcher.pk)
        if not Claim.objects.filter(
            researcher=locked, user=user, state=ClaimState.APPROVED
        ).exists():
            raise ClaimError("Only the owner of this record can edit it.")
        Researcher.objects.filter(pk=locked.pk).update(
            headline=headline,
            affiliation=affiliation,
            open_to_collaborate=open_to_collaborate,
            updated_at=timezone.now(),
        )
        researchers_request_refresh(researcher_ids=[locked.pk])  # affiliation is a signal
