from __future__ import annotations

from django import forms
from django.http import Http404, QueryDict


class ResearcherSearchForm(forms.Form):
    q = forms.CharField(label="Find a researcher", max_length=200, strip=True)
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)


class WorksPageForm(forms.Form):
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)


def works_page_number(query: QueryDict) -> int:
    """`?page=N` (1 when absent); anything but a whole number from 1 up is a 404."""
    form = WorksPageForm(query)
    if not form.is_valid():
        raise Http404("No such page of works.")
    return form.cleaned_data["page"] or 1
