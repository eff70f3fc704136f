"""A real OpenID provider for the tests: a small Django project with django-oauth-toolkit's
OpenID Connect support, run as its own process on 127.0.0.1 (process.py) with its own SQLite
database and an RS256 key made when it starts.

Tests seed people and their groups, and can make it misbehave (a wrong issuer or audience, an
expired or not-yet-valid token, a bad signature, a replayed nonce, a claim left out, no second
factor, no end-session endpoint) through its control endpoint, which only a caller with the
control token reaches. The tokens still go through the real authorization code flow: what
refuses them is the platform's own validation.
"""
