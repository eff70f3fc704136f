"""Staff sign-in through the organisation's identity provider (OpenID Connect).

mozilla-django-oidc runs the authorization code flow with PKCE, state and nonce; this package
adds what it leaves to the relying party: the provider's endpoints from its discovery document
(`provider`), the checks of the ID token it does not make or lets through as server errors
(`tokens`: issuer, audience, lifetime, nonce replay, the provider's second factor), the role from
a group claim (`roles`), the account behind a sign-in (`services`) and a refusal page with a
reason for everything that goes wrong (`refusals`, `views`).
"""
