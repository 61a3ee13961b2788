"""Researcher search: ranked by relevance, an honest total, paged, a looser second pass.

The selector behind the home page's search box. Issue 13 extends it into one search over
works, topics, institutions and venues: each kind is a function from (query, page) to a
`SearchResults` page, so a multi-kind search only composes them.

First pass (strict): every word of the query starts a word of the name. Names where every
query word is a whole word come first ("Wang" finds "Liming Wang" and "Wang, Y." before
"Rinchen Wangchuk"; a GIN index on the name's words), the exact name before the rest, then by the
number of works the trust worker counted (a prolific namesake before a one-work record) — or,
past RANK_LIMIT such names (a very common family name alone), alphabetically, said on the page
(ranking them would join every one to its snapshot: ~200 ms for 17,000 Wangs in 200,000). Names
where a query word only starts a word follow (a one-letter word only ever matches an initial),
alphabetically (the trigram index for words of
three letters or more, the name index for the order). The total is counted up to COUNT_CAP; past
it the page says "more than".
Second pass (loose), only when the first finds nothing: names similar by trigrams (the index,
with a lower threshold), kept when every query word is within a small edit distance of a word
of the name ("Jaishi Fng" finds Jiashi Feng). At most LOOSE_CANDIDATES names are considered,
and the page says so when that bound was reached.
Per result the page shows only stored figures (the trust snapshot's works count and top topics),
so its cost does not grow with the size of a record.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import DataContains
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection, transaction
from django.db.models import OrderBy, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Lower, Upper
from django.db.models.lookups import Exact

from profiles.models import NameWords, Researcher

PAGE_SIZE = 20
COUNT_CAP = 10_000
# Ranking whole-word matches by works joins each one to its snapshot: past this many (a very
# common family name alone) they are listed by name instead, and the page says so.
RANK_LIMIT = 2_000
MAX_TERMS = 8
LOOSE_CANDIDATES = 200
LOOSE_THRESHOLD = 0.15  # trigram similarity of the whole name, before the edit-distance check


@dataclass(frozen=True)
class SearchResults[T]:
    """One page of hits of one kind, with the total and how it was found."""

    query: str
    hits: list[T]
    total: int  # all matches (a lower bound when total_capped)
    number: int = 1
    page_size: int = PAGE_SIZE
    total_capped: bool = False  # more than `total` match; counting stopped there
    loose: bool = False  # nothing matched as typed: these are close spellings
    loose_capped: bool = False  # the close spellings were looked for among the nearest names only
    considered: int = 0  # how many nearest names the loose pass looked at
    alphabetical: bool = False  # too many whole-word matches to rank: listed by name
    terms: list[str] = field(default_factory=list)

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.page_size + 1 if self.hits else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.hits) - 1 if self.hits else 0


def fold(text: str) -> str:
    """Lower case, accents dropped ("Jürgen" → "jurgen")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_terms(query: str) -> list[str]:
    """The words of a query: letters and digits, lower case, at most MAX_TERMS."""
    cleaned = "".join(c if c.isalnum() else " " for c in query.casefold())
    return cleaned.split()[:MAX_TERMS]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance where swapping two neighbouring letters costs 1 ("ai"/"ia")."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def allowed_typos(term: str) -> int:
    return 0 if len(term) <= 2 else 1 if len(term) <= 5 else 2


def loose_distance(terms: list[str], name: str) -> int | None:
    """Total typos for every term to match a word of the name (a prefix is free); None if not."""
    words = fold(name).replace("-", " ").replace(".", " ").replace(",", " ").split()
    total = 0
    for term in terms:
        term = fold(term)
        best = min(
            (0 if word.startswith(term) else edit_distance(term, word) for word in words),
            default=None,
        )
        if best is None or best > allowed_typos(term):
            return None
        total += best
    return total


# By name, case-insensitively. Upper, not the Lower of the name index: walking that index in
# order and filtering each row would read most of the table when the matches sort late ("W.").
ALPHABETICAL = (Upper("display_name"), "pk")


def _with_page_figures(queryset: QuerySet[Researcher]) -> QuerySet[Researcher]:
    # Affiliation and the stored snapshot (works count, top topics) in the same query.
    return queryset.select_related("affiliation", "trust_snapshot")


