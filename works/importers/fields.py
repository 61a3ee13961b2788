"""Checked access to the fields of a decoded JSON record, and normalised identifiers.

Every reader raises `RecordError` with a reason a user can act on ("publication_year: expected
an integer, got str"). Where it is raised decides what is lost: on a record's identity (its id)
the importers report it with the file and line and skip the record; on any other field the
parser catches it in the record's `DroppedFields`, the record lands without that field, and the
importer reports `file:line: field: reason` and counts it ("fields dropped: N").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from django.utils.text import slugify

from profiles.identity import clean_text, orcid_parse


class RecordError(ValueError):
    """This record is bad input: left out, reported with its reason."""


T = TypeVar("T")


class DroppedFields:
    """The fields of one record left out for their shape; the rest of the record still lands."""

    __slots__ = ("reasons",)

    def __init__(self) -> None:
        self.reasons: list[str] = []

    def keep(self, read: Callable[[], T], default: T) -> T:
        """`read()`, or `default` with the reason noted when the field has an unusable shape."""
        try:
            return read()
        except RecordError as exc:
            self.reasons.append(str(exc))
            return default

    def drop(self, reason: str) -> None:
        self.reasons.append(reason)


_MISSING = object()
OPENALEX_ID = re.compile(r"^(?:https?://(?:api\.)?openalex\.org/)?(?:[a-z]+/)?([A-Za-z]\d+)$")
ARXIV_URL = re.compile(
    r"arxiv\.org/(?:abs|pdf)/((?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7})|(?:\d{4}\.\d{4,5}))(?:v\d+)?",
    re.IGNORECASE,
)
ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
ARXIV_ID = re.compile(r"^(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})$", re.IGNORECASE)
ROR = re.compile(r"(?:https?://ror\.org/)?([0-9a-z]{9})$")


def get_str(
    record: dict[str, Any],
    key: str,
    *,
    required: bool = False,
    max_length: int | None = None,
    multiline: bool = False,
) -> str | None:
    """`record[key]` as clean text (`profiles.identity.clean_text`): one line unless
    `multiline`; missing or empty is None (or, if `required`, bad input)."""
    value = record.get(key, _MISSING)
    if value is _MISSING or value is None or value == "":
        if required:
            raise RecordError(f"{key}: required field missing")
        return None
    if not isinstance(value, str):
        raise RecordError(f"{key}: expected a string, got {type(value).__name__}")
    value = clean_text(value, multiline=multiline)
    return value[:max_length] if max_length else value


def one_line(value: Any, max_length: int) -> str:
    """A name read straight from a nested object: clean, one line, cut to its column; "" if
    it is not a string."""
    return clean_text(value, multiline=False).strip()[:max_length] if isinstance(value, str) else ""


def clean_record(value: Any) -> Any:
    """A decoded record with every string (keys too) passed through `clean_text` keeping
    line breaks; one-line fields are made one line where they are read (`get_str`)."""
    if isinstance(value, str):
        return clean_text(value, multiline=True)
    if isinstance(value, dict):
        return {clean_record(k): clean_record(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_record(v) for v in value]
    return value


def get_int(record: dict[str, Any], key: str, *, minimum: int | None = None) -> int | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"{key}: expected an integer, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise RecordError(f"{key}: expected at least {minimum}, got {value}")
    return value


def get_list(record: dict[str, Any], key: str) -> list[Any]:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"{key}: expected a list, got {type(value).__name__}")
    return value


def get_dict(record: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RecordError(f"{key}: expected an object, got {type(value).__name__}")
    return value


def openalex_short_id(value: Any, *, key: str, prefix: str) -> str:
    """`https://openalex.org/W123` → `W123`; anything else is bad input."""
    if not isinstance(value, str):
        raise RecordError(f"{key}: expected an OpenAlex id, got {type(value).__name__}")
    match = OPENALEX_ID.match(value)
    if not match or match.group(1)[0].upper() != prefix:
        raise RecordError(f"{key}: not an OpenAlex {prefix} id: {value[:80]!r}")
    short = match.group(1)
    return short[0].upper() + short[1:]


def openalex_optional_id(value: Any, *, prefix: str) -> str | None:
    """Lenient: for embedded references, an unusable id is treated as absent."""
    if not isinstance(value, str):
        return None
    match = OPENALEX_ID.match(value)
    if not match or match.group(1)[0].upper() != prefix:
        return None
    short = match.group(1)
    return short[0].upper() + short[1:]


def normalise_doi(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    doi = value.strip().lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if doi.startswith(prefix):
            doi = doi[len(prefix) :]
    return doi[:300] if doi.startswith("10.") else None


def normalise_orcid(value: Any) -> str | None:
    """An ORCID iD in its canonical form; a value with a wrong check character counts as none."""
    return orcid_parse(value)


def normalise_ror(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    match = ROR.search(value.strip())
    return match.group(1) if match else None


def arxiv_id_from_doi(doi: str | None) -> str | None:
    if not doi:
        return None
    match = ARXIV_DOI.match(doi)
    return normalise_arxiv_id(match.group(1)) if match else None


def arxiv_id_from_url(url: Any) -> str | None:
    if not isinstance(url, str) or "arxiv" not in url.lower():
        return None
    match = ARXIV_URL.search(url)
    return normalise_arxiv_id(match.group(1)) if match else None


def normalise_arxiv_id(value: str) -> str | None:
    value = value.strip()
    value = re.sub(r"v\d+$", "", value)
    if not ARXIV_ID.match(value):
        return None
    return value.lower() if "/" in value else value


def parse_timestamp(value: Any, *, key: str) -> datetime | None:
    """OpenAlex dates are naive UTC (`2025-09-23T20:52:13.491979`) or plain dates."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"{key}: expected a date string, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise RecordError(f"{key}: not a date: {value[:40]!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: Any, *, key: str) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"{key}: expected a date string, got {type(value).__name__}")
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise RecordError(f"{key}: not a date: {value[:40]!r}") from exc


def researcher_slug(display_name: str, suffix: str) -> str:
    """Stable and unique: the name for people, the persistent id (or occurrence) for uniqueness."""
    base = slugify(display_name)[:150].strip("-") or "researcher"
    return f"{base}-{slugify(suffix)}"[:200]
