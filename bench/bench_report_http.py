"""Benchmark the highlight report over HTTP against a real server: one action update, and readers with a writer.

Builds a Torbay-size plan, with an earlier paper for "since the last board" to compare with, in the benchmark's
own database (Django's test database beside DATABASE_URL's, `test_<name>`, created and dropped here; else a
throw-away SQLite file), starts gunicorn on 127.0.0.1 (two workers, the test settings), signs readers in
through the sign-in form, and measures, in one run:

1. the report opened again with no change (served from the cache), and the first view after one action
   update (a head of service's update through plans.services, in this process: the row, its RAG, their
   history and the data versions it bumps), median of `--updates` each; the aim is at most 3 times;
2. `--readers` readers (10) reading the report as fast as the server answers for `--seconds` (15), first
   alone, then with one action update a second; the p95 of the readers' times with the writer against
   without; the aim is at most 1.5 times.

    .venv/bin/python bench/bench_report_http.py [--readers 10] [--seconds 15] [--updates 15]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_cache .venv/bin/python bench/bench_report_http.py

Bounded: each phase stops after `--seconds` or 5,000 requests, whichever comes first.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import bench_report
from bench_kpi_import import database_setup, database_teardown
from django.contrib.auth.models import Group, User
from django.db import connection

from core import roles
from plans import services
from plans.models import KeyAction
from tests.report.builders import build_plan, earlier_paper

PASSWORD = "bench-http-password-2026"
MOST_REQUESTS = 5000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """Return a DATABASE_URL naming the benchmark's own database, for the server."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    return f"postgres://{user}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


def start_server(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "torbay_improvement.settings.test",
    }
    command = [
        sys.executable, "-m", "gunicorn", "torbay_improvement.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", "2", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=bench_report.ROOT, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("The server did not start.")


def signed_in_opener(base: str, username: str) -> urllib.request.OpenerDirector:
    """Return an opener holding a session signed in through the sign-in form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    request = urllib.request.Request(f"{base}/accounts/login/", data=data.encode(), headers={"Referer": base + "/"})
    opener.open(request).read()
    return opener


def get_ms(opener, url: str) -> float:
    start = time.perf_counter()
    response = opener.open(url)
    response.read()
    assert response.status == 200, response.status
    return (time.perf_counter() - start) * 1000


class Writer:
    """One action update a second, through the service, round the plan's actions."""

    def __init__(self, author: User, actions: list[KeyAction]):
        self.author, self.actions, self.count = author, actions, 0

    def update(self) -> None:
        action = KeyAction.objects.get(pk=self.actions[self.count % len(self.actions)].pk)
        self.count += 1
        services.key_action_update_add(
            user=self.author,
            key_action=action,
            expected_version=action.version,
            financial_year=2021,
            quarter=1,
            rag=("red", "amber", "green")[self.count % 3],
            progress=f"Benchmark update {self.count}.",
            # Red and Amber need their explanation (plans.rounds.explain_red_problems).
            barriers="Benchmark barriers.",
            next_steps="Benchmark next steps.",
        )


def readers_p95(openers, url: str, seconds: float, writer: Writer | None) -> tuple[float, int]:
    """Return the p95 milliseconds of the readers' GETs over `seconds` (with one update a second from
    `writer`, if given) and how many GETs there were."""
    times: list[float] = []
    stop = threading.Event()

    def read(opener):
        while not stop.is_set() and len(times) < MOST_REQUESTS:
            times.append(get_ms(opener, url))

    threads = [threading.Thread(target=read, args=(opener,)) for opener in openers]
    for thread in threads:
        thread.start()
    end = time.monotonic() + seconds
    while time.monotonic() < end and len(times) < MOST_REQUESTS:
        if writer is not None:
            writer.update()
        time.sleep(max(0.0, min(1.0, end - time.monotonic())))
    stop.set()
    for thread in threads:
        thread.join()
    return statistics.quantiles(times, n=20)[-1], len(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--updates", type=int, default=15)
    args = parser.parse_args()
    old_name = database_setup()
    server = None
    try:
        reader = User.objects.create_user("bench-reader", password=PASSWORD, first_name="Nancy")
        reader.groups.add(Group.objects.get_or_create(name=roles.SRO)[0])
        author = User.objects.create_user("bench-author", password=PASSWORD, first_name="Becky")
        author.groups.add(Group.objects.get_or_create(name=roles.HEAD_OF_SERVICE)[0])
        plan = build_plan(slug="bench-http", owner=author)
        earlier_paper(plan)  # since the last board compares with it, as after a council's first board
        actions = list(KeyAction.objects.filter(objective__theme__plan=plan).order_by("pk"))
        writer = Writer(author, actions)
        port = free_port()
        server = start_server(port)
        base = f"http://127.0.0.1:{port}"
        url = f"{base}/?plan={plan.slug}"
        openers = [signed_in_opener(base, reader.username) for _ in range(args.readers)]
        print(f"Server on {base} ({connection.vendor}), {len(actions)} key actions.")

        one = openers[0]
        get_ms(one, url)
        cached, updated = [], []
        for _ in range(args.updates):
            cached.append(get_ms(one, url))
            writer.update()
            updated.append(get_ms(one, url))
        cached_ms, updated_ms = statistics.median(cached), statistics.median(updated)
        print(f"\nReport opened again (cached), median of {args.updates}:        {cached_ms:8.1f} ms")
        print(f"First view after one action update, median of {args.updates}: {updated_ms:8.1f} ms")
        bench_report.aim("First view after an update / cached", updated_ms / cached_ms, 3)

        alone, alone_count = readers_p95(openers, url, args.seconds, None)
        busy, busy_count = readers_p95(openers, url, args.seconds, writer)
        print(f"\n{args.readers} readers for {args.seconds:.0f} s each:")
        print(f"  readers only                   p95 {alone:8.1f} ms  ({alone_count} requests)")
        print(f"  readers + 1 action update a s  p95 {busy:8.1f} ms  ({busy_count} requests)")
        bench_report.aim("p95, readers + 1 update a second / readers only", busy / alone, 1.5)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        connection.close()
        database_teardown(old_name)


if __name__ == "__main__":
    main()
