"""The identity provider's endpoints, from its discovery document.

Read at the first sign-in rather than at start-up, so that a provider that is down does not
stop the platform (password sign-in for the break-glass superuser keeps working), and kept in
the cache for an hour, so that a sign-in costs no extra round trip.
"""

import hashlib
import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.cache import cache

from accounts.oidc.refusals import Reason, SignInRefused

logger = logging.getLogger(__name__)

METADATA_SECONDS = 3600


def oidc_enabled() -> bool:
    return bool(settings.OIDC_ISSUER)


def provider_metadata() -> dict:
    """The discovery document; SignInRefused(PROVIDER_UNAVAILABLE) when it cannot be had or
    names another issuer than OIDC_ISSUER (then every token would be refused anyway)."""
    url = settings.OIDC_DISCOVERY_URL
    key = "oidc:metadata:" + hashlib.sha256(url.encode()).hexdigest()
    metadata = cache.get(key)
    if metadata is not None:
        return metadata
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        metadata = response.json()
    except (requests.RequestException, ValueError) as error:
        raise SignInRefused(Reason.PROVIDER_UNAVAILABLE, f"discovery document {url}: {error}") from error
    if metadata.get("issuer") != settings.OIDC_ISSUER:
        logger.error(
            "The identity provider's discovery document names another issuer",
            extra={"expected_issuer": settings.OIDC_ISSUER, "issuer": str(metadata.get("issuer"))},
        )
        raise SignInRefused(
            Reason.PROVIDER_UNAVAILABLE, f"discovery names issuer {metadata.get('issuer')!r}, not OIDC_ISSUER"
        )
    missing = [name for name in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not metadata.get(name)]
    if missing:
        raise SignInRefused(Reason.PROVIDER_UNAVAILABLE, f"discovery document lacks {', '.join(missing)}")
    cache.set(key, metadata, METADATA_SECONDS)
    return metadata


def provider_logout_url(*, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """Where to send a browser to sign out at the provider too (RP-initiated logout), or None
    when the provider offers no `end_session_endpoint` or cannot be asked."""
    try:
        endpoint = provider_metadata().get("end_session_endpoint")
    except SignInRefused:
        return None
    if not endpoint:
        return None
    parameters = {"client_id": settings.OIDC_RP_CLIENT_ID, "post_logout_redirect_uri": post_logout_redirect_uri}
    if id_token:
        parameters["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(parameters)}"
