from django.contrib import admin

from accounts.models import StaffEvent


@admin.register(StaffEvent)
class StaffEventAdmin(admin.ModelAdmin):
    """The audit log: read only, for survey admins and superusers."""

    list_display = ["created_at", "username", "kind", "what", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["username", "what"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
