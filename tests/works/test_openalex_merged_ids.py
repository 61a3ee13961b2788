"""OpenAlex's merged author ids: the snapshot's `merged_ids/authors/*.csv.gz`, in its real shape."""

from __future__ import annotations

import datetime
import gzip
import io
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from profiles.models import Researcher
from records.models import DuplicateCandidate
from records.services.candidates import OPENALEX_MERGED_SCORE, candidates_find
from tests.factories import ResearcherFactory
from tests.works.importing import openalex_work, write_jsonl
from works.importers.openalex import openalex_import
from works.importers.openalex_merged import MergeLineError, parse_merged_row
from works.models import Authorship, MergedAuthorId

HEADER = "merge_date,id,merge_into_id"


def merged_file(root: Path, entity: str, day: str, lines: list[str], *, gz: bool = True) -> Path:
    """Where and how the snapshot keeps them: data/merged_ids/<entity>/<date>.csv.gz."""
    path = root / "data" / "merged_ids" / entity / f"{day}.csv{'.gz' if gz else ''}"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "\n".join([HEADER, *lines]).encode() + b"\n"
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def run(*paths: Path):
    errors = io.StringIO()
    report = openalex_import(
        paths=list(paths), progress=False, enqueue_refresh=False, error_stream=errors
    )
    return report, errors.getvalue()


def authored_by(author_id: str, number: int, name: str = "Ada Tester") -> dict:
    work = openalex_work(number)
    work["authorships"][0]["author"] = {
        "id": f"https://openalex.org/{author_id}",
        "display_name": name,
        "orcid": None,
    }
    work["authorships"][0]["raw_author_name"] = name
    return work


def test_it_reads_the_documented_row_and_the_url_form():
    assert parse_merged_row(["2022-06-07", "A2257618939", "A2208157607"]).into_id == "A2208157607"
    url = parse_merged_row(
        ["2023-01-02", "https://openalex.org/a5001", "https://openalex.org/A5002"]
    )
    assert (url.old_id, url.into_id, url.merge_date) == (
        "A5001",
        "A5002",
        datetime.date(2023, 1, 2),
    )
    assert parse_merged_row(["2022-06-06", "W1", "W2"]) is None  # a work merge: not kept
    with pytest.raises(MergeLineError, match="merged into itself"):
        parse_merged_row(["2022-06-07", "A1", "A1"])


@pytest.mark.django_db
def test_it_imports_author_merges_and_reports_each_malformed_line(tmp_path):
    merged_file(
        tmp_path,
        "authors",
        "2022-06-07",
        [
            "2022-06-07,A2257618939,A2208157607",
            "2022-06-07,A2257618940",  # a column missing
            "07/06/2022,A2257618941,A2208157607",  # not an ISO date
            "2022-06-07,A2257618942,W2208157607",  # an author merged into a work
            "2022-06-07,A2257618943,A2257618943",  # into itself
            "2022-06-07,not-an-id,A2208157607",
            "",
            "2022-06-07,https://openalex.org/A2257618944,https://openalex.org/A2208157608",
        ],
    )
    merged_file(tmp_path, "works", "2022-06-06", ["2022-06-06,W2741809807,W2741809808"])

    report, errors = run(tmp_path)

    assert dict(MergedAuthorId.objects.values_list("old_id", "into_id")) == {
        "A2257618939": "A2208157607",
        "A2257618944": "A2208157608",
    }
    assert report.created == 2
    assert report.failed == 5
    assert report.skipped == 1  # the work merge
    reported = [(e.line, e.reason) for e in report.errors]
    assert [line for line, _ in reported] == [3, 4, 5, 6, 7]
    assert "expected 3 columns" in reported[0][1]
    assert "merge_date: not a date" in reported[1][1]
    assert "not the same kind" in reported[2][1]
    assert "merged into itself" in reported[3][1]
    assert "id: not an OpenAlex id" in reported[4][1]
    assert "2022-06-07.csv.gz:3: expected 3 columns" in errors


@pytest.mark.django_db
def test_a_file_with_another_header_is_refused_whole(tmp_path):
    path = tmp_path / "merged.csv"
    path.write_text("id,into\nA1,A2\n")

    report, _ = run(path)

    assert report.failed == 1
    assert "header must be merge_date,id,merge_into_id" in report.errors[0].reason
    assert not MergedAuthorId.objects.exists()


@pytest.mark.django_db
def test_a_reimport_changes_nothing_and_a_later_merge_wins(tmp_path):
    merged_file(tmp_path, "authors", "2022-06-07", ["2022-06-07,A11,A12"])
    run(tmp_path)
    report, _ = run(tmp_path)
    assert (report.created, report.updated, report.skipped) == (0, 0, 1)

    merged_file(tmp_path, "authors", "2023-01-01", ["2023-01-01,A11,A13"])
    run(tmp_path)
    assert MergedAuthorId.objects.get(old_id="A11").into_id == "A13"


