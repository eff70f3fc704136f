from django.conf import settings
from django.shortcuts import render


def privacy_notice(request):
    """The public privacy page for respondents: what is stored about them, why and for how long."""
    return render(
        request,
        "privacy/notice.html",
        {"support_email": settings.SUPPORT_EMAIL, "retention_days": settings.CONTACT_RETENTION_DAYS},
    )
