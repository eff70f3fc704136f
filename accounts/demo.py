"""Second factors for the demo accounts, so a newcomer can sign in: each gets an
authenticator key and recovery codes, kept in var/ and printed by load_demo. Never for
production (load_demo refuses to run there)."""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import AUTHENTICATOR, recovery_codes_create, totp_secret


@dataclass
class DemoSecondFactor:
    key: str  # base32, as authenticator apps take it
    recovery_codes: list[str]


def _file() -> Path:
    return settings.VAR_DIR / "demo-second-factor.txt"


def demo_second_factors_ensure(*, usernames: list[str]) -> dict[str, DemoSecondFactor]:
    """The same key and the unused recovery codes on every run; new codes when all are used."""
    stored = {}
    if _file().exists():
        for line in _file().read_text().splitlines():
            username, *codes = line.split()
            stored[username] = codes
    factors = {}
    for username in usernames:
        user = User.objects.get(username=username)
        device = TOTPDevice.objects.filter(user=user, name=AUTHENTICATOR, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=True)
        unused = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
        codes = [code for code in stored.get(username, []) if code in unused]
        if not codes:
            codes = recovery_codes_create(user=user)
        factors[username] = DemoSecondFactor(totp_secret(device), codes)
    _file().write_text("".join(f"{name} {' '.join(f.recovery_codes)}\n" for name, f in factors.items()))
    return factors
