"""Reads for the staff sign-in pages."""

from django.contrib.auth.models import User
from django.db.models import QuerySet


def staff_user_list_waiting() -> QuerySet[User]:
    """People who signed in through the identity provider and have no role yet: a survey admin
    grants one or turns them away."""
    return (
        User.objects.filter(oidc_identity__isnull=False, is_active=True, is_superuser=False, staff_profile__isnull=True)
        .select_related("oidc_identity")
        .order_by("oidc_identity__created_at", "pk")
    )