def every_word(terms: list[str]) -> DataContains:
    """The name's words include every term (`@>`): one GIN lookup (researcher_name_words)."""
    return DataContains(
        NameWords("display_name"), Value(terms, output_field=ArrayField(TextField()))
    )


def whole_word_matches(terms: list[str]) -> QuerySet[Researcher]:
    """Every term is a whole word of the name."""
    return Researcher.objects.filter(every_word(terms))


def prefix_only_matches(terms: list[str]) -> QuerySet[Researcher]:
    """Every term starts a word of the name, but not every term is a whole word.

    A single letter only ever matches a whole word (an initial): as a prefix it would match a
    third of all names, by a scan of the whole table.
    """
    if any(len(term) == 1 for term in terms):
        return Researcher.objects.none()
    matches = Researcher.objects.all()
    for term in terms:
        # PostgreSQL's \m: the term starts a word; pg_trgm serves the regex from its index
        # when the term has three letters or more.
        matches = matches.filter(display_name__iregex=r"\m" + term)
    return matches.exclude(every_word(terms))


def researcher_search(query: str, *, number: int = 1) -> SearchResults[Researcher]:
    """One page of researchers matching `query`, best first (see the module docstring)."""
    query = " ".join(query.split())[:200]
    terms = search_terms(query)
    if not terms:
        return SearchResults(query=query, hits=[], total=0, number=number, terms=terms)
    whole = whole_word_matches(terms)
    prefix = prefix_only_matches(terms)
    # Counted up to the cap only: a count past it would cost as much as the matches.
    whole_count = whole[: COUNT_CAP + 1].count()
    prefix_count = prefix[: COUNT_CAP + 1].count() if whole_count <= COUNT_CAP else 0
    if not whole_count + prefix_count:
        return _loose(query, terms, number=number)
    start = (number - 1) * PAGE_SIZE
    hits: list[Researcher] = []
    ranked = whole_count <= RANK_LIMIT
    if start < whole_count:
        # The exact name first: a plain comparison (the planner keeps to the word index).
        exact = OrderBy(Exact(Lower("display_name"), query.casefold()), descending=True)
        works = OrderBy(Coalesce("trust_snapshot__works_count", 0), descending=True)
        keys = [exact, works] if ranked else []
        ordered = _with_page_figures(whole).order_by(*keys, *ALPHABETICAL)
        hits += ordered[start : min(start + PAGE_SIZE, whole_count)]
    if len(hits) < PAGE_SIZE and prefix_count:
        # Word prefixes after whole words, alphabetically: the name index gives them in order.
        offset = max(0, start - whole_count)
        ordered = _with_page_figures(prefix).order_by(*ALPHABETICAL)
        hits += ordered[offset : offset + PAGE_SIZE - len(hits)]
    total = whole_count + prefix_count
    return SearchResults(
        query=query,
        hits=hits,
        total=min(total, COUNT_CAP),
        number=number,
        total_capped=total > COUNT_CAP,
        alphabetical=not ranked,
        terms=terms,
    )


def _loose(query: str, terms: list[str], *, number: int) -> SearchResults[Researcher]:
    with transaction.atomic():
        with connection.cursor() as cursor:
            # `%` (trigram_similar) uses the index with this threshold, for this transaction.
            cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [LOOSE_THRESHOLD])
        candidates = list(
            _with_page_figures(Researcher.objects.filter(display_name__trigram_similar=query))
            .annotate(similarity=TrigramSimilarity("display_name", query))
            .order_by("-similarity", "pk")[:LOOSE_CANDIDATES]
        )
    scored = []
    for position, researcher in enumerate(candidates):
        distance = loose_distance(terms, researcher.display_name)
        if distance is not None:
            scored.append((distance, position, researcher))
    scored.sort(key=lambda item: (item[0], item[1]))
    start = (number - 1) * PAGE_SIZE
    return SearchResults(
        query=query,
        hits=[researcher for _, _, researcher in scored[start : start + PAGE_SIZE]],
        total=len(scored),
        number=number,
        loose=True,
        loose_capped=len(candidates) == LOOSE_CANDIDATES,
        considered=len(candidates),
        terms=terms,
    )
