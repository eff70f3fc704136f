"""mozilla-django-oidc's backend with the provider's endpoints from discovery, every check of
the ID token in accounts.oidc.tokens, and the account from accounts.oidc.services."""

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.oidc.provider import oidc_enabled, provider_metadata
from accounts.oidc.refusals import Reason, SignInRefused
from accounts.oidc.services import oidc_account_sync
from accounts.oidc.tokens import id_token_validate, second_factor_shown

BACKEND = "accounts.oidc.backend.OidcBackend"


class OidcBackend(OIDCAuthenticationBackend):
    """Signs in only from the callback (which passes the sign-in's nonce); raises SignInRefused
    for a sign-in that must not go through, so the callback can say why."""

    def __init__(self, *args, **kwargs):
        # mozilla's reads fixed endpoints from settings here; ours come from discovery per sign-in.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or not oidc_enabled():
            return None  # a password sign-in, or OIDC is off
        metadata = provider_metadata()
        self.OIDC_OP_TOKEN_ENDPOINT = metadata["token_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = metadata["jwks_uri"]
        self.OIDC_OP_USER_ENDPOINT = metadata.get("userinfo_endpoint", "")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        try:
            return super().authenticate(request, **kwargs)
        except requests.HTTPError as error:
            # The token endpoint refused the code (used already, PKCE verifier wrong, client unknown).
            raise SignInRefused(Reason.TOKEN_REFUSED, str(error)[:300]) from error
        except requests.RequestException as error:
            raise SignInRefused(Reason.PROVIDER_UNAVAILABLE, str(error)[:300]) from error

    def verify_token(self, token, **kwargs):
        if not isinstance(token, str) or not token:
            raise SignInRefused(Reason.MALFORMED, "the token response has no id_token")
        try:
            key = self.retrieve_matching_jwk(token)
        except SuspiciousOperation as error:
            raise SignInRefused(Reason.BAD_SIGNATURE, "no key of the provider's matches the token's") from error
        except (jwt.InvalidTokenError, jwt.PyJWKError, KeyError, ValueError) as error:
            raise SignInRefused(Reason.MALFORMED, f"header or key set: {error}") from error
        claims = id_token_validate(token=token, key=key, expected_nonce=kwargs.get("nonce"))
        self.request.oidc_sign_in = {"id_token": token, "shown": second_factor_shown(claims)}
        return claims

    def store_tokens(self, access_token, id_token):
        """Nothing goes into the session before the sign-in is accepted (the callback keeps the
        ID token for signing out at the provider)."""

    def get_userinfo(self, access_token, id_token, payload):
        # The validated ID token says all the platform uses; the userinfo endpoint is another
        # round trip, and for Entra ID it is Microsoft Graph's, which knows none of its claims.
        return payload

    def verify_claims(self, claims):
        return True  # accounts.oidc.services checks what it needs and refuses with a reason

    def get_or_create_user(self, access_token, id_token, payload):
        return oidc_account_sync(claims=payload, request=self.request)

    def get_user(self, user_id):
        """Deactivated accounts lose their sessions (mozilla's backend would keep them)."""
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None
