from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from municipalities.access import staff_required, staff_role
from municipalities.models import StaffProfile
from reminders.outbox import outbox_enabled, outbox_messages


@staff_required
def outbox(request):
    # Messages carry contacts' addresses from every region: survey admins only.
    if staff_role(request.user) != StaffProfile.Role.SURVEY_ADMIN:
        raise PermissionDenied
    return render(
        request,
        "reminders/outbox.html",
        {"enabled": outbox_enabled(), "messages_sent": outbox_messages() if outbox_enabled() else []},
    )
