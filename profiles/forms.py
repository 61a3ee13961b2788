from __future__ import annotations

from django import forms


class ResearcherSearchForm(forms.Form):
    q = forms.CharField(label="Find a researcher", max_length=200, strip=True)


class WorksPageForm(forms.Form):
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)
