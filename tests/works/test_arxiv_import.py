from __future__ import annotations

import io
import json
from pathlib import Path

from profiles.identity import names_compatible as compatible
from profiles.models import Researcher, VerificationLevel
from tests.works.importing import DEMO, openalex_work, snapshot, write_jsonl
from works.importers.arxiv_load import arxiv_import
from works.importers.openalex import openalex_import
from works.models import Authorship, Work

ARXIV = DEMO / "arxiv" / "arxiv-metadata-head.jsonl"


def arxiv_records() -> list[dict]:
    return [json.loads(line) for line in ARXIV.read_text().splitlines() if line.strip()]


def record(arxiv_id: str) -> dict:
    return next(r for r in arxiv_records() if r["id"] == arxiv_id)


def run_arxiv(*paths: Path):
    return arxiv_import(
        paths=list(paths), progress=False, enqueue_refresh=False, error_stream=io.StringIO()
    )


def run_openalex(*paths: Path):
    return openalex_import(
        paths=list(paths), progress=False, enqueue_refresh=False, error_stream=io.StringIO()
    )


def test_it_imports_the_arxiv_sample_as_preprints_with_categories_and_name_only_authors(db):
    records = arxiv_records()

    report = run_arxiv(ARXIV)

    assert report.ok and report.created == len(records)
    assert Work.objects.filter(work_type="preprint").count() == len(records)
    assert Authorship.objects.count() == sum(len(r["authors_parsed"]) for r in records)
    first = Work.objects.get(arxiv_id="0704.0001")
    assert list(first.topics.values_list("origin", "external_id")) == [("arxiv", "hep-ph")]
    assert list(
        first.authorships.order_by("position").values_list("researcher__display_name", flat=True)
    ) == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert not Researcher.objects.exclude(verification_level=VerificationLevel.L0).exists()


def test_reimporting_arxiv_changes_nothing(db):
    run_arxiv(ARXIV)
    before = snapshot()

    again = run_arxiv(ARXIV)

    assert (again.created, again.updated, again.skipped) == (0, 0, again.read)
    assert snapshot() == before


def test_an_openalex_work_with_an_arxiv_location_absorbs_the_arxiv_work(db, tmp_path):
    run_arxiv(write_jsonl(tmp_path / "a.jsonl", [record("0704.0001")]))
    name_only = set(Researcher.objects.values_list("pk", flat=True))
    work = openalex_work(
        10,
        locations=[{"landing_page_url": "http://arxiv.org/abs/0704.0001v2", "source": None}],
    )

    run_openalex(write_jsonl(tmp_path / "o.jsonl", [work]))

    merged = Work.objects.get()
    assert (merged.openalex_id, merged.arxiv_id) == ("W10", "0704.0001")
    # OpenAlex names the authors by id now; the name-only stand-ins had only this paper.
    assert list(merged.authorships.values_list("researcher__openalex_id", flat=True)) == ["A101"]
    assert not Researcher.objects.filter(pk__in=name_only).exists()


def test_an_arxiv_record_after_openalex_adds_its_id_and_categories_only(db, tmp_path):
    run_openalex(
        write_jsonl(
            tmp_path / "o.jsonl",
            [openalex_work(20, doi="https://doi.org/10.48550/arXiv.0704.0002")],
        )
    )

    report = run_arxiv(write_jsonl(tmp_path / "a.jsonl", [record("0704.0002")]))

    work = Work.objects.get()
    assert report.updated == 1
    assert (work.openalex_id, work.arxiv_id, work.title) == ("W20", "0704.0002", "Work number 20")
    assert set(work.topics.values_list("origin", "external_id")) == {
        ("openalex", "T900"),
        ("arxiv", "math.CO"),
        ("arxiv", "cs.CG"),
    }
    assert list(work.authorships.values_list("researcher__openalex_id", flat=True)) == ["A201"]
    assert Researcher.objects.count() == 1


def test_the_same_name_on_two_papers_without_shared_coauthors_stays_two_people(db, tmp_path):
    a = {**record("0704.0002"), "id": "0704.9001", "authors_parsed": [["Feng", "J.", ""]]}
    b = {
        **record("0704.0002"),
        "id": "0704.9002",
        "authors_parsed": [["Feng", "J.", ""], ["Theran", "Louis", ""]],
    }

    run_arxiv(write_jsonl(tmp_path / "a.jsonl", [a, b]))

    assert Researcher.objects.filter(display_name="J. Feng").count() == 2


def test_a_name_with_a_shared_coauthor_joins_the_existing_record(db, tmp_path):
    first = {
        **record("0704.0002"),
        "id": "0704.9001",
        "authors_parsed": [["Streinu", "Ileana", ""], ["Theran", "Louis", ""]],
    }
    second = {
        **record("0704.0002"),
        "id": "0704.9002",
        "authors_parsed": [["Theran", "L.", ""], ["Streinu", "I.", ""], ["Other", "Ann", ""]],
    }

    run_arxiv(write_jsonl(tmp_path / "a.jsonl", [first]))
    run_arxiv(write_jsonl(tmp_path / "b.jsonl", [second]))

    theran = Researcher.objects.get(display_name="Louis Theran")
    assert theran.authorships.count() == 2
    assert Researcher.objects.count() == 3


