from __future__ import annotations

from typing import Any

from django import forms

from claims.models import Claim, ClaimState, ReasonKind, ReasonTemplate
from claims.selectors import AGE_FILTERS
from profiles.models import Institution


class ClaimForm(forms.ModelForm):
    class Meta:
        model = Claim
        fields = ["claimant_name", "homepage_url", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 4})}


class ModerationFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("", "Any state"), *ClaimState.choices], required=False, initial="pending"
    )
    age = forms.ChoiceField(
        choices=[
            ("", "Any age"),
            ("day", "Opened in the last day"),
            ("week", "Opened in the last week"),
            ("older-week", "Waiting over a week"),
            ("older-month", "Waiting over a month"),
        ],
        required=False,
    )

    def clean_age(self) -> str:
        age = self.cleaned_data["age"]
        return age if age in AGE_FILTERS else ""


class DecisionForm(forms.Form):
    """A reason typed by the moderator, or taken from a template of the right kind."""

    template = forms.ModelChoiceField(
        queryset=ReasonTemplate.objects.none(),
        required=False,
        label="Reason template",
        empty_label="None: I type the reason",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ReasonTemplate.objects.filter(kind=kind, active=True)  # type: ignore[attr-defined]
        self.kind = kind

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reason = (data.get("reason") or "").strip()
        template = data.get("template")
        if not reason and template is not None:
            reason = template.body
        data["reason"] = reason
        return data


class BulkDecisionForm(DecisionForm):
    claims = forms.ModelMultipleChoiceField(
        queryset=Claim.objects.pending(), widget=forms.CheckboxSelectMultiple
    )
    action = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, kind=ReasonKind.REJECT, **kwargs)
        # Approvals and rejections both draw on the templates of their own kind.
        self.fields["template"].queryset = ReasonTemplate.objects.filter(  # type: ignore[attr-defined]
            kind__in=[ReasonKind.APPROVE, ReasonKind.REJECT], active=True
        )


class OwnerProfileForm(forms.Form):
    """The owner's own words about their record.

    The affiliation may be any known institution. Its widget is never rendered (that would
    list every institution): the page offers a few and a search (claims/owner_manage.html).
    """

    headline = forms.CharField(max_length=300, required=False)
    affiliation = forms.ModelChoiceField(
        queryset=Institution.objects.all(), required=False, widget=forms.HiddenInput
    )


class WorkFlagForm(forms.Form):
    note = forms.CharField(max_length=2000, required=False, widget=forms.TextInput)
