"""Forms of the collab app: the request, a message, a decline, a report, the openness."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from collab.models import CollabKind
from collab.services import DECLINE_REASONS, OpennessInput
from works.models import Topic, Work


class TopicChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class WorkChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        year = obj.publication_year or "year unknown"
        return f"{obj.title} ({year})"


class RequestForm(forms.Form):
    kind = forms.ChoiceField(
        choices=CollabKind.choices, widget=forms.RadioSelect, label="What kind of collaboration"
    )
    topics = TopicChoiceField(
        queryset=Topic.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Which of their topics it is about",
    )
    message = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Your message",
        help_text="At most 2000 characters. Say what you propose and why them.",
    )
    works = WorkChoiceField(
        queryset=Work.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Works that motivate it (optional)",
    )

    def __init__(self, *args: Any, topics: list[Topic], works: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topics_field = self.fields["topics"]
        works_field = self.fields["works"]
        assert isinstance(topics_field, TopicChoiceField)
        assert isinstance(works_field, WorkChoiceField)
        topics_field.queryset = Topic.objects.filter(pk__in=[t.pk for t in topics]).order_by(
            "display_name", "pk"
        )
        topics_field.required = bool(topics)  # a record without topics yet: none to choose
        works_field.queryset = works


class MessageForm(forms.Form):
    body = forms.CharField(
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Your message",
        error_messages={"required": "Write a message first."},
    )


class DeclineForm(forms.Form):
    template = forms.ChoiceField(
        choices=[("", "No reason given"), *DECLINE_REASONS.items()],
        required=False,
        label="Reason (optional)",
    )
    reason = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Or in your own words",
    )

    def reason_text(self) -> str:
        typed = self.cleaned_data.get("reason", "").strip()
        return typed or DECLINE_REASONS.get(self.cleaned_data.get("template", ""), "")


class ReportForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="What is wrong",
        error_messages={"required": "Say what is wrong, so a moderator can act on it."},
    )
    message = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReportDecisionForm(forms.Form):
    note = forms.CharField(max_length=2000, required=False, label="Note (optional)")


class OpennessForm(forms.Form):
    is_open = forms.BooleanField(required=False, label="Take collaboration requests")
    kinds = forms.MultipleChoiceField(
        choices=CollabKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Kinds you take (none ticked: every kind)",
    )
    topics = TopicChoiceField(
        queryset=Topic.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Topics you take requests on (none ticked: any of yours)",
    )
    monthly_capacity = forms.IntegerField(
        min_value=1,
        max_value=500,
        required=False,
        label="New requests per month (empty: no limit)",
    )
    paused_until = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="Pause new requests until (inclusive)",
    )
    share_email = forms.BooleanField(
        required=False,
        label="Show my e-mail address to people whose request I accept",
        help_text="Off by default: everything happens on the site.",
    )

    def __init__(self, *args: Any, topics: list[Topic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["topics"]
        assert isinstance(field, TopicChoiceField)
        field.queryset = Topic.objects.filter(pk__in=[t.pk for t in topics]).order_by(
            "display_name", "pk"
        )

    def clean_paused_until(self) -> Any:
        value = self.cleaned_data.get("paused_until")
        if value is not None and value < timezone.now().date():
            raise forms.ValidationError("Choose today or a later date, or leave it empty.")
        return value

    def as_input(self) -> OpennessInput:
        data = self.cleaned_data
        return OpennessInput(
            is_open=data["is_open"],
            kinds=list(data["kinds"]),
            topic_ids=[t.pk for t in data["topics"]],
            monthly_capacity=data["monthly_capacity"],
            paused_until=data["paused_until"],
            share_email=data["share_email"],
        )
