"""Starts the test OpenID provider as its own process (gunicorn, one worker with threads) on a
free port of 127.0.0.1, with its own SQLite database and a fresh RS256 key in a folder of its
own, and drives it through its control endpoint."""

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support import ROOT, free_port, process_group_stop

CLIENT_ID = "survey-platform"
CALLBACK_PATH = "/staff/login/provider/callback/"


class OidcProvider:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}/o"
        self.control_token = secrets.token_urlsafe(24)
        self.client_secret = secrets.token_urlsafe(32)
        self.process: subprocess.Popen | None = None
        self.log = folder / "provider.log"

    def _env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "REDIS_URL"))}
        env.update(
            PYTHONPATH=str(ROOT),
            DJANGO_SETTINGS_MODULE="tests.oidc_provider.settings",
            OIDC_PROVIDER_DIR=str(self.folder),
            OIDC_PROVIDER_ISSUER=self.issuer,
            OIDC_PROVIDER_SECRET_KEY=secrets.token_urlsafe(32),
            OIDC_PROVIDER_CONTROL_TOKEN=self.control_token,
        )
        return env

    def start(self) -> "OidcProvider":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (self.folder / "signing-key.pem").write_bytes(pem)
        subprocess.run(
            [sys.executable, "-m", "django", "migrate", "--no-input", "-v0"], cwd=ROOT, env=self._env(), check=True
        )
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                    "--threads",
                    "4",
                    "--config",
                    "python:tests.oidc_provider.gunicorn_settings",
                    "tests.oidc_provider.wsgi:application",
                ],
                cwd=ROOT,
                env=self._env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                # The first request imports the provider's views: on a busy machine it may take long.
                with urllib.request.urlopen(f"{self.issuer}/.well-known/openid-configuration", timeout=10):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the test OpenID provider did not start:\n{self.log.read_text()}") from None
                time.sleep(0.2)
        return self

    def stop(self) -> None:
        process_group_stop(self.process)

    def control(self, action: str, **data) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/control/{action}/",
            data=json.dumps(data).encode(),
            headers={"X-Control-Token": self.control_token, "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def register_client(self, *, base_urls: list[str]) -> None:
        """The platform as a client: its callback and post-logout addresses under each base URL."""
        self.control(
            "client",
            client_id=CLIENT_ID,
            client_secret=self.client_secret,
            redirect_uris=[base.rstrip("/") + CALLBACK_PATH for base in base_urls],
            post_logout_redirect_uris=[base.rstrip("/") + "/" for base in base_urls],
        )

    def person(self, username: str, *, groups: list[str], password: str = "pw-at-provider-1", **fields) -> str:
        """A person at the provider (made or changed); their `sub`."""
        return self.control("person", username=username, password=password, groups=groups, **fields)["sub"]

    def misbehave(self, misbehaviour: str | None, *, claim: str | None = None, no_end_session: bool = False) -> None:
        self.control("behave", misbehaviour=misbehaviour, claim=claim, no_end_session=no_end_session)

    def sessions(self, username: str) -> int:
        return self.control("sessions", username=username)["sessions"]
