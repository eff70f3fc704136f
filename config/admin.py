"""The admin site: the back office of superusers, and the design and data pages of survey
admins and analysts. Who may use it is decided in municipalities.access (`admin_allowed`);
a signed-in staff member without it (a regional officer) is refused, not sent to sign in again."""

from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from municipalities.access import admin_allowed

# The back office's machinery: staff accounts, second factors, the lockout log and the schedule's
# tasks. Superusers keep them in the sidebar; survey admins and analysts, whose daily work is in
# the design studio and the staff pages, do not see them there (what they may open is unchanged).
TECHNICAL_APPS = frozenset({"auth", "axes", "otp_static", "otp_totp", "django_celery_beat"})


class StaffAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        return admin_allowed(request.user)

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if request.user.is_superuser:
            return apps
        return [app for app in apps if app["app_label"] not in TECHNICAL_APPS]

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def refusing(request, *args, **kwargs):
            if request.user.is_authenticated and not admin_allowed(request.user):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return refusing
