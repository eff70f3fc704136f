from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data: `manage.py load_demo` composes every app's demo (accounts, surveys, reminders).
    An app of its own so that it can import them all while none of them imports another's demo."""

    name = "demo"
    verbose_name = _("Demo data")
