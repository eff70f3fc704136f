from django.urls import path

from accounts import views
from accounts.oidc import views as oidc_views

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="staff-login"),
    path("login/code/", views.verify, name="staff-verify"),
    path("login/set-up/", views.enrol, name="staff-enrol"),
    path("login/provider/", oidc_views.OidcStartView.as_view(), name="staff-oidc-start"),
    path("login/provider/callback/", oidc_views.OidcCallbackView.as_view(), name="staff-oidc-callback"),
    path("login/no-role/", oidc_views.waiting, name="staff-oidc-waiting"),
    path("logout/", views.sign_out, name="staff-logout"),
    path("recovery-codes/", views.recovery_codes, name="staff-recovery-codes"),
    path("people-waiting/", oidc_views.people_waiting, name="staff-people-waiting"),
]
