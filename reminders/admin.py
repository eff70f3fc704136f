from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from municipalities.admin import LogAdminMixin
from reminders import services
from reminders.models import ChaseEntry, Dispatch, Rule, Schedule
from surveys.admin import SurveyAdmin


class RuleInline(admin.StackedInline):
    """Rules that have sent messages cannot be deleted (the log refers to them): deactivate them."""

    model = Rule
    extra = 0
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("name", "kind", "is_active"),
                    ("anchor", "offset_days"),
                    ("audience", "contact_role"),
                    "skip_after_contact_days",
                ]
            },
        ),
        (_("Text"), {"fields": ["subject_nb", "body_nb", "subject_nn", "body_nn"]}),
        (_("Send window (Europe/Oslo)"), {"fields": [("window_start", "window_end", "weekdays_only")]}),
    ]


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["survey", "paused_at", "schedule_page"]
    readonly_fields = ["survey", "paused_at", "paused_by"]
    fieldsets = [
        (None, {"fields": ["survey", "paused_at", "paused_by"]}),
        (
            _("Personal reminders from the chase board"),
            {"fields": ["personal_subject_nb", "personal_body_nb", "personal_subject_nn", "personal_body_nn"]},
        ),
    ]
    inlines = [RuleInline]
    actions = ["pause", "resume"]

    def has_add_permission(self, request):
        return False  # a schedule is made from the round's schedule page, with the standard rules

    @admin.display(description=_("schedule page"))
    def schedule_page(self, schedule):
        return format_html('<a href="{}">{}</a>', reverse("reminders-schedule", args=[schedule.survey_id]), _("Open"))

    @admin.action(description=_("Pause the selected schedules"), permissions=["change"])
    def pause(self, request, queryset):
        for schedule in queryset:
            services.schedule_pause(schedule=schedule, user=request.user)
        self.message_user(request, _("Paused: nothing goes out until resumed."), messages.SUCCESS)

    @admin.action(description=_("Resume the selected schedules"), permissions=["change"])
    def resume(self, request, queryset):
        for schedule in queryset:
            services.schedule_resume(schedule=schedule)
        self.message_user(request, _("Resumed."), messages.SUCCESS)


@admin.register(Dispatch)
class DispatchAdmin(LogAdminMixin, admin.ModelAdmin):
    list_display = ["email", "municipality", "rule", "chase_entry", "status", "attempts", "sent_at", "skip_reason"]
    list_filter = ["status", "survey", "rule", "skip_reason"]
    search_fields = ["email", "contact__name", "municipality__name", "municipality__number"]
    list_select_related = ["municipality", "rule", "chase_entry__municipality"]


@admin.register(ChaseEntry)
class ChaseEntryAdmin(LogAdminMixin, admin.ModelAdmin):
    list_display = ["municipality", "survey", "user", "channel", "outcome", "follow_up_on", "created_at"]
    list_filter = ["survey", "channel", "outcome"]
    search_fields = ["municipality__name", "municipality__number", "note"]
    list_select_related = ["municipality", "survey", "user"]


# The round's own admin gets the reminders' action from here, so that surveys never imports reminders.
@admin.action(
    description=_("Send the invitation now to every active contact who has not had it"), permissions=["change"]
)
def send_invitations(modeladmin, request, queryset):
    for survey in queryset:
        try:
            created = services.invitations_send_now(survey=survey)
        except ValidationError as error:
            modeladmin.message_user(request, format_html("{}: {}", survey, "; ".join(error.messages)), messages.ERROR)
        else:
            modeladmin.message_user(
                request, _("%(survey)s: %(count)s invitations are on their way.") % {"survey": survey, "count": created}
            )


SurveyAdmin.actions = [*SurveyAdmin.actions, send_invitations]
