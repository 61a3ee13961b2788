"""Load the demo data idempotently: `make run` calls this on every start.

The seed profile with the public facts about its works (arXiv ids, DOIs, co-authors, arXiv
categories: `demo/seed-works-authors.json`), then the real samples under `demo/`: OpenAlex works
pages, author and institution records, the head of arXiv's bulk metadata and ORCID public
records. Every importer is an upsert keyed on source ids, so a second run changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from works.importers.seed import seed_profile_import
from works.importers.seed_enrichment import seed_enrichment_import
from works.services import corpus_figures_refresh, records_import

DEMO_DIR = Path(settings.BASE_DIR) / "demo"
SAMPLES = [
    ("openalex", DEMO_DIR / "openalex"),
    ("arxiv", DEMO_DIR / "arxiv"),
    ("orcid", DEMO_DIR / "orcid"),
]


class Command(BaseCommand):
    help = "Load the demo data (the seed profile and the real samples); safe to run again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--seed-only", action="store_true", help="only the seed profile, not the samples"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_profile_import(path=DEMO_DIR / "seed-profile.json")
        self.stdout.write(
            f"seed profile {result.researcher.slug}: {result.created_works} works created, "
            f"{result.existing_works} already present"
        )
        enrichment = seed_enrichment_import(
            researcher=result.researcher, path=DEMO_DIR / "seed-works-authors.json"
        )
        self.stdout.write(
            f"seed works: {enrichment.works_matched} matched, {enrichment.identifiers_added} "
            f"identifiers added, {enrichment.works_with_authors} with authors, "
            f"{enrichment.new_records} new co-author records"
        )
        for problem in enrichment.problems:
            self.stderr.write(f"seed works: {problem}")
        if not options["seed_only"]:
            self._load_samples()
        # The home page's figures at once, not at the worker's next hourly count.
        figures = corpus_figures_refresh()
        self.stdout.write(
            f"corpus figures: {figures.researchers} researchers, {figures.works} works"
        )

    def _load_samples(self) -> None:
        for source, path in SAMPLES:
            if not path.exists():
                continue
            report = records_import(source=source, paths=[path], progress=False)
            self.stdout.write(report.summary())
            for error in report.errors:
                self.stderr.write(f"skipped {error}")
