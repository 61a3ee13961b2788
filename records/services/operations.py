"""Merge and split researcher records, and undo either (issue 16).

Each is one transaction that first locks the researcher rows it touches in id order (so two
operations on overlapping records queue behind each other instead of deadlocking), checks what
would refuse it, then moves rows relation by relation (`profiles.services.record_relations`),
recording in the `Operation` the full before-state: every moved row as it was, every deleted
row (collisions and the merged record itself, with their cascades) and every field it changed
on a surviving record. Undo replays that record backwards.

The shape follows Wagtail's `MovePageAction`: a check (refusals), the change, and the audit
record written in the same transaction.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.text import slugify
from psycopg.errors import DeadlockDetected

from claims.models import Claim, ClaimState
from profiles.models import ClaimStatus, Researcher, VerificationLevel
from profiles.services.record_relations import OnMerge, RecordRelation, record_relations
from profiles.services.refresh import ChangeReason, researchers_changed
from records.models import Operation, OperationKind, OperationState, SlugRedirect
from records.services.owner_mail import merge_owners_mail
from records.services.rows import (
    TableRows,
    relation_rows_colliding,
    relation_rows_move,
    relation_rows_repoint,
    rows_capture,
    rows_delete_capturing,
    rows_overwrite,
    rows_reinsert,
)

# Fields a merge may fill on the surviving record from the merged one (when empty there).
_FILLED_FROM_SOURCE = ("orcid", "openalex_id", "affiliation_id", "headline")


class RecordError(Exception):
    """An operation refused, with a sentence for the moderator."""


class UndoBlocked(RecordError):
    """Later operations depend on this one: they must be undone first (newest first)."""

    def __init__(self, message: str, *, blocking: list[Operation]) -> None:
        super().__init__(message)
        self.blocking = blocking


_DEADLOCK_ATTEMPTS = 4


def retrying_deadlocks[**P, R](operation: Callable[P, R]) -> Callable[P, R]:
    """Run the operation again when PostgreSQL aborts it to break a deadlock.

    The researcher rows an operation names are locked in id order, but other writers lock rows
    of the same records in their own order (a refresh drain writing a snapshot takes a KEY SHARE
    lock on its researcher; a merge deleting that researcher holds it FOR UPDATE). PostgreSQL
    then aborts one transaction; everything it did (on-commit work included) is rolled back, so
    running it again from the start is safe. Not inside a caller's transaction, which is lost.
    """

    @functools.wraps(operation)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, _DEADLOCK_ATTEMPTS + 1):
            try:
                return operation(*args, **kwargs)
            except OperationalError as error:
                if (
                    not isinstance(error.__cause__, DeadlockDetected)
                    or transaction.get_connection().in_atomic_block
                    or attempt == _DEADLOCK_ATTEMPTS
                ):
                    raise
                time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter only
        raise AssertionError("unreachable")

    return run


def lock_records(ids: list[int]) -> dict[int, Researcher]:
    """Lock these researchers' rows in id order — the one order every operation uses."""
    rows = Researcher.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {r.pk: r for r in rows}


def merge_refusals(source: Researcher, target: Researcher) -> list[str]:
    """Why these two records cannot be merged (empty: they can)."""
    refusals = []
    if source.pk == target.pk:
        refusals.append("A record cannot be merged into itself.")
    if source.orcid and target.orcid and source.orcid != target.orcid:
        refusals.append(
            f"The records have different ORCID iDs ({source.orcid} and {target.orcid}): "
            "they are two people."
        )
    owners = set(
        Claim.objects.filter(
            researcher_id__in=[source.pk, target.pk], state=ClaimState.APPROVED
        ).values_list("researcher_id", flat=True)
    )
    if len(owners) == 2:
        refusals.append("Both records have an owner: revoke one of the claims first.")
    return refusals


