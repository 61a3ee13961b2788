"""`?page=N` for every paged view, read one way: a whole number from 1 up, else a 404.

Bad page numbers come from hand-edited or crawled URLs (`?page=²`, `?page=1e99`,
`?page=99999999999999999999999`). Django's `Paginator.get_page` would quietly show another
page instead; we answer 404 so a wrong link is visible as one, and never reach the database
with a number it cannot hold (hence the ceiling).
"""

from __future__ import annotations

from django import forms
from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, QueryDict

MAX_PAGE = 100_000


def page_number(query: QueryDict, *, name: str = "page", last: int = MAX_PAGE) -> int:
    """`?page=N` (or `?<name>=N`), 1 when absent or empty; anything but a whole number from 1
    to `last` is a 404."""
    field = forms.IntegerField(min_value=1, max_value=last, required=False)
    raw = query.get(name, "")
    # `int()` accepts other scripts' digits ("٣" is 3): a page number is ASCII digits only.
    if not raw.isascii():
        raise Http404("No such page.")
    try:
        number = field.clean(raw)
    except forms.ValidationError as exc:
        raise Http404("No such page.") from exc
    return number or 1


def page_or_404[M: Model](queryset: QuerySet[M], *, per_page: int, query: QueryDict) -> Page[M]:
    """The page `?page=N` of `queryset`; past the last page is a 404 (page 1 always exists)."""
    paginator = Paginator(queryset, per_page, allow_empty_first_page=True)
    try:
        return paginator.page(page_number(query))
    except InvalidPage as exc:
        raise Http404("No such page.") from exc
