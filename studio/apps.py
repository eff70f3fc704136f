from django.apps import AppConfig


class StudioConfig(AppConfig):
    """The design studio: survey admins shape next year's questionnaire and open its round here."""

    name = "studio"
    verbose_name = "design studio"
