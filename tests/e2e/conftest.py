"""Browser fixtures for the end-to-end journeys: Debian's Chromium, one browser per session, short
timeouts, a sign-in helper and an axe-core helper that reports serious and critical WCAG 2.2 AA
violations in a readable failure message."""

import io
import os

# live_server runs Django in a thread while Playwright's sync API runs an event loop in this one:
# Django's async-safety check would refuse every ORM call made from the test.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import sqlite3
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import transaction
from playwright.sync_api import Page, expect

CHROMIUM = "/usr/bin/chromium"
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SERIOUS = ("serious", "critical")
TIMEOUT_MS = 10_000
PASSWORD = "improve-2021"  # tests/factories.UserFactory and settings.DEMO_PASSWORD


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (playwright install cannot download browsers on these machines)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Every page in the same viewport and locale, so screenshots and layouts are comparable.

    Reduced motion turns off Bootstrap's smooth scrolling: a test presses keys far faster than a person,
    and a smooth scroll-into-view still running from the last Tab cancels the jump to an in-page link.
    """
    return {
        **browser_context_args,
        "viewport": {"width": 1280, "height": 900},
        "locale": "en-GB",
        "reduced_motion": "reduce",
    }


@pytest.fixture
def page(page: Page) -> Page:
    """pytest-playwright's page with short timeouts: a journey that hangs fails in seconds."""
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return page


@pytest.fixture
def axe_page(new_context) -> Page:
    """A page whose context ignores the Content-Security-Policy, so that axe-core can be injected.

    Only the accessibility checks use it: the journeys run under the real CSP, where an inline
    script or a style the policy blocks would show up as a broken page.
    """
    context = new_context(bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return page


def kpi_workbook(path, rows: list[list], percent_cells: set[tuple[int, int]]) -> None:
    """Write the rows to an .xlsx as the performance team would: percentages as numbers in % format."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "KPIs"
    for row in rows:
        sheet.append(row)
    for row, column in percent_cells:
        sheet.cell(row=row, column=column).number_format = "0.0%"
    workbook.save(path)


_demo_snapshot = None


class _SqliteSnapshot:
    """The in-memory SQLite test database, copied whole with SQLite's backup API."""

    def __init__(self, connection):
        self.copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(self.copy)

    def restore(self, connection) -> None:
        self.copy.backup(connection.connection)


class _PostgresSnapshot:
    """Every table of the PostgreSQL test database (the cache's too) copied out with COPY, and its sequences."""

    def __init__(self, connection):
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            self.tables = {}
            for table in connection.introspection.table_names(cursor):
                buffer = io.BytesIO()
                cursor.copy_expert(f"COPY {quote(table)} TO STDOUT", buffer)
                self.tables[quote(table)] = buffer.getvalue()
            cursor.execute(
                "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences "
                "WHERE schemaname = current_schema()"
            )
            self.sequences = cursor.fetchall()

    def restore(self, connection) -> None:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(self.tables)}")
            for table, rows in self.tables.items():
                if rows:
                    cursor.copy_expert(f"COPY {table} FROM STDIN", io.BytesIO(rows))
            for sequence, last_value in self.sequences:
                # A sequence never used has no last value: the next value is its first again.
                cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last_value or 1, last_value is not None])


@pytest.fixture
def demo(transactional_db):
    """The real demo data (setup_demo: Torbay's plans, KPIs, risks and the demo users), for a live_server test.

    live_server tests are transactional: the database is emptied after each one, and setup_demo takes
    seconds. The loaded database is copied once (the in-memory SQLite test database with SQLite's backup API,
    PostgreSQL's tables with COPY) and copied back for each later test, in milliseconds; on any other database
    setup_demo runs each time.
    """
    global _demo_snapshot
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    kind = {"sqlite": _SqliteSnapshot, "postgresql": _PostgresSnapshot}.get(connection.vendor)
    if kind is None or (connection.vendor == "sqlite" and not connection.is_in_memory_db()):
        call_command("setup_demo", verbosity=0)
        return
    connection.ensure_connection()
    if _demo_snapshot is None:
        call_command("setup_demo", verbosity=0)
        _demo_snapshot = kind(connection)
    else:
        _demo_snapshot.restore(connection)
        # The flush before this test recreated content types and permissions with other ids.
        ContentType.objects.clear_cache()


def url(live_server, path: str) -> str:
    """Return the live server's absolute URL of a path."""
    return f"{live_server.url}{path}"


