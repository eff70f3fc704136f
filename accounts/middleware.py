"""Every staff page asks for the second factor, and a staff session ends after inactivity.

Staff pages are everything under /staff/ and /admin/. A signed-in user who has not given
a code this session is sent to give one (or to set up an app first); only the sign-in,
code and set-up pages themselves are open to them. One place decides this, so a new staff
page is covered without doing anything.

A session that signed in through the organisation's identity provider showed the provider's
second factor instead (accounts.oidc.tokens), so it is not asked for a code; if it has no
role it is sent to the page that says so. With STAFF_PASSWORD_SIGN_IN=superusers, a password
session of anyone else ends.
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
from municipalities.access import staff_role

STAFF_PREFIXES = ("/staff/", "/admin/")
LAST_SEEN = "staff_last_seen"
# How the session signed in: PASSWORD (then the authenticator app) or OIDC.
SIGN_IN_METHOD = "staff_sign_in"
PASSWORD = "password"
OIDC = "oidc"
# The provider's ID token, sent back to it when signing out there.
OIDC_ID_TOKEN = "staff_oidc_id_token"

OPEN_PAGES = ("staff-login", "staff-verify", "staff-enrol", "staff-logout")
OIDC_PAGES = ("staff-oidc-start", "staff-oidc-callback", "staff-oidc-waiting")
# The authenticator app's own pages, which mean nothing to a session from the provider.
SECOND_FACTOR_PAGES = ("staff-verify", "staff-enrol", "staff-recovery-codes")


def signed_in_through_provider(request) -> bool:
    return request.session.get(SIGN_IN_METHOD) == OIDC


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        user = request.user
        if not path.startswith(STAFF_PREFIXES) or not user.is_authenticated:
            return self.get_response(request)
        open_paths = {reverse(name) for name in OPEN_PAGES + OIDC_PAGES}
        through_provider = signed_in_through_provider(request)
        if through_provider:
            second_factor_paths = {reverse(name) for name in SECOND_FACTOR_PAGES}
            if path not in open_paths - second_factor_paths and staff_role(user) is None:
                return redirect("staff-oidc-waiting")
            if path in second_factor_paths:
                return redirect("staff-home")  # no authenticator app to set up or give a code from
        if not (user.is_staff or user.is_superuser):
            # Accounts that are not staff get the pages' own refusal.
            return self.get_response(request)
        now = int(time.time())
        last_seen = request.session.get(LAST_SEEN)
        if last_seen is not None and now - last_seen > settings.STAFF_IDLE_MINUTES * 60:
            staff_event_record(request=request, kind=StaffEvent.Kind.IDLE_LOGOUT)
            logout(request)
            messages.info(request, _("You were signed out after a while without activity. Sign in again."))
            return redirect(f"{reverse('staff-login')}?{urlencode({'next': request.get_full_path()})}")
        if last_seen is None or now - last_seen >= 60:  # a minute's precision spares a session write per request
            request.session[LAST_SEEN] = now
        if not through_provider and settings.STAFF_PASSWORD_SIGN_IN == "superusers" and not user.is_superuser:
            logout(request)
            messages.info(request, _("Sign in through your organisation's identity provider."))
            return redirect(f"{reverse('staff-login')}?{urlencode({'next': request.get_full_path()})}")
        if path in open_paths or through_provider or user.is_verified():
            return self.get_response(request)
        return redirect(f"{reverse('staff-verify')}?{urlencode({'next': request.get_full_path()})}")
