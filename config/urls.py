from django.contrib import admin
from django.urls import include, path

from reminders.views import outbox

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("surveys.urls")),
    path("r/", include("surveys.respondent_urls")),
    path("staff/registry/", include("municipalities.urls")),
    path("staff/outbox/", outbox, name="outbox"),
    path("staff/reminders/", include("reminders.urls")),
    path("staff/analysis/", include("surveys.analytics_urls")),
]
