"""Writes of the works app: importing records from open bibliographic sources."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from works.importers.report import ImportReport

SOURCES = ("openalex", "arxiv", "orcid")


def _importer(source: str) -> Callable[..., ImportReport]:
    if source == "openalex":
        from works.importers.openalex import openalex_import

        return openalex_import
    if source == "arxiv":
        from works.importers.arxiv import arxiv_import

        return arxiv_import
    if source == "orcid":
        from works.importers.orcid import orcid_import

        return orcid_import
    raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")


def records_import(
    *,
    source: str,
    paths: Sequence[str | Path],
    progress: bool = True,
    enqueue_refresh: bool = True,
    batch_size: int | None = None,
    error_stream: TextIO | None = None,
) -> ImportReport:
    """Import every record of `source` under `paths`; bad records are reported and skipped."""
    options: dict[str, Any] = {
        "paths": paths,
        "progress": progress,
        "enqueue_refresh": enqueue_refresh,
        "error_stream": error_stream,
    }
    if batch_size and source != "orcid":
        options["batch_size"] = batch_size
    return _importer(source)(**options)
