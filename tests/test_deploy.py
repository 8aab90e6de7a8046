"""The README's deployment steps, run as written: production settings, check --deploy, migrate,
collectstatic, gunicorn; then the login page, every static file it names and /healthz are fetched.

The commands come from the README's "Deploying" block itself, so the README and this test cannot
drift apart. The database is a new SQLite file (the steps are the same on PostgreSQL).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# The background worker the block starts beside gunicorn (it runs until stopped).
WORKERS: list[subprocess.Popen] = []


def readme_deploy_commands() -> tuple[dict[str, str], list[str]]:
    """Return the README's deploy block as (the variables it exports, the commands it runs)."""
    readme = (BASE_DIR / "README.md").read_text()
    section = readme.split("## Deploying", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    exported: dict[str, str] = {}
    commands = []
    for line in block.splitlines():
        line = line.split("  #", 1)[0].strip()
        if not line:
            continue
        if line.startswith("export "):
            for assignment in shlex.split(line)[1:]:
                name, _, value = assignment.partition("=")
                exported[name] = value
        else:
            commands.append(line)
    return exported, commands


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, *, https: bool = True) -> tuple[int, dict, bytes]:
    """GET `url` without following redirects, as the HTTPS proxy in front of gunicorn would pass it on."""
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"} if https else {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def argv_of(command: str) -> list[str]:
    """Return the README's command as arguments, run from this virtualenv."""
    argv = shlex.split(command)
    argv[0] = argv[0].replace(".venv/bin/", f"{VENV_BIN}/", 1)
    return argv


def started(command: str, env: dict[str, str]) -> subprocess.Popen:
    """Start a command that runs until stopped (gunicorn, the worker)."""
    return subprocess.Popen(argv_of(command), cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv_of(command), cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """Run the README's deploy steps; yield the address gunicorn serves on and the steps' output."""
    exported, commands = readme_deploy_commands()
    assert exported["DJANGO_SETTINGS_MODULE"] == "torbay_improvement.settings.production"
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"} <= set(exported), "the README names each setting"
    folder = tmp_path_factory.mktemp("deploy")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "DEBUG"))}
    env.update(
        DJANGO_SETTINGS_MODULE=exported["DJANGO_SETTINGS_MODULE"],
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{folder / 'tracker.sqlite3'}",
        STATIC_ROOT=str(folder / "staticfiles"),
        MEDIA_ROOT=str(folder / "media"),
    )
    port = free_port()
    outputs = {}
    server = None
    for command in commands:
        if "gunicorn" in command:
            command = re.sub(r"--bind \S+", f"--bind 127.0.0.1:{port}", command)
            server = started(command, env)
            continue
        if "db_worker" in command:
            WORKERS.append(started(command, env))
            continue
        result = run(command, env)
        outputs[command] = result.stdout + result.stderr
        assert result.returncode == 0, f"`{command}` failed as the README runs it:\n{outputs[command]}"
    assert server is not None, "the README's deploy block starts gunicorn"
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                fetch(f"{address}/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError(f"gunicorn did not start:\n{server.stdout.read().decode()}") from None
                time.sleep(0.2)
        yield address, outputs, folder
    finally:
        server.terminate()
        server.wait(timeout=10)
        for worker in WORKERS:
            worker.terminate()
            worker.wait(timeout=10)


def test_the_background_worker_runs_beside_gunicorn_and_stops_when_told(deployed):
    assert len(WORKERS) == 1, "the README's deploy block starts the worker"
    (worker,) = WORKERS
    assert worker.poll() is None, f"the worker stopped:\n{worker.stdout.read().decode()}"
    # systemd stops it once it runs; on a loaded machine it may still be starting (SIGTERM would then kill it
    # before its handler is in place), so wait until it handles SIGTERM, as it does once it is running.
    _wait_until_it_handles_sigterm(worker.pid)
    worker.terminate()
    assert worker.wait(timeout=10) == 0


def _wait_until_it_handles_sigterm(pid: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status").read_text()
        caught = int(re.search(r"^SigCgt:\s*([0-9a-f]+)$", status, re.M).group(1), 16)
        if caught & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.2)
    raise AssertionError(f"the worker did not start handling SIGTERM within {timeout} s")


def test_check_deploy_finds_no_issue(deployed):
    _, outputs, _ = deployed
    output = next(text for command, text in outputs.items() if "check --deploy" in command)
    assert "System check identified no issues" in output, output


def test_the_login_page_and_every_static_file_it_names_are_served(deployed):
    address, _, _ = deployed
    status, headers, body = fetch(f"{address}/accounts/login/")
    assert status == 200
    page = body.decode()
    assert "Sign in" in page
    static = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert len(static) >= 3, "the page names its stylesheets and scripts"
    for path in static:
        # Manifest names (hashed): a file changed in a release is never served from a stale cache.
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", path), f"{path} has no hashed name"
        status, headers, body = fetch(f"{address}{path}")
        assert status == 200, f"{path} answered {status}"
        assert body, f"{path} is empty"
        assert "immutable" in headers.get("Cache-Control", ""), f"{path} is not cached for long"


def test_plain_http_is_redirected_to_https_but_the_health_check_is_not(deployed):
    address, _, _ = deployed
    status, headers, _ = fetch(f"{address}/accounts/login/", https=False)
    assert status == 301
    assert headers["Location"].startswith("https://")

    status, _, body = fetch(f"{address}/healthz", https=False)
    assert status == 200
    assert json.loads(body) == {"database": "ok", "migrations": "ok"}


def test_a_signed_out_visitor_is_sent_to_sign_in(deployed):
    address, _, _ = deployed
    status, headers, _ = fetch(f"{address}/")
    assert status == 302
    assert headers["Location"].startswith("/accounts/login/")
