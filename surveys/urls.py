from django.urls import path

from surveys import views

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.staff_home, name="staff-home"),
    path("staff/questionnaires/<int:pk>/preview/", views.questionnaire_preview, name="questionnaire-preview"),
    path("staff/questionnaires/<int:pk>/check-condition/", views.condition_check_live, name="condition-check"),
]
