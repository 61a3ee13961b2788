"""Reads for record repair: merge and split previews, the candidate queue, a record's audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from claims.models import Claim, ClaimState, FlagState, WorkFlag
from profiles.models import Researcher
from profiles.services.record_relations import OnMerge, RecordRelation, record_relations
from records.models import CandidateState, DuplicateCandidate, Operation, OperationState
from records.services.operations import (
    merge_field_changes,
    merge_refusals,
    operations_blocking_undo,
)
from works.models import Authorship, Topic, Work, WorkTopic


@dataclass
class RelationMove:
    """What an operation would do with one relation's rows: how many move, how many collide."""

    name: str
    moving: int
    colliding: int
    singular: str = ""

    @property
    def moving_label(self) -> str:
        """ "1 authorship", "3 authorships": the relation's name agreeing with the count."""
        return f"{self.moving} {self.singular if self.moving == 1 and self.singular else self.name}"


@dataclass
class MergePreview:
    source: Researcher
    target: Researcher
    refusals: list[str]
    works_total: int
    works_shared: int
    works: list[Work]
    coauthors: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    identifiers: list[str]
    field_changes: list[str]
    moves: list[RelationMove] = field(default_factory=list)
    owner_note: str = ""


def _relation_name(relation: RecordRelation) -> str:
    return str(relation.model._meta.verbose_name_plural)


def _relation_moves(
    *, from_id: int, to_id: int, work_ids: list[int] | None = None, keep: tuple[str, ...] = ()
) -> list[RelationMove]:
    """Counts per relation, with the same collision rule as the services (read only)."""
    moves = []
    for relation in record_relations():
        if relation.on_merge is not OnMerge.MOVE or relation.label in keep:
            continue
        if work_ids is not None and relation.work_field is None:
            continue
        manager = relation.model._default_manager
        rows = manager.filter(**{relation.field: from_id})
        if work_ids is not None:
            rows = rows.filter(**{f"{relation.work_field}__in": work_ids})
        total = rows.count()
        if not total:
            continue
        colliding = 0
        if relation.unique_with:
            theirs = manager.filter(**{relation.field: to_id}, **relation.unique_when)
            keys = set(theirs.values_list(*relation.unique_with))
            mine = rows.filter(**relation.unique_when).values_list(*relation.unique_with)
            colliding = sum(1 for key in mine if key in keys)
        moves.append(
            RelationMove(
                _relation_name(relation),
                total - colliding,
                colliding,
                singular=str(relation.model._meta.verbose_name),
            )
        )
    return moves


def _coauthors(researcher_ids: list[int], limit: int = 12) -> list[dict[str, Any]]:
    works = Authorship.objects.filter(researcher_id__in=researcher_ids).values("work_id")
    rows = (
        Authorship.objects.filter(work_id__in=works)
        .exclude(researcher_id__in=researcher_ids)
        .values("researcher__display_name", "researcher__slug")
        .annotate(shared=Count("work_id", distinct=True))
        .order_by("-shared", "researcher__display_name")[:limit]
    )
    return [dict(row) for row in rows]


def _topics(researcher_ids: list[int], limit: int = 10) -> list[dict[str, Any]]:
    works = Authorship.objects.filter(researcher_id__in=researcher_ids).values("work_id")
    rows = (
        WorkTopic.objects.filter(work_id__in=works)
        .values("topic__display_name")
        .annotate(works=Count("work_id", distinct=True))
        .order_by("-works", "topic__display_name")[:limit]
    )
    return [dict(row) for row in rows]


