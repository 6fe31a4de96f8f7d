"""Starts tests/oidc/server.mjs (panva's oidc-provider) on 127.0.0.1 and walks its sign-in pages.

The app under test talks to it over real HTTP: discovery, the authorization redirect, the
token request and the JWKS that signs the ID token. A person's part (typing a login at the
provider, or cancelling) is played with `requests` by sign_in() and cancel().
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

HERE = Path(__file__).resolve().parent
CLIENT_HOST = "http://localhost"  # where the Flask test client says the app is
CLIENTS = [
    {"client_id": "kundval-eid", "client_secret": "eid-secret-for-tests",
     "redirect_uris": [f"{CLIENT_HOST}/deltagare/e-legitimation/klar"]},
    {"client_id": "kundval-staff", "client_secret": "staff-secret-for-tests",
     "redirect_uris": [f"{CLIENT_HOST}/login/sso/klar"]},
]
ACCOUNTS = {
    "anna.handlaggare@kommun.example": {"name": "Anna Handläggare", "groups": ["kundval-handlaggare"]},
    "erik.ekonom@kommun.example": {"name": "Erik Ekonom", "groups": ["alla", "kundval-ekonomi"]},
    "okand@kommun.example": {"name": "Okänd Person", "groups": ["kundval-handlaggare"]},
    "utan.grupp@kommun.example": {"name": "Utan Grupp", "groups": ["alla"]},
}
_FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def ensure_node_modules() -> None:
    """`npm ci` once, when the provider's packages are not installed yet."""
    if (HERE / "node_modules" / "oidc-provider").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is missing: the OpenID provider for the tests needs Node 20 and npm")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True,
                   stdout=subprocess.DEVNULL)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class OidcProvider:
    issuer: str

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def client(self, client_id: str) -> dict:
        return next(c for c in CLIENTS if c["client_id"] == client_id)

    def _to_login_page(self, authorization_url: str) -> tuple[requests.Session, requests.Response]:
        browser = requests.Session()
        page = browser.get(authorization_url, timeout=10)
        page.raise_for_status()
        return browser, page

    def _until_back_at_the_app(self, browser: requests.Session, response: requests.Response) -> str:
        """Follow the provider's redirects; return the URL it sends the person back to the app with."""
        for _ in range(10):
            location = response.headers.get("Location")
            if location is None:
                raise AssertionError(f"the provider stopped at {response.url}: {response.text[:300]}")
            location = urljoin(response.url, location)
            if location.startswith(CLIENT_HOST):
                return location
            response = browser.get(location, allow_redirects=False, timeout=10)
        raise AssertionError("too many redirects at the provider")

    def sign_in(self, authorization_url: str, login: str) -> str:
        """Type `login` (and any password) on the provider's page; the callback URL to the app."""
        browser, page = self._to_login_page(authorization_url)
        action = urljoin(page.url, html.unescape(_FORM_ACTION.search(page.text).group(1)))
        response = browser.post(action, data={"prompt": "login", "login": login, "password": "x"},
                                allow_redirects=False, timeout=10)
        return self._until_back_at_the_app(browser, response)

    def cancel(self, authorization_url: str) -> str:
        """Press cancel on the provider's page; the callback URL (with error=access_denied)."""
        browser, page = self._to_login_page(authorization_url)
        uid = page.url.rstrip("/").rsplit("/", 1)[-1]
        response = browser.get(f"{self.issuer}/interaction/{uid}/abort", allow_redirects=False, timeout=10)
        return self._until_back_at_the_app(browser, response)


@pytest.fixture(scope="session")
def oidc_provider():
    """The provider, running for the whole test session."""
    if shutil.which("node") is None:
        pytest.fail("node is missing: the OpenID provider for the tests needs Node 20")
    ensure_node_modules()
    port = _free_port()
    env = {**os.environ, "OIDC_TEST_PORT": str(port), "OIDC_TEST_CLIENTS": json.dumps(CLIENTS),
           "OIDC_TEST_ACCOUNTS": json.dumps(ACCOUNTS), "NODE_ENV": "test"}
    process = subprocess.Popen(["node", str(HERE / "server.mjs")], cwd=HERE, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    provider = OidcProvider(f"http://127.0.0.1:{port}")
    try:
        for _ in range(100):
            if process.poll() is not None:
                raise RuntimeError("the OpenID provider stopped: " + process.stdout.read().decode()[-2000:])
            try:
                if requests.get(provider.metadata_url, timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the OpenID provider did not start")
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
