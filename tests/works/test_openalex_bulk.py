"""Bulk mode (`import_openalex PATH --bulk`): a first load into an empty database, indexes and
foreign keys built after, citation edges staged unlogged and resolved at the end."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from profiles.models import Institution, Researcher
from tests.factories import WorkFactory
from tests.works.importing import DEMO, openalex_work, write_jsonl
from works.importers import openalex as openalex_module
from works.importers.openalex import openalex_import
from works.importers.openalex_bulk import BULK_TABLES
from works.models import Authorship, Citation, DeferredIndex, Source, Topic, Work, WorkTopic


class KilledBeforeFinish(Exception):
    pass


def run(*paths: Path | str, **options):
    options.setdefault("progress", False)
    options.setdefault("enqueue_refresh", False)
    options.setdefault("error_stream", io.StringIO())
    return openalex_import(paths=list(paths), **options)


def schema() -> set[tuple[str, str]]:
    """The works tables' indexes and foreign keys, as PostgreSQL defines them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
            [list(BULK_TABLES)],
        )
        found = set(cursor.fetchall())
        cursor.execute(
            """SELECT conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
               JOIN pg_class t ON t.oid = c.conrelid
               WHERE c.contype = 'f' AND t.relname = ANY(%s)""",
            [list(BULK_TABLES)],
        )
        return found | set(cursor.fetchall())


def content() -> dict[str, set[tuple]]:
    """What was imported, by source ids (database ids differ between two loads)."""
    return {
        "works": set(
            Work.objects.values_list("openalex_id", "title", "abstract", "updated_date", "doi")
        ),
        "authorships": set(
            Authorship.objects.values_list(
                "work__openalex_id",
                "researcher__openalex_id",
                "researcher__display_name",
                "position",
            )
        ),
        "citations": set(
            Citation.objects.values_list(
                "citing__openalex_id", "cited_openalex_id", "cited__openalex_id"
            )
        ),
        "topics": set(WorkTopic.objects.values_list("work__openalex_id", "topic__external_id")),
    }


@pytest.fixture
def corpus(tmp_path) -> list[Path]:
    """The real samples, plus works that cite forward (a work later in the file), backward
    and outside the corpus; W9003 appears twice (the newer copy, in a later batch, cites
    something else), and one record is bad."""
    older = openalex_work(9003, referenced_works=["https://openalex.org/W9001"])
    newer = openalex_work(
        9003,
        updated_date="2025-06-01T00:00:00.000000",
        referenced_works=["https://openalex.org/W9002", "https://openalex.org/W404"],
    )
    records = [
        openalex_work(9001, referenced_works=["https://openalex.org/W9002"]),  # forward
        older,
        openalex_work(9002, referenced_works=["https://openalex.org/W9001"]),  # backward
        {"title": "no id"},
        newer,
    ]
    return [DEMO / "openalex", write_jsonl(tmp_path / "extra.jsonl", records)]


def test_a_bulk_load_lands_what_an_ordinary_import_lands_and_rebuilds_every_index(db, corpus):
    before = schema()
    ordinary = run(*corpus, batch_size=2)
    expected = content()
    Work.objects.all().delete()
    Researcher.objects.all().delete()
    for model in (Institution, Source, Topic):
        model.objects.all().delete()

    bulk = run(*corpus, batch_size=2, bulk=True)

    got = content()
    assert got["citations"] - expected["citations"] == set()
    assert expected["citations"] - got["citations"] == set()
    assert got == expected
    assert (bulk.created, bulk.updated, bulk.failed) == (
        ordinary.created,
        ordinary.updated,
        ordinary.failed,
    )
    assert bulk.failed == 1 and bulk.updated >= 1  # the bad record; W9003's newer copy
    assert ("W9003", "W9001", "W9001") not in expected["citations"]  # the older copy's edge
    assert ("W9001", "W9002", "W9002") in expected["citations"]  # forward, resolved
    assert any("bulk load finished" in note for note in bulk.notes)
    assert schema() == before
    assert not DeferredIndex.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('works_bulk_citation')")
        assert cursor.fetchone() == (None,)


def test_bulk_refuses_a_database_that_already_holds_works(db, corpus):
    WorkFactory()
    before = schema()

    with pytest.raises(CommandError, match="first load into an empty database"):
        call_command("import_openalex", *map(str, corpus), "--bulk", "--no-progress")

    assert schema() == before
    assert Work.objects.count() == 1


def test_a_bulk_load_killed_before_its_finish_is_completed_by_bulk_finish(db, corpus, monkeypatch):
    before = schema()

    def killed() -> None:
        raise KilledBeforeFinish

    # The process dies after the last batch, before the finish.
    monkeypatch.setattr(openalex_module, "bulk_load_finish", killed)
    with pytest.raises(KilledBeforeFinish):
        run(*corpus, bulk=True)
    monkeypatch.undo()
    assert DeferredIndex.objects.exists() and schema() != before
    assert not Citation.objects.exists()  # staged, not written yet

    with pytest.raises(CommandError, match="did not finish"):
        call_command("import_openalex", str(corpus[1]), "--bulk", "--no-progress")
    out = io.StringIO()
    call_command("import_openalex", "--bulk-finish", stdout=out)

    assert "bulk load finished" in out.getvalue()
    assert schema() == before
    assert Citation.objects.get(citing__openalex_id="W9001", cited_openalex_id="W9002").cited
    out = io.StringIO()
    call_command("import_openalex", "--bulk-finish", stdout=out)
    assert "no unfinished bulk load" in out.getvalue()


def test_the_cited_work_lookup_reads_only_the_index(db):
    """Each citation edge looks its cited work up by OpenAlex id: the index carries the id,
    so the lookup never reads the (large) works table itself."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            """EXPLAIN SELECT s.cited_oa, cw.id FROM (VALUES ('W1'), ('W2')) s(cited_oa)
               LEFT JOIN works_work cw ON cw.openalex_id = s.cited_oa"""
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using work_openalex_id_once" in plan
