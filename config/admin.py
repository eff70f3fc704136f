"""The admin site: the back office of superusers, and the design and data pages of survey
admins and analysts. Who may use it is decided in municipalities.access (`admin_allowed`);
a signed-in staff member without it (a regional officer) is refused, not sent to sign in again."""

from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from municipalities.access import admin_allowed


class StaffAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        return admin_allowed(request.user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def refusing(request, *args, **kwargs):
            if request.user.is_authenticated and not admin_allowed(request.user):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return refusing
