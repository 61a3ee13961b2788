from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from profiles.models import Institution, Researcher, VerificationLevel
from tests.works.importing import DEMO, openalex_work, snapshot, write_jsonl
from works.importers.openalex import openalex_import
from works.models import Authorship, Citation, Source, Topic, Work


def run(*paths: Path | str, **options):
    options.setdefault("progress", False)
    options.setdefault("enqueue_refresh", False)
    options.setdefault("error_stream", io.StringIO())
    return openalex_import(paths=list(paths), **options)


def sample_counts() -> dict[str, int]:
    """Counted straight from the sample files, without the importer."""
    newest: dict[str, dict] = {}
    for page in sorted((DEMO / "openalex").glob("works-page-*.json")):
        for work in json.loads(page.read_text())["results"]:
            held = newest.get(work["id"])
            if held is None or work["updated_date"] > held["updated_date"]:
                newest[work["id"]] = work
    authors: set[str] = set()
    institutions: set[str] = set()
    with_id = name_only = citations = 0
    for work in newest.values():
        ids_here = {a["author"]["id"] for a in work["authorships"] if a["author"]["id"]}
        with_id += len(ids_here)
        name_only += sum(1 for a in work["authorships"] if not a["author"]["id"])
        authors |= ids_here
        for authorship in work["authorships"]:
            institutions |= {i["id"] for i in authorship["institutions"]}
        citations += len(set(work["referenced_works"]) - {work["id"]})
    for path in (DEMO / "openalex" / "authors").glob("*.json"):
        author = json.loads(path.read_text())
        authors.add(author["id"])
        if author.get("last_known_institutions"):
            institutions.add(author["last_known_institutions"][0]["id"])
    for path in (DEMO / "openalex" / "institutions").glob("*.json"):
        institutions.add(json.loads(path.read_text())["id"])
    return {
        "works": len(newest),
        "authorships_with_id": with_id,
        "name_only_authorships": name_only,
        "authors": len(authors),
        "institutions": len(institutions),
        "citations": citations,
    }


def test_it_imports_the_real_samples_with_every_count_matching_the_files(db):
    report = run(DEMO / "openalex")
    expected = sample_counts()

    assert report.ok, report.errors
    assert Work.objects.count() == expected["works"]
    assert Researcher.objects.filter(openalex_id__isnull=False).count() == expected["authors"]
    assert (
        Authorship.objects.filter(researcher__openalex_id__isnull=False).count()
        == expected["authorships_with_id"]
    )
    # Authors without an OpenAlex id become name-only (L0) records, never merged on name alone.
    assert (
        Authorship.objects.filter(researcher__verification_level=VerificationLevel.L0).count()
        == expected["name_only_authorships"]
    )
    assert Institution.objects.count() == expected["institutions"]
    assert Citation.objects.count() == expected["citations"]


def newest_sample_records() -> dict[str, dict]:
    newest: dict[str, dict] = {}
    for page in sorted((DEMO / "openalex").glob("works-page-*.json")):
        for work in json.loads(page.read_text())["results"]:
            held = newest.get(work["id"])
            if held is None or work["updated_date"] > held["updated_date"]:
                newest[work["id"]] = work
    return newest


def test_open_access_of_the_real_samples_is_stored_as_the_files_say(db):
    report = run(DEMO / "openalex")

    assert report.ok
    assert not [d for d in report.drops if "open_access" in d.reason or "location" in d.reason]
    records = newest_sample_records()
    stored = {
        f"https://openalex.org/{w.openalex_id}": w
        for w in Work.objects.filter(openalex_id__isnull=False)
    }
    open_urls = 0
    for key, record in records.items():
        work, summary = stored[key], record["open_access"]
        assert work.oa_status == summary["oa_status"]
        if summary["oa_url"]:
            open_urls += 1
            assert work.oa_url == summary["oa_url"]
        open_places = {
            place["landing_page_url"] or place["pdf_url"]
            for place in record["locations"]
            if place["is_oa"] and (place["landing_page_url"] or place["pdf_url"])
        }
        assert {place["url"] for place in work.oa_locations} == open_places
        if record["best_oa_location"]:
            best = record["best_oa_location"]
            assert work.oa_locations[0]["url"] == (best["landing_page_url"] or best["pdf_url"])
    assert open_urls > 50  # the samples have many open works (115 of 371 at the time)
    assert Work.objects.filter(oa_status="closed").exclude(oa_url="").count() <= 1


