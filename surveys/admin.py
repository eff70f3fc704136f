"""The design side of the admin: question bank, scales, questionnaires, rounds.

Frozen content is read-only here; editing the texts of a frozen question saves
them as a new version in the same series (and the designer is told so).
Conditions are checked when a section's items are saved, and a round opens
only through `survey_open`, which checks the whole questionnaire again.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffEvent
from accounts.services import staff_event_record
from municipalities.admin import LogAdminMixin
from operations.upload_limits import UploadRefused, upload_check_size, upload_errors_head, upload_limits_for_xlsform
from surveys.models import (
    FROZEN_MESSAGE,
    Answer,
    AnswerChange,
    DelegationEvent,
    Invitation,
    Item,
    MatrixItem,
    Question,
    Questionnaire,
    QuestionOption,
    RespondentRole,
    Response,
    Scale,
    ScalePoint,
    Section,
    SectionProgress,
    Survey,
)
from surveys.models.analytics import AnalysisBand, ClassificationScheme
from surveys.services import invitations as invitation_services
from surveys.services import rounds
from surveys.services.questionnaires import (
    REVISABLE_FIELDS,
    condition_message,
    question_new_version,
    questionnaire_problems,
    references_for_condition,
)
from surveys.services.responses import section_reopen
from surveys.xlsform import XLSFormImportError, questionnaire_export_xlsform, questionnaire_import_xlsform


class FrozenInlineMixin:
    """Inlines of frozen content show but do not change."""

    def _frozen(self, obj) -> bool:
        return bool(obj is not None and getattr(obj, "is_frozen", False))

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class ScalePointInline(FrozenInlineMixin, admin.TabularInline):
    model = ScalePoint
    extra = 0
    fields = ["value", "code", "label_nb", "label_nn", "label_en"]


@admin.register(Scale)
class ScaleAdmin(admin.ModelAdmin):
    """A scale used in an opened round is frozen with its questions: read-only here."""

    list_display = ["code", "name", "frozen"]
    list_filter = [("frozen_at", admin.EmptyFieldListFilter)]
    search_fields = ["code", "name"]
    inlines = [ScalePointInline]
    fields = ["code", "name", "frozen_at"]
    readonly_fields = ["frozen_at"]

    @admin.display(description=_("frozen"), boolean=True)
    def frozen(self, scale):
        return scale.is_frozen

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and obj.is_frozen) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.is_frozen) and super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        scale = self.get_object(request, object_id)
        if request.method == "GET" and scale is not None and scale.is_frozen:
            self.message_user(request, FROZEN_MESSAGE % {"what": scale.name}, messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)


class OptionInline(FrozenInlineMixin, admin.TabularInline):
    model = QuestionOption
    extra = 0
    fields = ["position", "code", "label_nb", "label_nn", "label_en", "is_exclusive"]


class MatrixItemInline(FrozenInlineMixin, admin.TabularInline):
    model = MatrixItem
    extra = 0
    fields = ["position", "code", "label_nb", "label_nn", "label_en"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["code", "series", "classification", "theme", "type", "text_short", "frozen"]
    list_filter = ["classification", "type", "theme", ("frozen_at", admin.EmptyFieldListFilter)]
    search_fields = ["code", "series", "text_nb", "theme"]
    inlines = [OptionInline, MatrixItemInline]
    autocomplete_fields = ["scale"]
    readonly_fields = ["previous_version", "frozen_at"]
    fieldsets = [
        (None, {"fields": ["code", "series", "previous_version", "classification", "theme", "type", "frozen_at"]}),
        (_("Texts"), {"fields": ["text_nb", "text_nn", "text_en", "help_nb", "help_nn", "help_en"]}),
        (
            _("Answer"),
            {
                "fields": [
                    "scale",
                    "offers_not_relevant",
                    "offers_dont_know",
                    "max_choices",
                    "min_value",
                    "max_value",
                    "has_comment",
                ]
            },
        ),
    ]

    @admin.display(description=_("text"))
    def text_short(self, question):
        return question.text_nb[:80]

    @admin.display(description=_("frozen"), boolean=True)
    def frozen(self, question):
        return question.is_frozen

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            editable = set(REVISABLE_FIELDS)
            return [f.name for f in Question._meta.fields if f.name not in editable and f.name != "id"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.is_frozen) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change and obj.is_frozen:
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in REVISABLE_FIELDS}
            if not changes:
                return
            new = question_new_version(question=Question.objects.get(pk=obj.pk), changes=changes)
            messages.warning(
                request,
                format_html(
                    _(
                        "{old} is frozen because it was asked in an opened round, so your changes were saved as a new "
                        "question {new} in the same series {series}. It replaces {old} in every draft questionnaire."
                    ),
                    old=obj.code,
                    new=format_html(
                        '<a href="{}">{}</a>', reverse("admin:surveys_question_change", args=[new.pk]), new.code
                    ),
                    series=new.series,
                ),
            )
            return
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if change and form.instance.is_frozen:
            for formset in formsets:  # read-only inlines; the change message still asks what they saved
                formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        super().save_related(request, form, formsets, change)


class ItemInlineFormSet(forms.BaseInlineFormSet):
    """Checks every item's condition in the order the section will have after saving:
    only profile variables and questions placed earlier may be used."""

    def clean(self):
        super().clean()
        section = self.instance
        if section.pk is None or any(form.errors for form in self.forms):
            return
        forms_in_order = sorted(
            (f for f in self.forms if f.cleaned_data.get("question") and not f.cleaned_data.get("DELETE")),
            key=lambda f: f.cleaned_data["position"],
        )
        questions = [f.cleaned_data["question"] for f in forms_in_order]
        for index, form in enumerate(forms_in_order):
            references = references_for_condition(
                questionnaire=section.questionnaire,
                section_position=section.position,
                section_questions=questions,
                row_index=index,
                exclude_section_id=section.pk,
            )
            message = condition_message(form.cleaned_data.get("condition", ""), references)
            if message:
                form.add_error("condition", ValidationError(message, code="condition"))


class SectionInlineFormSet(forms.BaseInlineFormSet):
    """Section conditions may use profile variables and questions of earlier sections."""

    def clean(self):
        super().clean()
        questionnaire = self.instance
        if questionnaire.pk is None or any(form.errors for form in self.forms):
            return
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE") or not data.get("condition", "").strip():
                continue
            section = form.instance
            questions = [item.question for item in section.items.all()] if section.pk else []
            references = references_for_condition(
                questionnaire=questionnaire,
                section_position=data["position"],
                section_questions=questions,
                exclude_section_id=section.pk,
            )
            message = condition_message(data["condition"], references)
            if message:
                form.add_error("condition", ValidationError(message, code="condition"))


class SectionAdminForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["questionnaire", "position", "code", "role", "title_nb", "title_nn", "title_en", "condition"]

    def clean(self):
        cleaned = super().clean()
        questionnaire = cleaned.get("questionnaire")
        if questionnaire and cleaned.get("position") is not None and cleaned.get("condition", "").strip():
            section = self.instance
            references = references_for_condition(
                questionnaire=questionnaire,
                section_position=cleaned["position"],
                section_questions=[item.question for item in section.items.all()] if section.pk else [],
                exclude_section_id=section.pk,
            )
            message = condition_message(cleaned["condition"], references)
            if message:
                self.add_error("condition", ValidationError(message, code="condition"))
        return cleaned


class ItemInline(FrozenInlineMixin, admin.TabularInline):
    model = Item
    formset = ItemInlineFormSet
    extra = 0
    fields = ["position", "question", "condition"]
    autocomplete_fields = ["question"]
    fk_name = "section"

    def _frozen(self, obj):
        return bool(obj is not None and obj.questionnaire.is_frozen)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["condition"].widget = forms.TextInput(attrs={"size": 60})
        return formset


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    form = SectionAdminForm

    class Media:
        # Deferred: the admin puts media in <head>, before the fields the script looks for exist.
        js = [forms.Script("js/condition-check.js", defer=True)]

    list_display = ["__str__", "code", "questionnaire", "role", "condition"]
    list_filter = ["questionnaire", "role"]
    inlines = [ItemInline]
    fields = ["questionnaire", "position", "code", "role", "title_nb", "title_nn", "title_en", "condition"]

    # A section of a frozen questionnaire is view-only (a save would be refused anyway).
    def has_change_permission(self, request, obj=None):
        return not (obj is not None and obj.questionnaire.is_frozen) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.questionnaire.is_frozen) and super().has_delete_permission(request, obj)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for item in instances:
            item.questionnaire_id = form.instance.questionnaire_id
            item.save()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        problems = [p.message for p in questionnaire_problems(obj.questionnaire) if p.where == obj.code]
        for problem in problems:
            messages.error(request, problem)


class RespondentRoleInline(FrozenInlineMixin, admin.TabularInline):
    """The questionnaire's respondent roles: sections and links name them by code."""

    model = RespondentRole
    extra = 0
    fields = ["position", "code", "name_nb", "name_nn", "name_en", "contact_role", "unit_kind", "is_chief_executive"]


