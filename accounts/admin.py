from django.contrib import admin

from accounts.models import StaffEvent
from municipalities.admin import LogAdminMixin


@admin.register(StaffEvent)
class StaffEventAdmin(LogAdminMixin, admin.ModelAdmin):
    """The audit log: read only, for survey admins and superusers."""

    list_display = ["created_at", "username", "kind", "what", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["username", "what"]
    date_hierarchy = "created_at"
