"""Browser test fixtures: one headless Chromium for the whole session, one reused page, a live Django server.

pytest-django's `live_server` runs the app in a thread against the test database (tests using it get
`transactional_db`, so each test builds its own data and the tables are emptied afterwards).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

# Playwright's sync API keeps an asyncio loop in this thread; Django refuses ORM calls there unless told it is safe.
# It is: the loop is Playwright's own and the ORM calls are the test's, made between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's


@pytest.fixture(scope="session")
def _playwright():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def _shared_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 900},
                                  locale="en-GB", accept_downloads=True)
    context.set_default_timeout(30_000)  # generous: CI machines are small and busy
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page(_shared_page, live_server, transactional_db):
    """The session's page (its context's base URL is the live server, so `page.goto("/inventory/")` works), logged
    out: cookies cleared."""
    _shared_page.context.clear_cookies()
    _shared_page.goto("about:blank")
    return _shared_page


@pytest.fixture
def superuser(transactional_db):
    from tests.factories import UserFactory

    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def login_as(page, live_server):
    """login_as(user): log the page in without the form (the keyboard test covers the form), via a client session."""

    def login(user) -> None:
        page.context.clear_cookies()
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value,
                                   "url": live_server.url}])

    return login


@pytest.fixture
def admin_page(page, superuser, login_as):
    login_as(superuser)
    return page


def axe_violations(page, disabled_rules: tuple[str, ...] = ()) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the page; a short summary of each violation."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not added as an inline <script>, which the pages'
        # Content-Security-Policy (script-src 'self') refuses.
        page.evaluate("() => { " + AXE_JS.read_text(encoding="utf-8") + "\n}")
    return page.evaluate(
        """async ([tags, disabled]) => {
            const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
                             rules: Object.fromEntries(disabled.map((id) => [id, {enabled: false}]))};
            const result = await axe.run(document, options);
            return result.violations.map((v) => ({
                rule: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 4).map((n) => ({target: n.target.join(" "), html: n.html.slice(0, 160),
                                                         why: n.failureSummary})),
            }));
        }""",
        [AXE_TAGS, list(disabled_rules)],
    )