def test_a_newer_record_updates_open_access_and_bad_links_are_reported(db, tmp_path):
    closed = openalex_work(1, open_access={"oa_status": "closed", "oa_url": None})
    opened = openalex_work(
        1,
        updated_date="2025-06-01T00:00:00",
        open_access={"oa_status": "gold", "oa_url": "https://journal.example/1.pdf"},
        locations=[{"is_oa": True, "landing_page_url": "javascript:alert(1)"}],
    )
    run(write_jsonl(tmp_path / "a.jsonl", [closed]))
    assert (Work.objects.get().oa_status, Work.objects.get().oa_url) == ("closed", "")

    errors = io.StringIO()
    report = run(write_jsonl(tmp_path / "b.jsonl", [opened]), error_stream=errors)

    work = Work.objects.get()
    assert (report.updated, work.oa_status, work.oa_url) == (
        1,
        "gold",
        "https://journal.example/1.pdf",
    )
    assert work.oa_locations == []
    assert "b.jsonl:1: locations[0].landing_page_url: not a web link" in errors.getvalue()


def test_it_rebuilds_an_abstract_word_for_word(db, tmp_path):
    first = json.loads((DEMO / "arxiv" / "arxiv-metadata-head.jsonl").read_text().splitlines()[0])
    words = first["abstract"].split()
    index: dict[str, list[int]] = {}
    for position, word in enumerate(words):
        index.setdefault(word, []).append(position)
    path = write_jsonl(
        tmp_path / "w.jsonl",
        [
            openalex_work(1, abstract_inverted_index=index),
            openalex_work(2, abstract_inverted_index=None),
        ],
    )

    run(path)

    assert Work.objects.get(openalex_id="W1").abstract == " ".join(words)
    assert Work.objects.get(openalex_id="W2").abstract == ""


def test_reimporting_the_samples_changes_nothing(db):
    run(DEMO / "openalex")
    before = snapshot()

    again = run(DEMO / "openalex")

    assert (again.created, again.updated) == (0, 0)
    assert again.skipped == again.read
    assert snapshot() == before


def test_only_unidentifiable_records_are_rejected_and_bad_fields_cost_only_themselves(db, tmp_path):
    path = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            openalex_work(1),
            '{"id": "https://openalex.org/W2", "title": ',  # malformed JSON
            {k: v for k, v in openalex_work(3).items() if k not in ("title",)},  # missing title
            openalex_work(4, publication_year="2020"),  # wrong type
            openalex_work(5, authorships="Ada"),  # wrong type
            {"title": "no id at all"},  # missing id
            openalex_work(7),
            [1, 2],  # not a JSON object (nor an array of them)
        ],
    )
    errors = io.StringIO()

    report = run(path, error_stream=errors)

    assert set(Work.objects.values_list("openalex_id", flat=True)) == {"W1", "W3", "W4", "W5", "W7"}
    assert report.failed == 4 and not report.ok
    assert {(e.line, e.reason.split(":")[0]) for e in report.errors} == {
        (2, "malformed JSON"),
        (6, "id"),
        (8, "expected a JSON object, got int"),
    }
    assert report.fields_dropped == 3
    assert "fields dropped: 3" in report.summary()
    reported = errors.getvalue()
    assert f"{path}:4: publication_year: expected an integer, got str" in reported
    assert f"{path}:5: authorships: expected a list, got str" in reported
    assert f"{path}:3: title: no usable title" in reported
    w4 = Work.objects.get(openalex_id="W4")
    assert (w4.publication_year, w4.title, w4.doi) == (None, "Work number 4", "10.9999/test.4")
    assert Authorship.objects.filter(work__openalex_id="W4").count() == 1
    assert not Authorship.objects.filter(work__openalex_id="W5").exists()
    assert Work.objects.get(openalex_id="W3").title == "Untitled work"


def test_the_command_exits_non_zero_when_a_record_failed(db, tmp_path, capsys):
    path = write_jsonl(tmp_path / "bad.jsonl", [openalex_work(1), "not json"])

    with pytest.raises(CommandError, match="1 record"):
        call_command("import_openalex", str(path), "--no-progress", "--no-refresh")

    captured = capsys.readouterr()
    assert f"{path}:2: malformed JSON" in captured.err
    assert Work.objects.filter(openalex_id="W1").exists()


def test_the_command_succeeds_when_only_fields_were_dropped(db, tmp_path, capsys):
    path = write_jsonl(tmp_path / "w.jsonl", [openalex_work(1, cited_by_count=[3])])

    call_command("import_openalex", str(path), "--no-progress", "--no-refresh")

    captured = capsys.readouterr()
    assert f"{path}:1: cited_by_count: expected an integer, got list" in captured.err
    assert "failed 0; fields dropped: 1" in captured.out
    assert Work.objects.filter(openalex_id="W1").exists()


