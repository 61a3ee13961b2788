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
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from profiles.identity import family_name_surface, names_compatible
from profiles.models import Researcher, VerificationLevel
from works.importers.fields import researcher_slug

MAX_CANDIDATES = 50


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


def _candidates(name: str) -> list[int]:
    family = family_name_surface(name)
    if len(family) < 2:
        return []
    escaped = family.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    with connection.cursor() as cursor:
        # ILIKE (not Django's UPPER … LIKE) so the trigram index on display_name serves it.
        cursor.execute(
            "SELECT id, display_name, name_variants FROM profiles_researcher "
            "WHERE display_name ILIKE %s LIMIT %s",
            [f"%{escaped}%", MAX_CANDIDATES],
        )
        rows = cursor.fetchall()
    return [
        pk
        for pk, display, variants in rows
        if any(names_compatible(name, n) for n in [display, *(variants or [])])
    ]


def _shared_work_pairs(candidates: set[int], others: set[int]) -> set[tuple[int, int]]:
    if not candidates or not others:
        return set()
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
        return {(a, b) for a, b in cursor.fetchall()}


def resolve_paper(paper: PaperAuthors) -> dict[tuple[int, int], int | None]:
    """Slot key → the accepted researcher id, or None when a new L0 record is needed."""
    known = set(paper.known_researcher_ids)
    by_slot = {slot.key: set(_candidates(slot.name)) - known for slot in paper.slots}
    everyone: set[int] = set().union(*by_slot.values()) if by_slot else set()
    pairs = _shared_work_pairs(everyone, everyone | known)
    chosen: dict[tuple[int, int], int | None] = {}
    taken: set[int] = set()
    for slot in paper.slots:
        others = known | set().union(*(c for k, c in by_slot.items() if k != slot.key))
        accepted = {c for c in by_slot[slot.key] if any((c, o) in pairs for o in others)}
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
