"""Forms for record repair: which records, which works, and why."""

from __future__ import annotations

from django import forms

from profiles.models import Researcher


class MergePairForm(forms.Form):
    """The two records of a merge, by slug: `source` goes, `target` stays."""

    source = forms.SlugField(label="Record to merge away (its URL redirects afterwards)")
    target = forms.SlugField(label="Record that stays")


class MergeForm(forms.Form):
    source = forms.SlugField(widget=forms.HiddenInput)
    target = forms.SlugField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why (shown in the audit)", max_length=2000, required=False, widget=forms.Textarea
    )
    candidate = forms.IntegerField(required=False, widget=forms.HiddenInput)


class UndoForm(forms.Form):
    reason = forms.CharField(label="Why undo", max_length=2000, required=False)


class SplitFilterForm(forms.Form):
    coauthor = forms.CharField(label="Co-author name contains", max_length=200, required=False)
    venue = forms.CharField(label="Venue contains", max_length=200, required=False)
    year_from = forms.IntegerField(
        label="From year", min_value=1000, max_value=3000, required=False
    )
    year_to = forms.IntegerField(label="To year", min_value=1000, max_value=3000, required=False)
    topic = forms.TypedChoiceField(label="Topic", coerce=int, required=False, empty_value=None)


class MoveDestinationForm(forms.Form):
    """Where moved works go (an existing record by its slug, or a new record) and why.
    A slug that names no record is an error on the field, so what was typed stays."""

    target = forms.SlugField(
        label="Existing record to receive them (slug; empty: a new record)", required=False
    )
    new_name = forms.CharField(label="Name of the new record", max_length=300, required=False)
    reason = forms.CharField(label="Why (shown in the audit)", max_length=2000, required=False)

    target_record: Researcher | None = None

    def clean_target(self) -> str:
        slug: str = self.cleaned_data["target"]
        if slug:
            self.target_record = Researcher.objects.filter(slug=slug).first()
            if self.target_record is None:
                raise forms.ValidationError("No record has this slug.")
        return slug


class SplitForm(MoveDestinationForm):
    works = forms.TypedMultipleChoiceField(coerce=int, label="Works to move")


class FlagMoveForm(MoveDestinationForm):
    """Accept "not mine" flags by moving their works: which flags, to which record, why."""

    flags = forms.TypedMultipleChoiceField(coerce=int, label="Flagged works to move")
