"""Import ORCID public records (v3.0 record/summary XML): iD, names, employments.

Input: `.xml` files, directories of them, or the public data file's `.tar.gz` archives (read as
a stream). A record attaches to the researcher holding its ORCID iD (set by an OpenAlex import);
when nobody holds it, the record creates a researcher anchored on the iD (L1) — a later OpenAlex
author carrying the same iD then attaches to it instead of creating another.

What it writes: the public names (given + family, credit name, other names) joined to the
researcher's name variants; the employments (replacing the ones previously imported from
ORCID, keyed by put-code), each matched to an institution by ROR id when ORCID gives one, else
by an exact (case-insensitive) name when exactly one institution has it; and, for an unclaimed
researcher without an affiliation, the current (open-ended) employment's institution.
Nothing is written when nothing differs, so a re-import is a no-op.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any, TextIO, cast
from xml.etree import ElementTree as ET

from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from profiles.models import ClaimStatus, Institution, VerificationLevel
from works.importers.fields import (
    DroppedFields,
    RecordError,
    normalise_orcid,
    normalise_ror,
    one_line,
    researcher_slug,
)
from works.importers.openalex_load import IMPORT_LOCK, copy_rows
from works.importers.reading import expand_paths, read_ahead, total_size
from works.importers.refresh import RefreshQueue
from works.importers.report import ImportReport, Progress

BATCH = 1000  # records per transaction
EMPLOYMENT_COLUMNS = [
    "organization_name",
    "institution_id",
    "department",
    "role_title",
    "start_year",
    "end_year",
]

NS = {
    "common": "http://www.orcid.org/ns/common",
    "person": "http://www.orcid.org/ns/person",
    "personal-details": "http://www.orcid.org/ns/personal-details",
    "other-name": "http://www.orcid.org/ns/other-name",
    "employment": "http://www.orcid.org/ns/employment",
    "history": "http://www.orcid.org/ns/history",
    "error": "http://www.orcid.org/ns/error",
}


@dataclass(frozen=True)
class OrcidEmployment:
    put_code: str
    organization: str
    ror_id: str | None
    department: str
    role_title: str
    start_year: int | None
    end_year: int | None


@dataclass
class OrcidRecord:
    orcid: str
    given: str
    family: str
    credit_name: str
    other_names: list[str]
    employments: list[OrcidEmployment] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # "field: reason"; the record still lands

    @property
    def display_name(self) -> str:
        return self.credit_name or " ".join(p for p in (self.given, self.family) if p)

    @property
    def names(self) -> list[str]:
        full = " ".join(p for p in (self.given, self.family) if p)
        return [n for n in dict.fromkeys([full, self.credit_name, *self.other_names]) if n]


def _text(element: ET.Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path, NS)
    return one_line(found.text, 500) if found is not None else ""


def _year(element: ET.Element, path: str, *, label: str) -> int | None:
    value = _text(element, path)
    if not value:
        return None
    if not value.isdigit() or len(value) > 4:
        raise RecordError(f"{label}: expected a year, got {value[:20]!r}")
    return int(value)


def parse_orcid(root: ET.Element) -> OrcidRecord:
    orcid = normalise_orcid(_text(root, "common:orcid-identifier/common:path")) or normalise_orcid(
        root.get("path", "")
    )
    if orcid is None:
        raise RecordError("orcid-identifier: required field missing")
    name = root.find("person:person/person:name", NS)
    record = OrcidRecord(
        orcid=orcid,
        given=_text(name, "personal-details:given-names"),
        family=_text(name, "personal-details:family-name"),
        credit_name=_text(name, "personal-details:credit-name"),
        other_names=[
            one_line(e.text, 500)
            for e in root.iterfind(
                "person:person/other-name:other-names/other-name:other-name/other-name:content", NS
            )
            if one_line(e.text, 500)
        ],
    )
    dropped = DroppedFields()
    record.dropped = dropped.reasons
    for summary in root.iter(f"{{{NS['employment']}}}employment-summary"):
        organization = summary.find("common:organization", NS)
        org_name = _text(organization, "common:name")
        if not org_name:
            continue
        source = _text(
            organization, "common:disambiguated-organization/common:disambiguation-source"
        )
        identifier = _text(
            organization,
            "common:disambiguated-organization/common:disambiguated-organization-identifier",
        )
        put_code = summary.get("put-code") or f"{org_name}|{_text(summary, 'common:role-title')}"
        here = f"employment[{put_code}]"
        record.employments.append(
            OrcidEmployment(
                put_code=put_code,
                organization=org_name[:500],
                ror_id=normalise_ror(identifier) if source == "ROR" else None,
                department=_text(summary, "common:department-name")[:500],
                role_title=_text(summary, "common:role-title")[:500],
                start_year=dropped.keep(
                    partial(_year, summary, "common:start-date/common:year", label=f"{here}.start"),
                    None,
                ),
                end_year=dropped.keep(
                    partial(_year, summary, "common:end-date/common:year", label=f"{here}.end"),
                    None,
                ),
            )
        )
    return record


def iter_xml_documents(paths: Iterable[Path]) -> Iterator[tuple[str, IO[bytes] | Exception]]:
    """(name, stream) for every XML record in the files and `.tar.gz` archives."""
    for path in paths:
        if path.name.endswith((".tar.gz", ".tgz", ".tar")):
            try:
                with tarfile.open(path, mode="r|*") as archive:
                    while (member := archive.next()) is not None:
                        # TarFile keeps every member it has read (millions in the data file)
                        # in `members`, a list typeshed leaves out: forget them, so memory
                        # stays flat.
                        archive.members.clear()  # type: ignore[attr-defined]
                        if member.isfile() and member.name.endswith(".xml"):
                            stream = archive.extractfile(member)
                            if stream is not None:
                                yield f"{path}!{member.name}", stream
            except (OSError, tarfile.TarError) as exc:
                yield str(path), exc
        else:
            try:
                with path.open("rb") as stream:
                    yield str(path), stream
            except OSError as exc:
                yield str(path), exc


@dataclass(frozen=True)
class BadDocument:
    line: int
    reason: str


def read_orcid_records(
    paths: Iterable[Path],
) -> Iterator[tuple[str, OrcidRecord | BadDocument | None]]:
    """(name, record) per XML document; a document that cannot be read or has no usable iD
    gives a `BadDocument`, ORCID's stand-in for a locked or deactivated record gives None."""
    for name, stream in iter_xml_documents(paths):
        if isinstance(stream, Exception):
            yield name, BadDocument(0, f"cannot read: {stream}")
            continue
        try:
            root = ET.parse(stream).getroot()  # noqa: S314 - expat ≥2.4 limits entity expansion
            if root.tag == f"{{{NS['error']}}}error":
                yield name, None
                continue
            yield name, parse_orcid(root)
        except ET.ParseError as exc:
            yield name, BadDocument(exc.position[0], f"malformed XML: {exc}")
        except RecordError as exc:
            yield name, BadDocument(1, str(exc))


