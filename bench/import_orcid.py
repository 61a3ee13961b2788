"""Benchmark: `import_orcid` on a streamed `.tar.gz` of N public records (issue 12).

    DATABASE_URL=postgres://root@127.0.0.1:5432/<scratch, migrated> \\
        flock /tmp/bzpeer-bench.lock .venv/bin/python -m bench.import_orcid --records 20000

The archive holds N copies of real public records, each under its own iD (the check character
computed, as ORCID does: ISO 7064 MOD 11-2), laid out as the data file is
(`summaries/<last 3>/<iD>.xml`). By default every copy is the small record
`demo/orcid/0000-0002-5878-603X.xml` (4 KB: a name, no employment);
`--template all` cycles through every record of `demo/orcid/` instead (2 KB to 1.2 MB: other
names, 0-8 employments, some with ROR ids, hundreds of works; one is ORCID's stand-in for a
locked record), where parsing the large documents dominates. The researcher and employment
tables of the scratch database are emptied (CASCADE), then `orcid_import` runs as `manage.py
import_orcid --no-progress --no-refresh` does; prints records/s and the process's peak RSS.
`--repeat` imports the same archive again (every record already there: the re-import path).
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
DEMO_ORCID = ROOT / "demo" / "orcid"


def orcid_with_check(digits: str) -> str:
    """Fifteen digits → a full iD with its check character (ISO 7064 MOD 11-2)."""
    total = 0
    for digit in digits:
        total = (total + int(digit)) * 2
    remainder = (12 - total % 11) % 11
    check = "X" if remainder == 10 else str(remainder)
    full = digits + check
    return "-".join(full[i : i + 4] for i in range(0, 16, 4))


def write_archive(path: Path, records: int, template: str = "all") -> None:
    files = (
        sorted(DEMO_ORCID.glob("*.xml")) if template == "all" else [DEMO_ORCID / f"{template}.xml"]
    )
    templates = [(f.stem, f.read_text(encoding="utf-8")) for f in files]
    with tarfile.open(path, "w:gz") as tar:
        for number in range(records):
            orcid = orcid_with_check(f"{900_000_000_000_000 + number:015d}")
            template_id, text = templates[number % len(templates)]
            data = text.replace(template_id, orcid).encode()
            info = tarfile.TarInfo(f"summaries/{orcid[-3:]}/{orcid}.xml")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            # TarFile would keep them all (a list typeshed leaves out): the peak is the import's.
            tar.members.clear()  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument(
        "--template", default="0000-0002-5878-603X", help="an iD of demo/orcid/, or all"
    )
    parser.add_argument("--repeat", action="store_true", help="then import it again")
    args = parser.parse_args(argv)
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection

    from works.importers.orcid import orcid_import

    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "summaries.tar.gz"
        write_archive(archive, args.records, args.template)
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE profiles_employment, profiles_researcher CASCADE")
        ok = True
        for run in ("first import", "re-import")[: 2 if args.repeat else 1]:
            started = time.monotonic()
            report = orcid_import(
                paths=[archive], progress=False, enqueue_refresh=False, error_stream=io.StringIO()
            )
            elapsed = time.monotonic() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{run}: {report.summary().splitlines()[0]}")
            print(
                f"{report.read:,} records in {elapsed:.1f}s = {report.read / elapsed:,.0f} "
                f"records/s; peak RSS so far {peak:.0f} MB"
            )
            ok = ok and report.ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
