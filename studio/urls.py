from django.urls import path

from studio import views

urlpatterns = [
    path("", views.studio_home, name="studio-home"),
    path("questionnaires/<int:pk>/", views.questionnaire_page, name="studio-questionnaire"),
    path("questionnaires/<int:pk>/move/", views.questionnaire_move, name="studio-move"),
    path("questionnaires/<int:pk>/bank/", views.bank, name="studio-bank"),
    path("questionnaires/<int:pk>/add/", views.item_add, name="studio-item-add"),
    path("questionnaires/<int:pk>/new-question/", views.question_new, name="studio-question-new"),
    path("questionnaires/<int:pk>/test-run/", views.questionnaire_tryout, name="studio-tryout"),
    path("questions/<int:pk>/", views.question_edit, name="studio-question"),
    path("items/<int:pk>/remove/", views.item_remove, name="studio-item-remove"),
    path("items/<int:pk>/condition/", views.item_condition, name="studio-item-condition"),
    path("items/<int:pk>/condition/check/", views.item_condition_check, name="studio-condition-check"),
    path("rounds/<int:pk>/next/", views.round_next, name="studio-round-next"),
    path("rounds/<int:pk>/open/", views.round_open, name="studio-round-open"),
    path("rounds/<int:pk>/schedule/", views.round_schedule_add, name="studio-round-schedule"),
]
