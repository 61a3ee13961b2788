"""Import the seed profile (`demo/seed-profile.json`): one researcher and their works.

The seed is a rendered profile turned into JSON: it has no persistent identifiers, so works are
matched on (researcher, case-insensitive title, year) and the researcher on its slug. Running it
again changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from profiles.models import Researcher, TrustSnapshot
from profiles.services.refresh import (
    ChangeReason,
    researchers_changed,
    researchers_request_refresh,
)
from works.importers.fields import clean_record
from works.models import Authorship, Work


@dataclass(frozen=True)
class SeedImportResult:
    researcher: Researcher
    created_works: int
    existing_works: int


def seed_profile_import(*, path: Path) -> SeedImportResult:
    """Create or refresh the seed researcher and attach its works (idempotent)."""
    data = clean_record(json.loads(path.read_text(encoding="utf-8")))
    profile = data["profile"]
    with transaction.atomic():
        researcher, _ = Researcher.objects.select_for_update().get_or_create(
            slug=slugify(profile["display_name"]),
            defaults={"display_name": profile["display_name"]},
        )
        fields = {
            "display_name": profile["display_name"],
            "headline": profile.get("headline") or "",
            "open_to_collaborate": bool(profile.get("open_to_collaborate")),
        }
        changed = [name for name, value in fields.items() if getattr(researcher, name) != value]
        if changed:
            for name in changed:
                setattr(researcher, name, fields[name])
            researcher.save(update_fields=[*changed, "updated_at"])

        existing = {
            (title.lower(), year): pk
            for pk, title, year in Work.objects.filter(
                authorships__researcher=researcher
            ).values_list("pk", "title", "publication_year")
        }
        created = 0
        for item in data["works"]:
            key = (item["title"].lower(), item.get("year"))
            if key in existing:
                continue
            work = Work.objects.create(
                title=item["title"],
                abstract=item.get("abstract") or "",
                work_type=item.get("type") or "article",
                publication_year=item.get("year"),
                venue=item.get("venue") or "",
            )
            Authorship.objects.create(
                work=work,
                researcher=researcher,
                position=0,
                raw_author_name=researcher.display_name,
            )
            existing[key] = work.pk
            created += 1
        # Derived figures (topics, close collaborators, trust) come from the worker: ask for them
        # when the works changed or none was ever computed (a previous run's worker may not have).
        if created:
            researchers_changed(researcher_ids=[researcher.pk], reason=ChangeReason.SEED)
            researcher.refresh_from_db()
        elif not TrustSnapshot.objects.filter(researcher=researcher).exists():
            researchers_request_refresh(researcher_ids=[researcher.pk])
    return SeedImportResult(
        researcher=researcher, created_works=created, existing_works=len(data["works"]) - created
    )
