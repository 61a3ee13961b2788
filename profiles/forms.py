from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from profiles.coauthors import COAUTHOR_SORTS
from profiles.models import Institution
from profiles.works_list import WORK_SORTS, WorksFilter
from works.models import Topic
from works.search import KINDS, WorkFilters


class SiteSearchForm(forms.Form):
    """The home page's one search box, the kind asked for and the works' filters.

    A bad filter is reported beside its field and left out of the search; the query and the
    other filters still apply. A bad page number is a 404 (`profiles.paging.page_number`).
    """

    q = forms.CharField(label="Search", max_length=200, strip=True)
    kind = forms.ChoiceField(choices=[("", "All")] + [(k, k) for k in KINDS], required=False)
    year_from = forms.IntegerField(
        label="From year", min_value=1000, max_value=2100, required=False
    )
    year_to = forms.IntegerField(label="To year", min_value=1000, max_value=2100, required=False)
    type = forms.CharField(label="Type", max_length=50, required=False)
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.only("id", "display_name"),
        required=False,
        error_messages={"invalid_choice": "No such topic: remove it and search again."},
    )
    institution = forms.ModelChoiceField(
        queryset=Institution.objects.only("id", "display_name"),
        required=False,
        error_messages={"invalid_choice": "No such institution: remove it and search again."},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("year_from"), cleaned.get("year_to")
        if first is not None and last is not None and first > last:
            self.add_error("year_to", f"The range ends before it starts ({first} to {last}).")
        return cleaned

    def usable(self, name: str) -> Any:
        """A field's cleaned value, or None when it was left out or is in error."""
        if name in self.errors:
            return None
        return getattr(self, "cleaned_data", {}).get(name)

    def work_filters(self) -> WorkFilters:
        topic, institution = self.usable("topic"), self.usable("institution")
        return WorkFilters(
            year_from=self.usable("year_from"),
            year_to=self.usable("year_to") if "year_to" not in self.errors else None,
            work_type=self.usable("type") or "",
            topic_id=topic.pk if topic else None,
            institution_id=institution.pk if institution else None,
        )


class WorksListForm(forms.Form):
    """The profile's works list state: `?sort=&from=&to=&type=&topic=` (all optional)."""

    sort = forms.ChoiceField(choices=list(WORK_SORTS.items()), required=False)
    year_from = forms.IntegerField(
        label="From year", min_value=1000, max_value=2100, required=False
    )
    year_to = forms.IntegerField(label="To year", min_value=1000, max_value=2100, required=False)
    type = forms.CharField(label="Type", max_length=50, required=False)
    topic = forms.IntegerField(label="Topic", min_value=1, required=False)

    def __init__(self, data: QueryDict | None = None) -> None:
        # `from` and `to` are the URL's names; Python keeps `from` for itself.
        if data is not None:
            data = data.copy()
            for short, name in (("from", "year_from"), ("to", "year_to")):
                if short in data:
                    data[name] = data.pop(short)[-1]
        super().__init__(data)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("year_from"), cleaned.get("year_to")
        if start and end and start > end:
            raise forms.ValidationError(f"“From year” ({start}) is after “To year” ({end}).")
        return cleaned

    def works_filter(self) -> WorksFilter:
        """The filter when every value is valid, else the whole list (errors shown beside it)."""
        if not self.is_valid():
            return WorksFilter()
        data = self.cleaned_data
        return WorksFilter(
            sort=data["sort"] or "newest",
            year_from=data["year_from"],
            year_to=data["year_to"],
            work_type=data["type"],
            topic_id=data["topic"],
        )


class CoauthorsForm(forms.Form):
    sort = forms.ChoiceField(choices=list(COAUTHOR_SORTS.items()), required=False)
    # `?page=` is read by profiles.paging.page_number, like every paged view's.