def merge_field_changes(source: Researcher, target: Researcher) -> dict[str, Any]:
    """The surviving record's new field values (only those that change)."""
    changes: dict[str, Any] = {}
    for name in _FILLED_FROM_SOURCE:
        if not getattr(target, name) and getattr(source, name):
            changes[name] = getattr(source, name)
    variants = list(target.name_variants)
    for name in [source.display_name, *source.name_variants]:
        if name != target.display_name and name not in variants:
            variants.append(name)
    if variants != target.name_variants:
        changes["name_variants"] = variants
    if source.open_to_collaborate and not target.open_to_collaborate:
        changes["open_to_collaborate"] = True
    return changes


def _status_and_level(researcher_id: int) -> tuple[str, int]:
    """Claim status and level as the claims app derives them, from the record's claims now."""
    owner = Claim.objects.filter(researcher_id=researcher_id, state=ClaimState.APPROVED).first()
    if owner is not None:
        level = VerificationLevel.L3 if owner.strong_evidence else VerificationLevel.L2
        return ClaimStatus.CLAIMED, level
    r = Researcher.objects.values("openalex_id", "orcid").get(pk=researcher_id)
    level = VerificationLevel.L1 if r["openalex_id"] or r["orcid"] else VerificationLevel.L0
    pending = Claim.objects.filter(researcher_id=researcher_id, state=ClaimState.PENDING).exists()
    return (ClaimStatus.PENDING if pending else ClaimStatus.UNCLAIMED), level


def _move_relation(
    relation: RecordRelation,
    *,
    from_id: int,
    to_id: int,
    work_ids: list[int] | None,
    before: dict[str, Any],
) -> None:
    # The researcher rows are locked FOR UPDATE: no row can be added to either record meanwhile
    # (an insert referencing them needs a KEY SHARE lock), so what is read here is what moves.
    colliding = relation_rows_colliding(relation, from_id=from_id, to_id=to_id, work_ids=work_ids)
    if colliding:
        objs = list(relation.model._default_manager.filter(pk__in=colliding))
        before["deleted"].extend(rows_delete_capturing(objs))
    moved = relation_rows_move(relation, from_id=from_id, to_id=to_id, work_ids=work_ids)
    if moved or colliding:
        before["moved"].append(
            {
                "model": relation.label,
                "field": relation.field,
                "rows": moved,
                "collided": len(colliding),
            }
        )


