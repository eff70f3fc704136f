from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView

from operations.health import health
from reminders.views import outbox

urlpatterns = [
    path("health/", health, name="health"),
    # The respondents' pages first: an autosave is the most frequent request, and URLs are tried in order.
    path("r/", include("surveys.respondent.urls")),
    # Staff sign in on one page, with the second factor; the admin's own login page sends them there.
    path("admin/login/", RedirectView.as_view(url=reverse_lazy("staff-login"), query_string=True)),
    path("admin/", admin.site.urls),
    path("staff/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("surveys.urls")),
    path("", include("privacy.urls")),
    path("staff/registry/", include("municipalities.urls")),
    path("staff/outbox/", outbox, name="outbox"),
    path("staff/reminders/", include("reminders.urls")),
    path("staff/design/", include("studio.urls")),
    path("staff/analysis/", include("surveys.analytics_urls")),
    path("staff/design/past-rounds/", include("surveys.past_rounds.urls")),
]

# A database that does not answer gives a friendly 503, every other error the plain 500.
handler500 = "operations.unavailable.server_error"
