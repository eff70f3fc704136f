from django.urls import path

from surveys.past_rounds import views

urlpatterns = [
    path("", views.past_round_list, name="past-rounds"),
    path("uploads/<int:pk>/mapping/", views.past_round_mapping, name="past-round-mapping"),
    path("uploads/<int:pk>/mapping.json", views.past_round_mapping_download, name="past-round-mapping-download"),
    path("uploads/<int:pk>/dry-run/", views.past_round_dry_run, name="past-round-dry-run"),
    path("rounds/<int:survey_id>/remove/", views.past_round_remove_confirm, name="past-round-remove"),
]