class SectionInline(FrozenInlineMixin, admin.TabularInline):
    model = Section
    formset = SectionInlineFormSet
    extra = 0
    fields = ["position", "code", "role", "title_nb", "title_nn", "title_en", "condition", "items_link"]
    readonly_fields = ["items_link"]
    show_change_link = True

    @admin.display(description=_("questions"))
    def items_link(self, section):
        if not section.pk:
            return "–"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:surveys_section_change", args=[section.pk]),
            _("%(count)s questions") % {"count": section.items.count()},
        )


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "is_frozen_display", "preview_link"]
    inlines = [RespondentRoleInline, SectionInline]
    readonly_fields = ["copied_from", "frozen_at", "problems", "preview_link", "xlsform_links"]
    fields = ["title", "year", "copied_from", "frozen_at", "problems", "preview_link", "xlsform_links"]

    @admin.display(description=_("frozen"), boolean=True)
    def is_frozen_display(self, questionnaire):
        return questionnaire.is_frozen

    @admin.display(description=_("preview"))
    def preview_link(self, questionnaire):
        if not questionnaire.pk:
            return "–"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("questionnaire-preview", args=[questionnaire.pk]),
            _("Preview as a municipality"),
        )

    @admin.display(description=_("problems that keep it from opening"))
    def problems(self, questionnaire):
        if not questionnaire.pk:
            return "–"
        found = questionnaire_problems(questionnaire)
        if not found:
            return _("None: the questionnaire can be opened.")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((p.message,) for p in found)))

    # A frozen questionnaire is view-only (a save would be refused anyway).
    def has_change_permission(self, request, obj=None):
        return not (obj is not None and obj.is_frozen) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.is_frozen) and super().has_delete_permission(request, obj)

    @admin.display(description=_("XLSForm"))
    def xlsform_links(self, questionnaire):
        if not questionnaire.pk:
            return "–"
        links = [
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:surveys_questionnaire_xlsform", args=[questionnaire.pk]),
                _("Export"),
            )
        ]
        if not questionnaire.is_frozen:
            links.append(
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:surveys_questionnaire_xlsform_import", args=[questionnaire.pk]),
                    _("Import into this empty draft"),
                )
            )
        return format_html_join(" · ", "{}", ((link,) for link in links))

    def get_urls(self):
        return [
            path(
                "<int:pk>/xlsform/",
                self.admin_site.admin_view(self.xlsform_export_view),
                name="surveys_questionnaire_xlsform",
            ),
            path(
                "<int:pk>/xlsform/import/",
                self.admin_site.admin_view(self.xlsform_import_view),
                name="surveys_questionnaire_xlsform_import",
            ),
        ] + super().get_urls()

    def xlsform_export_view(self, request, pk: int):
        questionnaire = get_object_or_404(Questionnaire, pk=pk)
        if not self.has_view_permission(request, questionnaire):
            raise PermissionDenied
        staff_event_record(request=request, kind=StaffEvent.Kind.DOWNLOAD, what=f"XLSForm of {questionnaire}")
        reply = HttpResponse(
            questionnaire_export_xlsform(questionnaire=questionnaire),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        reply["Content-Disposition"] = (
            f'attachment; filename="{slugify(questionnaire.title)}-{questionnaire.year}.xlsx"'
        )
        return reply

    def xlsform_import_view(self, request, pk: int):
        questionnaire = get_object_or_404(Questionnaire, pk=pk)
        if not self.has_change_permission(request, questionnaire):
            raise PermissionDenied
        form = XLSFormUploadForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "questionnaire": questionnaire,
            "title": _("Import an XLSForm"),
        }
        if request.method == "POST" and form.is_valid():
            try:
                context["report"] = questionnaire_import_xlsform(
                    content=form.cleaned_data["file"].read(), questionnaire=questionnaire
                )
            except XLSFormImportError as error:
                context["errors"], context["errors_more"] = upload_errors_head(error.errors)
            except ValidationError as error:
                context["errors"], context["errors_more"] = upload_errors_head(error.messages)
        return TemplateResponse(request, "admin/surveys/xlsform_import.html", context)


