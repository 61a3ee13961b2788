"""Bulk mode: the first load of OpenAlex into an empty database (`import_openalex PATH --bulk`).

An ordinary import keeps every index and foreign key of the works tables up to date batch by
batch, and resolves each batch's citation edges as it goes: right for adding to a live corpus.
A first load has nothing to keep up to date, so bulk mode

1. drops the secondary (non-unique) indexes and the foreign keys of the works tables
   (`BULK_TABLES`), recording each as a `DeferredIndex` row with the statement that builds it
   again; the unique indexes stay (the loader matches records by them), and so do the indexes
   the loader reads while it loads (`KEPT`);
2. loads the batches as usual, except that citation edges go to an unlogged staging table
   (`works_bulk_citation`: no WAL, no index) with the work ids already known, unresolved;
3. finishes: resolves every staged edge in one join against the works' OpenAlex ids (a hash
   join, whatever the corpus size), writes them to `works_citation`, builds the indexes and
   foreign keys again (each one pass over its table: sorted, not row by row) and analyses the
   tables.

It refuses a database that already holds works. The finish runs when the load ends, also after
a failure; a process killed before it leaves the `DeferredIndex` rows and the staging table,
and `import_openalex --bulk-finish` completes it (a bulk load also refuses to start then).
While a bulk load runs the works tables have no secondary indexes: pages that read them are
slow, so load before opening the site (docs/operations.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from works.importers.openalex_load import (
    IMPORT_LOCK,
    STAGED_BATCHES,
    STAGED_CITATIONS,
    STAGED_REWRITES,
)
from works.models import DeferredIndex, Work

BULK_TABLES = (
    "works_work",
    "works_authorship",
    "works_authorshipinstitution",
    "works_worktopic",
    "works_citation",
)
# Read by the loader while it loads: the name rule asks which researchers already share a
# work (works.importers.names), by researcher.
KEPT = frozenset({"authorship_researcher_work"})


class BulkLoadError(Exception):
    """A bulk load cannot start (the database is not empty, or an earlier one is unfinished)."""


@dataclass
class BulkFinish:
    citations: int = 0
    rebuilt: int = 0
    seconds: float = 0.0


def bulk_load_unfinished() -> bool:
    return DeferredIndex.objects.exists() or _staging_exists()


def _staging_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [STAGED_CITATIONS])
        row = cursor.fetchone()
    return bool(row and row[0])


def bulk_load_begin() -> int:
    """Check the database is empty, defer the works tables' secondary indexes and foreign
    keys, create the staging tables. Returns how many indexes and keys were deferred."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        if bulk_load_unfinished():
            raise BulkLoadError(
                "an earlier bulk load did not finish: run `manage.py import_openalex "
                "--bulk-finish` first"
            )
        works = Work.objects.count()
        if works:
            raise BulkLoadError(
                f"--bulk is for a first load into an empty database; this one holds {works} "
                "works: import without --bulk"
            )
        deferred = _deferrable(cursor)
        DeferredIndex.objects.bulk_create(deferred)
        # A key cannot be dropped while checks of it are queued (an enclosing transaction's).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for item in deferred:
            if item.statement.startswith("ALTER TABLE"):
                cursor.execute(f'ALTER TABLE "{item.table}" DROP CONSTRAINT "{item.name}"')
            else:
                cursor.execute(f'DROP INDEX "{item.name}"')
        cursor.execute(
            f"""CREATE UNLOGGED TABLE {STAGED_CITATIONS} (citing_id bigint NOT NULL,
                cited_oa text NOT NULL, batch bigint NOT NULL)"""
        )
        cursor.execute(
            f"""CREATE UNLOGGED TABLE {STAGED_REWRITES} (work_id bigint NOT NULL,
                batch bigint NOT NULL)"""
        )
        cursor.execute(f"CREATE SEQUENCE {STAGED_BATCHES}")
    return len(deferred)


def _deferrable(cursor: Any) -> list[DeferredIndex]:
    cursor.execute(
        """
        SELECT i.relname, t.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY(%s) AND pg_table_is_visible(t.oid)
          AND NOT x.indisunique AND NOT x.indisprimary AND i.relname <> ALL(%s)
        ORDER BY t.relname, i.relname
        """,
        [list(BULK_TABLES), sorted(KEPT)],
    )
    indexes = [DeferredIndex(name=n, table=t, statement=s) for n, t, s in cursor.fetchall()]
    cursor.execute(
        """
        SELECT c.conname, t.relname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.contype = 'f' AND t.relname = ANY(%s) AND pg_table_is_visible(t.oid)
        ORDER BY t.relname, c.conname
        """,
        [list(BULK_TABLES)],
    )
    keys = [
        DeferredIndex(
            name=n, table=t, statement=f'ALTER TABLE "{t}" ADD CONSTRAINT "{n}" {definition}'
        )
        for n, t, definition in cursor.fetchall()
    ]
    return indexes + keys


def bulk_load_finish() -> BulkFinish:
    """Resolve and write the staged citation edges, build the deferred indexes and keys."""
    started = time.monotonic()
    finish = BulkFinish()
    with connection.cursor() as cursor:
        if _staging_exists():
            with transaction.atomic():
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
                # Room for the hash of the works' OpenAlex ids (one statement, one session).
                cursor.execute("SET LOCAL work_mem = '256MB'")
                # An edge staged by a batch is superseded when a later batch rewrote its work.
                # Staged in load order, which is the citing works' id order: the edges come
                # out of the hash join in it, so `citation_once` grows at its end, unsorted.
                cursor.execute(
                    f"""
                    INSERT INTO works_citation (citing_id, cited_openalex_id, cited_id)
                    SELECT b.citing_id, b.cited_oa, w.id
                    FROM {STAGED_CITATIONS} b
                    LEFT JOIN works_work w ON w.openalex_id = b.cited_oa
                    WHERE NOT EXISTS (SELECT 1 FROM {STAGED_REWRITES} r
                                      WHERE r.work_id = b.citing_id AND r.batch > b.batch)
                    ON CONFLICT DO NOTHING
                    """  # noqa: S608 - the module's table names
                )
                finish.citations = cursor.rowcount
                cursor.execute(f"DROP TABLE {STAGED_CITATIONS}, {STAGED_REWRITES}")
                cursor.execute(f"DROP SEQUENCE {STAGED_BATCHES}")
        # Indexes first, keys after: validating a key reads the indexes just built.
        pending = sorted(
            DeferredIndex.objects.all(), key=lambda d: (d.statement.startswith("ALTER"), d.pk)
        )
        for item in pending:
            with transaction.atomic():
                cursor.execute(item.statement)
                item.delete()
            finish.rebuilt += 1
        for table in BULK_TABLES:
            cursor.execute(f"ANALYZE {table}")
    finish.seconds = time.monotonic() - started
    return finish
