from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running the platform: the health endpoint, structured logs, security headers, backup."""

    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from operations import checks, task_log

        task_log.connect()
        checks.register()
