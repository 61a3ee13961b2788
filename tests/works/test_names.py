"""The name rule's candidate lookup (`works.importers.names`): keyed, complete, never stale."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.db import connection

from bench.synthetic import iter_arxiv_records
from profiles.identity import family_name_surface, names_compatible
from profiles.models import Researcher
from tests.factories import ResearcherFactory
from works.importers import names
from works.importers.arxiv_load import arxiv_import
from works.models import Authorship, Topic, Work


def test_every_compatible_record_is_a_candidate_however_many(db):
    # More namesakes than the substring scan's old cut-off of 50 rows.
    fengs = {
        ResearcherFactory(display_name=f"J{'.' if n % 2 else 'un'} Feng").pk for n in range(60)
    }
    ResearcherFactory(display_name="Kai Feng")
    ResearcherFactory(display_name="Jiashi Wei Feng")

    found = names.candidates_for(["Feng, J.", "Feng, Jun", "Feng"])

    assert found["Feng, J."] == fengs
    assert found["Feng, Jun"] == fengs  # "J. Feng" may be Jun; "Kai", "Jiashi Wei" may not
    assert found["Feng"] == set()


def test_a_renamed_record_is_found_by_its_new_name_and_no_longer_by_its_old_one(db):
    researcher = ResearcherFactory(display_name="Ileana Streinu")
    assert names.candidates_for(["Streinu, I."])["Streinu, I."] == {researcher.pk}

    researcher.display_name = "Ileana Theran"  # any writer: here the ORM's save()
    researcher.save()

    researcher.refresh_from_db()
    assert researcher.name_keys is None  # the trigger cleared the old name's keys
    found = names.candidates_for(["Streinu, I.", "Theran, I."])
    assert found == {"Streinu, I.": set(), "Theran, I.": {researcher.pk}}
    researcher.refresh_from_db()
    assert researcher.name_keys == ["theran|1|i"]


def test_a_name_variant_added_by_any_writer_is_found(db):
    researcher = ResearcherFactory(display_name="Wei Lin")
    names.name_keys_fill()

    Researcher.objects.filter(pk=researcher.pk).update(name_variants=["Li, W."])

    # Found by the variant, as long as the display name contains the family name as written.
    assert names.candidates_for(["Li, W."])["Li, W."] == {researcher.pk}


def scan_candidates(asked: list[str]) -> dict[str, set[int]]:
    """The lookup as it was before the keyed index: a substring scan of display names (its cut-off
    of 50 rows left out, as which rows it kept depended on row order), then the same rule."""
    found: dict[str, set[int]] = {name: set() for name in asked}
    for name in dict.fromkeys(asked):
        family = family_name_surface(name)
        if len(family) < 2:
            continue
        escaped = family.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, display_name, name_variants FROM profiles_researcher "
                "WHERE display_name ILIKE %s",
                [f"%{escaped}%"],
            )
            rows = cursor.fetchall()
        found[name] = {
            pk
            for pk, display, variants in rows
            if any(names_compatible(name, n) for n in [display, *(variants or [])])
        }
    return found


def decisions() -> dict[tuple[str, int], str]:
    """Who each author of each paper was found to be (a record's slug is stable across runs)."""
    return {
        (arxiv_id, position): slug
        for arxiv_id, position, slug in Authorship.objects.values_list(
            "work__arxiv_id", "position", "researcher__slug"
        )
    }


def import_synthetic(path: Path) -> dict[tuple[str, int], str]:
    # Record by record: the path that looks candidates up (the set-based loader decides like
    # it, see tests/works/test_arxiv_load.py).
    report = arxiv_import(
        paths=[path],
        by_record=True,
        progress=False,
        enqueue_refresh=False,
        error_stream=io.StringIO(),
    )
    assert report.ok, report.errors
    return decisions()


@pytest.mark.slow  # a minute: two imports of a synthetic file
def test_the_keyed_lookup_decides_every_author_as_the_substring_scan_did(
    db, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "arxiv.jsonl"
    records = list(iter_arxiv_records(500, 200, seed=11))
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    with monkeypatch.context() as patch:
        patch.setattr(names, "candidates_for", scan_candidates)
        before = import_synthetic(path)
    # The same file into the same empty tables, with the lookup as it is now.
    for model in (Authorship, Work, Topic, Researcher):
        model.objects.all().delete()

    after = import_synthetic(path)

    assert after == before
    authors = sum(len(r["authors_parsed"]) for r in records)
    assert len(after) == authors
    # The file exercises the rule both ways: many authors joined a record made for an earlier
    # paper, and most became records of their own.
    joined = authors - len(set(after.values()))
    assert 100 < joined < authors / 2, (joined, authors)
