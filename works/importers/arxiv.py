"""Import arXiv bulk metadata (the JSON Lines snapshot: `id`, `authors_parsed`, `categories`…).

A record becomes a preprint with its arXiv id; its categories become topics (origin arXiv);
its authors, known only by name, go through the conservative rule of `works.importers.names`.

The same paper from OpenAlex and arXiv is one work. A record is matched to a stored work by its
arXiv id, then the arXiv DOI `10.48550/arXiv.<id>`, then its journal DOI. When the stored work
came from OpenAlex, OpenAlex stays authoritative for its content and author identities: the
arXiv record only adds its arXiv id and categories. An arXiv-only work is rewritten when the
record is newer (`update_date`); otherwise the record is skipped (a re-import is a no-op).

This module reads records and holds the record-by-record loader; the import itself
(`arxiv_import`, batches written set-based) is `works.importers.arxiv_load`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from django.db.models import Q

from works.importers.fields import (
    DroppedFields,
    RecordError,
    get_list,
    get_str,
    normalise_arxiv_id,
    normalise_doi,
    parse_date,
)
from works.importers.names import NameSlot, PaperAuthors, name_only_researchers
from works.importers.openalex_load import BatchResult, remove_orphan_name_records
from works.importers.openalex_records import UNTITLED
from works.models import Authorship, Topic, TopicOrigin, Work, WorkTopic

ARCHIVES = {
    "astro-ph": "Astrophysics",
    "cond-mat": "Condensed Matter",
    "cs": "Computer Science",
    "econ": "Economics",
    "eess": "Electrical Engineering and Systems Science",
    "gr-qc": "General Relativity and Quantum Cosmology",
    "hep-ex": "High Energy Physics - Experiment",
    "hep-lat": "High Energy Physics - Lattice",
    "hep-ph": "High Energy Physics - Phenomenology",
    "hep-th": "High Energy Physics - Theory",
    "math": "Mathematics",
    "math-ph": "Mathematical Physics",
    "nlin": "Nonlinear Sciences",
    "nucl-ex": "Nuclear Experiment",
    "nucl-th": "Nuclear Theory",
    "physics": "Physics",
    "q-bio": "Quantitative Biology",
    "q-fin": "Quantitative Finance",
    "quant-ph": "Quantum Physics",
    "stat": "Statistics",
}


@dataclass(slots=True)
class ArxivRecord:
    path: str
    line: int
    arxiv_id: str
    doi: str | None
    title: str
    abstract: str
    authors: list[tuple[str, str]]  # (display name "Given Family", match name "Family, Given")
    categories: list[str]
    venue: str
    publication_date: date | None
    updated_date: datetime | None
    dropped: list[str] = field(default_factory=list)


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def category_name(code: str) -> str:
    archive, _, subject = code.partition(".")
    name = ARCHIVES.get(archive, archive)
    return f"{name} ({subject})" if subject else name


# LaTeX accents in the `authors` string (`Bal\\'azs`): the letter stays, the accent goes; the name
# rule folds accents anyway, so `Balazs` and `Balázs` compare equal.
LATEX_ACCENT = re.compile(r"\\[`'^\"~=.uvHcdbtkr]\s*\{?([A-Za-z])\}?")
LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\s*")
AFFILIATION = re.compile(r"\([^()]*\)")
NAME_SEPARATORS = re.compile(r"\s*,?\s+and\s+|\s*[,;]\s*")


def _author_from_parts(family: str, given: str, suffix: str) -> tuple[str, str] | None:
    family, given, suffix = _collapse(family), _collapse(given), _collapse(suffix)
    if not family:
        return None
    display = " ".join(p for p in (given, family, suffix) if p)
    return display[:500], f"{family}, {given}" if given else family


def _authors_parsed(value: list[Any], dropped: DroppedFields) -> list[tuple[str, str]]:
    """Kaggle's `authors_parsed`: `[[family, given, suffix], …]`; a bad entry costs itself."""
    authors: list[tuple[str, str]] = []
    for index, entry in enumerate(value):
        if not isinstance(entry, list) or not all(isinstance(p, str) for p in entry):
            dropped.drop(f"authors_parsed[{index}]: expected a list of strings")
            continue
        parts = [*entry, "", "", ""]
        author = _author_from_parts(parts[0], parts[1], parts[2])
        if author:
            authors.append(author)
    return authors


