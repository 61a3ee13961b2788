"""`manage.py import_openalex PATH…`: OpenAlex records (API pages, JSON Lines, snapshot .gz)."""

from __future__ import annotations

from works.management.commands._import_command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import OpenAlex works, authors, institutions, sources and topics "
        "(API pages, JSON Lines, snapshot .gz)."
    )
    source = "openalex"
