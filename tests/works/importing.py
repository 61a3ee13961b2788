"""Helpers for the import tests: write records where the importers read them, snapshot tables."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from profiles.models import Researcher
from tests.conftest import ROOT
from works.models import Authorship, Citation, Work, WorkTopic

DEMO = ROOT / "demo"


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    data = ("\n".join(lines) + "\n").encode()
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def openalex_work(number: int, **overrides: Any) -> dict[str, Any]:
    """A new-schema OpenAlex work, small but complete."""
    record: dict[str, Any] = {
        "id": f"https://openalex.org/W{number}",
        "doi": f"https://doi.org/10.9999/test.{number}",
        "title": f"Work number {number}",
        "publication_year": 2021,
        "publication_date": "2021-03-04",
        "type": "article",
        "language": "en",
        "cited_by_count": 3,
        "updated_date": "2025-01-01T00:00:00.000000",
        "primary_location": {
            "source": {"id": "https://openalex.org/S77", "display_name": "Journal of Tests"}
        },
        "locations": [],
        "authorships": [
            {
                "author_position": "first",
                "author": {
                    "id": f"https://openalex.org/A{number}1",
                    "display_name": f"Ada Tester{number}",
                    "orcid": None,
                },
                "institutions": [
                    {
                        "id": "https://openalex.org/I55",
                        "display_name": "Test University",
                        "ror": "https://ror.org/05testu01",
                        "country_code": "NL",
                        "type": "education",
                    }
                ],
                "raw_author_name": f"Ada Tester{number}",
                "is_corresponding": True,
            }
        ],
        "topics": [
            {
                "id": "https://openalex.org/T900",
                "display_name": "Testing",
                "score": 0.9,
                "subfield": {"display_name": "Software"},
                "field": {"display_name": "Computer Science"},
                "domain": {"display_name": "Physical Sciences"},
            }
        ],
        "abstract_inverted_index": {"Hello": [0], "world": [1]},
        "referenced_works": [],
    }
    record.update(overrides)
    return record


def snapshot() -> tuple[Any, ...]:
    return (
        list(Work.objects.order_by("pk").values_list()),
        list(Authorship.objects.order_by("pk").values_list()),
        list(Researcher.objects.order_by("pk").values_list()),
        list(Citation.objects.order_by("pk").values_list()),
        list(WorkTopic.objects.order_by("pk").values_list()),
    )
