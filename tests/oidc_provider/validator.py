"""django-oauth-toolkit's validator with the claims the platform reads (name, e-mail, groups,
amr, acr) and, when a test asks for it, an ID token that is wrong in one way."""

import json
import time

from django.db import router, transaction
from jwcrypto import jwk, jwt
from oauth2_provider.models import AbstractApplication, get_id_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator

from tests.oidc_provider import behaviour

# Signs the token when the test asks for a bad signature: same key id, another key.
IMPOSTOR_KEY = jwk.JWK.generate(kty="RSA", size=2048)

MISBEHAVIOURS = {
    "wrong_issuer",
    "wrong_audience",
    "expired",
    "not_yet_valid",
    "bad_signature",
    "replayed_nonce",
    "missing_claim",
    "no_mfa",
}


class MisbehavingValidator(OAuth2Validator):
    # Every claim goes into the ID token, whatever the scopes (the default maps claims to scopes).
    oidc_claim_scope = None

    def get_additional_claims(self, request):
        user = request.user
        extra = behaviour.read().get("users", {}).get(user.username, {})
        claims = {
            "preferred_username": user.username,
            "name": user.get_full_name() or user.username,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "email": user.email,
            "groups": sorted(user.groups.values_list("name", flat=True)),
            "amr": extra.get("amr", ["pwd", "otp", "mfa"]),
        }
        if extra.get("acr"):
            claims["acr"] = extra["acr"]
        return claims

    def finalize_id_token(self, id_token, token, token_handler, request):
        claims, expiration_time = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(**claims)
        if "nonce" not in id_token and request.nonce:
            id_token["nonce"] = request.nonce

        state = behaviour.read()
        misbehaviour = state.get("misbehaviour")
        now = int(time.time())
        if misbehaviour == "wrong_issuer":
            id_token["iss"] = "http://127.0.0.1:9/another-provider"
        elif misbehaviour == "wrong_audience":
            id_token["aud"] = "another-service"
        elif misbehaviour == "expired":
            id_token["iat"], id_token["exp"] = now - 7200, now - 3600
        elif misbehaviour == "not_yet_valid":
            id_token["nbf"] = now + 3600
        elif misbehaviour == "replayed_nonce" and state.get("last_nonce"):
            id_token["nonce"] = state["last_nonce"]
        elif misbehaviour == "missing_claim":
            id_token.pop(state.get("claim", "preferred_username"), None)
        elif misbehaviour == "no_mfa":
            id_token["amr"] = ["pwd"]
        if misbehaviour != "replayed_nonce" and id_token.get("nonce"):
            behaviour.update(last_nonce=id_token["nonce"])

        header = {"typ": "JWT", "alg": request.client.algorithm}
        if request.client.algorithm == AbstractApplication.RS256_ALGORITHM:
            header["kid"] = request.client.jwk_key.thumbprint()
        signed = jwt.JWT(header=json.dumps(header, default=str), claims=json.dumps(id_token, default=str))
        signed.make_signed_token(IMPOSTOR_KEY if misbehaviour == "bad_signature" else request.client.jwk_key)
        model = get_id_token_model()
        with transaction.atomic(using=router.db_for_write(model)):
            stored = self._save_id_token(id_token["jti"], request, expiration_time)
        request.access_token = stored
        request.id_token = stored
        return signed.serialize()
