"""Staff sign-in: password, then the second factor; setting up an authenticator app;
recovery codes; signing out."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import CodeForm
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


class StaffLoginView(LoginView):
    """Username and password; the code comes on the next page."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = False

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
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("home")
