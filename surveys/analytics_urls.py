from django.urls import path

from surveys import analytics_views as views

urlpatterns = [
    path("<int:survey_id>/", views.overview, name="analysis-overview"),
    path("<int:survey_id>/frequencies/", views.frequency_list, name="analysis-frequencies"),
    path("<int:survey_id>/breakdown/", views.breakdown_view, name="analysis-breakdown"),
    path("<int:survey_id>/net-score/", views.net_score_list, name="analysis-net-score"),
    path("<int:survey_id>/series/", views.series_view, name="analysis-series"),
    path("<int:survey_id>/export/<str:fmt>/", views.export_request, name="analysis-export"),
    path("<int:survey_id>/exports/<int:job_id>/", views.job_status, {"kind": "export"}, name="analysis-export-status"),
    path(
        "<int:survey_id>/exports/<int:job_id>/file/",
        views.job_download,
        {"kind": "export"},
        name="analysis-export-download",
    ),
    path("<int:survey_id>/codebook/", views.codebook, name="analysis-codebook"),
    path("<int:survey_id>/open-answers/", views.open_answer_list, name="analysis-open-answers"),
    path("<int:survey_id>/open-answers/<str:code>/", views.open_answer_detail, name="analysis-open-answer"),
    path(
        "<int:survey_id>/open-answers/<str:code>/categories/",
        views.open_answer_category_add,
        name="analysis-open-answer-category-add",
    ),
    path(
        "<int:survey_id>/open-answers/<str:code>/categories/<int:category_id>/",
        views.open_answer_category_change,
        name="analysis-open-answer-category",
    ),
    path(
        "<int:survey_id>/open-answers/<str:code>/answers/<int:answer_id>/",
        views.open_answer_tag,
        name="analysis-open-answer-tag",
    ),
    path(
        "<int:survey_id>/open-answers/<str:code>/answers/<int:answer_id>/quote/",
        views.open_answer_quote,
        name="analysis-open-answer-quote",
    ),
    path(
        "<int:survey_id>/open-answers/<str:code>/quote-names/",
        views.open_answer_quote_names,
        name="analysis-open-answer-quote-names",
    ),
    path("<int:survey_id>/report/", views.report_page, name="analysis-report"),
    path("<int:survey_id>/report/settings/", views.report_settings, name="analysis-report-settings"),
    path("<int:survey_id>/report/build/", views.report_request, name="analysis-report-request"),
    path("<int:survey_id>/report/<int:job_id>/", views.job_status, {"kind": "report"}, name="analysis-report-status"),
    path(
        "<int:survey_id>/report/<int:job_id>/pdf/",
        views.job_download,
        {"kind": "report"},
        name="analysis-report-download",
    ),
]
