"""Accept "not mine" flags by moving their works to another record (issue 16).

Accepting a flag in the claims app detaches the work (its authorship on the record goes). When
the moderator knows whose the work is, the better answer is a split: the works move — with
their authorship positions, raw names and institutions — to an existing record or a new one,
through `records_split`, so the move has a preview, an audit entry and an undo. The flags stay
on the record they were raised on (they are about that record), and are accepted in the same
transaction with the operation's id; undoing the operation puts them back as they were
(pending, in the moderators' queue) and the works back on the record.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from claims.models import FlagState, WorkFlag
from claims.services.flags import work_flag_decision_mail
from records.services.operations import (
    RecordError,
    lock_records,
    records_split,
    retrying_deadlocks,
)
from records.services.rows import rows_capture_table


@retrying_deadlocks
def work_flags_accept_moving(
    *,
    flag_ids: list[int],
    actor: Any,
    target_id: int | None = None,
    new_name: str = "",
    reason: str = "",
) -> Any:
    """Accept these pending flags (one record's) and move their works to `target_id` or to a
    new record named `new_name`; one transaction, one undoable split operation."""
    flag_ids = sorted(set(flag_ids))
    if not flag_ids:
        raise RecordError("Choose at least one flag.")
    with transaction.atomic():
        sources = set(
            WorkFlag.objects.filter(pk__in=flag_ids).values_list("researcher_id", flat=True)
        )
        if len(sources) != 1:
            raise RecordError("Flags of one record only, please: move each record's separately.")
        source_id = sources.pop()
        if target_id == source_id:
            raise RecordError("The works are already on this record.")
        # The records first, in id order (the order of every record operation), then the flags.
        lock_records([source_id] if target_id is None else [source_id, target_id])
        flags = list(
            WorkFlag.objects.select_for_update()
            .filter(pk__in=flag_ids, researcher_id=source_id)
            .select_related("raised_by", "work", "researcher")
            .order_by("pk")
        )
        if len(flags) != len(flag_ids) or any(f.state != FlagState.PENDING for f in flags):
            raise RecordError("A flag was decided meanwhile: reload the page.")
        before = rows_capture_table(WorkFlag, flag_ids)
        operation = records_split(
            source_id=source_id,
            work_ids=[f.work_id for f in flags],
            target_id=target_id,
            new_name=new_name,
            actor=actor,
            reason=reason or "Accepted “not mine” flags",
            requested_by=flags[0].raised_by,
            keep=("claims.WorkFlag",),
            restore_on_undo=[before],
        )
        now = timezone.now()
        for flag in flags:
            flag.state = FlagState.ACCEPTED
            flag.reason = reason
            flag.decided_by = actor
            flag.decided_at = now
            flag.moved_by_operation = operation.pk
            flag.save(
                update_fields=["state", "reason", "decided_by", "decided_at", "moved_by_operation"]
            )
            work_flag_decision_mail(flag=flag, moved_to=operation.target_name)
    return operation
