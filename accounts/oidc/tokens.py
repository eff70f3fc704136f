"""The checks of an ID token that decide whether a sign-in goes through.

mozilla-django-oidc verifies the signature and compares the nonce with the session's, but it
does not check the issuer or the audience, lets an expired or not-yet-valid token through as a
server error, and does not remember nonces. Each check here refuses with its own reason.
"""

import datetime
import hashlib
import time

import jwt
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import OidcNonce
from accounts.oidc.refusals import Reason, SignInRefused

# Clocks of two machines differ by a little.
LEEWAY_SECONDS = 60
# The token comes straight from the token endpoint: one issued longer ago than this was kept
# somewhere, whatever its `exp` says.
MAX_AGE_SECONDS = 600
# Longer than any ID token lives, so a replayed one is refused for as long as it would be valid.
NONCE_KEPT = datetime.timedelta(days=2)


def id_token_validate(*, token: str, key, expected_nonce: str | None) -> dict:
    """The token's claims if it is signed by the provider's key, issued by OIDC_ISSUER for this
    client, current, and carries this sign-in's nonce for the first time; SignInRefused otherwise."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[settings.OIDC_RP_SIGN_ALGO],
            audience=settings.OIDC_RP_CLIENT_ID,
            issuer=settings.OIDC_ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError) as error:
        raise SignInRefused(Reason.BAD_SIGNATURE, str(error)) from error
    except jwt.ExpiredSignatureError as error:
        raise SignInRefused(Reason.EXPIRED, str(error)) from error
    except jwt.ImmatureSignatureError as error:
        raise SignInRefused(Reason.NOT_YET_VALID, str(error)) from error
    except jwt.InvalidIssuerError as error:
        raise SignInRefused(Reason.WRONG_ISSUER, _issued_by(token)) from error
    except jwt.InvalidAudienceError as error:
        raise SignInRefused(Reason.WRONG_AUDIENCE, f"{error}: {_unverified(token).get('aud')!r}") from error
    except jwt.MissingRequiredClaimError as error:
        raise SignInRefused(Reason.MISSING_CLAIM, error.claim) from error
    except jwt.InvalidTokenError as error:
        raise SignInRefused(Reason.MALFORMED, str(error)) from error

    age = time.time() - claims["iat"]
    if age > MAX_AGE_SECONDS + LEEWAY_SECONDS:
        raise SignInRefused(Reason.EXPIRED, f"issued {int(age)} s ago")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != settings.OIDC_RP_CLIENT_ID:
        raise SignInRefused(Reason.WRONG_AUDIENCE, f"several audiences, authorized party {claims.get('azp')!r}")
    _nonce_use(claims.get("nonce"), expected_nonce)
    second_factor_check(claims)
    return claims


def _unverified(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _issued_by(token: str) -> str:
    return f"issuer {_unverified(token).get('iss')!r}, expected {settings.OIDC_ISSUER!r}"


def _nonce_use(nonce, expected: str | None) -> None:
    """A token's nonce is accepted once: it must be the one this browser's sign-in sent, and no
    earlier token may have carried it."""
    if not isinstance(nonce, str) or not nonce:
        raise SignInRefused(Reason.MISSING_CLAIM, "nonce")
    digest = hashlib.sha256(nonce.encode()).hexdigest()
    if OidcNonce.objects.filter(digest=digest).exists():
        raise SignInRefused(Reason.NONCE_REPLAYED, "an earlier ID token carried this nonce")
    if nonce != expected:
        raise SignInRefused(Reason.NONCE_MISMATCH, "the nonce is not the one this sign-in sent")
    OidcNonce.objects.filter(created_at__lt=timezone.now() - NONCE_KEPT).delete()
    try:
        with transaction.atomic():
            OidcNonce.objects.create(digest=digest)
    except IntegrityError as error:  # the same token twice at once: only one goes through
        raise SignInRefused(Reason.NONCE_REPLAYED, "another sign-in used this nonce at the same time") from error


def second_factor_check(claims: dict) -> None:
    """The provider's second factor stands in for the authenticator app: the token must show it.
    Each of OIDC_REQUIRE_AMR and OIDC_REQUIRE_ACR that is set must be met by one of its values;
    `acr` may also come as Entra ID's `acrs` list."""
    amr = claims.get("amr")
    shown_amr = {value for value in amr if isinstance(value, str)} if isinstance(amr, list) else set()
    acrs = claims.get("acrs")
    shown_acr = {value for value in acrs if isinstance(value, str)} if isinstance(acrs, list) else set()
    if isinstance(claims.get("acr"), str):
        shown_acr.add(claims["acr"])
    if settings.OIDC_REQUIRE_AMR and not shown_amr & set(settings.OIDC_REQUIRE_AMR):
        raise SignInRefused(
            Reason.NO_SECOND_FACTOR, f"amr {sorted(shown_amr)}, required one of {settings.OIDC_REQUIRE_AMR}"
        )
    if settings.OIDC_REQUIRE_ACR and not shown_acr & set(settings.OIDC_REQUIRE_ACR):
        raise SignInRefused(
            Reason.NO_SECOND_FACTOR, f"acr {sorted(shown_acr)}, required one of {settings.OIDC_REQUIRE_ACR}"
        )


def second_factor_shown(claims: dict) -> str:
    """What the token said about how the person signed in, for the audit log."""
    parts = []
    if isinstance(claims.get("amr"), list):
        parts.append("amr=" + ",".join(str(value) for value in claims["amr"]))
    if claims.get("acr"):
        parts.append(f"acr={claims['acr']}")
    if isinstance(claims.get("acrs"), list):
        parts.append("acrs=" + ",".join(str(value) for value in claims["acrs"]))
    return " ".join(parts)
