"""`manage.py import_orcid PATH…`: ORCID public records (v3.0 XML, or .tar.gz archives)."""

from __future__ import annotations

from works.management.commands._import_command import ImportCommand


class Command(ImportCommand):
    help = "Import ORCID public records (v3.0 XML files or .tar.gz archives)."
    source = "orcid"
