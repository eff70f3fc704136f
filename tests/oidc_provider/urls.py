from django.contrib.auth.views import LoginView
from django.urls import include, path

from tests.oidc_provider import views

urlpatterns = [
    # Before the toolkit's own, so that a test can take the end-session endpoint away.
    path("o/.well-known/openid-configuration", views.DiscoveryView.as_view()),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("accounts/login/", LoginView.as_view(template_name="login.html"), name="login"),
    path("control/<str:action>/", views.control),
]
