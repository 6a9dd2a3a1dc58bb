"""Logging in with the town hall account in Chromium, through a real OpenID Connect provider
(npm's oidc-provider) that also logs people out here by back-channel."""

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect
from sqlmodel import select

from app.accounts import oidc
from app.accounts.models import AuthSource, LoginSession, Role, User
from app.db import Database
from tests.browser.conftest import OUTPUT, run_axe, server_settings
from tests.factories import make_user
from tests.live import LiveServer
from tests.sso.flow import BAD_TOKENS
from tests.sso.oidc_provider import OidcProvider, start_provider

EMAIL = "jana.kuhn@musterstadt.de"
# The German refusals of an untrusted ID token all end like this.
REFUSED = re.compile(r"Sie sind nicht angemeldet\.|Bitte melden Sie sich erneut an\.")


@pytest.fixture(scope="module")
def town_hall(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, OidcProvider]]:
    """A board whose people log in through the provider, and the provider."""
    settings = server_settings(database_url, tmp_path_factory)
    server = LiveServer(settings)
    provider = start_provider(
        tmp_path_factory.mktemp("oidc"),
        redirect_uri=f"{server.url}/login/oidc/callback",
        post_logout_redirect_uri=f"{server.url}/login?abgemeldet",
        backchannel_logout_uri=f"{server.url}/login/oidc/backchannel-logout",
    )
    # The server's address is known only once its port is bound: the settings follow it.
    settings.base_url = server.url
    settings.oidc_issuer = provider.issuer
    settings.oidc_client_id = provider.client_id
    settings.oidc_client_secret = provider.client_secret
    settings.oidc_scopes = "openid email profile groups"
    server.start()
    yield server, provider
    server.stop()
    provider.stop()


@pytest.fixture
def visitor(browser: Browser) -> Iterator[BrowserContext]:
    """A browser nobody has logged in with yet."""
    ctx = browser.new_context(
        locale="de-DE", viewport={"width": 1366, "height": 768}, bypass_csp=True
    )
    yield ctx
    ctx.close()


def sign_in_at_provider(page: Page, server: LiveServer, login: str = "jana") -> None:
    page.goto(f"{server.url}/login")
    page.get_by_role("link", name="Mit dem Dienstkonto anmelden").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("Dienstkonto-Passwort")
    page.get_by_role("button", name="Sign-in").click()


def user(db: Database) -> User:
    with db.session() as session:
        return session.exec(select(User).where(User.email == EMAIL)).one()


def test_the_town_hall_account_logs_in_and_brings_its_role(
    visitor: BrowserContext,
    town_hall: tuple[LiveServer, OidcProvider],
    db: Database,
) -> None:
    server, provider = town_hall
    provider.set_account("jana", email=EMAIL, name="Jana Kuhn", groups=["lotsenboard-lotse"])
    page = visitor.new_page()
    page.goto(f"{server.url}/login")
    assert run_axe(page) == []
    page.screenshot(path=str(OUTPUT / "login-sso-1366x768.png"), full_page=True)

    # First login: the account is made, with the role the provider's group gives.
    sign_in_at_provider(page, server)
    expect(page.locator("header")).to_contain_text("Jana Kuhn")
    first = user(db)
    assert (first.role, first.auth_source, first.external_id) == (
        Role.lotse,
        AuthSource.oidc,
        "sub-jana",
    )

    # The CDO puts her into the admin group; logging out ends the provider's session too.
    provider.set_account("jana", email=EMAIL, name="Jana Kuhn", groups=["lotsenboard-admin"])
    page.get_by_role("button", name="Abmelden").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.locator(".login .notice")).to_contain_text("Sie sind abgemeldet.")

    # The next login asks the provider again and brings the new role.
    sign_in_at_provider(page, server)
    expect(page.locator("header")).to_contain_text("Jana Kuhn")
    assert user(db).role == Role.admin
    page.goto(f"{server.url}/settings/users")
    expect(page.locator("body")).to_contain_text("Anmeldung: Dienstkonto (OpenID Connect)")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.screenshot(path=str(OUTPUT / "users-sso-1920x1080.png"), full_page=True)

    # Logged out at the provider (e.g. from the portal): its back-channel call ends the
    # session here, without the browser coming by.
    page.goto(f"{provider.issuer}/session/end?" + urlencode({"client_id": provider.client_id}))
    page.get_by_role("button", name="Yes, sign me out").click()
    page.goto(f"{server.url}/account")
    expect(page).to_have_url(f"{server.url}/login?next=%2Faccount")
    with db.session() as session:
        still_open = session.exec(
            select(LoginSession).where(LoginSession.revoked_at.is_(None))  # type: ignore[union-attr]
        ).all()
    assert still_open == []


