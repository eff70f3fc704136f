"""Every staff page asks for the second factor, and a staff session ends after inactivity.

Staff pages are everything under /staff/ and /admin/. A signed-in user who has not given
a code this session is sent to give one (or to set up an app first); only the sign-in,
code and set-up pages themselves are open to them. One place decides this, so a new staff
page is covered without doing anything.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import StaffEvent
from accounts.services import staff_event_record

STAFF_PREFIXES = ("/staff/", "/admin/")
LAST_SEEN = "staff_last_seen"


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        user = request.user
        if not path.startswith(STAFF_PREFIXES) or not (user.is_authenticated and (user.is_staff or user.is_superuser)):
            # Anonymous visitors and accounts that are not staff get the pages' own refusal.
            return self.get_response(request)
        open_paths = {reverse("staff-login"), reverse("staff-verify"), reverse("staff-enrol"), reverse("staff-logout")}
        now = int(time.time())
        last_seen = request.session.get(LAST_SEEN)
        if last_seen is not None and now - last_seen > settings.STAFF_IDLE_MINUTES * 60:
            staff_event_record(request=request, kind=StaffEvent.Kind.IDLE_LOGOUT)
            logout(request)
            messages.info(request, _("You were signed out after a while without activity. Sign in again."))
            return redirect(f"{reverse('staff-login')}?{urlencode({'next': request.get_full_path()})}")
        if last_seen is None or now - last_seen >= 60:  # a minute's precision spares a session write per request
            request.session[LAST_SEEN] = now
        if path in open_paths or user.is_verified():
            return self.get_response(request)
        return redirect(f"{reverse('staff-verify')}?{urlencode({'next': request.get_full_path()})}")
