"""Signing in through the identity provider: the start (to the provider), the callback (back
from it), the page for someone without a role, the refusal page, and the survey admin's list
of people waiting for a role."""

import logging

from django import forms
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts.middleware import OIDC, OIDC_ID_TOKEN, SIGN_IN_METHOD
from accounts.models import StaffEvent
from accounts.oidc.provider import oidc_enabled, provider_metadata
from accounts.oidc.refusals import ADVICE, DEFAULT_ADVICE, EXPLANATIONS, Reason, SignInRefused
from accounts.selectors import staff_user_list_waiting
from accounts.services import staff_access_deny, staff_event_record, staff_role_grant
from municipalities.access import staff_required, staff_role
from municipalities.models import Region, StaffProfile

logger = logging.getLogger("accounts.oidc")


def refusal_response(request: HttpRequest, refusal: SignInRefused) -> HttpResponse:
    """The refusal page, a log line and a line in the staff audit log."""
    logger.warning(
        "Sign-in through the identity provider refused: %s",
        refusal.reason.value,
        extra={"reason": refusal.reason.value, "detail": refusal.detail, "username": refusal.username},
    )
    staff_event_record(
        request=request,
        kind=StaffEvent.Kind.OIDC_REFUSED,
        user=refusal.user,
        username=refusal.username or "-",
        what=f"{refusal.reason.value}: {refusal.detail}",
    )
    status = 503 if refusal.reason == Reason.PROVIDER_UNAVAILABLE else 403
    context = {
        "reason": refusal.reason.value,
        "explanation": EXPLANATIONS[refusal.reason],
        "advice": ADVICE.get(refusal.reason, DEFAULT_ADVICE),
    }
    return render(request, "accounts/oidc_refused.html", context, status=status)


class OidcStartView(OIDCAuthenticationRequestView):
    """To the provider's authorization endpoint, with state, nonce and a PKCE challenge kept in
    the session (mozilla-django-oidc)."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # mozilla's reads a fixed endpoint from settings

    def get(self, request):
        if not oidc_enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_metadata()["authorization_endpoint"]
        except SignInRefused as refusal:
            return refusal_response(request, refusal)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)

    def get_extra_params(self, request):
        return {"ui_locales": get_language(), **settings.OIDC_AUTH_REQUEST_EXTRA_PARAMS}


class OidcCallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: the code is exchanged and the ID token checked (OidcBackend);
    every refusal gets the refusal page instead of mozilla's redirect or a server error."""

    def get(self, request):
        if not oidc_enabled():
            raise Http404
        try:
            return super().get(request)
        except SuspiciousOperation as error:  # a state this browser's session did not start
            return refusal_response(request, SignInRefused(Reason.STATE, str(error)))
        except SignInRefused as refusal:
            return refusal_response(request, refusal)

    def login_failure(self):
        error = self.request.GET.get("error")
        if error:  # the provider said no: cancelled, not assigned to the application, ...
            detail = f"{error}: {self.request.GET.get('error_description', '')}"[:250]
            return refusal_response(self.request, SignInRefused(Reason.PROVIDER_ERROR, detail))
        return refusal_response(self.request, SignInRefused(Reason.STATE, "no sign-in was started in this session"))

    def login_success(self):
        next_url = self.request.session.get("oidc_login_next")
        auth.login(self.request, self.user)
        self.request.session[SIGN_IN_METHOD] = OIDC
        self.request.session[OIDC_ID_TOKEN] = self.request.oidc_sign_in["id_token"]
        if staff_role(self.user) is None:
            return redirect("staff-oidc-waiting")
        return HttpResponseRedirect(next_url or reverse("staff-home"))


@login_required(login_url="staff-login")
def waiting(request: HttpRequest) -> HttpResponse:
    """For someone signed in who has no role (yet)."""
    if staff_role(request.user) is not None:
        return redirect("staff-home")
    return render(request, "accounts/oidc_waiting.html", {"roles_from_groups": bool(settings.OIDC_GROUPS_CLAIM)})


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=StaffProfile.Role.choices)
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"),
        queryset=Region.objects.none(),
        required=False,
        help_text=gettext_lazy("For a regional officer only."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(scheme__is_active=True).select_related("scheme")

    def clean(self):
        cleaned = super().clean()
        officer = cleaned.get("role") == StaffProfile.Role.REGIONAL_OFFICER
        if "role" in cleaned and officer != (cleaned.get("region") is not None):
            self.add_error("region", _("Choose a region for a regional officer, and none for the other roles."))
        return cleaned


@staff_required
def people_waiting(request: HttpRequest) -> HttpResponse:
    """Survey admins see who signed in through the provider without a role, and grant one or
    turn them away."""
    if staff_role(request.user) != StaffProfile.Role.SURVEY_ADMIN:
        raise PermissionDenied
    waiting_users = list(staff_user_list_waiting())
    forms_by_user = {user.pk: RoleGrantForm(prefix=f"person-{user.pk}") for user in waiting_users}
    if request.method == "POST":
        person = get_object_or_404(staff_user_list_waiting(), pk=request.POST.get("person"))
        try:
            if request.POST.get("action") == "deny":
                staff_access_deny(user=person, denied_by=request.user, request=request)
                messages.success(request, _("%(name)s was turned away.") % {"name": person.get_username()})
                return redirect("staff-people-waiting")
            form = RoleGrantForm(request.POST, prefix=f"person-{person.pk}")
            forms_by_user[person.pk] = form
            if form.is_valid():
                staff_role_grant(
                    user=person,
                    role=form.cleaned_data["role"],
                    region=form.cleaned_data["region"],
                    granted_by=request.user,
                    request=request,
                )
                messages.success(request, _("%(name)s has a role now.") % {"name": person.get_username()})
                return redirect("staff-people-waiting")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    rows = [(user, forms_by_user[user.pk]) for user in waiting_users]
    return render(
        request,
        "accounts/people_waiting.html",
        {"rows": rows, "roles_from_groups": bool(settings.OIDC_GROUPS_CLAIM), "oidc_enabled": oidc_enabled()},
    )
