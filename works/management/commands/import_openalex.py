"""`manage.py import_openalex PATH…`: OpenAlex records (API pages, JSON Lines, snapshot .gz)."""

from __future__ import annotations

from django.core.management.base import CommandError

from works.management.commands._import_command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import OpenAlex works, authors, institutions, sources and topics "
        "(API pages, JSON Lines, snapshot .gz). With --background, one Celery task per file "
        "(a snapshot's part files spread over every worker), recorded as an import run."
    )
    source = "openalex"

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
