"""What happens to the rows that point at a researcher when records are merged or split.

The hook for every app, above the data layer or in it, whose models have a foreign key to
`profiles.Researcher` (issue 16): merging record A into B walks *every* such relation (found
from Django's model registry, so a new app's rows are never left behind or cascaded away) and
applies its rule:

- `MOVE` (the default for a relation nobody registered): A's rows are re-pointed at B. A row
  that would collide with one of B's on `unique_with` (e.g. a user following both records) is
  deleted instead, its full row and everything its deletion cascades recorded, so an undo puts
  it back exactly.
- `DROP`: derived rows (trust snapshots, graph slices, duplicate candidates) are deleted with A
  (recorded too) and recomputed for B through `researchers_changed`.

A split moves only the relations with a `work_field`: the rows about the selected works.

Apps register by model label in their `AppConfig.ready`, without importing the app that runs
merges: `record_relation_register("threads.Thread", "researcher", unique_with=("topic",))`.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from enum import StrEnum

from django.apps import apps
from django.db import models


class OnMerge(StrEnum):
    MOVE = "move"
    DROP = "drop"


@dataclass(frozen=True)
class RecordRelation:
    """One foreign key to Researcher and what a merge or split does with its rows."""

    model: type[models.Model]
    field: str  # the foreign key's name ("researcher")
    on_merge: OnMerge = OnMerge.MOVE
    # Columns (attnames) that, with the researcher, must stay unique: a colliding row is deleted.
    unique_with: tuple[str, ...] = ()
    # The collision only counts among rows matching these values (a partial unique constraint).
    unique_when: dict[str, object] = dataclass_field(default_factory=dict)
    work_field: str | None = None  # set: a split moves the rows of the selected works

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def column(self) -> str:
        fk = self.model._meta.get_field(self.field)
        assert isinstance(fk, models.Field)
        return str(fk.column)


@dataclass(frozen=True)
class _Rule:
    on_merge: OnMerge
    unique_with: tuple[str, ...]
    unique_when: dict[str, object]
    work_field: str | None


_RULES: dict[tuple[str, str], _Rule] = {}


def record_relation_register(
    model_label: str,
    field_name: str,
    *,
    on_merge: OnMerge = OnMerge.MOVE,
    unique_with: tuple[str, ...] = (),
    unique_when: dict[str, object] | None = None,
    work_field: str | None = None,
) -> None:
    """Say what a merge or split does with `model_label`'s rows through `field_name`."""
    _RULES[(model_label, field_name)] = _Rule(on_merge, unique_with, unique_when or {}, work_field)


def record_relations() -> list[RecordRelation]:
    """Every foreign key to Researcher in the installed apps, with its rule (default: move)."""
    researcher = apps.get_model("profiles", "Researcher")
    found = []
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if not (f.is_relation and f.concrete and f.related_model is researcher):
                continue
            if f.many_to_many:  # none today; a through model is a model with a foreign key
                continue
            rule = _RULES.get((model._meta.label, f.name), _Rule(OnMerge.MOVE, (), {}, None))
            found.append(
                RecordRelation(
                    model=model,
                    field=f.name,
                    on_merge=rule.on_merge,
                    unique_with=rule.unique_with,
                    unique_when=rule.unique_when,
                    work_field=rule.work_field,
                )
            )
    return sorted(found, key=lambda r: (r.label, r.field))


# The data layer's own relations.
record_relation_register("profiles.Follow", "researcher", unique_with=("user_id",))
record_relation_register("profiles.Employment", "researcher", unique_with=("source", "source_key"))
record_relation_register("profiles.TrustSnapshot", "researcher", on_merge=OnMerge.DROP)
record_relation_register("profiles.ResearcherRefreshRequest", "researcher", on_merge=OnMerge.DROP)
record_relation_register(
    "works.Authorship", "researcher", unique_with=("work_id",), work_field="work_id"
)
