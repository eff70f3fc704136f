from django import forms
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.oidc.provider import oidc_enabled
from accounts.selectors import staff_user_list_waiting
from municipalities.access import municipalities_visible_to, staff_required, staff_role
from municipalities.models import StaffProfile
from operations.params import param_id, param_int
from surveys.forms import SectionForm, section_form_render
from surveys.link_rule import CHIEF_ROLES
from surveys.models import Questionnaire, Section
from surveys.numbering import question_numbers
from surveys.selectors import survey_list_for_staff, survey_list_open
from surveys.services.questionnaires import (
    condition_message,
    profile_values,
    questionnaire_items_in_order,
    questionnaire_load,
    questionnaire_problems,
    questionnaire_visibility,
    references_for_condition,
)

PARAMETERS_NOT_NUMBERS = _("The section and the position must be whole numbers.")


def home(request):
    return render(
        request, "surveys/home.html", {"open_surveys": survey_list_open(), "support_email": settings.SUPPORT_EMAIL}
    )


@staff_required
def staff_home(request):
    role = staff_role(request.user)
    # Survey admins grant roles to people who signed in through the identity provider.
    waiting = (
        staff_user_list_waiting().count()
        if role == StaffProfile.Role.SURVEY_ADMIN and oidc_enabled() and not settings.OIDC_GROUPS_CLAIM
        else None
    )
    return render(
        request,
        "surveys/staff_home.html",
        {"surveys": survey_list_for_staff(), "role": role, "people_waiting": waiting},
    )


class PreviewForm(forms.Form):
    municipality = forms.ChoiceField(label=_("Municipality or district"))
    role = forms.ChoiceField(
        label=_("Link of"),
        required=False,
        initial=Section.Role.CHIEF_EXECUTIVE,
        help_text=_("The chief executive and the district director see every section; the others their own."),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("nb", "norsk bokmål"), ("nn", "norsk nynorsk"), ("en", "English")]
    )

    def __init__(self, *args, units, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {str(unit.pk): unit for unit in units}
        self.fields["municipality"].choices = [(key, str(unit)) for key, unit in self.units.items()]
        self.roles = {role.code: role for role in roles}
        self.fields["role"].choices = [(role.code, role.name()) for role in roles]


@staff_required
def questionnaire_preview(request, pk: int):
    """The questionnaire as the link of a chosen role in a chosen municipality sees it,
    conditions applied, in a chosen language."""
    questionnaire = questionnaire_load(get_object_or_404(Questionnaire, pk=pk).pk)
    units = municipalities_visible_to(request.user).current().order_by("number")
    form = PreviewForm(request.GET or None, units=units, roles=list(questionnaire.roles.all()))
    context = {"questionnaire": questionnaire, "form": form, "problems": questionnaire_problems(questionnaire)}
    if form.is_valid():
        unit = form.units[form.cleaned_data["municipality"]]
        language = form.cleaned_data["language"]
        role = form.cleaned_data["role"] or Section.Role.CHIEF_EXECUTIVE
        profile = profile_values(municipality=unit, year=questionnaire.year)
        visibility = questionnaire_visibility(questionnaire=questionnaire, profile=profile, answers={})
        # As on the respondent pages: the chief's link opens every visible section, another role's only its own.
        for_role = [s for s in visibility.sections if role in CHIEF_ROLES or s.role == role]
        numbers = question_numbers(questionnaire_items_in_order(questionnaire))
        with translation.override(language):
            sections = [
                {
                    "section": section,
                    "title": section.title(language),
                    # Drawn here, inside the language: the form's own words ("Not relevant") are lazy texts.
                    "html": section_form_render(
                        SectionForm(items=visibility.items[section.pk], language=language, numbers=numbers)
                    ),
                }
                for section in for_role
            ]
        context.update(
            unit=unit,
            role_label=form.roles[role].name() if role in form.roles else role,
            profile=profile,
            language=language,
            sections=sections,
            other_role_sections=[s for s in visibility.sections if s not in for_role],
            hidden_sections=visibility.hidden_sections,
            hidden_items=visibility.hidden_items,
        )
    return render(request, "surveys/questionnaire_preview.html", context)


@staff_required
def condition_check_live(request, pk: int):
    """Checks a condition as it is typed in the admin, at the place given by the section
    and the item's position (the section's own condition when no position is given).
    Saving checks again against the order actually saved."""
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    section_id = param_id(request.GET.get("section"))
    position = request.GET.get("position", "")
    if section_id is None or (position and param_int(position) is None):
        return JsonResponse({"ok": False, "message": str(PARAMETERS_NOT_NUMBERS)}, status=400)
    section = get_object_or_404(Section, pk=section_id, questionnaire=questionnaire)
    items = list(section.items.select_related("question").order_by("position"))
    row_index = None
    if position:
        row_index = sum(1 for item in items if item.position < param_int(position))
    references = references_for_condition(
        questionnaire=questionnaire,
        section_position=section.position,
        section_questions=[item.question for item in items],
        row_index=row_index,
        exclude_section_id=section.pk,
    )
    message = condition_message(request.GET.get("text", ""), references)
    return JsonResponse({"ok": message is None, "message": message or ""})
