"""Authors known only by name (arXiv, OpenAlex authorships without an author id).

The rule, conservative on purpose — two people are never merged on their name alone:

1. A name is *compatible* with a researcher's display name or one of its name variants by the
   rule of `profiles.identity.names_compatible` (the one the claim checklist uses): equal folded
   family names, given names agreeing token by token and as many on each side (an initial
   agrees with any name starting with that letter, two full names must be equal: "C. -P. Yuan"
   ~ "Chien-Peng Yuan", "J. Feng" ≁ "Kai Feng", "J. Feng" ≁ "Jiashi Wei Feng"); a record
   without given names is compatible only with another without given names. Names in every
   script fold and compare; across scripts nothing is transliterated.
2. A compatible researcher is *accepted* for an author of paper P only with a second piece of
   evidence: it already shares a work with another author of P (one identified by id, or itself
   the compatible candidate of another author slot of P). The candidate must not already be an
   author of P.
3. Exactly one accepted candidate: that researcher gets the authorship. None, or more than one
   (ambiguous): a new name-only record (L0) for this occurrence, with a stable slug built from the
   paper and the position, so a re-import finds the same record instead of making another.

A new L0 record is therefore one person-on-one-paper until evidence links it; claims, ORCID or a
moderator's merge can join records later, with a person deciding.

Step 1 is an index lookup, not a scan: every record stores the keys of its names
(`Researcher.name_keys`: folded family name, number of given names, first initial), compatible
names share a key, so all compatible records of a paper's names come back in one query, however
many namesakes there are. The display name must still contain the family name as written
(ILIKE), as when step 1 was a substring scan of display names, so the rule decides exactly what
it decided then — without that scan's cut-off of 50 rows, which made the decision depend on
row order (tests/works/test_names.py runs both over the same synthetic file).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from profiles.identity import family_name_surface, name_key, name_keys, names_compatible
from profiles.models import Researcher, VerificationLevel
from works.importers.fields import researcher_slug

FILL_CHUNK = 5000
SEPARATOR = "\x1f"


@dataclass(frozen=True)
class NameSlot:
    key: tuple[int, int]  # caller's (work key, position)
    name: str
    occurrence: str  # paper + position, e.g. "W123-4" or "arxiv-0704.0001-2"
    display: str = ""  # the name as people write it, for a new record (default: `name`)


@dataclass
class PaperAuthors:
    known_researcher_ids: list[int]
    slots: list[NameSlot]


class NameKeysNotWritten(RuntimeError):
    pass


def name_keys_fill() -> int:
    """Compute the name keys of records written without them (by other writers, or whose names
    changed since, see `Researcher.name_keys`); how many. Each is written only if the names it
    was computed from are still the record's, so a concurrent rename is not overwritten."""
    filled = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, display_name, name_variants FROM profiles_researcher "
                "WHERE name_keys IS NULL LIMIT %s",
                [FILL_CHUNK],
            )
            rows = cursor.fetchall()
            if not rows:
                return filled
            # One statement per chunk (arrays in, joined by a unit separator: cleaned text
            # never holds control characters), not one per row.
            cursor.execute(
                """
                UPDATE profiles_researcher r SET name_keys = string_to_array(k.keys, chr(31))
                FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[])
                     AS k(id, keys, display, variants)
                WHERE r.id = k.id AND r.name_keys IS NULL AND r.display_name = k.display
                  AND array_to_string(r.name_variants, chr(31)) = k.variants
                """,
                [
                    [pk for pk, _display, _variants in rows],
                    [
                        SEPARATOR.join(name_keys([display, *(variants or [])]))
                        for _pk, display, variants in rows
                    ],
                    [display for _pk, display, _variants in rows],
                    [SEPARATOR.join(variants or []) for _pk, _display, variants in rows],
                ],
            )
            if cursor.rowcount == 0:
                # Every row of the chunk renamed meanwhile is next to impossible; a guard that
                # never holds would loop for ever: say so instead.
                raise NameKeysNotWritten(f"no name keys written for {len(rows)} researchers")
            filled += cursor.rowcount