def _institution_ids(records: list[OrcidRecord]) -> dict[tuple[str | None, str], int | None]:
    """(ROR id, organisation) → institution: by ROR id when ORCID gives a known one, else the one
    institution whose name equals the organisation's (case-insensitive); two queries in all."""
    jobs = [job for record in records for job in record.employments]
    if not jobs:
        return {}
    rors = sorted({job.ror_id for job in jobs if job.ror_id})
    by_ror: dict[str, int] = {}
    for ror_id, pk in (
        Institution.objects.filter(ror_id__in=rors).order_by("pk").values_list("ror_id", "pk")
    ):
        if ror_id:
            by_ror.setdefault(ror_id, pk)
    names = sorted({job.organization.lower() for job in jobs})
    by_name: dict[str, list[int]] = {}
    for lower, pk in (
        Institution.objects.annotate(lower=Lower("display_name"))
        .filter(lower__in=names)
        .values_list("lower", "pk")
    ):
        by_name.setdefault(lower, []).append(pk)
    found: dict[tuple[str | None, str], int | None] = {}
    for job in jobs:
        if job.ror_id and job.ror_id in by_ror:
            found[(job.ror_id, job.organization)] = by_ror[job.ror_id]
        else:
            matches = by_name.get(job.organization.lower(), [])
            found[(job.ror_id, job.organization)] = matches[0] if len(matches) == 1 else None
    return found


