"""Sign-in events into the staff audit log."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.middleware import LAST_SEEN
from accounts.models import StaffEvent
from accounts.services import staff_event_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    request.session[LAST_SEEN] = int(time.time())  # the idle clock starts at sign-in
    sign_in = getattr(request, "oidc_sign_in", None)  # set by the identity provider's backend
    if sign_in is not None:
        staff_event_record(request=request, kind=StaffEvent.Kind.OIDC_LOGIN, user=user, what=sign_in["shown"])
    else:
        staff_event_record(request=request, kind=StaffEvent.Kind.LOGIN, user=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        staff_event_record(request=request, kind=StaffEvent.Kind.LOGOUT, user=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    staff_event_record(request=request, kind=StaffEvent.Kind.LOGIN_FAILED, username=credentials.get("username", ""))


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    staff_event_record(request=request, kind=StaffEvent.Kind.LOCKED_OUT, username=username or "")
