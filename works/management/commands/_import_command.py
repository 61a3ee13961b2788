"""What the three import commands share: arguments, background mode, summary, exit status."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from works.services import records_import


class ImportCommand(BaseCommand):
    source = ""
    # Like Django's `migrate`: no system checks first. They import every URLconf and view, and
    # through the graph's tasks scipy, which an import never uses: ~30 MB of peak memory kept
    # for the whole run (seen in the issue 9 benchmark). `manage.py check` still runs them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", help="files or directories to import")
        parser.add_argument("--batch-size", type=int, default=None, help="records per transaction")
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar or progress lines"
        )
        parser.add_argument(
            "--no-refresh",
            action="store_true",
            help="do not enqueue the refresh of touched researchers (data_version is still bumped)",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="enqueue the import as a Celery task (for large files) and return at once",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["paths"]:
            raise CommandError("give the files or directories to import")
        paths = [str(Path(p).resolve()) for p in options["paths"]]
        missing = [p for p in paths if not Path(p).exists()]
        if missing:
            raise CommandError(f"no such file or directory: {', '.join(missing)}")
        if options["background"]:
            self.background(paths)
            return
        report = records_import(
            source=self.source,
            paths=paths,
            progress=not options["no_progress"],
            enqueue_refresh=not options["no_refresh"],
            batch_size=options["batch_size"],
            error_stream=sys.stderr,
            bulk=options.get("bulk", False),
        )
        self.stdout.write(report.summary())
        if not report.ok:
            raise CommandError(f"{report.failed} record(s) failed; see the lines above")

    def background(self, paths: list[str]) -> None:
        """One Celery task for all the paths; its summary is the task's result."""
        from works.tasks import import_records

        result = import_records.delay(source=self.source, paths=paths)
        self.stdout.write(f"{self.source} import enqueued as task {result.id}")
