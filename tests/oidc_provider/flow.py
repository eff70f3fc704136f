"""A person signing in through the test provider without a browser: the platform's start page
(Django's test client), the provider's own login form and authorize endpoint (a requests
session, as a browser would), then the platform's callback with the code."""

from urllib.parse import parse_qs, quote, urljoin, urlsplit

import requests
from django.urls import reverse

from tests.oidc_provider.process import OidcProvider

PASSWORD = "pw-at-provider-1"


class PersonAtProvider:
    """One person's browser at the provider: its session there outlives one sign-in."""

    def __init__(self, provider: OidcProvider, username: str, password: str = PASSWORD):
        self.provider = provider
        self.username = username
        self.password = password
        self.session = requests.Session()

    def authorize(self, authorize_url: str) -> str:
        """Where the provider sends the browser back to (signing in at the provider if needed)."""
        response = self.session.get(authorize_url, allow_redirects=False)
        location = urljoin(authorize_url, response.headers.get("Location", ""))
        if urlsplit(location).path == "/accounts/login/":
            self.session.get(location)
            response = self.session.post(
                location,
                data={
                    "username": self.username,
                    "password": self.password,
                    "csrfmiddlewaretoken": self.session.cookies["op_csrftoken"],
                    "next": parse_qs(urlsplit(location).query)["next"][0],
                },
                allow_redirects=False,
            )
            assert response.status_code == 302, f"the provider refused {self.username}'s password"
            response = self.session.get(urljoin(location, response.headers["Location"]), allow_redirects=False)
            location = response.headers.get("Location", "")
        assert response.status_code == 302, response.text[:500]
        return location

    def sign_in(self, client, *, next_url: str | None = None):
        """The platform's answer to the callback."""
        start = client.get(reverse("staff-oidc-start") + (f"?next={quote(next_url)}" if next_url else ""))
        assert start.status_code == 302, start.content[:500]
        back = self.authorize(start.url)
        assert back.startswith("http://testserver/"), back
        return client.get(back.removeprefix("http://testserver"))
