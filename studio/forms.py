"""The studio's forms: they validate, the services write."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models import Item, Question, Section, Survey

LOCAL_INPUT = "%Y-%m-%dT%H:%M"
LOCAL_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT)
DIRECTIONS = {"up": -1, "down": 1}


class MoveForm(forms.Form):
    """One move: a section or an item to a place (drag and drop), or one step up or down
    (the buttons). Both end in the same service call."""

    kind = forms.ChoiceField(choices=[("item", "item"), ("section", "section")])
    id = forms.IntegerField(min_value=1)
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")], required=False)
    section = forms.IntegerField(min_value=1, required=False)
    index = forms.IntegerField(min_value=0, max_value=1000, required=False)

    def __init__(self, *args, questionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if not cleaned.get("direction") and cleaned.get("index") is None:
            raise forms.ValidationError(_("Say where to move it."), code="nowhere")
        model = Item if cleaned["kind"] == "item" else Section
        moved = model.objects.filter(pk=cleaned["id"], questionnaire=self.questionnaire).first()
        if moved is None:
            raise forms.ValidationError(_("That is not part of this questionnaire."), code="unknown")
        cleaned["moved"] = moved
        if cleaned["kind"] == "section":
            if cleaned.get("direction"):
                cleaned["index"] = max(0, moved.position - 1 + DIRECTIONS[cleaned["direction"]])
            return cleaned
        target = moved.section
        if cleaned.get("section"):
            target = Section.objects.filter(pk=cleaned["section"], questionnaire=self.questionnaire).first()
            if target is None:
                raise forms.ValidationError(_("That is not part of this questionnaire."), code="unknown")
        cleaned["target"] = target
        if cleaned.get("direction"):
            cleaned["index"] = max(0, moved.position - 1 + DIRECTIONS[cleaned["direction"]])
        return cleaned


class BankSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the question bank"), required=False, max_length=100)
    classification = forms.ChoiceField(
        label=_("Classification"),
        required=False,
        choices=[("", _("All"))] + list(Question.Classification.choices),
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class ItemAddForm(forms.Form):
    question = forms.ModelChoiceField(queryset=Question.objects.all(), widget=forms.HiddenInput)
    section = forms.ModelChoiceField(queryset=Section.objects.none(), label=_("Section"))

    def __init__(self, *args, questionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = Section.objects.filter(questionnaire=questionnaire).order_by("position")


class NextRoundForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    opens_at = forms.DateTimeField(label=_("Opens"), widget=LOCAL_WIDGET)
    closes_at = forms.DateTimeField(label=_("Closes"), widget=LOCAL_WIDGET)
    keep = forms.MultipleChoiceField(
        label=_("Rotating and current-affairs questions to keep"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    copy_schedule = forms.BooleanField(
        label=_("Copy the reminder schedule"),
        required=False,
        initial=True,
        help_text=_("Its messages count days from the round's dates, so they move with the dates above."),
    )

    def __init__(self, *args, source: Survey, optional_items: list[Item], **kwargs):
        year = source.year + 1
        # The same weekday a year later: 52 weeks.
        shift = datetime.timedelta(weeks=52)
        kwargs.setdefault(
            "initial",
            {
                "year": year,
                "title": source.title.replace(str(source.year), str(year)),
                "opens_at": timezone.localtime(source.opens_at + shift).replace(tzinfo=None),
                "closes_at": timezone.localtime(source.closes_at + shift).replace(tzinfo=None),
                "copy_schedule": True,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [
            (
                str(item.question_id),
                f"{item.question.code} · {item.question.get_classification_display()}"
                f"{' · ' + item.question.theme if item.question.theme else ''}: {item.question.text_nb[:90]}",
            )
            for item in optional_items
        ]
        if not hasattr(source, "reminder_schedule"):
            del self.fields["copy_schedule"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("opens_at") and cleaned.get("closes_at") and cleaned["closes_at"] <= cleaned["opens_at"]:
            self.add_error("closes_at", forms.ValidationError(_("The round must close after it opens."), code="order"))
        return cleaned


class OpenRoundForm(forms.Form):
    warnings_read = forms.BooleanField(label=_("I have read the warnings above"), required=False)