class XLSFormUploadForm(forms.Form):
    file = forms.FileField(label=_("XLSForm (.xlsx or .xls)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".xls")):
            raise forms.ValidationError(_("Upload an .xlsx or .xls file."), code="wrong_type")
        try:
            upload_check_size(size=upload.size, limits=upload_limits_for_xlsform())
        except UploadRefused as refused:
            raise forms.ValidationError(refused.message, code="too_large") from None
        return upload


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["year", "title", "status", "opens_at", "closes_at", "next_round_link", "opening_link"]
    list_filter = ["status"]
    search_fields = ["title"]
    readonly_fields = ["status", "next_round_link", "opening_link"]
    # A round opens only through the design studio's checklist and confirmation (studio-round-open).
    actions = ["close_rounds", "archive_rounds"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Survey.Status.DRAFT:
            return ["questionnaire", *self.readonly_fields]
        return self.readonly_fields

    @admin.display(description=_("next year"))
    def next_round_link(self, survey):
        if not survey.pk or not survey.questionnaire_id:
            return "–"
        return format_html(
            '<a href="{}">{}</a>', reverse("studio-round-next", args=[survey.pk]), _("Create next year's round")
        )

    @admin.display(description=_("opening"))
    def opening_link(self, survey):
        if not survey.pk or survey.status != Survey.Status.DRAFT:
            return "–"
        return format_html(
            '<a href="{}">{}</a>', reverse("studio-round-open", args=[survey.pk]), _("Checklist and opening")
        )

    def _transition(self, request, queryset, service, done):
        for survey in queryset:
            try:
                service(survey=survey)
            except ValidationError as error:
                self.message_user(request, format_html("{}: {}", survey, "; ".join(error.messages)), messages.ERROR)
            else:
                self.message_user(request, done % {"survey": survey})

    @admin.action(description=_("Close the selected rounds"), permissions=["change"])
    def close_rounds(self, request, queryset):
        self._transition(request, queryset, rounds.survey_close, _("%(survey)s is closed."))

    @admin.action(description=_("Archive the selected rounds"), permissions=["change"])
    def archive_rounds(self, request, queryset):
        self._transition(request, queryset, rounds.survey_archive, _("%(survey)s is archived."))


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["municipality", "survey", "role", "section", "name", "email", "revoked_at", "last_used_at"]
    list_filter = ["survey", "role", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["municipality__name", "municipality__number", "name", "email"]
    # Never the token's hash: it is no use to a person, and only the platform should compare it.
    exclude = ["token_hash"]
    readonly_fields = [f.name for f in Invitation._meta.fields if f.name != "token_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected links"), permissions=["change"])
    def revoke(self, request, queryset):
        for invitation in queryset:
            invitation_services.invitation_revoke(invitation=invitation)
        self.message_user(request, _("%(count)s links revoked.") % {"count": queryset.count()})


class ProgressInline(admin.TabularInline):
    model = SectionProgress
    extra = 0
    can_delete = False
    readonly_fields = ["section", "status", "last_worked_by", "last_worked_at", "submitted_by", "submitted_at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    readonly_fields = ["question", "value", "comment", "version", "updated_at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["municipality", "survey", "created_at"]
    list_filter = ["survey"]
    search_fields = ["municipality__name", "municipality__number"]
    readonly_fields = ["survey", "municipality"]
    inlines = [ProgressInline, AnswerInline]

    def has_add_permission(self, request):
        return False


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(SectionProgress)
class SectionProgressAdmin(admin.ModelAdmin):
    list_display = ["response", "section", "status", "last_worked_by", "last_worked_at", "submitted_at"]
    list_filter = ["status", "response__survey"]
    search_fields = ["response__municipality__name", "response__municipality__number"]
    readonly_fields = [f.name for f in SectionProgress._meta.fields]
    actions = ["reopen"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Reopen the selected submitted sections"), permissions=["change"])
    def reopen(self, request, queryset):
        if "reason" in request.POST:
            form = ReopenForm(request.POST)
            if form.is_valid():
                for progress in queryset:
                    try:
                        section_reopen(progress=progress, user=request.user, reason=form.cleaned_data["reason"])
                    except ValidationError as error:
                        self.message_user(request, f"{progress}: {' '.join(error.messages)}", messages.ERROR)
                    else:
                        self.message_user(request, _("%(section)s is open again.") % {"section": progress})
                return None
        else:
            form = ReopenForm()
        return TemplateResponse(
            request,
            "admin/surveys/reopen.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reopen sections"),
                "queryset": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(AnswerChange)
class AnswerChangeAdmin(LogAdminMixin, admin.ModelAdmin):
    """The audit trail of answers: every change, by whom, through which link or account."""

    list_display = ["created_at", "answer", "version", "actor_name", "invitation", "user"]
    list_filter = ["answer__response__survey"]
    search_fields = ["actor_name", "answer__question__code", "answer__response__municipality__name"]
    list_select_related = ["answer__question", "answer__response__municipality", "answer__response__survey", "user"]
    raw_id_fields = ["answer", "invitation", "user"]
    date_hierarchy = "created_at"


@admin.register(DelegationEvent)
class DelegationEventAdmin(LogAdminMixin, admin.ModelAdmin):
    """Sections given to colleagues, taken back, and delegations the limits refused."""

    list_display = ["created_at", "kind", "reason", "giver", "delegation", "email_domain", "ip_address"]
    list_filter = ["kind", "reason", "giver__survey"]
    search_fields = ["giver__municipality__name", "giver__municipality__number", "email_domain"]
    list_select_related = ["giver__municipality", "delegation__municipality"]
    raw_id_fields = ["giver", "delegation"]
    date_hierarchy = "created_at"


class AnalysisBandInline(admin.TabularInline):
    model = AnalysisBand
    extra = 1
    fields = ["position", "label", "lower", "upper"]


@admin.register(ClassificationScheme)
class ClassificationSchemeAdmin(admin.ModelAdmin):
    """Classification schemes of the background variables (centrality standards, size and
    immigrant-share bands) and their classes are data, edited here; each profile year is analysed on
    the scheme in force that year."""

    list_display = ["variable", "name", "in_force_from", "source"]
    list_filter = ["variable"]
    inlines = [AnalysisBandInline]
