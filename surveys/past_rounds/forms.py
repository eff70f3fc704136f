from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.models import PastRoundImport, Question
from surveys.past_rounds.matching import NEW_QUESTION_TYPES


class PastRoundUploadForm(forms.Form):
    file = forms.FileField(label=_("Data file"), help_text=_("SPSS (.sav), Excel (.xlsx) or CSV, one row per unit."))
    year = forms.IntegerField(label=_("Year of the round"), min_value=1990, max_value=2100)
    reference_day = forms.DateField(
        label=_("Registry day"),
        required=False,
        help_text=_("The units valid on this day took part (YYYY-MM-DD). Empty: 1 December of the year."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    previous = forms.ModelChoiceField(
        label=_("Start from the mapping of"),
        queryset=PastRoundImport.objects.select_related("survey"),
        required=False,
        help_text=_("An earlier import of a file of the same shape: its columns start from its decisions."),
    )


class PastRoundMappingForm(forms.Form):
    """One row of decisions per column of the file: map (to a question, and a matrix row or an
    option), make a new question, or ignore."""

    ACTIONS = [("map", _("map to a question")), ("new", _("new question")), ("ignore", _("ignore"))]

    def __init__(self, *args, mapping: dict, columns: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        entries = mapping.get("columns") or {}
        because = mapping.get("suggested_because") or {}
        for index, column in enumerate(columns):
            if column.name in (mapping.get("unit_column"), mapping.get("name_column")):
                continue
            entry = entries.get(column.name) or {"action": "ignore"}
            names = {key: f"{key}_{index}" for key in ("action", "question", "item", "option")}
            label = column.label or column.name
            self.fields[names["action"]] = forms.ChoiceField(
                choices=self.ACTIONS, initial=entry.get("action", "ignore"), label=_("Action for %(c)s") % {"c": label}
            )
            for key, text in (("question", _("Question")), ("item", _("Matrix row")), ("option", _("Option"))):
                self.fields[names[key]] = forms.CharField(
                    required=False,
                    max_length=40,
                    initial=entry.get(key, ""),
                    label=_("%(what)s for %(c)s") % {"what": text, "c": label},
                )
            # A new question's code, type, classification and theme are the admin's to choose.
            new = entry.get("new") or {}
            new_names = {key: f"new_{key}_{index}" for key in ("code", "type", "classification", "theme")}
            types = [(value, label) for value, label in Question.Type.choices if value in NEW_QUESTION_TYPES]
            self.fields[new_names["code"]] = forms.CharField(
                required=False, max_length=40, initial=new.get("code", ""), label=_("New question's code")
            )
            self.fields[new_names["type"]] = forms.ChoiceField(
                required=False, choices=[("", "—"), *types], initial=new.get("type", ""), label=_("Type")
            )
            self.fields[new_names["classification"]] = forms.ChoiceField(
                required=False,
                choices=[("", "—"), *Question.Classification.choices],
                initial=new.get("classification", ""),
                label=_("Classification"),
            )
            self.fields[new_names["theme"]] = forms.CharField(
                required=False, max_length=120, initial=new.get("theme", ""), label=_("Theme")
            )
            self.rows.append(
                {
                    "column": column,
                    "because": because.get(column.name, ""),
                    "new": entry.get("new"),
                    "fields": [self[names[key]] for key in ("action", "question", "item", "option")],
                    "new_fields": [self[name] for name in new_names.values()],
                    "names": names | {f"new_{key}": name for key, name in new_names.items()},
                }
            )

    def decisions(self) -> dict[str, dict]:
        return {
            row["column"].name: {key: self.cleaned_data[name] for key, name in row["names"].items()}
            for row in self.rows
        }