def test_a_name_missing_a_middle_name_does_not_join_a_record_that_has_one(db, tmp_path):
    """The rule the claim checklist uses too: "J. Feng" is not "Jiashi Wei Feng"."""
    first = {
        **record("0704.0002"),
        "id": "0704.9001",
        "authors_parsed": [
            ["Streinu", "Ileana", ""],
            ["Theran", "Louis", ""],
            ["Feng", "Jiashi Wei", ""],
        ],
    }
    second = {
        **record("0704.0002"),
        "id": "0704.9002",
        "authors_parsed": [["Theran", "L.", ""], ["Streinu", "I.", ""], ["Feng", "J.", ""]],
    }
    third = {
        **record("0704.0002"),
        "id": "0704.9003",
        "authors_parsed": [["Theran", "L.", ""], ["Feng", "J. W.", ""]],
    }

    run_arxiv(write_jsonl(tmp_path / "a.jsonl", [first]))
    run_arxiv(write_jsonl(tmp_path / "b.jsonl", [second, third]))

    feng = Researcher.objects.get(display_name="Jiashi Wei Feng")
    assert set(feng.authorships.values_list("work__arxiv_id", flat=True)) == {
        "0704.9001",
        "0704.9003",
    }
    assert Researcher.objects.get(display_name="J. Feng").authorships.count() == 1
    assert Researcher.objects.get(display_name="Louis Theran").authorships.count() == 3


def test_name_compatibility_is_strict_about_given_names():
    assert compatible("Yuan, C. -P.", "Chien-Peng Yuan")
    assert compatible("Balázs, C.", "Csaba Balazs")
    assert not compatible("Feng, J.", "Kai Feng")
    assert not compatible("Feng, Jiashi", "Jun Feng")
    assert not compatible("Feng", "Jiashi Feng")


def test_only_unidentifiable_arxiv_records_are_rejected(db, tmp_path):
    errors = io.StringIO()
    path = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            record("0704.0001"),
            "{broken",
            {k: v for k, v in record("0704.0002").items() if k != "authors_parsed"},
            {**record("0704.0003"), "authors_parsed": "Someone"},
            {**record("0704.0004"), "id": 704.0004},  # a float id: its zeros are lost
            {**record("0704.0005"), "versions": "v1", "categories": 5},
        ],
    )

    report = arxiv_import(paths=[path], progress=False, enqueue_refresh=False, error_stream=errors)

    assert [(e.line, e.reason.split(":")[0]) for e in report.errors] == [
        (2, "malformed JSON"),
        (5, "id"),
    ]
    assert set(Work.objects.values_list("arxiv_id", flat=True)) == {
        "0704.0001",
        "0704.0002",
        "0704.0003",
        "0704.0005",
    }
    # Without authors_parsed (or with it unusable) the printed `authors` string gives them.
    for arxiv_id in ("0704.0002", "0704.0003"):
        names = Authorship.objects.filter(work__arxiv_id=arxiv_id)
        assert names.count() == len(record(arxiv_id)["authors_parsed"])
    assert f"{path}:4: authors_parsed: expected a list, got str" in errors.getvalue()
    fifth = Work.objects.get(arxiv_id="0704.0005")
    assert fifth.publication_date is None and not fifth.topics.exists()
    assert fifth.title == " ".join(record("0704.0005")["title"].split())
    assert report.fields_dropped == 3


def test_oai_pmh_records_as_json_and_printed_author_strings_are_read(db, tmp_path):
    oai = {
        "id": "oai:arXiv.org:0704.0001",
        "created": "2007-04-02",
        "updated": "2008-11-13",
        "authors": {
            "author": [
                {"keyname": "Balázs", "forenames": "C."},
                {"keyname": "Yuan", "forenames": "C. -P.", "suffix": "Jr"},
            ]
        },
        "title": "Calculation of prompt diphoton production",
        "categories": ["hep-ph", "hep-ex"],
        "abstract": "A fully differential calculation.",
    }
    printed = {
        "id": "0704.0002",
        "authors": "Ileana Streinu and Louis Theran, C. Bal\\'azs (MSU), and A. N. Other",
        "title": "Sparsity-certifying Graph Decompositions",
        "categories": "math.CO cs.CG",
    }

    report = run_arxiv(write_jsonl(tmp_path / "oai.jsonl", [oai, printed]))

    assert report.ok and report.created == 2 and report.fields_dropped == 0
    first = Work.objects.get(arxiv_id="0704.0001")
    assert str(first.publication_date) == "2007-04-02"
    assert set(first.topics.values_list("external_id", flat=True)) == {"hep-ph", "hep-ex"}
    assert list(
        first.authorships.order_by("position").values_list("raw_author_name", flat=True)
    ) == ["C. Balázs", "C. -P. Yuan Jr"]
    second = Work.objects.get(arxiv_id="0704.0002")
    assert list(
        second.authorships.order_by("position").values_list("raw_author_name", flat=True)
    ) == ["Ileana Streinu", "Louis Theran", "C. Balazs", "A. N. Other"]


def test_control_characters_in_arxiv_text_are_cleaned(db, tmp_path):
    dirty = {
        **record("0704.0001"),
        "title": "Calculation\x01 of\x0b prompt",
        "abstract": "A fully\x08 differential\r\ncalculation",
        "authors_parsed": [["Bal\x1bazs", "C.\x00", ""]],
    }
    report = run_arxiv(write_jsonl(tmp_path / "control.jsonl", [dirty]))

    assert report.ok, report.errors
    work = Work.objects.get(arxiv_id="0704.0001")
    assert work.title == "Calculation of prompt"
    assert work.abstract == "A fully differential calculation"
    assert [a.raw_author_name for a in work.authorships.all()] == ["C. Balazs"]
