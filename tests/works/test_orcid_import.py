from __future__ import annotations

import io
import tarfile
from pathlib import Path

from profiles.models import Employment, Institution, Researcher, VerificationLevel
from tests.factories import InstitutionFactory, ResearcherFactory
from tests.works.importing import DEMO, snapshot
from works.importers.orcid import orcid_import

SPINELLIS = DEMO / "orcid" / "0000-0003-4231-1897.xml"


def run(*paths: Path):
    return orcid_import(
        paths=list(paths), progress=False, enqueue_refresh=False, error_stream=io.StringIO()
    )


def test_it_attaches_names_and_employments_to_the_researcher_holding_the_orcid(db):
    researcher = ResearcherFactory(
        display_name="D. Spinellis",
        openalex_id="A5000000001",
        orcid="0000-0003-4231-1897",
        verification_level=VerificationLevel.L1,
    )
    delft = InstitutionFactory(display_name="Delft University of Technology")
    expected_jobs = SPINELLIS.read_text().count("<employment:employment-summary ")

    report = run(SPINELLIS)

    researcher.refresh_from_db()
    assert (report.created, report.updated) == (0, 1)
    assert "Diomidis Spinellis" in researcher.name_variants
    assert researcher.employments.count() == expected_jobs
    job = researcher.employments.get(role_title="Professor of Software Analytics")
    assert (job.organization_name, job.institution, job.start_year) == (
        "Delft University of Technology",
        delft,
        2020,
    )
    # The current job's institution becomes the affiliation of a record that had none.
    assert researcher.affiliation == delft


def test_an_unknown_orcid_creates_a_level_1_record_and_a_rerun_changes_nothing(db):
    report = run(DEMO / "orcid")

    # One of the eight files is ORCID's stand-in for a locked record: skipped, not failed.
    assert report.ok and (report.created, report.skipped) == (7, 1)
    norli = Researcher.objects.get(orcid="0000-0002-5878-603X")
    assert (norli.display_name, norli.verification_level) == ("Norli Ali", VerificationLevel.L1)
    before = snapshot(), list(Employment.objects.values_list())

    again = run(DEMO / "orcid")

    assert (again.created, again.updated) == (0, 0)
    assert (snapshot(), list(Employment.objects.values_list())) == before


def test_it_reads_records_inside_a_data_file_archive(db, tmp_path):
    archive = tmp_path / "summaries.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(SPINELLIS, arcname="summaries/897/0000-0003-4231-1897.xml")

    run(archive)

    assert Researcher.objects.filter(orcid="0000-0003-4231-1897").exists()
    assert not Institution.objects.exists()  # employments name organisations; none invented


def test_malformed_xml_is_reported_with_its_line(db, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text('<?xml version="1.0"?>\n<record:record xmlns:record="x">\n<oops>\n')

    report = run(bad, SPINELLIS)

    assert report.failed == 1 and report.created == 1
    assert report.errors[0].path == str(bad)
    assert report.errors[0].reason.startswith("malformed XML")


def test_an_employment_year_in_a_bad_shape_costs_only_that_year(db, tmp_path):
    text = SPINELLIS.read_text()
    expected_jobs = text.count("<employment:employment-summary ")
    # The first employment's start year, written as people sometimes do.
    at = text.index("<common:start-date>", text.index("<employment:employment-summary "))
    year_at = text.index("<common:year>", at) + len("<common:year>")
    year = text[year_at : year_at + 4]
    bad = tmp_path / "0000-0003-4231-1897.xml"
    bad.write_text(text[:year_at] + "c." + text[year_at:])
    errors = io.StringIO()

    run(SPINELLIS)
    researcher = Researcher.objects.get(orcid="0000-0003-4231-1897")
    before = dict(researcher.employments.values_list("pk", "start_year"))

    report = orcid_import(paths=[bad], progress=False, enqueue_refresh=False, error_stream=errors)

    assert report.ok and report.fields_dropped == 1
    assert f"start: expected a year, got 'c.{year}'" in errors.getvalue()
    after = dict(researcher.employments.values_list("pk", "start_year"))
    assert len(after) == len(before) == expected_jobs
    assert [(before[pk], after[pk]) for pk in after if before[pk] != after[pk]] == [
        (int(year), None)
    ]


def test_records_land_in_batches_with_the_same_outcome_as_one_by_one(db, tmp_path):
    # The same iD twice in one archive (an older copy first): the second copy lands after the
    # first, as it would record by record; other records around it are unaffected.
    text = SPINELLIS.read_text()
    renamed = text.replace("Diomidis", "Diomidis Dionysios", 1)
    archive = tmp_path / "summaries.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for index, path in enumerate(sorted((DEMO / "orcid").glob("*.xml"))):
            tar.add(path, arcname=f"summaries/{index}/{path.name}")
        copy = tmp_path / "copy.xml"
        copy.write_text(renamed)
        tar.add(copy, arcname="summaries/9/0000-0003-4231-1897.xml")

    report = run(archive)

    assert report.ok and report.read == 9 and report.created == 7
    researcher = Researcher.objects.get(orcid="0000-0003-4231-1897")
    names = {researcher.display_name, *researcher.name_variants}
    assert {n for n in names if n.startswith("Diomidis")} >= {
        "Diomidis Spinellis",
        "Diomidis Dionysios Spinellis",
    }
    assert run(archive).created == 0


def test_line_breaks_in_orcid_names_become_spaces(db, tmp_path):
    text = SPINELLIS.read_text()
    given = "<personal-details:given-names>Diomidis</personal-details:given-names>"
    assert given in text
    path = tmp_path / "0000-0003-4231-1897.xml"
    path.write_text(text.replace(given, given.replace("Diomidis", "Dio\n\tmidis&#133;")))

    report = run(path)

    assert report.ok, report.errors
    researcher = Researcher.objects.get(orcid="0000-0003-4231-1897")
    assert researcher.display_name == "Dio  midis Spinellis"


def _archive_of(path: Path, members: int) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for number in range(members):
            data = b"<x/>"
            info = tarfile.TarInfo(f"summaries/{number % 1000:03d}/{number}.xml")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_reading_a_data_file_archive_takes_the_same_memory_whatever_its_length(tmp_path):
    """The data file has millions of members; Python's TarFile would keep every one it read."""
    import tracemalloc

    from works.importers.orcid import iter_xml_documents

    peaks = []
    for members in (1_000, 12_000):
        archive = _archive_of(tmp_path / f"{members}.tar.gz", members)
        tracemalloc.start()
        assert sum(1 for _ in iter_xml_documents([archive])) == members
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()

    assert peaks[1] < peaks[0] * 1.3, peaks
