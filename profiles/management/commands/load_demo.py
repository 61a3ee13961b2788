"""Load the demo data idempotently: `make run` calls this on every start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from works.importers.seed import seed_profile_import

DEMO_DIR = Path(settings.BASE_DIR) / "demo"


class Command(BaseCommand):
    help = "Load the demo data (the seed profile and the real samples); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_profile_import(path=DEMO_DIR / "seed-profile.json")
        self.stdout.write(
            f"seed profile {result.researcher.slug}: {result.created_works} works created, "
            f"{result.existing_works} already present"
        )
