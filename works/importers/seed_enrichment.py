"""Public facts about the seed's works (`demo/seed-works-authors.json`) joined to the seed.

The seed profile (`seed-profile.json`) lists 47 works by title, year, venue and abstract only.
This file adds, per work, what public pages show: its arXiv id, its DOI where known, its ordered
author list (44 of 47) and its arXiv categories (28 of 47); a missing value is null.

- A work is found among the seed researcher's works by (case-insensitive title, year), as the
  seed import does; an entry matching none is reported and left out.
- The arXiv id and DOI are set when the work has none and no other work holds them (both are
  unique): one paper stays one work.
- The categories become the work's arXiv topics (`work_arxiv_topics_set`, as the arXiv
  importer does); works without them keep their derived topics.
- The author list replaces the work's authorships, in order. The seed researcher takes the one
  position whose name is compatible with its name (`profiles.identity.names_compatible`); if
  no position or several are, the work's authorships are left as they are and reported. Every
  other author goes through the importers' conservative name rule
  (`works.importers.names.name_only_researchers`) with the seed as the paper's known author, one
  paper after another, so a co-author on several papers is recognised by that rule (a
  compatible name *and* a shared work with another author of the paper) and nothing else.
  New records are name-only (L0), with the arXiv importer's stable slug (paper + position).

Idempotent: a work whose identifiers, topics and authorships already match changes nothing.
The researchers whose works changed are reported through `researchers_changed` (reason `seed`),
so topics, close collaborators, trust and the graph slice are computed like any record's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from profiles.identity import names_compatible
from profiles.models import Researcher
from profiles.services.refresh import ChangeReason, researchers_changed
from works.importers.arxiv import work_arxiv_topics_set
from works.importers.fields import clean_record, normalise_arxiv_id, normalise_doi
from works.importers.names import NameSlot, PaperAuthors, name_only_researchers
from works.importers.openalex_load import remove_orphan_name_records
from works.models import Authorship, Work


@dataclass
class SeedEnrichmentResult:
    works_matched: int = 0
    identifiers_added: int = 0
    works_with_categories: int = 0
    works_with_authors: int = 0
    new_records: int = 0
    problems: list[str] = field(default_factory=list)
    changed_works: set[int] = field(default_factory=set)
    touched: set[int] = field(default_factory=set)  # researchers whose authorships changed


def _seed_positions(researcher: Researcher, authors: list[str]) -> list[int]:
    names = [researcher.display_name, *(researcher.name_variants or [])]
    return [i for i, a in enumerate(authors) if any(names_compatible(a, n) for n in names)]


def _set_identifiers(work: Work, entry: dict[str, Any], result: SeedEnrichmentResult) -> None:
    changed: list[str] = []
    raw_arxiv = entry.get("arxiv_id")
    arxiv_id = normalise_arxiv_id(raw_arxiv) if isinstance(raw_arxiv, str) else None
    if arxiv_id and work.arxiv_id is None:
        if Work.objects.filter(arxiv_id=arxiv_id).exists():
            result.problems.append(f"{work.title}: arXiv id {arxiv_id} is held by another work")
        else:
            work.arxiv_id = arxiv_id
            changed.append("arxiv_id")
    doi = normalise_doi(entry.get("doi"))
    if doi and work.doi is None:
        if Work.objects.filter(doi=doi).exists():
            result.problems.append(f"{work.title}: DOI {doi} is held by another work")
        else:
            work.doi = doi
            changed.append("doi")
    if changed:
        work.save(update_fields=[*changed, "updated_at"])
        result.identifiers_added += len(changed)
        result.changed_works.add(work.pk)


def _set_authors(
    work: Work, researcher: Researcher, authors: list[str], result: SeedEnrichmentResult
) -> None:
    current = list(
        Authorship.objects.filter(work=work)
        .order_by("position")
        .values_list("researcher_id", "raw_author_name")
    )
    if [name for _, name in current] == authors:
        return
    positions = _seed_positions(researcher, authors)
    if len(positions) != 1:
        result.problems.append(
            f"{work.title}: {len(positions)} authors named like {researcher.display_name}; "
            "authorships left as they were"
        )
        return
    occurrence = f"arxiv-{work.arxiv_id}" if work.arxiv_id else f"work-{work.pk}"
    slots = [
        NameSlot(key=(0, i), name=name, occurrence=f"{occurrence}-{i}", display=name)
        for i, name in enumerate(authors)
        if i != positions[0]
    ]
    resolved, new = name_only_researchers(
        [PaperAuthors(known_researcher_ids=[researcher.pk], slots=slots)]
    )
    resolved[(0, positions[0])] = researcher.pk
    previous = {researcher_id for researcher_id, _ in current}
    Authorship.objects.filter(work=work).delete()
    Authorship.objects.bulk_create(
        [
            Authorship(
                work=work,
                researcher_id=resolved[(0, i)],
                position=i,
                raw_author_name=name[:500],
            )
            for i, name in enumerate(authors)
        ]
    )
    now = set(resolved.values())
    with connection.cursor() as cursor:
        removed = remove_orphan_name_records(cursor, previous - now)
    result.new_records += new
    result.touched |= (previous | now) - removed


def seed_enrichment_import(*, researcher: Researcher, path: Path) -> SeedEnrichmentResult:
    """Join the public facts in `path` to the seed researcher's works (idempotent)."""
    entries = clean_record(json.loads(path.read_text(encoding="utf-8")))
    result = SeedEnrichmentResult()
    with transaction.atomic():
        works = {
            (work.title.lower(), work.publication_year): work
            for work in Work.objects.filter(authorships__researcher=researcher)
        }
        for entry in entries:
            work = works.get((str(entry.get("title", "")).lower(), entry.get("year")))
            if work is None:
                result.problems.append(f"{entry.get('title')!r}: no such work of the seed")
                continue
            result.works_matched += 1
            _set_identifiers(work, entry, result)
            categories = entry.get("categories")
            if isinstance(categories, list) and categories:
                result.works_with_categories += 1
                codes = [c for c in categories if isinstance(c, str) and c]
                if work_arxiv_topics_set(work, codes):
                    result.changed_works.add(work.pk)
            authors = entry.get("authors")
            if isinstance(authors, list) and authors:
                result.works_with_authors += 1
                _set_authors(work, researcher, [str(a) for a in authors], result)
        if result.touched or result.changed_works:
            result.touched |= set(
                Authorship.objects.filter(work_id__in=result.changed_works).values_list(
                    "researcher_id", flat=True
                )
            )
            result.touched.add(researcher.pk)
            researchers_changed(researcher_ids=sorted(result.touched), reason=ChangeReason.SEED)
    return result