def test_snapshot_abstracts_given_as_encoded_strings_are_read_word_for_word(db, tmp_path):
    second = (DEMO / "arxiv" / "arxiv-metadata-head.jsonl").read_text().splitlines()[1]
    words = json.loads(second)["abstract"].split()
    index: dict[str, list[int]] = {}
    for position, word in enumerate(words):
        index.setdefault(word, []).append(position)
    encoded = json.dumps({"IndexLength": len(words), "InvertedIndex": index})
    path = write_jsonl(
        tmp_path / "part_000.gz", [openalex_work(1, abstract_inverted_index=encoded)]
    )

    report = run(path)

    assert report.ok and report.fields_dropped == 0
    assert Work.objects.get(openalex_id="W1").abstract == " ".join(words)


@pytest.mark.parametrize(("indent", "bom"), [(None, ""), (2, ""), (None, "\ufeff")])
def test_a_top_level_array_is_read_as_its_records(db, tmp_path, indent, bom):
    path = tmp_path / "export.json"
    path.write_text(bom + json.dumps([openalex_work(1), openalex_work(2), 7], indent=indent))

    report = run(path)

    assert set(Work.objects.values_list("openalex_id", flat=True)) == {"W1", "W2"}
    assert [(e.line, e.reason) for e in report.errors] == [(3, "expected a JSON object, got int")]


def test_the_command_prints_a_summary_and_succeeds_on_good_input(db, tmp_path):
    path = write_jsonl(tmp_path / "good.jsonl", [openalex_work(1), openalex_work(2)])
    out = io.StringIO()

    call_command("import_openalex", str(path), "--no-progress", "--no-refresh", stdout=out)

    assert "read 2, created 2, updated 0, skipped 0, failed 0" in out.getvalue()


def test_it_reads_old_and_new_schema_records(db, tmp_path):
    old = openalex_work(1)
    for key in ("primary_location", "locations", "topics"):
        del old[key]
    old["host_venue"] = {
        "id": "https://openalex.org/S12",
        "display_name": "Old Venue Letters",
        "issn_l": "1234-5678",
        "type": "journal",
    }
    old["concepts"] = [
        {"id": "https://openalex.org/C41008148", "display_name": "Computer science", "score": 0.8},
        {"id": "https://openalex.org/C1", "display_name": "Barely related", "score": 0.1},
    ]
    new = openalex_work(2)
    path = write_jsonl(tmp_path / "mixed.jsonl", [old, new])

    run(path)

    old_work = Work.objects.get(openalex_id="W1")
    new_work = Work.objects.get(openalex_id="W2")
    assert old_work.venue == "Old Venue Letters"
    assert old_work.source == Source.objects.get(openalex_id="S12")
    assert list(old_work.topics.values_list("origin", "display_name")) == [
        ("openalex_concept", "Computer science")
    ]
    assert new_work.venue == "Journal of Tests"
    assert list(new_work.topics.values_list("origin", "display_name", "field")) == [
        ("openalex", "Testing", "Computer Science")
    ]


def test_the_newest_record_wins_and_an_older_one_changes_nothing(db, tmp_path):
    newer = openalex_work(1, title="Second version", updated_date="2025-06-01T00:00:00")
    older = openalex_work(1, title="First version", updated_date="2024-01-01T00:00:00")
    newest = openalex_work(
        1,
        title="Third version",
        updated_date="2025-09-01T00:00:00",
        authorships=[
            {
                "author": {"id": "https://openalex.org/A42", "display_name": "Bea New"},
                "institutions": [],
            }
        ],
    )

    run(write_jsonl(tmp_path / "a.jsonl", [newer]))
    run(write_jsonl(tmp_path / "b.jsonl", [older]))
    assert Work.objects.get().title == "Second version"

    report = run(write_jsonl(tmp_path / "c.jsonl", [newest]))
    work = Work.objects.get()
    assert (report.updated, work.title) == (1, "Third version")
    assert list(work.authorships.values_list("researcher__display_name", flat=True)) == ["Bea New"]


def test_the_same_work_twice_in_one_file_keeps_the_newest(db, tmp_path):
    path = write_jsonl(
        tmp_path / "dup.jsonl",
        [
            openalex_work(1, title="Newer", updated_date="2025-06-01T00:00:00"),
            openalex_work(1, title="Older", updated_date="2024-06-01T00:00:00"),
        ],
    )

    report = run(path)

    assert Work.objects.get().title == "Newer"
    assert (report.read, report.created, report.skipped) == (2, 1, 1)


def test_it_imports_a_work_with_thousands_of_authors(db, tmp_path):
    authors = [
        {
            "author": {"id": f"https://openalex.org/A{700000 + i}", "display_name": f"Member {i}"},
            "institutions": [],
        }
        for i in range(3000)
    ]
    path = write_jsonl(tmp_path / "big.jsonl", [openalex_work(1, authorships=authors)])

    run(path)

    work = Work.objects.get()
    assert work.authorships.count() == 3000
    assert list(work.authorships.order_by("position").values_list("position", flat=True)[:3]) == [
        0,
        1,
        2,
    ]


