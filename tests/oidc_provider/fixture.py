"""`oidc_provider`: the real OpenID provider (tests/oidc_provider, django-oauth-toolkit) on a free localhost
port for the whole test session, and `sso_on`, which points the app's settings at it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.oidc_provider.people import CLIENT_ID, CLIENT_SECRET, PASSWORD
from torbay_improvement.settings.oidc import OIDC_BACKEND, oidc_settings

MANAGE = Path(__file__).resolve().parent / "manage.py"
ROOT = MANAGE.parents[2]
# The app's callback and sign-in page as the test client (testserver) and the live server (localhost, any
# port) see them: the provider lets a loopback address's port vary (RFC 8252).
REDIRECT_URIS = " ".join(
    f"http://{host}{path}"
    for host in ("testserver", "127.0.0.1", "localhost")
    for path in ("/oidc/callback/", "/accounts/login/")
)
START_SECONDS = 60


@dataclass(frozen=True)
class LocalProvider:
    url: str
    password: str = PASSWORD
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    @property
    def logout_url(self) -> str:
        return f"{self.url}/o/logout/"

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/o/.well-known/openid-configuration"

    def environment(self, **extra: str) -> dict[str, str]:
        """Return the environment a council would set to sign in with this provider (discovery URL)."""
        return {
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_DISCOVERY_URL": self.discovery_url,
            **extra,
        }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The test OpenID provider stopped (exit {process.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"The test OpenID provider did not answer {url} in {START_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """Start the local OpenID provider (a subprocess), wait for its discovery document, stop it at the end."""
    folder = tmp_path_factory.mktemp("oidc_provider")
    port = _free_port()
    environment = {
        **os.environ,
        "OIDC_PROVIDER_DIR": str(folder),
        "OIDC_PROVIDER_REDIRECT_URIS": REDIRECT_URIS,
        "PYTHONPATH": str(ROOT),
    }
    log = folder / "provider.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(MANAGE), "serve", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    provider = LocalProvider(url=f"http://127.0.0.1:{port}")
    try:
        _wait_for(provider.discovery_url, process, log)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sso_on(settings, environment: dict[str, str]) -> None:
    """Turn single sign-on on in the app's settings (pytest-django's `settings`) as this environment would."""
    from core.sso import provider_documents_forget

    for name, value in oidc_settings(environment).items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, OIDC_BACKEND]
    policy = deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = ["'self'", *settings.OIDC_FORM_ACTION_ORIGINS]
    settings.CONTENT_SECURITY_POLICY = policy
    provider_documents_forget()
