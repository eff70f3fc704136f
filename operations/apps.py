from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the platform: the health endpoint, structured logs, security headers."""

    name = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        from operations import task_log

        task_log.connect()