def sign_in(page: Page, live_server, username: str, password: str = PASSWORD, *, next_path: str = "") -> None:
    """Sign in through the login form as a person would, and wait until the sign-in has happened."""
    login = "/accounts/login/" + (f"?{urlencode({'next': next_path})}" if next_path else "")
    page.goto(url(live_server, login))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Wait for the redirect away from the login page, whatever page it lands on (by default the person's
    # first page: Needs my attention, the published papers, or the report at "/" for the performance team):
    # a journey then asserts on the page it cares about.
    page.wait_for_url(lambda address: "/accounts/login/" not in address)
    if "/accounts/two-step/" in page.url:
        pass_the_second_step(page, username)
    assert any(cookie["name"] == "sessionid" for cookie in page.context.cookies()), f"{username} was not signed in"


def pass_the_second_step(page: Page, username: str) -> None:
    """Pass two-step verification as the person would (administrators must): set up an authenticator
    by reading the key the page shows, or enter the code their authenticator shows now."""
    from base64 import b32decode

    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.two_factor import code_for

    if "/accounts/two-step/set-up/" in page.url:
        secret = b32decode(page.locator("#mfa-secret").inner_text().replace(" ", ""))
        page.get_by_label("6-digit code from your app").fill(f"{totp(secret):06d}")
        page.get_by_role("button", name="Turn on two-step verification").click()
        page.get_by_role("link", name="I have kept my codes: continue").click()
    else:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.get_by_label("Code").fill(code_for(device))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda address: "/accounts/two-step/" not in address)


def sign_out(page: Page) -> None:
    """Sign out with the navbar's POST form."""
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def axe_violations(page: Page, *, exclude: list[str] | None = None, impacts: tuple[str, ...] = SERIOUS) -> list[dict]:
    """Run axe-core's WCAG 2.2 AA rules on the page; return its violations of the given impacts
    (serious and critical unless told).

    Each violation keeps axe's id, impact, help text and URL, and the CSS targets and failure
    summaries of its nodes, so that a failing assertion says what to fix and where.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    context = {"exclude": [[selector] for selector in exclude]} if exclude else None
    results = page.evaluate(
        """async ([context, tags]) => {
            const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
            return await (context ? axe.run(context, options) : axe.run(document, options));
        }""",
        [context, AXE_TAGS],
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "helpUrl": violation["helpUrl"],
            "nodes": [
                {"target": node["target"], "summary": node.get("failureSummary", "")} for node in violation["nodes"]
            ],
        }
        for violation in results["violations"]
        if violation["impact"] in impacts
    ]


def format_violations(violations: list[dict]) -> str:
    """Return axe violations as readable lines for an assertion message."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:10]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {', '.join(map(str, node['target']))}: {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more elements")
    return "\n".join(lines)


def assert_no_serious_violations(page: Page, *, exclude: list[str] | None = None) -> None:
    """Fail with axe's explanation if the page (less `exclude` selectors) has a serious or critical violation."""
    violations = axe_violations(page, exclude=exclude)
    assert not violations, f"axe-core found on {page.url}:\n{format_violations(violations)}"


@pytest.fixture
def plan_actions(head_of_service, other_head_of_service, sro):
    """A plan reporting on this quarter (its reporting quarter set so) with one key action owned by each head of
    service.

    Returns a dict: plan, becky_action (owned by becky.thompson), rachel_action (rachel.setter).
    """
    from django.utils import timezone

    from core.calendar import current_quarter
    from tests.factories import KeyActionFactory, ObjectiveFactory, PlanFactory, ThemeFactory

    plan = PlanFactory(
        title="Children's Services Improvement Plan",
        slug="e2e-plan",
        report_date=timezone.localdate(),
        reporting_year=current_quarter().financial_year,
        reporting_quarter=current_quarter().quarter,
    )
    theme = ThemeFactory(plan=plan, number=1, title="Leadership, management and governance")
    objective = ObjectiveFactory(theme=theme, lead_officer="Becky Thompson", description="Strengthen front door")
    becky_action = KeyActionFactory(
        objective=objective,
        description="<p>Embed the multi-agency safeguarding hub triage.</p>",
        owner=head_of_service,
    )
    rachel_action = KeyActionFactory(
        objective=objective,
        description="<p>Recruit permanent social work team managers.</p>",
        owner=other_head_of_service,
    )
    return {"plan": plan, "becky_action": becky_action, "rachel_action": rachel_action}
