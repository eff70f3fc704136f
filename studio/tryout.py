"""The test run: the questionnaire answered as a chosen unit, role and language, its conditions
applied to the answers as they are given, and nothing saved. The conditions are evaluated by
`questionnaire_visibility`, the plain twin of the respondent path's, and the forms are the
respondent's `SectionForm`s, so what fires here fires there."""

from dataclasses import dataclass

from django.utils import translation
from django.utils.safestring import SafeString

from municipalities.models import Municipality
from surveys.answers import answer_from_cleaned
from surveys.forms import SectionForm, section_form_render
from surveys.link_rule import CHIEF_ROLES
from surveys.models import Questionnaire, Section
from surveys.numbering import question_numbers
from surveys.services.questionnaires import (
    profile_values,
    questionnaire_items_in_order,
    questionnaire_visibility,
)


@dataclass
class TryoutSection:
    section: Section
    title: str
    html: SafeString


@dataclass
class Tryout:
    profile: dict[str, object]
    sections: list[TryoutSection]
    hidden_sections: list[Section]
    hidden_codes: list[str]


def tryout_build(*, questionnaire: Questionnaire, unit: Municipality, role: str, language: str, data=None) -> Tryout:
    """The sections the link of `role` in `unit` opens, with `data` (a POST, or None) as answers.
    Every item stays in the page, hidden while its condition does not hold, as on the respondent's."""
    profile = profile_values(municipality=unit, year=questionnaire.year)
    sections = list(questionnaire.sections.all())
    answers: dict[str, object] = {}
    if data is not None:
        for section in sections:
            form = SectionForm(data, items=list(section.items.all()), language=language)
            form.is_valid()
            cleaned = getattr(form, "cleaned_data", {})
            for item in section.items.all():
                value, _comment = answer_from_cleaned(item.question, cleaned)
                if value is not None:
                    answers[item.question.code] = value
    visibility = questionnaire_visibility(questionnaire=questionnaire, profile=profile, answers=answers)
    hidden = {item.question.code for item in visibility.hidden_items}
    numbers = question_numbers(questionnaire_items_in_order(questionnaire))
    shown = []
    with translation.override(language):
        for section in visibility.sections:
            if role not in CHIEF_ROLES and section.role != role:
                continue
            items = list(section.items.all())
            form = SectionForm(data, items=items, language=language, hidden_codes=frozenset(hidden), numbers=numbers)
            shown.append(TryoutSection(section, section.title(language), section_form_render(form)))
    return Tryout(profile, shown, visibility.hidden_sections, sorted(hidden))
