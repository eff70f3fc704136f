import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from municipalities.models import County
from reminders.models import ChaseEntry, Dispatch
from reminders.selectors import BoardSort, UnitStatus


class ChaseEntryForm(forms.ModelForm):
    """A call, an e-mail or a meeting; personal reminders are logged by the reminder button."""

    class Meta:
        model = ChaseEntry
        fields = ["channel", "outcome", "note", "follow_up_on"]
        widgets = {
            "note": forms.Textarea(attrs={"rows": 3}),
            "follow_up_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [
            choice for choice in ChaseEntry.Channel.choices if choice[0] != ChaseEntry.Channel.REMINDER
        ]
        self.fields["outcome"].choices = [
            choice for choice in ChaseEntry.Outcome.choices if choice[0] != ChaseEntry.Outcome.SENT
        ]


class PersonalReminderForm(forms.Form):
    """One click; the key makes a form sent twice send once."""

    request_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class BoardFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[
            ("", _("Not submitted")),
            (UnitStatus.NOT_STARTED, _("Not started")),
            (UnitStatus.STARTED, _("Started")),
        ],
    )
    county = forms.ModelChoiceField(queryset=County.objects.none(), required=False, label=_("County"))
    follow_up_due = forms.BooleanField(required=False, label=_("Follow-up due"))
    sort = forms.ChoiceField(required=False, choices=BoardSort.choices, label=_("Sort by"))

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
        self.fields["county"].empty_label = _("All counties")
        for name in ("status", "county", "sort"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["follow_up_due"].widget.attrs["class"] = "form-check-input"


class MailLogFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[("", _("All")), *Dispatch.Status.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