@dataclass
class _Held:
    """A researcher as the batch found it (or as it will be created), and what changes."""

    pk: int
    display_name: str
    name_variants: list[str]
    affiliation_id: int | None
    claimed: bool
    new: bool = False
    changed: bool = False  # its name variants or affiliation to be written


@dataclass
class _StoredJob:
    pk: int
    values: dict[str, object]


def _held_researchers(cursor: Any, records: list[OrcidRecord]) -> dict[str, _Held]:
    """The batch's researchers by iD, locked; the missing ones get ids drawn for them."""
    cursor.execute(
        """
        SELECT orcid, id, display_name, name_variants, affiliation_id, claim_status
        FROM profiles_researcher WHERE orcid = ANY(%s) FOR UPDATE
        """,
        [[record.orcid for record in records]],
    )
    held = {
        orcid: _Held(pk, name, list(variants or []), affiliation, status == ClaimStatus.CLAIMED)
        for orcid, pk, name, variants, affiliation, status in cursor.fetchall()
    }
    missing = [record for record in records if record.orcid not in held]
    if missing:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('profiles_researcher', 'id')) "
            "FROM generate_series(1, %s)",
            [len(missing)],
        )
        for record, (pk,) in zip(missing, cursor.fetchall(), strict=True):
            name = (record.display_name or record.orcid)[:500]
            held[record.orcid] = _Held(pk, name, [], None, claimed=False, new=True)
    return held


def _stored_jobs(cursor: Any, researcher_ids: list[int]) -> dict[int, dict[str, _StoredJob]]:
    cursor.execute(
        f"""
        SELECT researcher_id, source_key, id, {", ".join(EMPLOYMENT_COLUMNS)}
        FROM profiles_employment WHERE source = 'orcid' AND researcher_id = ANY(%s)
        """,  # noqa: S608 - column names are literals of this module
        [researcher_ids],
    )
    stored: dict[int, dict[str, _StoredJob]] = {}
    for researcher_id, key, pk, *values in cursor.fetchall():
        stored.setdefault(researcher_id, {})[key] = _StoredJob(
            pk, dict(zip(EMPLOYMENT_COLUMNS, values, strict=True))
        )
    return stored


def load_orcid_batch(records: list[OrcidRecord]) -> list[tuple[str, int]]:
    """('created' | 'updated' | 'skipped', researcher id) per record (distinct iDs), inside the
    caller's transaction: a few set-based statements for the whole batch, new rows by COPY."""
    outcome = {record.orcid: "skipped" for record in records}

    def changed(orcid: str) -> None:
        if outcome[orcid] == "skipped":
            outcome[orcid] = "updated"

    with connection.cursor() as cursor:
        # The OpenAlex loader takes the same lock: an author it creates with this iD cannot
        # appear between the lookup and the insert.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        held = _held_researchers(cursor, records)
        institutions = _institution_ids(records)
        stored = _stored_jobs(cursor, [h.pk for h in held.values() if not h.new])
        stale: list[int] = []
        new_jobs: list[tuple[Any, ...]] = []
        rewritten: list[tuple[Any, ...]] = []
        for record in records:
            researcher = held[record.orcid]
            if researcher.new:
                outcome[record.orcid] = "created"
            variants = sorted(
                set(researcher.name_variants)
                | {n[:500] for n in record.names if n != researcher.display_name}
            )
            if variants != sorted(researcher.name_variants):
                researcher.name_variants = variants
                researcher.changed = True
                changed(record.orcid)
            wanted = {
                item.put_code[:64]: {
                    "organization_name": item.organization,
                    "institution_id": institutions[(item.ror_id, item.organization)],
                    "department": item.department,
                    "role_title": item.role_title,
                    "start_year": item.start_year,
                    "end_year": item.end_year,
                }
                for item in record.employments
            }
            mine = stored.get(researcher.pk, {})
            gone = [job.pk for key, job in mine.items() if key not in wanted]
            if gone:
                stale.extend(gone)
                changed(record.orcid)
            for key, values in wanted.items():
                current = mine.get(key)
                if current is None:
                    new_jobs.append(
                        (researcher.pk, "orcid", key, *(values[c] for c in EMPLOYMENT_COLUMNS))
                    )
                    changed(record.orcid)
                elif current.values != values:
                    rewritten.append((*(values[c] for c in EMPLOYMENT_COLUMNS), current.pk))
                    changed(record.orcid)
            if researcher.affiliation_id is None and not researcher.claimed:
                current_jobs = [
                    v["institution_id"]
                    for v in wanted.values()
                    if v["institution_id"] and v["end_year"] is None
                ]
                if current_jobs:
                    researcher.affiliation_id = cast(int, current_jobs[0])
                    researcher.changed = True
                    changed(record.orcid)
        _write_researchers(cursor, held)
        if stale:
            cursor.execute("DELETE FROM profiles_employment WHERE id = ANY(%s)", [stale])
        copy_rows(
            cursor,
            "profiles_employment",
            f"researcher_id, source, source_key, {', '.join(EMPLOYMENT_COLUMNS)}",
            new_jobs,
        )
        if rewritten:
            assignments = ", ".join(f"{column} = %s" for column in EMPLOYMENT_COLUMNS)
            cursor.executemany(
                f"UPDATE profiles_employment SET {assignments} WHERE id = %s",  # noqa: S608
                rewritten,
            )
    return [(outcome[record.orcid], held[record.orcid].pk) for record in records]


