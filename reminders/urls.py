from django.urls import path

from reminders import views

urlpatterns = [path("", views.outbox, name="outbox")]
