from django.urls import path

from surveys import analytics_views as views

urlpatterns = [
    path("<int:survey_id>/", views.overview, name="analysis-overview"),
    path("<int:survey_id>/frequencies/", views.frequency_list, name="analysis-frequencies"),
    path("<int:survey_id>/breakdown/", views.breakdown_view, name="analysis-breakdown"),
    path("<int:survey_id>/net-score/", views.net_score_list, name="analysis-net-score"),
    path("<int:survey_id>/series/", views.series_view, name="analysis-series"),
    path("<int:survey_id>/export/<str:fmt>/", views.export_download, name="analysis-export"),
    path("<int:survey_id>/codebook/", views.codebook, name="analysis-codebook"),
    path("<int:survey_id>/report/", views.report_page, name="analysis-report"),
    path("<int:survey_id>/report/build/", views.report_request, name="analysis-report-request"),
    path("<int:survey_id>/report/<int:report_id>/", views.report_status, name="analysis-report-status"),
    path("<int:survey_id>/report/<int:report_id>/pdf/", views.report_download, name="analysis-report-download"),
]