def candidates_for(names: list[str]) -> dict[str, set[int]]:
    """Step 1 of the rule for each name: the researchers compatible with it, in one query.

    Every record whose display name or a variant is compatible with the name shares its key
    (`profiles.identity.name_key`), so the indexed key lookup finds them all, however many
    (no cut-off: which ones a cut-off kept would depend on row order). The display name must
    also contain the family name as written (ILIKE), as the substring scan this lookup
    replaced required, so the rule decides what it decided before.
    """
    name_keys_fill()
    asked = {}
    for name in dict.fromkeys(names):
        family = family_name_surface(name)
        key = name_key(name)
        if len(family) >= 2 and key is not None:
            escaped = family.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            asked[name] = (key, f"%{escaped}%")
    found: dict[str, set[int]] = {name: set() for name in names}
    if not asked:
        return found
    order = list(asked)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT q.i, r.id, r.display_name, r.name_variants
            FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS q(key, pattern, i)
            JOIN profiles_researcher r ON r.name_keys @> ARRAY[q.key]
            WHERE r.display_name ILIKE q.pattern
            """,
            [[asked[n][0] for n in order], [asked[n][1] for n in order]],
        )
        rows = cursor.fetchall()
    for i, pk, display, variants in rows:
        name = order[i - 1]
        if any(names_compatible(name, n) for n in [display, *(variants or [])]):
            found[name].add(pk)
    return found


def _shared_work_partners(candidates: set[int], others: set[int]) -> dict[int, set[int]]:
    """Candidate → the researchers of `others` it already shares a work with."""
    if not candidates or not others:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT a1.researcher_id, a2.researcher_id
            FROM works_authorship a1
            JOIN works_authorship a2
              ON a2.work_id = a1.work_id AND a2.researcher_id <> a1.researcher_id
            WHERE a1.researcher_id = ANY(%s) AND a2.researcher_id = ANY(%s)
            """,
            [sorted(candidates), sorted(others)],
        )
        partners: dict[int, set[int]] = {}
        for a, b in cursor.fetchall():
            partners.setdefault(a, set()).add(b)
        return partners


def resolve_paper(paper: PaperAuthors) -> dict[tuple[int, int], int | None]:
    """Slot key → the accepted researcher id, or None when a new L0 record is needed."""
    known = set(paper.known_researcher_ids)
    compatible = candidates_for([slot.name for slot in paper.slots])
    by_slot = {slot.key: compatible[slot.name] - known for slot in paper.slots}
    everyone: set[int] = set().union(*by_slot.values()) if by_slot else set()
    partners = _shared_work_partners(everyone, everyone | known)
    chosen: dict[tuple[int, int], int | None] = {}
    taken: set[int] = set()
    for slot in paper.slots:
        # The evidence (step 2): a co-author on an earlier work who is an identified author of
        # this paper or a candidate for another of its names. Only a candidate's few co-authors
        # are looked at, not every pair of namesakes: common names have thousands.
        others = [known, *(c for k, c in by_slot.items() if k != slot.key)]
        accepted = {
            c
            for c in by_slot[slot.key]
            if c in partners and any(o in group for o in partners[c] for group in others)
        }
        if len(accepted) == 1 and not (accepted & taken):
            chosen[slot.key] = next(iter(accepted))
            taken |= accepted
        else:
            chosen[slot.key] = None
    return chosen


def name_only_researchers(papers: list[PaperAuthors]) -> tuple[dict[tuple[int, int], int], int]:
    """Each slot's researcher id (matched or a new/previous L0 record); and how many were new."""
    resolved: dict[tuple[int, int], int] = {}
    needed: dict[str, NameSlot] = {}
    for paper in papers:
        for key, researcher_id in resolve_paper(paper).items():
            if researcher_id is not None:
                resolved[key] = researcher_id
        for slot in paper.slots:
            if slot.key not in resolved:
                needed[researcher_slug(slot.name, slot.occurrence)] = slot
    if not needed:
        return resolved, 0
    existing = dict(Researcher.objects.filter(slug__in=list(needed)).values_list("slug", "pk"))
    new = [
        Researcher(
            slug=slug,
            display_name=(slot.display or slot.name)[:500],
            name_keys=name_keys([(slot.display or slot.name)[:500]]),
            verification_level=VerificationLevel.L0,
        )
        for slug, slot in needed.items()
        if slug not in existing
    ]
    for researcher in Researcher.objects.bulk_create(new):
        existing[researcher.slug] = researcher.pk
    for slug, slot in needed.items():
        resolved[slot.key] = existing[slug]
    return resolved, len(new)