def _summary(before: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in before["moved"]:
        counts[entry["model"]] = counts.get(entry["model"], 0) + len(entry["rows"])
    return counts


@retrying_deadlocks
def records_merge(
    *, source_id: int, target_id: int, actor: Any, reason: str = "", requested_by: Any = None
) -> Operation:
    """Merge record `source_id` into `target_id`: its rows move, its slug redirects, it goes."""
    if source_id == target_id:
        raise RecordError("A record cannot be merged into itself.")
    with transaction.atomic():
        locked = lock_records([source_id, target_id])
        if len(locked) != 2:
            raise RecordError("One of the records no longer exists (merged or removed meanwhile).")
        source, target = locked[source_id], locked[target_id]
        refusals = merge_refusals(source, target)
        if refusals:
            raise RecordError(" ".join(refusals))
        before: dict[str, Any] = {
            "researchers": rows_capture(Researcher, [source_id, target_id]),
            "moved": [],
            "deleted": [],
            "fields": {},
        }
        for relation in record_relations():
            if relation.on_merge is OnMerge.MOVE:
                _move_relation(
                    relation, from_id=source_id, to_id=target_id, work_ids=None, before=before
                )
        changes = merge_field_changes(source, target)
        # The merged record and its derived rows (snapshot, slices, candidates) go, recorded;
        # first, so its unique identifiers are free for the surviving record.
        before["deleted"].extend(rows_delete_capturing([source]))
        if changes:
            Researcher.objects.filter(pk=target_id).update(**changes)
        status, level = _status_and_level(target_id)
        level = max(level, target.verification_level)
        changes.update(claim_status=status, verification_level=level)
        Researcher.objects.filter(pk=target_id).update(
            claim_status=status, verification_level=level, updated_at=timezone.now()
        )
        before["fields"] = {
            name: [_field_value(target, name), value]
            for name, value in changes.items()
            if _field_value(target, name) != value
        }
        operation = Operation.objects.create(
            kind=OperationKind.MERGE,
            researcher_ids=sorted([source_id, target_id]),
            source_id=source_id,
            target_id=target_id,
            source_name=source.display_name,
            source_slug=source.slug,
            target_name=target.display_name,
            target_slug=target.slug,
            actor=actor,
            requested_by=requested_by,
            reason=reason,
            before=before,
            summary=_summary(before),
        )
        SlugRedirect.objects.create(old_slug=source.slug, researcher=target, operation=operation)
        merge_owners_mail(operation=operation, actor=actor, undone=False)
        researchers_changed(
            researcher_ids=[source_id, target_id], reason=ChangeReason.RECORDS_MERGED
        )
    return operation


def _field_value(researcher: Researcher, name: str) -> Any:
    value = getattr(researcher, name)
    return list(value) if isinstance(value, list) else value


def _new_slug(name: str) -> str:
    base = slugify(name)[:180] or "researcher"
    slug, n = base, 1
    while Researcher.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@retrying_deadlocks
def records_split(
    *,
    source_id: int,
    work_ids: list[int],
    actor: Any,
    target_id: int | None = None,
    new_name: str = "",
    reason: str = "",
    requested_by: Any = None,
    keep: tuple[str, ...] = (),
    restore_on_undo: list[TableRows] | None = None,
) -> Operation:
    """Move the selected works of `source_id` (and their flags) to `target_id` or a new record.

    `keep`: relations (model labels) whose rows stay on the source. `restore_on_undo`: rows the
    caller is about to change in the same transaction, captured (`rows_capture_table`); the
    undo puts them back as they were.
    """
    work_ids = sorted(set(work_ids))
    if not work_ids:
        raise RecordError("Select at least one work to move.")
    if target_id == source_id:
        raise RecordError("The works are already on this record.")
    with transaction.atomic():
        locked = lock_records([source_id] if target_id is None else [source_id, target_id])
        if source_id not in locked or (target_id is not None and target_id not in locked):
            raise RecordError("One of the records no longer exists (merged or removed meanwhile).")
        source = locked[source_id]
        held = set(
            source.authorships.filter(work_id__in=work_ids).values_list("work_id", flat=True)
        )
        if held != set(work_ids):
            raise RecordError(
                f"{len(set(work_ids) - held)} of the selected works are not on this record "
                "(any more): reload the page."
            )
        if target_id is None:
            name = new_name.strip() or source.display_name
            target = Researcher.objects.create(display_name=name, slug=_new_slug(name))
            created = True
        else:
            target = locked[target_id]
            created = False
        before: dict[str, Any] = {
            "researchers": rows_capture(Researcher, sorted(locked)),
            "moved": [],
            "deleted": [],
            "fields": {},
            "work_ids": work_ids,
            "restored": list(restore_on_undo or []),
        }
        for relation in record_relations():
            if relation.work_field is not None and relation.label not in keep:
                _move_relation(
                    relation, from_id=source_id, to_id=target.pk, work_ids=work_ids, before=before
                )
        operation = Operation.objects.create(
            kind=OperationKind.SPLIT,
            researcher_ids=sorted([source_id, target.pk]),
            source_id=source_id,
            target_id=target.pk,
            source_name=source.display_name,
            source_slug=source.slug,
            target_name=target.display_name,
            target_slug=target.slug,
            target_created=created,
            actor=actor,
            requested_by=requested_by,
            reason=reason,
            before=before,
            summary=_summary(before),
        )
        researchers_changed(
            researcher_ids=[source_id, target.pk], reason=ChangeReason.RECORDS_SPLIT
        )
    return operation


def operations_blocking_undo(operation: Operation) -> list[Operation]:
    """Later applied operations touching one of its records: undo them first, newest first."""
    return list(
        Operation.objects.applied()
        .filter(pk__gt=operation.pk, researcher_ids__overlap=operation.researcher_ids)
        .order_by("-pk")
    )


def _model(label: str) -> Any:
    from django.apps import apps

    return apps.get_model(label)


@retrying_deadlocks
def operation_undo(*, operation_id: int, actor: Any, reason: str = "") -> Operation:
    """Put everything the operation changed back as it was; refused while later operations
    on the same records stand (they are named)."""
    with transaction.atomic():
        operation = Operation.objects.select_for_update().filter(pk=operation_id).first()
        if operation is None:
            raise RecordError("No such operation.")
        if operation.state != OperationState.APPLIED:
            raise RecordError("This operation has already been undone.")
        blocking = operations_blocking_undo(operation)
        if blocking:
            names = ", ".join(f"#{op.pk} ({op.get_kind_display().lower()})" for op in blocking)
            raise UndoBlocked(
                f"Later operations on these records must be undone first: {names}.",
                blocking=blocking,
            )
        locked = lock_records(operation.researcher_ids)
        if operation.target_id not in locked:
            raise RecordError("The receiving record no longer exists.")
        before = operation.before
        source_id, target_id = operation.source_id, operation.target_id
        SlugRedirect.objects.filter(operation=operation).delete()
        _fields_restore(target_id, before["fields"])
        try:
            with transaction.atomic():
                rows_reinsert(before["deleted"])
        except IntegrityError as exc:
            raise RecordError(
                "A removed row cannot come back: its slug or identifier is taken by another "
                f"record now ({str(exc).splitlines()[0]})."
            ) from exc
        relations = {(r.label, r.field): r for r in record_relations()}
        for entry in before["moved"]:
            relation = relations[(entry["model"], entry["field"])]
            pk_name = relation.model._meta.pk.attname
            relation_rows_repoint(
                relation,
                pks=[row[pk_name] for row in entry["rows"]],
                from_id=target_id,
                to_id=source_id,
            )
        rows_overwrite(before.get("restored", []))
        if operation.kind == OperationKind.SPLIT and operation.target_created:
            _created_record_remove(target_id)
        operation.state = OperationState.UNDONE
        operation.undone_at = timezone.now()
        operation.undone_by = actor
        operation.undo_reason = reason
        operation.save(update_fields=["state", "undone_at", "undone_by", "undo_reason"])
        if operation.kind == OperationKind.MERGE:
            merge_owners_mail(operation=operation, actor=actor, undone=True)
        researchers_changed(
            researcher_ids=operation.researcher_ids, reason=ChangeReason.OPERATION_UNDONE
        )
    return operation


def _fields_restore(researcher_id: int, fields: dict[str, list[Any]]) -> None:
    """Restore each field the operation changed, unless it has been changed again since."""
    if not fields:
        return
    current = Researcher.objects.filter(pk=researcher_id).values(*fields).get()
    restore = {
        name: was
        for name, (was, became) in fields.items()
        if current[name] == became or (isinstance(became, list) and current[name] == became)
    }
    if restore:
        Researcher.objects.filter(pk=researcher_id).update(**restore)


def _created_record_remove(researcher_id: int) -> None:
    """A split's new record goes with the undo, unless something has joined it since."""
    gained = []
    for relation in record_relations():
        if relation.on_merge is not OnMerge.MOVE:
            continue
        n = relation.model._default_manager.filter(**{relation.field: researcher_id}).count()
        if n:
            gained.append(f"{n} {relation.model._meta.verbose_name_plural}")
    if gained:
        raise RecordError(
            "The record made by this split has gained " + ", ".join(gained) + " since: "
            "move them away first."
        )
    Researcher.objects.filter(pk=researcher_id).delete()
