"""The query strings of works pages: parsed here, so a view only sees clean values."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import Http404, QueryDict

from profiles.paging import page_number
from works.work_selectors import CITING_ORDERS, CITING_PAGES


class WorkPageForm(forms.Form):
    authors = forms.ChoiceField(choices=[("all", "all")], required=False)
    cited = forms.ChoiceField(choices=list(CITING_ORDERS.items()), required=False)


@dataclass(frozen=True)
class WorkPageState:
    all_authors: bool
    authors_page: int
    citing_order: str
    citing_page: int


def work_page_state(query: QueryDict) -> WorkPageState:
    """`?authors=all&apage=N&cited=newest|most-cited&cpage=N`; anything else is a 404."""
    form = WorkPageForm(query)
    if not form.is_valid():
        raise Http404("No such page of this work.")
    data = form.cleaned_data
    return WorkPageState(
        all_authors=data["authors"] == "all",
        authors_page=page_number(query, name="apage", last=100),
        citing_order=data["cited"] or "newest",
        citing_page=page_number(query, name="cpage", last=CITING_PAGES),
    )
