"""The name rule's evidence as an index: co-author name pairs (issue 12).

Step 2 of the rule (`works.importers.names`) accepts a namesake only if it already shares a
work with a namesake of another author of the paper. Fetching every namesake first cannot
scale (a common name has thousands of earlier occurrences); the evidence is rarer. So every
co-authorship is stored under the forms of its authors' names (`CoauthorNamePair`, both
directions, every name of each record): a form is the name as `names_compatible` reads it,
folded ("wang|2|jun h": family, number of given names, given names), its key the part every
compatible name shares ("wang|2|j", `profiles.identity.name_key`). "A researcher named like
slot s who shares a work with one named like slot t" is then an index probe (`drives`):

- for a name written in full, by its exact compatible forms ("Jun Hao Wang": "wang|2|jun hao",
  "wang|2|j hao", "wang|2|jun h", "wang|2|j h") and the other name's key;
- otherwise (an initial: "J. Wang" is compatible with any given name starting with "j") by
  the two keys.

The index only narrows: the reader checks every pair it returns with the rule's own test
(`names_compatible`, and the display name containing the family name as written). A name
with two or more such researchers is ambiguous whatever else is found, so a probe returns at
most `PROBE_LIMIT` pairs and is read again in full only when those do not already settle it.
Works of more than `LARGE_WORK` authors are stored by author instead (`CoauthorNameMember`)
and joined on the work: a 3,000-author paper costs 3,000 rows, not 9 M.

Who keeps it right: triggers (migration works 0011) mark a work stale whenever any writer
inserts, moves or deletes an authorship, or changes a researcher's display name or variants;
`coauthor_names_refresh` rebuilds the stale works' rows from the names as they are. The arXiv
loader runs it, under the import lock, before every read.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from profiles.identity import name_key, parse_name
from works.importers.openalex_load import copy_rows

LARGE_WORK = 50
PROBE_LIMIT = 20
REFRESH_CHUNK = 5000
EXACT_TOKENS = 3  # a name in full with more given names is probed by keys (2^n forms)


def name_form(name: str) -> str | None:
    """The name as `names_compatible` compares it, as one string; None: compatible with none."""
    parsed = parse_name(name)
    if parsed.is_whole:
        return f"={parsed.whole}"
    if not parsed.family:
        return None
    return f"{' '.join(parsed.family)}|{len(parsed.given)}|{' '.join(parsed.given)}"


@dataclass(frozen=True, slots=True)
class NamePattern:
    """The forms compatible with a name, as far as the index can tell them: its key, and for
    a name written in full, the list of them (a given name "Jun" is "jun" or "j")."""

    key: str
    exact: tuple[str, ...] | None


def name_pattern(name: str) -> NamePattern | None:
    key = name_key(name)
    if key is None:
        return None
    parsed = parse_name(name)
    if parsed.is_whole:
        return NamePattern(key=key, exact=(f"={parsed.whole}",))
    if any(len(g) == 1 for g in parsed.given) or len(parsed.given) > EXACT_TOKENS:
        return NamePattern(key=key, exact=None)
    head = f"{' '.join(parsed.family)}|{len(parsed.given)}|"
    options = [(g, g[0]) for g in parsed.given]
    return NamePattern(
        key=key, exact=tuple(head + " ".join(combo) for combo in itertools.product(*options))
    )


def coauthor_names_refresh(cursor: Any) -> int:
    """Rebuild the name pairs of the works marked stale; how many works."""
    # Only the marks this snapshot sees are consumed: one a concurrent writer commits later
    # stays for the next refresh.
    cursor.execute(
        """
        WITH consumed AS (DELETE FROM works_coauthornamesstale RETURNING work_id)
        SELECT DISTINCT work_id FROM consumed
        """
    )
    stale = sorted(row[0] for row in cursor.fetchall())
    forms: dict[int, list[tuple[str, str]]] = {}  # researcher → its (key, form)s
    for start in range(0, len(stale), REFRESH_CHUNK):
        chunk = stale[start : start + REFRESH_CHUNK]
        for table in ("works_coauthornamepair", "works_coauthornamemember"):
            cursor.execute(f"DELETE FROM {table} WHERE work_id = ANY(%s)", [chunk])  # noqa: S608 - literal table names
        cursor.execute(
            """
            SELECT a.work_id, a.researcher_id, r.display_name, r.name_variants
            FROM works_authorship a JOIN profiles_researcher r ON r.id = a.researcher_id
            WHERE a.work_id = ANY(%s)
            """,
            [chunk],
        )
        authors: dict[int, list[int]] = {}
        for work_id, researcher_id, display, variants in cursor.fetchall():
            authors.setdefault(work_id, []).append(researcher_id)
            if researcher_id not in forms:
                forms[researcher_id] = _forms([display, *(variants or [])])
        copy_rows(
            cursor,
            "works_coauthornamepair",
            "key_a, key_b, form_a, form_b, researcher_a, researcher_b, work_id",
            _pairs(authors, forms),
        )
        copy_rows(
            cursor,
            "works_coauthornamemember",
            "key, form, work_id, researcher_id",
            (
                (key, form, work_id, pk)
                for work_id, people in authors.items()
                if len(people) > LARGE_WORK
                for pk in people
                for key, form in forms[pk]
            ),
        )
    return len(stale)


def _forms(names: list[str]) -> list[tuple[str, str]]:
    found = set()
    for name in names:
        key, form = name_key(name), name_form(name)
        if key is not None and form is not None:
            found.add((key, form))
    return sorted(found)


def _pairs(
    authors: dict[int, list[int]], forms: dict[int, list[tuple[str, str]]]
) -> Iterable[tuple[str, str, str, str, int, int, int]]:
    for work_id, people in authors.items():
        if len(people) > LARGE_WORK:
            continue
        for a in people:
            for b in people:
                if a == b:
                    continue
                for key_a, form_a in forms[a]:
                    for key_b, form_b in forms[b]:
                        yield key_a, key_b, form_a, form_b, a, b, work_id


# A probe of the index: (drive, by_form, key_b) — the pairs whose `form_a` (by_form) or
# `key_a` equals `drive` and whose `key_b` is `key_b`.
Drive = tuple[str, bool, str]


def drives(a: NamePattern, b: NamePattern) -> tuple[list[Drive], bool]:
    """The probes that find every pair (x named like a, y named like b), and whether they are
    read from b's side (flipped: the pairs come back as (y, x)). Read from the side written
    in full, by its exact forms; otherwise by the two keys."""
    if a.exact is None and b.exact is not None:
        return [(form, True, a.key) for form in b.exact], True
    if a.exact is not None:
        return [(form, True, b.key) for form in a.exact], False
    return [(a.key, False, b.key)], False


# Each probe's pairs, at most `limit` of them; the caller checks the names (the index only
# narrows) and reads a cut-off probe again without the limit when it must.
PROBE_SQL = """
SELECT q.i, x.ra, x.rb FROM stg_probe q CROSS JOIN LATERAL (
    SELECT DISTINCT p.researcher_a AS ra, p.researcher_b AS rb FROM works_coauthornamepair p
    WHERE p.form_a = q.drive AND p.key_b = q.key_b LIMIT %(limit)s
) x WHERE q.by_form
UNION ALL
SELECT q.i, x.ra, x.rb FROM stg_probe q CROSS JOIN LATERAL (
    SELECT DISTINCT p.researcher_a AS ra, p.researcher_b AS rb FROM works_coauthornamepair p
    WHERE p.key_a = q.drive AND p.key_b = q.key_b LIMIT %(limit)s
) x WHERE NOT q.by_form
UNION ALL
SELECT q.i, x.ra, x.rb FROM stg_probe q CROSS JOIN LATERAL (
    SELECT DISTINCT m1.researcher_id AS ra, m2.researcher_id AS rb
    FROM works_coauthornamemember m1
    JOIN works_coauthornamemember m2
      ON m2.work_id = m1.work_id AND m2.key = q.key_b AND m2.researcher_id <> m1.researcher_id
    WHERE m1.form = q.drive LIMIT %(limit)s
) x WHERE q.by_form
UNION ALL
SELECT q.i, x.ra, x.rb FROM stg_probe q CROSS JOIN LATERAL (
    SELECT DISTINCT m1.researcher_id AS ra, m2.researcher_id AS rb
    FROM works_coauthornamemember m1
    JOIN works_coauthornamemember m2
      ON m2.work_id = m1.work_id AND m2.key = q.key_b AND m2.researcher_id <> m1.researcher_id
    WHERE m1.key = q.drive LIMIT %(limit)s
) x WHERE NOT q.by_form
"""


def coauthor_rows(
    cursor: Any, asked: Iterable[Drive], limit: int | None
) -> dict[Drive, list[tuple[int, int]]]:
    """Each probe's (researcher a, researcher b) pairs, at most `limit` from the pairs and
    `limit` from large works. Call `coauthor_names_refresh` first."""
    order = list(dict.fromkeys(asked))
    found: dict[Drive, list[tuple[int, int]]] = {d: [] for d in order}
    if not order:
        return found
    cursor.execute(
        """
        CREATE TEMP TABLE IF NOT EXISTS stg_probe (i int, drive text COLLATE "C",
            by_form bool, key_b text COLLATE "C")
        """
    )
    cursor.execute("TRUNCATE stg_probe")
    copy_rows(
        cursor,
        "stg_probe",
        "i, drive, by_form, key_b",
        ((i, drive, by_form, key_b) for i, (drive, by_form, key_b) in enumerate(order)),
    )
    cursor.execute("ANALYZE stg_probe")
    cursor.execute(PROBE_SQL, {"limit": limit})
    for i, a, b in cursor.fetchall():
        found[order[i]].append((a, b))
    return found
