from django.urls import path

from privacy import views

urlpatterns = [
    path("personvern/", views.privacy_notice, name="privacy"),
]
