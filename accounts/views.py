"""Staff sign-in: password, then the second factor; setting up an authenticator app;
recovery codes; signing out (at the identity provider too, for a session that came from it).
Signing in through the identity provider: accounts/oidc/views.py."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.forms import CodeForm
from accounts.middleware import OIDC_ID_TOKEN, PASSWORD, SIGN_IN_METHOD, signed_in_through_provider
from accounts.oidc.provider import oidc_enabled, provider_logout_url
from accounts.services import (
    has_confirmed_device,
    recovery_codes_create,
    second_factor_verify,
    totp_device_for_enrolment,
    totp_enrolment_confirm,
    totp_qr_data_uri,
    totp_secret,
)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("staff-home")


class StaffAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "password_sign_in_off": gettext_lazy(
            "Passwords are for the break-glass superuser only. Sign in through your organisation's identity provider."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if settings.STAFF_PASSWORD_SIGN_IN == "superusers" and not user.is_superuser:
            raise ValidationError(self.error_messages["password_sign_in_off"], code="password_sign_in_off")


class StaffLoginView(LoginView):
    """The way through the identity provider when there is one; username and password (the
    code comes on the next page) for the embedded default and the break-glass superuser."""

    template_name = "accounts/login.html"
    form_class = StaffAuthenticationForm
    redirect_authenticated_user = False

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            oidc_enabled=oidc_enabled(),
            provider_name=settings.OIDC_PROVIDER_NAME,
            password_for_superusers_only=settings.STAFF_PASSWORD_SIGN_IN == "superusers",
            **kwargs,
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session[SIGN_IN_METHOD] = PASSWORD
        return response

    def get_success_url(self):
        return f"{reverse('staff-verify')}?{urlencode({'next': _next(self.request)})}"


@login_required(login_url="staff-login")
def verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return redirect(_next(request))
    if not has_confirmed_device(request.user):
        return redirect(f"{reverse('staff-enrol')}?{urlencode({'next': _next(request)})}")
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if second_factor_verify(request=request, token=form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error("code", _("The code is wrong or too old. Wait for a new code and try again."))
    return render(request, "accounts/verify.html", {"form": form, "next": _next(request)})


@login_required(login_url="staff-login")
def enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in: set up an authenticator app, confirm it with a code, get recovery codes."""
    if request.user.is_verified() or has_confirmed_device(request.user):
        return redirect(f"{reverse('staff-verify')}?{urlencode({'next': _next(request)})}")
    device = totp_device_for_enrolment(user=request.user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        codes = totp_enrolment_confirm(request=request, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("code", _("The code does not match. Check the app's clock and type the newest code."))
    return render(
        request,
        "accounts/enrol.html",
        {"form": form, "qr": totp_qr_data_uri(device), "secret": totp_secret(device), "next": _next(request)},
    )


@require_POST
@login_required(login_url="staff-login")
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes for a verified user (the middleware asks for the code first)."""
    codes = recovery_codes_create(user=request.user, request=request)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("staff-home")})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Ends the session here and, for one that came from the identity provider, sends the
    browser on to end the provider's as well where it offers that."""
    at_provider = None
    if signed_in_through_provider(request):
        at_provider = provider_logout_url(
            id_token=request.session.get(OIDC_ID_TOKEN),
            post_logout_redirect_uri=request.build_absolute_uri(reverse("home")),
        )
    logout(request)
    messages.info(request, _("You are signed out."))
    if at_provider:
        return render(request, "accounts/signing_out.html", {"provider_url": at_provider})
    return redirect("home")
