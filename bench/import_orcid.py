"""Benchmark: `import_orcid` on a streamed `.tar.gz` of N public records (issue 12).

    DATABASE_URL=postgres://root@127.0.0.1:5432/<scratch, migrated> \\
        flock /tmp/bzpeer-bench.lock .venv/bin/python -m bench.import_orcid --records 20000

The archive holds N copies of a real public record (`demo/orcid/0000-0002-5878-603X.xml`), each
under its own iD (the check character computed, as ORCID does: ISO 7064 MOD 11-2), laid out as
the data file is (`summaries/<last 3>/<iD>.xml`). The researcher and employment tables of the
scratch database are emptied (CASCADE), then `orcid_import` runs as `manage.py import_orcid
--no-progress --no-refresh` does; prints records/s and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "demo" / "orcid" / "0000-0002-5878-603X.xml"
TEMPLATE_ID = "0000-0002-5878-603X"


def orcid_with_check(digits: str) -> str:
    """Fifteen digits → a full iD with its check character (ISO 7064 MOD 11-2)."""
    total = 0
    for digit in digits:
        total = (total + int(digit)) * 2
    remainder = (12 - total % 11) % 11
    check = "X" if remainder == 10 else str(remainder)
    full = digits + check
    return "-".join(full[i : i + 4] for i in range(0, 16, 4))


def write_archive(path: Path, records: int) -> None:
    template = TEMPLATE.read_text(encoding="utf-8")
    with tarfile.open(path, "w:gz") as tar:
        for number in range(records):
            orcid = orcid_with_check(f"{900_000_000_000_000 + number:015d}")
            data = template.replace(TEMPLATE_ID, orcid).encode()
            info = tarfile.TarInfo(f"summaries/{orcid[-3:]}/{orcid}.xml")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args(argv)
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection

    from works.importers.orcid import orcid_import

    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "summaries.tar.gz"
        write_archive(archive, args.records)
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE profiles_employment, profiles_researcher CASCADE")
        started = time.monotonic()
        report = orcid_import(
            paths=[archive], progress=False, enqueue_refresh=False, error_stream=io.StringIO()
        )
        elapsed = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(report.summary().splitlines()[0])
    print(f"{report.read:,} records in {elapsed:.1f}s = {report.read / elapsed:,.0f} records/s")
    print(f"peak RSS {peak:.0f} MB")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