@pytest.mark.django_db
def test_the_table_refuses_an_id_twice_or_into_itself():
    MergedAuthorId.objects.create(old_id="A1", into_id="A2", merge_date="2022-01-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        MergedAuthorId.objects.create(old_id="A1", into_id="A3", merge_date="2022-01-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        MergedAuthorId.objects.create(old_id="A4", into_id="A4", merge_date="2022-01-01")


@pytest.mark.django_db
def test_a_work_naming_a_merged_id_is_credited_to_the_survivor(tmp_path):
    run(write_jsonl(tmp_path / "first.jsonl", [authored_by("A2208157607", 1)]))
    survivor = Researcher.objects.get(openalex_id="A2208157607")
    merged_file(tmp_path / "snap", "authors", "2022-06-07", ["2022-06-07,A2257618939,A2208157607"])
    # An older file still names the merged-away id; same run as the merged-ids file.
    write_jsonl(tmp_path / "snap" / "old.jsonl", [authored_by("A2257618939", 2)])

    report, _ = run(tmp_path / "snap")

    assert report.ok, report.errors
    assert not Researcher.objects.filter(openalex_id="A2257618939").exists()
    assert set(Authorship.objects.values_list("researcher_id", flat=True)) == {survivor.pk}
    assert survivor.authorships.count() == 2


@pytest.mark.django_db
def test_a_work_naming_a_merged_id_makes_the_survivor_when_neither_exists(tmp_path):
    merged_file(tmp_path, "authors", "2022-06-07", ["2022-06-07,A21,A22", "2022-07-01,A22,A23"])
    write_jsonl(tmp_path / "w.jsonl", [authored_by("A21", 3)])

    run(tmp_path)

    record = Researcher.objects.get()
    assert record.openalex_id == "A23"  # the end of the chain
    assert record.authorships.count() == 1


@pytest.mark.django_db
def test_a_record_of_a_merged_id_takes_the_surviving_id_when_the_survivor_has_none(tmp_path):
    run(write_jsonl(tmp_path / "first.jsonl", [authored_by("A31", 4)]))
    record = Researcher.objects.get(openalex_id="A31")
    merged = merged_file(tmp_path / "m", "authors", "2022-06-07", ["2022-06-07,A31,A32"])

    report, _ = run(merged)
    run(write_jsonl(tmp_path / "later.jsonl", [authored_by("A32", 5)]))

    record.refresh_from_db()
    assert record.openalex_id == "A32"
    assert report.researchers_touched == 1
    assert Researcher.objects.count() == 1
    assert record.authorships.count() == 2


@pytest.mark.django_db
def test_both_records_existing_are_proposed_not_merged(tmp_path):
    old = ResearcherFactory(display_name="Esther Duflo", openalex_id="A41")
    survivor = ResearcherFactory(display_name="Someone Else", openalex_id="A42")
    merged = merged_file(tmp_path, "authors", "2022-06-07", ["2022-06-07,A41,A42"])

    report, _ = run(merged)
    assert report.researchers_touched == 2
    candidates_find(researcher_ids=[old.pk])

    # Both records stand as they were: a moderator decides, through the queue.
    assert set(Researcher.objects.values_list("openalex_id", flat=True)) == {"A41", "A42"}
    candidate = DuplicateCandidate.objects.get()
    assert {candidate.low_id, candidate.high_id} == {old.pk, survivor.pk}
    assert candidate.reasons == ["OpenAlex merged author A41 into A42"]
    assert candidate.score == OPENALEX_MERGED_SCORE


@pytest.mark.django_db
def test_an_openalex_merge_leads_the_reasons_of_a_name_candidate(tmp_path):
    from tests.factories import AuthorshipFactory, InstitutionFactory

    a = ResearcherFactory(display_name="Esther Duflo", openalex_id="A51")
    b = ResearcherFactory(display_name="E. Duflo", openalex_id="A52")
    mit = InstitutionFactory()
    for r in (a, b):
        AuthorshipFactory(researcher=r).institutions.add(mit)
    run(merged_file(tmp_path, "authors", "2022-06-07", ["2022-06-07,A52,A51"]))

    candidates_find()

    candidate = DuplicateCandidate.objects.get()
    assert candidate.reasons[0] == "OpenAlex merged author A52 into A51"
    assert "1 shared institution" in candidate.reasons
    assert candidate.score >= OPENALEX_MERGED_SCORE
