"""The studio's forms: they validate, the services write."""

import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studio.conditions import OPERATORS, Variable, condition_clause, operators_for
from surveys.models import Item, Question, Section, Survey, code_validator
from surveys.services.questionnaires import REVISABLE_FIELDS

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
                siblings = Section.objects.filter(questionnaire=self.questionnaire)
                cleaned["index"] = self._step(siblings, moved, cleaned["direction"])
            return cleaned
        target = moved.section
        if cleaned.get("section"):
            target = Section.objects.filter(pk=cleaned["section"], questionnaire=self.questionnaire).first()
            if target is None:
                raise forms.ValidationError(_("That is not part of this questionnaire."), code="unknown")
        cleaned["target"] = target
        if cleaned.get("direction"):
            cleaned["index"] = self._step(Item.objects.filter(section=moved.section), moved, cleaned["direction"])
        return cleaned

    @staticmethod
    def _step(siblings, moved, direction: str) -> int:
        """The place one step up or down, counted in the order shown (positions may have gaps)."""
        order = list(siblings.order_by("position").values_list("pk", flat=True))
        return max(0, order.index(moved.pk) + DIRECTIONS[direction])


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


class QuestionNewForm(forms.ModelForm):
    """A new bank question, made in the questionnaire and placed last in the chosen section; its
    options, scale and translations follow in the question editor."""

    section = forms.ModelChoiceField(queryset=Section.objects.none(), label=_("Section"), empty_label=None)

    class Meta:
        model = Question
        fields = ["code", "type", "classification", "theme", "text_nb"]
        widgets = {"text_nb": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, questionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = Section.objects.filter(questionnaire=questionnaire).order_by("position")

    def _post_clean(self):
        # The service validates the whole question (full_clean) when it makes it.
        pass


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


JOINERS = [("and", _("and")), ("or", _("or"))]


class ConditionForm(forms.Form):
    """An item's condition as text, and the builder that writes one clause into it at a time."""

    condition = forms.CharField(
        label=_("Condition"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control font-monospace", "spellcheck": "false"}),
        help_text=_("Empty: always shown. Values may be written as their codes or their labels, e.g. 'ja'."),
    )
    variable = forms.ChoiceField(label=_("Question or profile variable"), required=False)
    operator = forms.ChoiceField(label=_("Operator"), required=False)
    value = forms.CharField(label=_("Value"), required=False, max_length=200)
    joiner = forms.ChoiceField(label=_("Combine with"), choices=JOINERS, required=False)

    def __init__(self, *args, variables, **kwargs):
        super().__init__(*args, **kwargs)
        self.variables = {variable.name: variable for variable in variables}
        self.fields["variable"].choices = [(v.name, v.label) for v in variables]
        chosen = self.chosen_variable()
        self.fields["operator"].choices = [(op, OPERATORS[op]) for op in operators_for(chosen)] if chosen else []
        if chosen and chosen.options:
            self.fields["value"] = forms.ChoiceField(label=_("Value"), required=False, choices=chosen.options)

    def chosen_variable(self) -> Variable | None:
        name = (self.data.get("variable") if self.is_bound else None) or next(iter(self.variables), None)
        return self.variables.get(name)

    def clause(self) -> str:
        """The clause the builder's fields describe; a ValidationError when they do not."""
        variable = self.variables.get(self.cleaned_data.get("variable"))
        value = str(self.cleaned_data.get("value") or "").strip()
        if variable is None or not value or not self.cleaned_data.get("operator"):
            raise forms.ValidationError(_("Choose a question, an operator and a value."), code="incomplete")
        if variable.type == "number":
            try:
                Decimal(value)
            except InvalidOperation:
                raise forms.ValidationError(_("The value must be a number."), code="not_a_number") from None
        return condition_clause(variable=variable, operator=self.cleaned_data["operator"], value=value)


QUESTION_TEXT_FIELDS = ["text_nb", "text_nn", "text_en", "help_nb", "help_nn", "help_en"]
QUESTION_ANSWER_FIELDS = [
    "scale",
    "offers_not_relevant",
    "offers_dont_know",
    "max_choices",
    "min_value",
    "max_value",
    "has_comment",
]


class QuestionForm(forms.ModelForm):
    """A bank question's texts side by side in three languages and its answer settings. A frozen
    question keeps all but its texts, theme and comment box: a change there becomes a new version."""

    class Meta:
        model = Question
        fields = ["classification", "theme", "type", *QUESTION_TEXT_FIELDS, *QUESTION_ANSWER_FIELDS]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in QUESTION_TEXT_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.is_frozen:
            for name, field in self.fields.items():
                if name not in REVISABLE_FIELDS:
                    field.disabled = True

    def _post_clean(self):
        # The service validates the whole question (full_clean) when it saves; the form keeps to fields.
        pass


class OptionForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        validators=[code_validator],
        help_text=_("Used in conditions and exports; Norwegian words are fine, e.g. bolig."),
    )
    label_nb = forms.CharField(label=_("Label (Bokmål)"), max_length=300)
    label_nn = forms.CharField(label=_("Label (Nynorsk)"), max_length=300, required=False)
    label_en = forms.CharField(label=_("Label (English)"), max_length=300, required=False)
    is_exclusive = forms.BooleanField(
        label=_("Chosen only alone (such as “None of these”): ticking it clears the other options"),
        required=False,
    )


OptionFormSet = forms.formset_factory(OptionForm, extra=2, can_delete=True)
