from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """Django's admin with the platform's site (config.admin.StaffAdminSite)."""

    default_site = "config.admin.StaffAdminSite"