def merge_preview(*, source: Researcher, target: Researcher) -> MergePreview:
    """What `records_merge(source → target)` would give, and what would refuse it."""
    ids = [source.pk, target.pk]
    work_ids = Authorship.objects.filter(researcher_id__in=ids).values("work_id")
    shared = (
        Authorship.objects.filter(researcher_id=source.pk)
        .filter(work_id__in=Authorship.objects.filter(researcher_id=target.pk).values("work_id"))
        .count()
    )
    identifiers = []
    for name, label in (("orcid", "ORCID iD"), ("openalex_id", "OpenAlex id")):
        mine, theirs = getattr(source, name), getattr(target, name)
        if theirs and mine and mine != theirs:
            identifiers.append(
                f"{label}: {theirs} is kept; {mine} is dropped with the merged record "
                "(kept in the operation, back on undo)."
            )
        elif theirs or mine:
            identifiers.append(f"{label}: {theirs or mine}")
    owner_note = ""
    if Claim.objects.filter(researcher_id=source.pk, state=ClaimState.APPROVED).exists():
        owner_note = "The owner's approved claim moves to the surviving record."
    changes = merge_field_changes(source, target)
    return MergePreview(
        source=source,
        target=target,
        refusals=merge_refusals(source, target),
        works_total=Work.objects.filter(pk__in=work_ids).count(),
        works_shared=shared,
        works=list(Work.objects.filter(pk__in=work_ids).newest_first()[:20]),
        coauthors=_coauthors(ids),
        topics=_topics(ids),
        identifiers=identifiers,
        field_changes=[
            f"{name.replace('_', ' ')}: {', '.join(value) if isinstance(value, list) else value}"
            for name, value in changes.items()
        ],
        moves=_relation_moves(from_id=source.pk, to_id=target.pk),
        owner_note=owner_note,
    )


@dataclass
class SplitFilters:
    coauthor: str = ""
    venue: str = ""
    year_from: int | None = None
    year_to: int | None = None
    topic: int | None = None


def split_works(researcher: Researcher, filters: SplitFilters) -> QuerySet[Work]:
    """The record's works matching the split filters (co-author name, venue, years, topic)."""
    works = Work.objects.filter(authorships__researcher=researcher)
    if filters.coauthor:
        works = works.filter(
            authorships__in=Authorship.objects.filter(
                Q(researcher__display_name__icontains=filters.coauthor)
                | Q(raw_author_name__icontains=filters.coauthor)
            ).exclude(researcher=researcher)
        )
    if filters.venue:
        works = works.filter(
            Q(venue__icontains=filters.venue) | Q(source__display_name__icontains=filters.venue)
        )
    if filters.year_from is not None:
        works = works.filter(publication_year__gte=filters.year_from)
    if filters.year_to is not None:
        works = works.filter(publication_year__lte=filters.year_to)
    if filters.topic is not None:
        works = works.filter(topics=filters.topic)
    return works.distinct().newest_first()


def record_topics(researcher: Researcher) -> QuerySet[Topic]:
    return (
        Topic.objects.filter(works__authorships__researcher=researcher)
        .distinct()
        .order_by("display_name")
    )


def split_moves(
    *,
    source: Researcher,
    target: Researcher | None,
    work_ids: list[int],
    keep: tuple[str, ...] = (),
) -> list[RelationMove]:
    return _relation_moves(
        from_id=source.pk, to_id=target.pk if target else 0, work_ids=work_ids, keep=keep
    )


def pending_flags_of_record(researcher_id: int) -> QuerySet[WorkFlag]:
    """The record's "not mine" flags still waiting for a moderator, oldest first."""
    return (
        WorkFlag.objects.filter(researcher_id=researcher_id, state=FlagState.PENDING)
        .select_related("work", "raised_by")
        .order_by("created_at", "pk")
    )


def candidate_queue(*, state: str = CandidateState.OPEN) -> QuerySet[DuplicateCandidate]:
    """Candidates, owners' requests first, then by score."""
    return (
        DuplicateCandidate.objects.filter(state=state)
        .select_related("low", "high", "requested_by")
        .annotate(
            low_works=Count("low__authorships", distinct=True),
            high_works=Count("high__authorships", distinct=True),
        )
        .order_by(F("requested_at").desc(nulls_last=True), "-score", "pk")
    )


def candidates_for_record(researcher: Researcher) -> QuerySet[DuplicateCandidate]:
    return candidate_queue().filter(Q(low=researcher) | Q(high=researcher))


def record_operations(researcher_id: int) -> QuerySet[Operation]:
    """Every operation that touched the record, newest first (the audit page)."""
    return Operation.objects.touching(researcher_id).select_related(
        "actor", "requested_by", "undone_by"
    )


def operation_blocking(operation: Operation) -> list[Operation]:
    if operation.state != OperationState.APPLIED:
        return []
    return operations_blocking_undo(operation)
