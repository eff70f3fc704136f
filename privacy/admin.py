"""The personal data log, and the personal data actions on contacts, links and rounds.

The actions are added to the admins of municipalities and surveys from here (as reminders.admin adds
the reminders' action to rounds), so that everything about personal data lives in this app. Each
action needs the permission privacy.manage_personal_data (survey admins have it) and is logged.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from municipalities.admin import ContactAdmin, LogAdminMixin
from privacy.exports import CONTENT_TYPES, personal_data_file_name, personal_data_json, personal_data_xlsx
from privacy.models import PersonalDataLog
from privacy.selectors import personal_data_collect
from privacy.services import Doer, personal_data_erase, personal_data_export, survey_pseudonymise
from surveys.admin import InvitationAdmin, SurveyAdmin

PERMISSION = "privacy.manage_personal_data"
ERROR_ONE_PERSON = _("Select the rows of one person: every selected row must have the same e-mail address.")
KIND_LABELS = {
    "contacts": _("contact rows (deleted)"),
    "invitations": _("links (name and e-mail replaced)"),
    "messages": _("messages sent (e-mail address blanked)"),
    "chase_entries": _("chase entries that mention them (name and address replaced)"),
    "answer_changes": _("answer changes through their links (name replaced in the audit trail)"),
    "sections": _("sections they last worked on or submitted (name replaced)"),
}


@admin.register(PersonalDataLog)
class PersonalDataLogAdmin(LogAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "action", "subject", "survey", "performed_by_name"]
    list_filter = ["action"]
    search_fields = ["subject", "performed_by_name"]
    readonly_fields = [f.name for f in PersonalDataLog._meta.fields]

    def has_module_permission(self, request):
        return request.user.has_perm(PERMISSION)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(PERMISSION)


def _check_permission(request) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _one_address(modeladmin, request, queryset) -> str | None:
    emails = {row.email.strip().lower() for row in queryset if row.email}
    if len(emails) != 1:
        modeladmin.message_user(request, ERROR_ONE_PERSON, messages.ERROR)
        return None
    return emails.pop()


def _confirmation(request, modeladmin, queryset, *, action: str, title, lead, items) -> TemplateResponse:
    return TemplateResponse(
        request,
        "admin/privacy/confirm_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "lead": lead,
            "items": items,
            "opts": modeladmin.model._meta,
            "queryset": queryset,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


def _export(modeladmin, request, queryset, fmt: str) -> HttpResponse | None:
    _check_permission(request)
    email = _one_address(modeladmin, request, queryset)
    if email is None:
        return None
    try:
        log, data = personal_data_export(email=email, doer=Doer(user=request.user))
    except ValidationError as error:
        modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
        return None
    content = (personal_data_json if fmt == "json" else personal_data_xlsx)(log=log, data=data)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{personal_data_file_name(log=log, fmt=fmt)}"'
    return response


@admin.action(description=_("Export everything stored about this person (JSON)"), permissions=["change"])
def export_personal_data_json(modeladmin, request, queryset):
    return _export(modeladmin, request, queryset, "json")


@admin.action(description=_("Export everything stored about this person (Excel)"), permissions=["change"])
def export_personal_data_xlsx(modeladmin, request, queryset):
    return _export(modeladmin, request, queryset, "xlsx")


@admin.action(description=_("Erase this person's personal data"), permissions=["change"])
def erase_personal_data(modeladmin, request, queryset):
    _check_permission(request)
    email = _one_address(modeladmin, request, queryset)
    if email is None:
        return None
    if request.POST.get("confirm") != "yes":
        found = personal_data_collect(email=email)
        return _confirmation(
            request,
            modeladmin,
            queryset,
            action="erase_personal_data",
            title=_("Erase the personal data of %(email)s?") % {"email": email},
            lead=_(
                "Everything stored about this address is erased for good. The municipality's answers stay; "
                "the person is named by a pseudonym where a row must stay. Links keep working (a colleague's "
                "section may hang on one): revoke them under Invitations if the person must lose access."
            ),
            items=[(KIND_LABELS[kind], len(rows)) for kind, rows in found.items()],
        )
    try:
        log = personal_data_erase(email=email, doer=Doer(user=request.user))
    except ValidationError as error:
        modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
        return None
    modeladmin.message_user(
        request,
        _("The personal data was erased: %(contacts)s contact rows deleted; the person is now “%(pseudonym)s”.")
        % {"contacts": log.details["contacts"], "pseudonym": log.subject},
    )
    return None


@admin.action(description=_("Pseudonymise the audit trail of the selected archived rounds"), permissions=["change"])
def pseudonymise_rounds(modeladmin, request, queryset):
    _check_permission(request)
    if request.POST.get("confirm") != "yes":
        return _confirmation(
            request,
            modeladmin,
            queryset,
            action="pseudonymise_rounds",
            title=_("Pseudonymise the audit trail?"),
            lead=_(
                "Every person's name and e-mail address in these rounds' answer changes, links, messages, "
                "section statuses and chase notes is replaced by a pseudonym (“Person 3”), the same for one "
                "person throughout a round. The answers stay with the municipality. This cannot be undone."
            ),
            items=[(str(survey), survey.get_status_display()) for survey in queryset],
        )
    for survey in queryset:
        try:
            log = survey_pseudonymise(survey=survey, doer=Doer(user=request.user))
        except ValidationError as error:
            modeladmin.message_user(request, format_html("{}: {}", survey, " ".join(error.messages)), messages.ERROR)
        else:
            modeladmin.message_user(
                request,
                _("%(survey)s: %(people)s people pseudonymised.") % {"survey": survey, "people": log.details["people"]},
            )
    return None


PERSON_ACTIONS = [export_personal_data_json, export_personal_data_xlsx, erase_personal_data]
ContactAdmin.actions = [*ContactAdmin.actions, *PERSON_ACTIONS]
InvitationAdmin.actions = [*InvitationAdmin.actions, *PERSON_ACTIONS]
SurveyAdmin.actions = [*SurveyAdmin.actions, pseudonymise_rounds]
