"""Forms built from a questionnaire. The designer's preview and the respondent
pages render the same `SectionForm`, so what a designer sees is what a
municipality gets."""

import functools
from collections.abc import Mapping
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Layout, LayoutObject
from crispy_forms.utils import render_crispy_form
from django import forms
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from surveys.models import DONT_KNOW, NOT_RELEVANT, Item, Question
from surveys.numbering import question_label
from surveys.numbers import number_display, number_parse, range_text

ERROR_TOO_MANY = _("Choose at most %(max)s.")
ERROR_EXCLUSIVE = _("“%(option)s” cannot be chosen together with other answers.")


def comment_field_name(question: Question) -> str:
    return f"{question.code}__comment"


def matrix_field_name(question: Question, row_code: str) -> str:
    return f"{question.code}__{row_code}"


class DistinctChoicesField(forms.MultipleChoiceField):
    """A multiple-choice answer: a code given twice counts once, in the order first given, so a
    maximum counts distinct codes and every way of saving (the autosave and the whole form) stores
    each code once."""

    def to_python(self, value):
        return list(dict.fromkeys(super().to_python(value)))


class ExclusiveMarkingCheckboxes(forms.CheckboxSelectMultiple):
    """Check boxes that mark the exclusive ones (data-exclusive), for static/js/exclusive-options.js."""

    def __init__(self, *args, exclusive: frozenset[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.exclusive = exclusive

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if str(value) in self.exclusive:
            option["attrs"]["data-exclusive"] = "true"
        return option


def exclusive_conflict(question: Question, codes: list[str]) -> str | None:
    """The exclusive code (see Question.exclusive_codes) chosen together with another answer, or
    None when the choice is allowed. The one rule both ways of saving ask, through SectionForm."""
    if len(codes) < 2:
        return None
    exclusive = question.exclusive_codes()
    return next((code for code in codes if code in exclusive), None)


def _with_dont_know(question: Question, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The choices, and "don't know" last when the question offers it."""
    return [*choices, (DONT_KNOW, _("Don't know"))] if question.offers_dont_know else choices


class NorwegianNumberField(forms.Field):
    """A number typed as Norwegians write it ("65,5", "65.5", "1 234"): a text field the phone
    opens with its number pad (a number input would refuse the comma, or drop it), parsed here.
    Gives an int when `whole`, else a Decimal; a value outside the limits is refused with the
    limits as a range ("between 0 and 100")."""

    default_error_messages = {
        "invalid": _("Write a number, for example 65,5."),
        "whole": _("Write a whole number, for example 12."),
        "places": _("Write at most four decimals."),
    }

    def __init__(self, *, whole: bool, minimum=None, maximum=None, **kwargs):
        self.whole = whole
        self.minimum, self.maximum = minimum, maximum
        mode = "numeric" if whole else "decimal"
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": mode, "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return number_display(value, grouped=False)
        return value

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int | Decimal):
            number = Decimal(value)
        else:
            number = number_parse(str(value))
            if number is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if self.whole:
            if number != number.to_integral_value():
                raise forms.ValidationError(self.error_messages["whole"], code="whole")
            return int(number)
        if number.as_tuple().exponent < -4 or abs(number) >= 10**10:
            raise forms.ValidationError(self.error_messages["places"], code="places")
        return number

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise forms.ValidationError(range_text(self.minimum, self.maximum), code="range")


def _scale_choices(question: Question, language: str) -> list[tuple[str, str]]:
    choices = [(point.code, point.label(language)) for point in question.scale.points.all()]
    if question.offers_not_relevant:
        choices.append((NOT_RELEVANT, _("Not relevant")))
    return _with_dont_know(question, choices)


def _option_choices(question: Question, language: str) -> list[tuple[str, str]]:
    return _with_dont_know(question, [(option.code, option.label(language)) for option in question.options.all()])


def question_field(question: Question, language: str, number: int | None = None) -> forms.Field:
    """The form field for one non-matrix question. No answer is ever required."""
    label = question_label(question.text(language), number)
    common = {"label": label, "help_text": question.help(language), "required": False}
    kind = question.type
    if kind == Question.Type.SINGLE_CHOICE:
        return forms.ChoiceField(choices=_option_choices(question, language), widget=forms.RadioSelect, **common)
    if kind == Question.Type.MULTIPLE_CHOICE:
        choices = _option_choices(question, language)
        widget = ExclusiveMarkingCheckboxes(exclusive=question.exclusive_codes())
        return DistinctChoicesField(choices=choices, widget=widget, **common)
    if kind == Question.Type.YES_NO:
        return forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect, **common)
    if kind == Question.Type.SCALE:
        return forms.ChoiceField(choices=_scale_choices(question, language), widget=forms.RadioSelect, **common)
    if kind in (Question.Type.INTEGER, Question.Type.DECIMAL):
        return NorwegianNumberField(
            whole=kind == Question.Type.INTEGER, minimum=question.min_value, maximum=question.max_value, **common
        )
    if kind == Question.Type.SHORT_TEXT:
        return forms.CharField(max_length=500, **common)
    if kind == Question.Type.LONG_TEXT:
        return forms.CharField(max_length=20000, widget=forms.Textarea(attrs={"rows": 5}), **common)
    raise ValueError(f"{kind} has no single field")


class MatrixGrid(LayoutObject):
    """A matrix as a table: a row header per row, a column header per scale point, one radio
    group per row (surveys/matrix_grid.html). On a phone the stylesheet stacks each row with its
    points' labels showing (static/css/site.css, .matrix-grid)."""

    def __init__(self, legend: str, *rows: str):
        self.legend = legend
        self.rows = rows

    def render(self, form, context, template_pack=None, **kwargs):
        rows = [form[name] for name in self.rows]
        columns = [label for _code, label in rows[0].field.choices] if rows else []
        return render_to_string("surveys/matrix_grid.html", {"legend": self.legend, "columns": columns, "rows": rows})


class SectionForm(forms.Form):
    """The visible items of one section as form fields, laid out with crispy-forms."""

    def __init__(
        self,
        *args,
        items: list[Item],
        language: str,
        hidden_codes: frozenset[str] = frozenset(),
        numbers: Mapping[int, int] | None = None,
        **kwargs,
    ):
        """`numbers`: the questions' numbers by question id (question_numbers), shown before their texts."""
        super().__init__(*args, **kwargs)
        self.items = items
        self.numbers = numbers or {}
        self.language = language
        self.hidden_codes = hidden_codes
        self.max_choices: dict[str, int] = {}
        self.with_exclusive: dict[str, Question] = {}  # field name -> its question, when it has exclusive codes
        # Per item: the question, its matrix rows' fields and its other fields, for the layout.
        self.blocks: list[tuple[Question, list[str], list[str]]] = []
        for item in items:
            question = item.question
            rows, names = [], []
            if question.type == Question.Type.MATRIX:
                choices = _scale_choices(question, language)
                for row in question.matrix_items.all():
                    name = matrix_field_name(question, row.code)
                    # each point is read with its row's header (a cell of the grid: surveys/matrix_grid.html)
                    widget = forms.RadioSelect(attrs={"aria-describedby": f"row-{name}"})
                    self.fields[name] = forms.ChoiceField(
                        label=row.label(language), choices=choices, widget=widget, required=False
                    )
                    rows.append(name)
            elif question.type != Question.Type.NOTE:
                self.fields[question.code] = question_field(question, language, self.numbers.get(question.pk))
                if question.max_choices:
                    self.max_choices[question.code] = question.max_choices
                if question.exclusive_codes():
                    self.with_exclusive[question.code] = question
                names.append(question.code)
            if question.has_comment:
                name = comment_field_name(question)
                self.fields[name] = forms.CharField(
                    label=_("Comment"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
                )
                names.append(name)
            self.blocks.append((question, rows, names))

    @functools.cached_property
    def helper(self) -> FormHelper:
        """The layout, built only when the form is rendered: an autosave validates without it."""
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        parts = []
        for question, rows, names in self.blocks:
            block = []
            if question.type == Question.Type.NOTE:
                block.append(HTML(format_html('<p class="question-note">{}</p>', question.text(self.language))))
            if question.type == Question.Type.MATRIX:
                legend = question_label(question.text(self.language), self.numbers.get(question.pk))
                block.append(MatrixGrid(legend, *rows))
            block += names
            # Items hidden by a condition stay in the page, so they can appear as answers change.
            attributes = {"hidden": "hidden"} if question.code in self.hidden_codes else {}
            parts.append(
                Div(
                    *block,
                    css_id=f"item-{question.code}",
                    css_class="survey-item mb-4",
                    data_question=question.code,
                    **attributes,
                )
            )
        helper.layout = Layout(*parts)
        return helper

    def clean(self):
        cleaned = super().clean()
        for name, maximum in self.max_choices.items():
            if len(cleaned.get(name) or []) > maximum:
                self.add_error(name, forms.ValidationError(ERROR_TOO_MANY, code="too_many", params={"max": maximum}))
        for name, question in self.with_exclusive.items():
            code = exclusive_conflict(question, cleaned.get(name) or [])
            if code is not None:
                label = dict(self.fields[name].choices).get(code, code)
                error = forms.ValidationError(ERROR_EXCLUSIVE, code="exclusive", params={"option": label})
                self.add_error(name, error)
        return cleaned


def section_form_render(form: SectionForm) -> SafeString:
    """A section's form as HTML, drawn by crispy-forms (the respondent's page, the preview; the fast
    path keeps it compiled: surveys.fastpath.forms)."""
    return render_crispy_form(form, helper=form.helper)