def _oai_authors(value: Any, dropped: DroppedFields) -> list[tuple[str, str]]:
    """OAI-PMH `arXiv` format as JSON: `[{"keyname", "forenames", "suffix"}, …]`, or that list
    under `{"author": …}`, or a single such object (what XML-to-JSON converters write)."""
    if isinstance(value, dict):
        value = value.get("author", [value]) if "keyname" not in value else [value]
    if isinstance(value, dict):
        value = [value]
    authors: list[tuple[str, str]] = []
    for index, entry in enumerate(value if isinstance(value, list) else []):
        keyname = entry.get("keyname") if isinstance(entry, dict) else None
        if not isinstance(keyname, str):
            dropped.drop(f"authors[{index}]: expected an object with a keyname")
            continue
        forenames, suffix = entry.get("forenames"), entry.get("suffix")
        author = _author_from_parts(
            keyname,
            forenames if isinstance(forenames, str) else "",
            suffix if isinstance(suffix, str) else "",
        )
        if author:
            authors.append(author)
    return authors


def _authors_string(value: str) -> list[tuple[str, str]]:
    """The `authors` string as printed (`C. Bal\\'azs, E. L. Berger and C.-P. Yuan (MSU)`)."""
    text = LATEX_COMMAND.sub("", LATEX_ACCENT.sub(r"\1", value)).replace("{", "").replace("}", "")
    text = AFFILIATION.sub(" ", text)
    authors: list[tuple[str, str]] = []
    for name in NAME_SEPARATORS.split(text):
        name = _collapse(name)
        if name:
            authors.append((name[:500], name))
    return authors


def _record_authors(record: dict[str, Any], dropped: DroppedFields) -> list[tuple[str, str]]:
    """From `authors_parsed` (Kaggle), else `authors` as OAI objects or as the printed string."""
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list):
        return _authors_parsed(parsed, dropped)
    if parsed is not None:
        dropped.drop(f"authors_parsed: expected a list, got {type(parsed).__name__}")
    raw = record.get("authors")
    if isinstance(raw, str) and raw.strip():
        return _authors_string(raw)
    if isinstance(raw, list | dict):
        return _oai_authors(raw, dropped)
    if raw is not None:
        dropped.drop(f"authors: expected a string or a list, got {type(raw).__name__}")
    else:
        dropped.drop("authors: none given; the work lands without authors")
    return []


def _categories(record: dict[str, Any]) -> list[str]:
    value = record.get("categories")
    if value is None:
        return []
    if isinstance(value, str):
        return list(dict.fromkeys(value.split()))
    if isinstance(value, list) and all(isinstance(c, str) for c in value):
        return list(dict.fromkeys(c.strip() for c in value if c.strip()))
    raise RecordError(
        f"categories: expected a string or a list of strings, got {type(value).__name__}"
    )


def _published(record: dict[str, Any]) -> date | None:
    """The first version's date (Kaggle `versions[0].created`, RFC 2822), else OAI `created`."""
    versions = get_list(record, "versions")
    first = versions[0] if versions else None
    created = first.get("created") if isinstance(first, dict) else None
    if isinstance(created, str):
        try:
            return parsedate_to_datetime(created).date()
        except (TypeError, ValueError) as exc:
            raise RecordError(f"versions[0].created: not a date: {created[:40]!r}") from exc
    if first is not None:
        raise RecordError("versions[0]: expected an object with a created date")
    return parse_date(record.get("created"), key="created")


def _updated(record: dict[str, Any]) -> datetime | None:
    """Kaggle `update_date`, else OAI `updated`; a date, read as midnight UTC."""
    for key in ("update_date", "updated"):
        value = record.get(key)
        if value not in (None, ""):
            day = parse_date(value, key=key)
            return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
    return None


def parse_arxiv(path: str, line: int, record: dict[str, Any]) -> ArxivRecord:
    """A record of the Kaggle snapshot or of OAI-PMH as JSON. Only the id is required: any other
    field in an unexpected shape is dropped (noted in `dropped`) and the record still lands."""
    raw_id = get_str(record, "id", required=True)
    assert raw_id is not None
    arxiv_id = normalise_arxiv_id(raw_id.removeprefix("oai:arXiv.org:"))
    if arxiv_id is None:
        raise RecordError(f"id: not an arXiv id: {raw_id[:40]!r}")
    dropped = DroppedFields()
    keep = dropped.keep
    title = keep(lambda: get_str(record, "title"), None)
    if not title or not title.strip():
        if not dropped.reasons:
            dropped.drop(f"title: no usable title; stored as {UNTITLED!r}")
        title = UNTITLED
    doi_value = record.get("doi")
    doi = normalise_doi(doi_value)
    if doi is None and doi_value not in (None, ""):
        dropped.drop(f"doi: not a DOI: {str(doi_value)[:80]!r}")
    venue = keep(lambda: get_str(record, "journal-ref", max_length=500), None)
    return ArxivRecord(
        path=path,
        line=line,
        arxiv_id=arxiv_id,
        doi=doi,
        title=_collapse(title),
        abstract=_collapse(keep(lambda: get_str(record, "abstract"), None) or ""),
        authors=_record_authors(record, dropped),
        categories=keep(lambda: _categories(record), []),
        venue=_collapse(venue or "arXiv")[:500],
        publication_date=keep(lambda: _published(record), None),
        updated_date=keep(lambda: _updated(record), None),
        dropped=dropped.reasons,
    )