def test_it_reads_api_pages_jsonl_and_snapshot_part_files_alike(db, tmp_path):
    records = [openalex_work(1), openalex_work(2), openalex_work(3)]
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"meta": {"count": 1}, "results": records[:1]}, indent=2))
    write_jsonl(tmp_path / "works.jsonl", records[1:2])
    write_jsonl(
        tmp_path / "snapshot" / "works" / "updated_date=2025-01-01" / "part_000.gz", records[2:]
    )

    report = run(page, tmp_path / "works.jsonl", tmp_path / "snapshot")

    assert report.ok and report.created == 3
    assert set(Work.objects.values_list("openalex_id", flat=True)) == {"W1", "W2", "W3"}


def test_citation_edges_are_kept_and_resolved_when_the_cited_work_arrives(db, tmp_path):
    run(
        write_jsonl(
            tmp_path / "a.jsonl", [openalex_work(1, referenced_works=["https://openalex.org/W2"])]
        )
    )
    edge = Citation.objects.get()
    assert (edge.cited_openalex_id, edge.cited_id) == ("W2", None)

    run(write_jsonl(tmp_path / "b.jsonl", [openalex_work(2)]))

    edge.refresh_from_db()
    assert edge.cited == Work.objects.get(openalex_id="W2")


def test_author_records_update_names_and_affiliation_and_are_level_1(db):
    run(DEMO / "openalex" / "authors" / "A5004526334.json")

    researcher = Researcher.objects.get(openalex_id="A5004526334")
    assert researcher.display_name == "Dave Perkins"
    assert "D. T. Perkins" in researcher.name_variants
    assert researcher.orcid == "0000-0001-5246-5203"
    assert researcher.affiliation is not None
    assert researcher.affiliation.display_name == "Bangor University"
    assert researcher.verification_level == VerificationLevel.L1


def test_topics_and_institutions_records_are_upserted(db, tmp_path):
    topic = {
        "id": "https://openalex.org/T900",
        "display_name": "Testing, renamed",
        "field": {"display_name": "Computer Science"},
    }
    run(write_jsonl(tmp_path / "t.jsonl", [topic]), DEMO / "openalex" / "institutions")

    assert Topic.objects.get(external_id="T900").display_name == "Testing, renamed"
    unc = Institution.objects.get(openalex_id="I114027177")
    assert (unc.ror_id, unc.domains) == ("0130frc33", ["unc.edu"])


def test_a_record_the_database_rejects_is_isolated_and_the_rest_of_its_batch_lands(db, tmp_path):
    path = write_jsonl(
        tmp_path / "w.jsonl",
        [openalex_work(1), openalex_work(2, cited_by_count=3_000_000_000), openalex_work(3)],
    )

    report = run(path)

    assert set(Work.objects.values_list("openalex_id", flat=True)) == {"W1", "W3"}
    assert Authorship.objects.filter(work__openalex_id="W3").exists()
    assert [(e.line, e.reason.split(":")[0]) for e in report.errors] == [(2, "rejected")]


def test_control_characters_are_cleaned_at_import_keeping_only_real_line_breaks(db, tmp_path):
    record = openalex_work(
        1,
        title="Deep\x01 learning\x08\tfor\x0bgraphs",
        abstract_inverted_index={"First\x1fline\n": [0], "second\x7f": [1], "\u0085end": [2]},
    )
    record["authorships"][0]["author"]["display_name"] = "Jiashi\x01\x08\x0b Feng\u2028"
    record["authorships"][0]["institutions"][0]["display_name"] = "Test\x00 University"
    record["primary_location"]["source"]["display_name"] = "Journal\x9b of Tests"
    path = write_jsonl(tmp_path / "control.jsonl", [record])

    report = run(path)

    assert report.ok, report.errors
    work = Work.objects.get(openalex_id="W1")
    assert work.title == "Deep learning for graphs"  # one line: tab and VT are spaces
    assert work.abstract == "Firstline\n second \nend"  # line breaks kept, NEL read as one
    assert Researcher.objects.get(openalex_id="A11").display_name == "Jiashi  Feng"
    assert Institution.objects.get(openalex_id="I55").display_name == "Test University"
    assert Source.objects.get(openalex_id="S77").display_name == "Journal of Tests"


def test_invalid_utf8_is_reported_with_its_byte_offset(db, tmp_path):
    good = json.dumps(openalex_work(1)).encode()
    bad = b'{"id": "https://openalex.org/W2", "title": "caf\xe9"}'  # Latin-1, not UTF-8
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(good + b"\n" + bad + b"\n")

    report = run(path)

    assert [(e.line, e.reason) for e in report.errors] == [(2, "invalid UTF-8 at byte 48")]
    assert Work.objects.filter(openalex_id="W1").exists()
