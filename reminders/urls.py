from django.urls import path

from reminders import views

urlpatterns = [
    path("<int:survey_id>/", views.schedule_page, name="reminders-schedule"),
    path("<int:survey_id>/rules/<int:rule_id>/", views.rule_preview, name="reminders-rule-preview"),
    path("<int:survey_id>/schedule/<slug:action>/", views.schedule_change, name="reminders-schedule-change"),
    path("<int:survey_id>/chase/", views.chase_board_page, name="reminders-chase"),
    path("<int:survey_id>/chase/export/<str:fmt>/", views.chase_board_export, name="reminders-chase-export"),
    path("<int:survey_id>/chase/<int:municipality_id>/", views.chase_detail, name="reminders-chase-detail"),
    path("<int:survey_id>/chase/<int:municipality_id>/remind/", views.chase_remind, name="reminders-chase-remind"),
    path(
        "<int:survey_id>/chase/<int:municipality_id>/report.pdf",
        views.unit_report_download,
        name="reminders-unit-report",
    ),
    path(
        "<int:survey_id>/chase/<int:municipality_id>/report/build/",
        views.unit_report_build,
        name="reminders-unit-report-build",
    ),
    path("<int:survey_id>/monitor/", views.monitor, name="reminders-monitor"),
    path("<int:survey_id>/mail/", views.mail_log, name="reminders-mail-log"),
    path("<int:survey_id>/mail/export/<str:fmt>/", views.mail_log_export, name="reminders-mail-log-export"),
]
