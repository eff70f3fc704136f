from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="staff-login"),
    path("login/code/", views.verify, name="staff-verify"),
    path("login/set-up/", views.enrol, name="staff-enrol"),
    path("logout/", views.sign_out, name="staff-logout"),
    path("recovery-codes/", views.recovery_codes, name="staff-recovery-codes"),
]