def _match(record: ArxivRecord) -> Work | None:
    arxiv_doi = f"10.48550/arxiv.{record.arxiv_id.lower()}"
    query = Q(arxiv_id=record.arxiv_id) | Q(doi=arxiv_doi)
    if record.doi:
        query |= Q(doi=record.doi)
    candidates = list(Work.objects.select_for_update().filter(query))
    tests: tuple[Callable[[Work], bool], ...] = (
        lambda w: w.arxiv_id == record.arxiv_id,
        lambda w: w.doi == arxiv_doi,
        lambda w: record.doi is not None and w.doi == record.doi,
    )
    for test in tests:
        for work in candidates:
            if test(work):
                return work
    return None


def work_arxiv_topics_set(work: Work, categories: list[str]) -> bool:
    wanted = []
    for code in categories:
        topic, _ = Topic.objects.get_or_create(
            origin=TopicOrigin.ARXIV,
            external_id=code[:100],
            defaults={
                "display_name": category_name(code)[:300],
                "field": ARCHIVES.get(code.partition(".")[0], ""),
            },
        )
        wanted.append(topic.pk)
    have = set(
        WorkTopic.objects.filter(work=work, topic__origin=TopicOrigin.ARXIV).values_list(
            "topic_id", flat=True
        )
    )
    if have == set(wanted):
        return False
    WorkTopic.objects.filter(work=work, topic__origin=TopicOrigin.ARXIV).exclude(
        topic_id__in=wanted
    ).delete()
    WorkTopic.objects.bulk_create(
        [WorkTopic(work=work, topic_id=t) for t in wanted if t not in have]
    )
    return True


def _write_authorships(work: Work, record: ArxivRecord, result: BatchResult) -> None:
    previous = set(Authorship.objects.filter(work=work).values_list("researcher_id", flat=True))
    Authorship.objects.filter(work=work).delete()
    slots = [
        NameSlot(
            key=(0, position),
            name=match_name,
            occurrence=f"arxiv-{record.arxiv_id}-{position}",
            display=display,
        )
        for position, (display, match_name) in enumerate(record.authors)
    ]
    resolved, _ = name_only_researchers([PaperAuthors(known_researcher_ids=[], slots=slots)])
    Authorship.objects.bulk_create(
        [
            Authorship(
                work=work,
                researcher_id=resolved[(0, position)],
                position=position,
                raw_author_name=display,
            )
            for position, (display, _match) in enumerate(record.authors)
        ]
    )
    now = set(resolved.values())
    result.touched |= previous | now
    from django.db import connection

    with connection.cursor() as cursor:
        result.removed |= remove_orphan_name_records(cursor, previous - now)
    result.touched -= result.removed


def load_arxiv_by_record(records: list[ArxivRecord]) -> BatchResult:
    """Record by record through the ORM: the reference the set-based loader
    (`works.importers.arxiv_load`) decides like, and its path for a record that rewrites a work."""
    result = BatchResult()
    for record in records:
        work = _match(record)
        if work is not None and work.openalex_id:
            changed = False
            if work.arxiv_id is None and not Work.objects.filter(arxiv_id=record.arxiv_id).exists():
                work.arxiv_id = record.arxiv_id
                work.save(update_fields=["arxiv_id", "updated_at"])
                changed = True
            changed = work_arxiv_topics_set(work, record.categories) or changed
            if changed:
                result.updated += 1
                result.touched |= set(work.authorships.values_list("researcher_id", flat=True))
            else:
                result.skipped += 1
            continue
        if work is not None and not (
            work.updated_date is None
            or (record.updated_date is not None and record.updated_date > work.updated_date)
        ):
            result.skipped += 1
            continue
        fields = {
            "arxiv_id": record.arxiv_id,
            "work_type": "preprint",
            "publication_year": record.publication_date.year if record.publication_date else None,
            "publication_date": record.publication_date,
            "title": record.title,
            "abstract": record.abstract,
            "venue": record.venue,
            "updated_date": record.updated_date,
        }
        if work is None:
            doi = (
                record.doi
                if record.doi and not Work.objects.filter(doi=record.doi).exists()
                else None
            )
            work = Work.objects.create(doi=doi, **fields)
            result.created += 1
        else:
            for name, value in fields.items():
                setattr(work, name, value)
            work.save()
            result.updated += 1
        work_arxiv_topics_set(work, record.categories)
        _write_authorships(work, record, result)
    return result
