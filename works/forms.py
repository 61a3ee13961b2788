"""The query strings of works pages: parsed here, so a view only sees clean values."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import Http404, QueryDict

from profiles.paging import page_number
from works.work_selectors import CITING_ORDERS, CitingCursor


class WorkPageForm(forms.Form):
    authors = forms.ChoiceField(choices=[("all", "all")], required=False)
    cited = forms.ChoiceField(choices=list(CITING_ORDERS.items()), required=False)
    cafter = forms.CharField(max_length=40, required=False)
    cite = forms.ChoiceField(choices=[("show", "show")], required=False)

    cbefore = forms.CharField(max_length=40, required=False)

    def _cursor(self, name: str) -> CitingCursor | None:
        text = self.cleaned_data[name]
        if not text:
            return None
        cursor = CitingCursor.parse(text)
        if cursor is None:
            raise forms.ValidationError("Not a place in the list of citing works.")
        return cursor

    def clean_cafter(self) -> CitingCursor | None:
        return self._cursor("cafter")

    def clean_cbefore(self) -> CitingCursor | None:
        return self._cursor("cbefore")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("cafter") and data.get("cbefore"):
            raise forms.ValidationError("A page of citing works starts after or ends before.")
        return data


@dataclass(frozen=True)
class WorkPageState:
    all_authors: bool
    authors_page: int
    citing_order: str
    citing_after: CitingCursor | None
    citing_before: CitingCursor | None
    cite_shown: bool  # the cite panel's references formatted in the page (else loaded by htmx)


def work_page_state(query: QueryDict) -> WorkPageState:
    """`?authors=all&apage=N&cited=newest|most-cited&cafter=<cursor>|cbefore=<cursor>&cite=show`;
    anything else is a 404."""
    form = WorkPageForm(query)
    if not form.is_valid():
        raise Http404("No such page of this work.")
    data = form.cleaned_data
    return WorkPageState(
        all_authors=data["authors"] == "all",
        authors_page=page_number(query, name="apage", last=100),
        citing_order=data["cited"] or "newest",
        citing_after=data["cafter"],
        citing_before=data["cbefore"],
        cite_shown=data["cite"] == "show",
    )
