from __future__ import annotations

from django import forms

from openweb.selectors import WorkFilters


class WorkFiltersForm(forms.Form):
    """The profile's work filters, as an export of "the current view" receives them."""

    year_from = forms.IntegerField(min_value=0, max_value=9999, required=False)
    year_to = forms.IntegerField(min_value=0, max_value=9999, required=False)
    type = forms.SlugField(max_length=50, required=False)
    topic = forms.IntegerField(min_value=1, max_value=2**31 - 1, required=False)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        year_from, year_to = cleaned.get("year_from"), cleaned.get("year_to")
        if year_from is not None and year_to is not None and year_from > year_to:
            raise forms.ValidationError("year_from must not be after year_to.")
        return cleaned

    def filters(self) -> WorkFilters:
        data = self.cleaned_data
        return WorkFilters(
            year_from=data["year_from"],
            year_to=data["year_to"],
            work_type=data["type"] or "",
            topic_id=data["topic"],
        )
