"""Staff pages of import runs: the list of runs, and one run's progress, live."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from profiles.http import HtmxHttpRequest, staff_required
from works.import_run_selectors import (
    import_run_or_404,
    import_run_progress,
    import_runs_recent,
)

# How often the page asks for the run's progress while files are pending or running.
POLL_SECONDS = 2


@require_safe
@staff_required
def import_runs(request: HtmxHttpRequest) -> HttpResponse:
    """The latest import runs, each with its files by state."""
    return render(request, "works/import_runs.html", {"runs": import_runs_recent()})


@require_safe
@staff_required
def import_run_detail(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    """One run's progress; the page polls the `run-progress` partial until the run is over."""
    run = import_run_or_404(run_id)
    context = {"progress": import_run_progress(run), "poll_seconds": POLL_SECONDS}
    if request.htmx and request.htmx.target == "run-progress":
        return render(request, "works/import_run.html#run-progress", context)
    return render(request, "works/import_run.html", context)
