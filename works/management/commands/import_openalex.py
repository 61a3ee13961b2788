"""`manage.py import_openalex PATH…`: OpenAlex records (API pages, JSON Lines, snapshot .gz)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from works.importers.openalex_bulk import BulkLoadError, bulk_load_finish, bulk_load_unfinished
from works.management.commands._import_command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import OpenAlex works, authors, institutions, sources and topics "
        "(API pages, JSON Lines, snapshot .gz). With --background, one Celery task per file "
        "(a snapshot's part files spread over every worker), recorded as an import run."
    )
    source = "openalex"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="first load into an empty database: secondary indexes and foreign keys of "
            "the works tables dropped, citation edges staged unlogged, all built after "
            "(docs/operations.md says when to use it)",
        )
        parser.add_argument(
            "--bulk-finish",
            action="store_true",
            help="complete a bulk load whose process was killed: resolve the staged citation "
            "edges, build the indexes and foreign keys it dropped",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["bulk_finish"]:
            if not bulk_load_unfinished():
                self.stdout.write("no unfinished bulk load")
                return
            finish = bulk_load_finish()
            self.stdout.write(
                f"bulk load finished in {finish.seconds:.0f}s: {finish.citations} citation "
                f"edges written, {finish.rebuilt} indexes and foreign keys built"
            )
            return
        if options["bulk"] and options["background"]:
            raise CommandError("--bulk runs in this process: not with --background")
        try:
            super().handle(*args, **options)
        except BulkLoadError as exc:
            raise CommandError(str(exc)) from exc

    def background(self, paths: list[str]) -> None:
        """An import run: one task per file, owed through the outbox (Redis may be down)."""
        from works.services.import_runs import ImportRunError, import_run_start

        try:
            started = import_run_start(paths=paths)
        except ImportRunError as exc:
            raise CommandError(str(exc)) from exc
        run = started.run
        self.stdout.write(
            f"import run #{run.pk}: {started.enqueued} file(s) enqueued, one task each; "
            f"{started.unchanged} unchanged since an earlier import, not imported again. "
            f"Progress: {run.get_absolute_url()} (staff)"
        )
