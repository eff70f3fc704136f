from django.urls import path

from surveys.respondent import views

urlpatterns = [
    # The most frequent request first (URLs are tried in order; none of these overlap it).
    path("<str:token>/s/<str:code>/autosave/", views.autosave, name="respondent-autosave"),
    path("lost-link/", views.lost_link, name="respondent-lost-link"),
    path("<str:token>/", views.landing, name="respondent-landing"),
    path("<str:token>/delegate/", views.delegate, name="respondent-delegate"),
    path("<str:token>/delegations/<int:pk>/revoke/", views.delegation_revoke, name="respondent-delegation-revoke"),
    path("<str:token>/s/<str:code>/", views.section_page, name="respondent-section"),
    path("<str:token>/review/", views.review, name="respondent-review"),
    path("<str:token>/submit/", views.submit, name="respondent-submit"),
    path("<str:token>/receipt.pdf", views.receipt, name="respondent-receipt"),
    path("<str:token>/report.pdf", views.unit_report, name="respondent-unit-report"),
]