def _write_researchers(cursor: Any, held: dict[str, _Held]) -> None:
    """New researchers by COPY (ids drawn already, level 1: anchored on the iD); changed ones'
    name variants and affiliation updated in one round trip."""
    now = timezone.now()
    copy_rows(
        cursor,
        "profiles_researcher",
        """id, slug, display_name, name_variants, headline, open_to_collaborate, orcid,
           verification_level, claim_status, data_version, created_at, updated_at,
           affiliation_id""",
        (
            (
                h.pk,
                researcher_slug(h.display_name, orcid),
                h.display_name,
                h.name_variants,
                "",
                False,
                orcid,
                VerificationLevel.L1.value,
                ClaimStatus.UNCLAIMED.value,
                1,
                now,
                now,
                h.affiliation_id,
            )
            for orcid, h in held.items()
            if h.new
        ),
    )
    updates = [
        (h.name_variants, h.affiliation_id, now, h.pk)
        for h in held.values()
        if h.changed and not h.new
    ]
    if updates:
        cursor.executemany(
            "UPDATE profiles_researcher SET name_variants = %s, affiliation_id = %s, "
            "updated_at = %s WHERE id = %s",
            updates,
        )


def orcid_import(
    *,
    paths: Iterable[str | Path],
    progress: bool = True,
    enqueue_refresh: bool = True,
    error_stream: TextIO | None = None,
) -> ImportReport:
    """Attach ORCID public records (iD, names, employments) to researchers; see module doc."""
    report = ImportReport(source="orcid", error_stream=error_stream)
    refresh = RefreshQueue(report=report, enqueue=enqueue_refresh)
    files = expand_paths(paths, suffixes=(".xml", ".tar.gz", ".tgz"))
    bar = Progress(total_bytes=total_size(files), label="orcid", enabled=progress)
    done = 0
    pending: dict[str, OrcidRecord] = {}

    def flush() -> None:
        if not pending:
            return
        with transaction.atomic():
            outcomes = load_orcid_batch(list(pending.values()))
        for outcome, researcher_id in outcomes:
            if outcome == "created":
                report.created += 1
            elif outcome == "updated":
                report.updated += 1
            else:
                report.skipped += 1
            if outcome != "skipped":
                refresh.add([researcher_id])
        pending.clear()

    try:
        # Reading and parsing (Python) run a thousand records ahead of the writes (PostgreSQL).
        for name, item in read_ahead(read_orcid_records(files)):
            report.read += 1
            if isinstance(item, BadDocument):
                report.bad(path=name, line=item.line, reason=item.reason)
                continue
            if item is None:
                # The data file's stand-in for a locked or deactivated record: nothing to do.
                report.skipped += 1
                continue
            for reason in item.dropped:
                report.field_dropped(path=name, line=1, reason=reason)
            if item.orcid in pending:
                flush()  # the same iD again: its first copy lands first, as record by record
            pending[item.orcid] = item
            if len(pending) >= BATCH:
                flush()
            if not name.count("!"):
                done += Path(name).stat().st_size
            bar.update(done_bytes=done, records=report.read)
        flush()
    finally:
        bar.close()
        refresh.flush()
    return report
