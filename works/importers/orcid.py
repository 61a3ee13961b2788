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
from typing import IO, TextIO
from xml.etree import ElementTree as ET

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from profiles.models import ClaimStatus, Employment, Institution, Researcher, VerificationLevel
from works.importers.fields import (
    DroppedFields,
    RecordError,
    normalise_orcid,
    normalise_ror,
    one_line,
    researcher_slug,
)
from works.importers.reading import expand_paths, total_size
from works.importers.refresh import RefreshQueue
from works.importers.report import ImportReport, Progress

BATCH = 500  # records per transaction
EMPLOYMENT_FIELDS = [
    "organization_name",
    "institution",
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
                    for member in archive:
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


def _institution_ids(records: list[OrcidRecord]) -> dict[tuple[str | None, str], int | None]:
    """(ROR id, organisation) → institution: by ROR id when ORCID gives a known one, else the one
    institution whose name equals the organisation's (case-insensitive); two queries in all."""
    jobs = [job for record in records for job in record.employments]
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


def load_orcid_batch(records: list[OrcidRecord]) -> list[tuple[str, int]]:
    """('created' | 'updated' | 'skipped', researcher id) per record, in a handful of queries
    for the whole batch (distinct iDs), inside the caller's transaction."""
    now = timezone.now()
    held = {
        r.orcid: r
        for r in Researcher.objects.select_for_update().filter(
            orcid__in=[record.orcid for record in records]
        )
    }
    outcome = {record.orcid: "skipped" for record in records}
    new = []
    for record in records:
        if record.orcid not in held:
            name = record.display_name or record.orcid
            new.append(
                Researcher(
                    slug=researcher_slug(name, record.orcid),
                    display_name=name[:500],
                    orcid=record.orcid,
                    verification_level=VerificationLevel.L1,
                )
            )
            outcome[record.orcid] = "created"
    for researcher in Researcher.objects.bulk_create(new):
        held[researcher.orcid or ""] = researcher

    def changed(orcid: str) -> None:
        if outcome[orcid] == "skipped":
            outcome[orcid] = "updated"

    renamed = []
    for record in records:
        researcher = held[record.orcid]
        variants = sorted(
            set(researcher.name_variants)
            | {n[:500] for n in record.names if n != researcher.display_name}
        )
        if variants != sorted(researcher.name_variants):
            researcher.name_variants = variants
            researcher.updated_at = now
            renamed.append(researcher)
            changed(record.orcid)
    Researcher.objects.bulk_update(renamed, ["name_variants", "updated_at"])

    institutions = _institution_ids(records)
    stored: dict[int, dict[str, Employment]] = {}
    for job in Employment.objects.filter(
        researcher_id__in=[held[r.orcid].pk for r in records], source="orcid"
    ):
        stored.setdefault(job.researcher_id, {})[job.source_key] = job
    stale: list[int] = []
    created: list[Employment] = []
    rewritten: list[Employment] = []
    placed = []
    for record in records:
        researcher = held[record.orcid]
        wanted = {}
        for item in record.employments:
            wanted[item.put_code[:64]] = {
                "organization_name": item.organization,
                "institution_id": institutions[(item.ror_id, item.organization)],
                "department": item.department,
                "role_title": item.role_title,
                "start_year": item.start_year,
                "end_year": item.end_year,
            }
        mine = stored.get(researcher.pk, {})
        gone = [job.pk for key, job in mine.items() if key not in wanted]
        if gone:
            stale.extend(gone)
            changed(record.orcid)
        for key, values in wanted.items():
            current = mine.get(key)
            if current is None:
                created.append(
                    Employment(researcher=researcher, source="orcid", source_key=key, **values)
                )
                changed(record.orcid)
            elif any(getattr(current, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(current, f, v)
                rewritten.append(current)
                changed(record.orcid)
        if researcher.affiliation_id is None and researcher.claim_status != ClaimStatus.CLAIMED:
            current_jobs = [
                v["institution_id"]
                for v in wanted.values()
                if v["institution_id"] and v["end_year"] is None
            ]
            if current_jobs:
                researcher.affiliation_id = current_jobs[0]
                researcher.updated_at = now
                placed.append(researcher)
                changed(record.orcid)
    Employment.objects.filter(pk__in=stale).delete()
    Employment.objects.bulk_create(created)
    Employment.objects.bulk_update(rewritten, EMPLOYMENT_FIELDS)
    Researcher.objects.bulk_update(placed, ["affiliation", "updated_at"])
    return [(outcome[record.orcid], held[record.orcid].pk) for record in records]


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
        for name, stream in iter_xml_documents(files):
            report.read += 1
            if isinstance(stream, Exception):
                report.bad(path=name, line=0, reason=f"cannot read: {stream}")
                continue
            try:
                root = ET.parse(stream).getroot()  # noqa: S314 - expat ≥2.4 limits entity expansion
                if root.tag == f"{{{NS['error']}}}error":
                    # The data file's stand-in for a locked or deactivated record: nothing to do.
                    report.skipped += 1
                    continue
                record = parse_orcid(root)
            except ET.ParseError as exc:
                report.bad(path=name, line=exc.position[0], reason=f"malformed XML: {exc}")
                continue
            except RecordError as exc:
                report.bad(path=name, line=1, reason=str(exc))
                continue
            for reason in record.dropped:
                report.field_dropped(path=name, line=1, reason=reason)
            if record.orcid in pending:
                flush()  # the same iD again: its first copy lands first, as record by record
            pending[record.orcid] = record
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