def test_a_tampered_answer_is_refused_in_german_and_logs_nobody_in(
    visitor: BrowserContext,
    town_hall: tuple[LiveServer, OidcProvider],
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, provider = town_hall
    provider.set_account("jana", email=EMAIL, name="Jana Kuhn", groups=["lotsenboard-lotse"])
    page = visitor.new_page()

    def tamper(route: Route) -> None:
        """Our way to the provider, with another `state` than the one this browser was given:
        the provider hands it back unchanged, as an attacker's link would."""
        response = route.fetch(max_redirects=0)
        parts = urlsplit(response.headers["location"])
        values = {k: v[0] for k, v in parse_qs(parts.query).items()}
        values["state"] = values["state"][::-1]
        location = f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(values)}"
        route.fulfill(response=response, headers={**response.headers, "location": location})

    start = f"{server.url}/login/oidc?"
    page.route(lambda url: url.startswith(start), tamper)
    sign_in_at_provider(page, server)
    expect(page.get_by_role("alert")).to_contain_text(
        "Die Anmeldung hat zu lange gedauert oder wurde in einem anderen Fenster begonnen."
    )
    page.unroute_all()
    page.goto(f"{server.url}/account")
    expect(page).to_have_url(f"{server.url}/login?next=%2Faccount")

    # ID tokens a token endpoint might hand out that must not be trusted: each refused with a
    # German sentence (the provider's session lets the browser straight back each time).
    sent: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.url) if request.url.startswith(f"{provider.issuer}/auth?") else None
        ),
    )
    for case, make in sorted(BAD_TOKENS.items()):

        def answer(self: oidc.Provider, make: Any = make, **_: object) -> dict[str, str]:
            nonce = parse_qs(urlsplit(sent[-1]).query)["nonce"][0]
            return {"id_token": make(provider, nonce)}

        monkeypatch.setattr(oidc.Provider, "exchange", answer)
        page.goto(f"{server.url}/login")
        page.get_by_role("link", name="Mit dem Dienstkonto anmelden").click()
        expect(page.get_by_role("alert"), case).to_contain_text(REFUSED)
        if case == "wrong audience":
            page.screenshot(path=str(OUTPUT / "login-sso-refused-1366x768.png"), full_page=True)
    with db.session() as session:
        jana = session.exec(select(User).where(User.email == EMAIL)).first()
        opened = session.exec(
            select(LoginSession).where(LoginSession.revoked_at.is_(None))  # type: ignore[union-attr]
        ).all()
    assert jana is None
    assert opened == []


def test_the_last_admin_is_told_why_her_password_account_is_not_taken_over(
    visitor: BrowserContext, town_hall: tuple[LiveServer, OidcProvider], db: Database
) -> None:
    server, provider = town_hall
    with db.session() as session:
        make_user(session, email="cdo@musterstadt.de", name="Dana Weber", role=Role.admin)
    provider.set_account(
        "dana", email="cdo@musterstadt.de", name="Dana Weber", groups=["lotsenboard-lotse"]
    )
    page = visitor.new_page()

    sign_in_at_provider(page, server, login="dana")

    expect(page.get_by_role("alert")).to_contain_text(
        "Dies ist das letzte Administratorkonto, und der Anmeldedienst gibt Ihnen keine "
        "Administratorrechte. Melden Sie sich mit Ihrem Passwort an"
    )
    # The password form is open beside the reason, her address filled in: she can do just that.
    expect(page.get_by_label("E-Mail")).to_have_value("cdo@musterstadt.de")
    expect(page.get_by_label("Passwort")).to_be_focused()
    assert run_axe(page) == []
    page.screenshot(path=str(OUTPUT / "login-last-admin-1366x768.png"), full_page=True)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.screenshot(path=str(OUTPUT / "login-last-admin-1920x1080.png"), full_page=True)
    with db.session() as session:
        dana = session.exec(select(User).where(User.email == "cdo@musterstadt.de")).one()
        assert (dana.auth_source, dana.role) == (AuthSource.local, Role.admin)
