"""The set-based arXiv loader (`works.importers.arxiv_load`) and the name pairs it reads."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from bench.synthetic import iter_arxiv_records
from profiles.identity import name_key
from profiles.models import Researcher
from tests.factories import ResearcherFactory, WorkFactory
from tests.works.importing import write_jsonl
from works.importers import coauthor_names
from works.importers.arxiv_load import arxiv_import
from works.importers.coauthor_names import coauthor_names_refresh, name_form
from works.models import Authorship, Topic, Work, WorkTopic


def run(path: Path, *, by_record: bool, batch_size: int = 2000) -> Any:
    report = arxiv_import(
        paths=[path],
        by_record=by_record,
        batch_size=batch_size,
        progress=False,
        enqueue_refresh=False,
        error_stream=io.StringIO(),
    )
    assert report.ok, report.errors
    return report


def outcome() -> dict[str, Any]:
    """Everything a user could tell apart: who each author is, the records, the works."""
    return {
        "authors": {
            (arxiv_id, position): (slug, raw)
            for arxiv_id, position, slug, raw in Authorship.objects.values_list(
                "work__arxiv_id", "position", "researcher__slug", "raw_author_name"
            )
        },
        "researchers": {
            slug: (display, level, sorted(keys or []))
            for slug, display, level, keys in Researcher.objects.values_list(
                "slug", "display_name", "verification_level", "name_keys"
            )
        },
        "works": set(
            Work.objects.values_list(
                "arxiv_id",
                "doi",
                "title",
                "abstract",
                "venue",
                "work_type",
                "publication_date",
                "updated_date",
            )
        ),
        "topics": set(WorkTopic.objects.values_list("work__arxiv_id", "topic__external_id")),
    }


def empty() -> None:
    for model in (Authorship, WorkTopic, Work, Topic, Researcher):
        model.objects.all().delete()


def synthetic_file(tmp_path: Path) -> Path:
    records = list(iter_arxiv_records(700, 250, seed=7))
    # A tenth of the papers come again later as a newer version with their authors reversed:
    # the rewrite of a stored arXiv-only work, in the middle of a batch, and later papers of
    # that batch must see the authorships it wrote.
    revised = [
        dict(
            r,
            update_date="2031-01-01",
            authors_parsed=list(reversed(r["authors_parsed"])),
            title=r["title"] + " (v2)",
        )
        for r in records[::10]
    ]
    lines = records[:350] + revised[:35] + records[350:] + revised[35:]
    return write_jsonl(tmp_path / "arxiv.jsonl", lines)


@pytest.mark.slow  # a minute: the record-by-record import of 770 records
def test_it_decides_every_author_as_the_record_by_record_import_does(
    db, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    path = synthetic_file(tmp_path)
    # The same batches both ways: a batch keeps only the newest version of a paper it holds
    # twice, so the batch size decides which versions are imported at all.
    run(path, by_record=True, batch_size=97)
    before = outcome()
    empty()
    # Small batches (many runs of papers, rewrites between them); works of more than four
    # authors kept by author rather than by pair, so both kinds of evidence are read; and
    # probes cut off after two rows, so the cut-off and the second reading both happen.
    monkeypatch.setattr(coauthor_names, "LARGE_WORK", 4)
    monkeypatch.setattr(coauthor_names, "PROBE_LIMIT", 2)

    report = run(path, by_record=False, batch_size=97)

    after = outcome()
    assert after["authors"] == before["authors"]
    assert after["researchers"] == before["researchers"]
    assert after["works"] == before["works"]
    assert after["topics"] == before["topics"]
    assert report.updated > 0
    slugs = [slug for slug, _raw in after["authors"].values()]
    # The file exercises the rule both ways.
    joined = len(slugs) - len(set(slugs))
    assert 100 < joined < len(slugs) / 2, (joined, len(slugs))


def test_a_reimport_of_the_same_file_changes_nothing(db, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", list(iter_arxiv_records(120, 60, seed=3)))
    run(path, by_record=False)
    before = outcome()

    again = run(path, by_record=False)

    assert (again.created, again.updated, again.skipped) == (0, 0, 120)
    assert outcome() == before


def stored_pairs() -> set[tuple[str, str, str, str, int, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT key_a, key_b, form_a, form_b, researcher_a, researcher_b, work_id "
            "FROM works_coauthornamepair"
        )
        return set(cursor.fetchall())


def pairs_from_scratch() -> set[tuple[str, str, str, str, int, int, int]]:
    """The pairs as the authorships and names are now, worked out from the models."""
    by_work: dict[int, list[Researcher]] = {}
    for a in Authorship.objects.select_related("researcher"):
        by_work.setdefault(a.work_id, []).append(a.researcher)

    def named(r: Researcher) -> set[tuple[str, str]]:
        return {
            (key, form)
            for n in [r.display_name, *r.name_variants]
            if (key := name_key(n)) and (form := name_form(n))
        }

    return {
        (ka, kb, fa, fb, a.pk, b.pk, work_id)
        for work_id, people in by_work.items()
        for a in people
        for b in people
        if a.pk != b.pk
        for ka, fa in named(a)
        for kb, fb in named(b)
    }


def test_the_pairs_follow_every_writer_of_authorships_and_names(db):
    wei, li, kim = (
        ResearcherFactory(display_name=n) for n in ("Wei Zhang", "Li Na", "Kim Min-jun")
    )
    first, second = WorkFactory(), WorkFactory()
    for position, person in enumerate((wei, li, kim)):
        Authorship.objects.create(work=first, researcher=person, position=position)
    Authorship.objects.create(work=second, researcher=wei, position=0)
    with connection.cursor() as cursor:
        coauthor_names_refresh(cursor)
        assert stored_pairs() == pairs_from_scratch() != set()

        wei.display_name = "Wei Chen"  # a rename, by the ORM's save
        wei.save()
        Authorship.objects.filter(researcher=kim).update(work=second)  # moved
        Researcher.objects.filter(pk=li.pk).update(name_variants=["N. Li"])  # a variant
        extra = ResearcherFactory(display_name="Ana Souza")
        Authorship.objects.create(work=second, researcher=extra, position=5)  # added
        coauthor_names_refresh(cursor)
        assert stored_pairs() == pairs_from_scratch()
        assert (
            "chen|1|w",
            "souza|1|a",
            "chen|1|wei",
            "souza|1|ana",
            wei.pk,
            extra.pk,
            second.pk,
        ) in stored_pairs()

        Researcher.objects.filter(pk=extra.pk).delete()  # its authorships go with it
        first.delete()
        coauthor_names_refresh(cursor)
        assert stored_pairs() == pairs_from_scratch()


def test_a_large_work_is_kept_by_author_and_its_authors_still_count_as_coauthors(
    db, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(coauthor_names, "LARGE_WORK", 3)
    team = [["Okafor", "Chidi", ""], ["Lindqvist", "Maja", ""], ["Haddad", "Rami", ""]]
    first = {"id": "2101.00001", "title": "Big", "authors_parsed": [*team, ["Roy", "Ana", ""]]}
    # Okafor and Haddad again: the large first paper is their evidence.
    second = {"id": "2101.00002", "title": "Small", "authors_parsed": [team[0], team[2]]}
    run(write_jsonl(tmp_path / "1.jsonl", [first]), by_record=False)
    with connection.cursor() as cursor:
        coauthor_names_refresh(cursor)  # what the next batch does first
        cursor.execute("SELECT count(*) FROM works_coauthornamemember")
        assert cursor.fetchone()[0] == 4

    run(write_jsonl(tmp_path / "2.jsonl", [second]), by_record=False)

    authors = Authorship.objects.filter(work__arxiv_id="2101.00002").order_by("position")
    big = Authorship.objects.filter(work__arxiv_id="2101.00001")
    assert {a.researcher_id for a in authors} <= {a.researcher_id for a in big}


def test_a_later_paper_of_the_same_batch_sees_what_an_earlier_one_wrote(db, tmp_path):
    a = ["Moreau", "Claire", ""]
    b = ["Petrov", "Ivan", ""]
    papers = [
        {"id": "2102.00001", "title": "One", "authors_parsed": [a, b]},
        {"id": "2102.00002", "title": "Two", "authors_parsed": [b, a]},
    ]
    run(write_jsonl(tmp_path / "x.jsonl", [json.dumps(p) for p in papers]), by_record=False)

    one = dict(
        Authorship.objects.filter(work__arxiv_id="2102.00001").values_list(
            "raw_author_name", "researcher_id"
        )
    )
    two = dict(
        Authorship.objects.filter(work__arxiv_id="2102.00002").values_list(
            "raw_author_name", "researcher_id"
        )
    )
    # Each name is the other's evidence: one record each, on both papers.
    assert one == two and len(set(one.values())) == 2
