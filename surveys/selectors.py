"""Reads of survey rounds for pages."""

from django.db.models import QuerySet

from surveys.models import Survey


def survey_list_open() -> QuerySet[Survey]:
    return Survey.objects.filter(status=Survey.Status.OPEN).order_by("closes_at")


def survey_list_for_staff() -> QuerySet[Survey]:
    return Survey.objects.order_by("-year")
