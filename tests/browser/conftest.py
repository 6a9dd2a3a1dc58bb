"""A live server on 127.0.0.1 and Debian's Chromium driven by Playwright."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from app.accounts import service as accounts
from app.accounts.access import SESSION_COOKIE
from app.accounts.models import Role
from app.db import Database
from app.settings import Settings
from tests.factories import make_user
from tests.live import LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HERE = Path(__file__).resolve().parent
OUTPUT = HERE.parents[1] / "test-output" / "browser"
AXE = HERE / "vendor" / "axe-core" / "axe.min.js"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test runs in one xdist worker, one after the other.

    That worker starts one Chromium and one live server; no two browser tests compete for the
    two cores (one times two drags against each other, another renders 5000 events); and only
    that worker writes to test-output/browser/ (each screenshot has a name of its own anyway).
    The tests of the other worker run beside them.
    """
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


def server_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A German server on the test database, with a data directory of its own."""
    return Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("live"),
        secret_key="browser-test-secret",
        language="de",
    )


@pytest.fixture(scope="session")
def live_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    server = LiveServer(server_settings(database_url, tmp_path_factory))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; `make test` installs it")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


def logged_in_context(
    browser: Browser, server: LiveServer, db: Database, *, width: int = 1600, height: int = 1000
) -> BrowserContext:
    """A fresh German browser profile, logged in as the CDO (an admin)."""
    with db.session() as session:
        user = accounts.find_user(session, email="cdo@example.org") or make_user(
            session, role=Role.admin, name="Dana Weber", email="cdo@example.org"
        )
        token, _login = accounts.start_session(session, user=user, ip="127.0.0.1")
    # bypass_csp lets the test inject axe-core; the app's own pages never need it.
    ctx = browser.new_context(
        locale="de-DE", viewport={"width": width, "height": height}, bypass_csp=True
    )
    ctx.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": server.url}])
    return ctx


@pytest.fixture
def context(browser: Browser, live_server: LiveServer, db: Database) -> Iterator[BrowserContext]:
    ctx = logged_in_context(browser, live_server, db)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails the test on any JavaScript error or dialog."""
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        # Refused changes (409/422) are answered on purpose; the browser logs them anyway.
        expected = any(f"status of {code}" in message.text for code in (409, 422))
        if message.type == "error" and not expected:
            problems.append(f"console: {message.text}")

    tab.on("console", on_console)
    tab.on(
        "dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    yield tab
    assert problems == []


def run_axe(page: Page) -> list[dict[str, object]]:
    """Serious and critical accessibility violations on the current page."""
    page.add_script_tag(path=str(AXE))
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: tags})).violations", tags
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
