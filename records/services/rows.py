"""Rows as PostgreSQL sees them: captured whole, moved between records, deleted and put back.

A captured row is `to_jsonb(t)` of the table's row and is put back by
`jsonb_populate_recordset(NULL::t, …)`: PostgreSQL's own round trip, exact for every column type
we use (timestamps to the microsecond, arrays, JSON, NULLs) and independent of the models'
`auto_now` fields, which an ORM insert would overwrite.

Table and column names below come from Django's model metadata, never from user input; they
are quoted with the connection's `quote_name`.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.models.deletion import Collector

from profiles.services.record_relations import RecordRelation

Row = dict[str, Any]
# {"table": "works_authorship", "rows": [ {...}, … ]}
# (Rows travel as JSON text: Django has psycopg hand jsonb over undecoded, for its JSONField.)
TableRows = dict[str, Any]


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _pk(model: type[models.Model]) -> tuple[str, str]:
    """The primary key's quoted column and its attribute name (the key in a captured row)."""
    pk = model._meta.pk
    assert pk is not None
    return _q(str(pk.column)), pk.attname


def rows_capture(model: type[models.Model], pks: list[Any]) -> list[Row]:
    """The full rows of `model` with these primary keys, in primary-key order."""
    if not pks:
        return []
    table, pk = _q(model._meta.db_table), _pk(model)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT to_jsonb(t)::text FROM {table} t WHERE t.{pk} = ANY(%s) ORDER BY t.{pk}",  # noqa: S608 -- names from model metadata
            [pks],
        )
        return [json.loads(row[0]) for row in cursor.fetchall()]


def rows_delete_capturing(objs: list[models.Model]) -> list[TableRows]:
    """Delete these objects and everything their deletion cascades to; return all those rows.

    Django's deletion `Collector` finds the cascade (an authorship's institutions, a claim's
    events, a researcher's snapshot…) exactly as `delete()` would; each row is captured before
    the delete, in the same transaction, under the locks the caller holds.
    """
    if not objs:
        return []
    collector = Collector(using="default", origin=None)
    collector.collect(objs)
    if any(collector.field_updates.values()):
        # A SET_NULL relation still points here: putting it back is not implemented, so refuse
        # rather than lose it (nothing reaches this today: every relation is moved first).
        raise RuntimeError("a deletion would set foreign keys to NULL; refusing to lose them")
    by_model: dict[type[models.Model], list[Any]] = {}
    for qs in collector.fast_deletes:
        by_model.setdefault(qs.model, []).extend(qs.values_list("pk", flat=True))
    for model, instances in collector.data.items():
        by_model.setdefault(model, []).extend(obj.pk for obj in instances)
    captured = [
        {"table": model._meta.db_table, "rows": rows_capture(model, sorted(set(pks)))}
        for model, pks in by_model.items()
        if pks
    ]
    collector.delete()
    return captured


def rows_reinsert(captured: list[TableRows]) -> int:
    """Insert captured rows back as they were (same ids). Foreign keys are checked at commit
    (Django creates them DEFERRABLE INITIALLY DEFERRED), so the order of tables is free."""
    count = 0
    with connection.cursor() as cursor:
        for entry in captured:
            if not entry["rows"]:
                continue
            table = _q(entry["table"])
            cursor.execute(
                f"INSERT INTO {table} SELECT * "  # noqa: S608 -- names from model metadata
                f"FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb)",
                [_json(entry["rows"])],
            )
            count += cursor.rowcount
    return count


def rows_overwrite(captured: list[TableRows]) -> int:
    """Put captured rows back over their current versions (same ids): each is deleted and
    inserted as captured. Only for rows nothing else references (e.g. "not mine" flags)."""
    count = 0
    with connection.cursor() as cursor:
        for entry in captured:
            if not entry["rows"]:
                continue
            table, pk_name = _q(entry["table"]), entry["pk"]
            cursor.execute(
                f"DELETE FROM {table} WHERE {_q(pk_name)} = ANY(%s)",  # noqa: S608 -- names from model metadata
                [[row[pk_name] for row in entry["rows"]]],
            )
        count = rows_reinsert(captured)
    return count


def rows_capture_table(model: type[models.Model], pks: list[Any]) -> TableRows:
    """`rows_capture` with the table and primary key named, for `rows_overwrite`."""
    return {
        "table": model._meta.db_table,
        "pk": str(_pk(model)[1]),
        "rows": rows_capture(model, pks),
    }


def _json(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder)


def _relation_where(
    relation: RecordRelation, *, from_id: int, work_ids: list[int] | None
) -> tuple[str, list[Any]]:
    where = [f"t.{_q(relation.column)} = %s"]
    params: list[Any] = [from_id]
    if work_ids is not None:
        assert relation.work_field is not None
        where.append(f"t.{_q(relation.work_field)} = ANY(%s)")
        params.append(work_ids)
    return " AND ".join(where), params


def relation_rows_colliding(
    relation: RecordRelation, *, from_id: int, to_id: int, work_ids: list[int] | None = None
) -> list[Any]:
    """Primary keys of `from_id`'s rows (all, or those of `work_ids`) that would collide with
    one of `to_id`'s on the relation's unique key: they are deleted rather than moved."""
    if not relation.unique_with:
        return []
    table, pk, col = _q(relation.table), _pk(relation.model)[0], _q(relation.column)
    same = [f"o.{_q(c)} = t.{_q(c)}" for c in relation.unique_with]
    when_params: list[Any] = []
    for c, value in relation.unique_when.items():
        same.append(f"o.{_q(c)} = %s AND t.{_q(c)} = %s")
        when_params.extend([value, value])
    where, params = _relation_where(relation, from_id=from_id, work_ids=work_ids)
    sql = (
        f"SELECT t.{pk} FROM {table} t WHERE {where} AND EXISTS ("  # noqa: S608 -- names from model metadata
        f"SELECT 1 FROM {table} o WHERE o.{col} = %s AND " + " AND ".join(same) + ")"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, to_id, *when_params])
        return [row[0] for row in cursor.fetchall()]


def relation_rows_move(
    relation: RecordRelation, *, from_id: int, to_id: int, work_ids: list[int] | None = None
) -> list[Row]:
    """Point `from_id`'s rows (all, or those of `work_ids`) at `to_id` in one UPDATE and return
    them as they were before (the new row with the old foreign key: nothing else changes)."""
    table, col = _q(relation.table), _q(relation.column)
    where, params = _relation_where(relation, from_id=from_id, work_ids=work_ids)
    sql = (
        f"UPDATE {table} t SET {col} = %s WHERE {where} "  # noqa: S608 -- names from model metadata
        f"RETURNING (to_jsonb(t) || jsonb_build_object(%s::text, %s::bigint))::text"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [to_id, *params, relation.column, from_id])
        rows = [json.loads(row[0]) for row in cursor.fetchall()]
    pk_name = _pk(relation.model)[1]
    return sorted(rows, key=lambda row: row[pk_name])


def relation_rows_repoint(
    relation: RecordRelation, *, pks: list[Any], from_id: int, to_id: int
) -> int:
    """Point these rows from `from_id` to `to_id`; rows no longer on `from_id` are left alone."""
    if not pks:
        return 0
    meta = relation.model._meta
    table, pk, col = _q(meta.db_table), _pk(relation.model)[0], _q(relation.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {col} = %s WHERE {pk} = ANY(%s) AND {col} = %s",  # noqa: S608 -- names from model metadata
            [to_id, pks, from_id],
        )
        return int(cursor.rowcount)
