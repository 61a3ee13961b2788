"""`manage.py import_arxiv PATH…`: Import arXiv bulk metadata (JSON Lines with authors_parsed)."""

from __future__ import annotations

from works.management.commands._import_command import ImportCommand


class Command(ImportCommand):
    help = "Import arXiv bulk metadata (JSON Lines with authors_parsed)."
    source = "arxiv"
