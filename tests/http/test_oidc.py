"""Single sign-on through a real OpenID Connect provider (npm's oidc-provider on 127.0.0.1)."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import func
from sqlmodel import select

from app.accounts import oidc
from app.accounts import service as accounts
from app.accounts.access import SESSION_COOKIE
from app.accounts.models import AuthSource, LoginSession, Role, User, UserUpdate
from app.db import Database, ident
from app.main import create_app
from app.settings import Settings
from tests.factories import PASSWORD, make_user
from tests.sso.flow import BAD_TOKENS, id_token, provider_login, query, signed
from tests.sso.oidc_provider import OidcProvider, rsa_private_jwk, start_provider

BASE = "http://testserver"
CALLBACK = f"{BASE}/login/oidc/callback"

pytestmark = pytest.mark.xdist_group("oidc")


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    found = start_provider(
        tmp_path_factory.mktemp("oidc"),
        redirect_uri=CALLBACK,
        post_logout_redirect_uri=f"{BASE}/login?abgemeldet",
        # Not reachable from the provider (the browser tests show the real call); registering
        # it makes the provider name its session (`sid`) in the ID token.
        backchannel_logout_uri=f"{BASE}/login/oidc/backchannel-logout",
    )
    found.set_account(
        "jana", email="Jana.Kuhn@musterstadt.de", name="Jana Kuhn", groups=["lotsenboard-lotse"]
    )
    yield found
    found.stop()


def sso_settings(settings: Settings, provider: OidcProvider, **changes: Any) -> Settings:
    return settings.model_copy(
        update={
            "base_url": BASE,
            "language": "de",
            "oidc_issuer": provider.issuer,
            "oidc_client_id": provider.client_id,
            "oidc_client_secret": provider.client_secret,
            "oidc_scopes": "openid email profile groups",
            **changes,
        }
    )


@pytest.fixture
def browser(settings: Settings, provider: OidcProvider, db: Database) -> Iterator[TestClient]:
    """A browser on a board whose people log in through the provider."""
    app = create_app(sso_settings(settings, provider))
    yield TestClient(app, base_url=BASE)
    app.state.db.dispose()


def log_in(browser: TestClient, provider: OidcProvider, login: str = "jana") -> Any:
    started = browser.get("/login/oidc", params={"next": "/boards"}, follow_redirects=False)
    assert started.status_code == 303
    assert started.headers["location"].startswith(provider.issuer)
    back = provider_login(started.headers["location"], login=login, back_to=CALLBACK)
    return browser.get(back.removeprefix(BASE), follow_redirects=False)


def sessions(db: Database) -> int:
    with db.session() as session:
        return session.exec(select(func.count()).select_from(LoginSession)).one()


def account(db: Database, email: str) -> User:
    with db.session() as session:
        return session.exec(select(User).where(User.email == email)).one()


def test_the_login_page_offers_the_town_hall_account(browser: TestClient) -> None:
    page = browser.get("/login")
    assert "Mit dem Dienstkonto anmelden" in page.text
    assert '/login/oidc?next=/"' in page.text


def test_first_login_creates_the_account_with_the_role_of_its_groups(
    browser: TestClient, provider: OidcProvider, db: Database
) -> None:
    done = log_in(browser, provider)

    assert done.status_code == 303
    assert done.headers["location"] == "/boards"
    assert browser.cookies.get(SESSION_COOKIE)
    user = account(db, "jana.kuhn@musterstadt.de")
    assert (user.name, user.role, user.auth_source) == ("Jana Kuhn", Role.lotse, AuthSource.oidc)
    assert user.external_id == "sub-jana"
    me = browser.get("/account")
    assert me.status_code == 200
    assert "Jana Kuhn" in me.text
    # The provider's session is noted, for its back-channel logout.
    with db.session() as session:
        login = session.exec(select(LoginSession)).one()
        assert login.sso_sid


def test_a_changed_group_changes_the_role_at_the_next_login(
    browser: TestClient, provider: OidcProvider, db: Database
) -> None:
    log_in(browser, provider)
    provider.set_account(
        "jana", email="jana.kuhn@musterstadt.de", name="Jana Kuhn", groups=["lotsenboard-admin"]
    )
    try:
        log_in(browser, provider)
        assert account(db, "jana.kuhn@musterstadt.de").role == Role.admin
        provider.set_account("jana", email="jana.kuhn@musterstadt.de", name="Jana Kuhn", groups=[])
        log_in(browser, provider)
        assert account(db, "jana.kuhn@musterstadt.de").role == Role.viewer
    finally:
        provider.set_account(
            "jana",
            email="jana.kuhn@musterstadt.de",
            name="Jana Kuhn",
            groups=["lotsenboard-lotse"],
        )


def test_an_account_deactivated_here_cannot_log_in_through_the_provider(
    browser: TestClient, provider: OidcProvider, db: Database
) -> None:
    with db.session() as session:
        user = make_user(session, email="jana.kuhn@musterstadt.de", name="Jana Kuhn")
        accounts.update_user(
            session, user_id=ident(user), data=UserUpdate(active=False), actor="Dana Weber"
        )

    refused = log_in(browser, provider)

    assert refused.status_code == 403
    assert "Dieses Konto ist deaktiviert." in refused.text
    assert sessions(db) == 0


def test_a_person_disabled_at_the_provider_does_not_get_back_in(
    browser: TestClient, provider: OidcProvider, db: Database
) -> None:
    provider.set_account(
        "otto", email="otto@musterstadt.de", name="Otto Normal", groups=[], disabled=True
    )
    started = browser.get("/login/oidc", follow_redirects=False)

    with pytest.raises(AssertionError, match="never sent the browser back"):
        provider_login(started.headers["location"], login="otto", back_to=CALLBACK)
    assert sessions(db) == 0
    with db.session() as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_only_known_accounts_when_accounts_are_not_created(
    settings: Settings, provider: OidcProvider, db: Database
) -> None:
    app = create_app(sso_settings(settings, provider, oidc_create_accounts=False))
    browser = TestClient(app, base_url=BASE)

    refused = log_in(browser, provider)
    assert refused.status_code == 403
    assert "Es gibt kein Konto für jana.kuhn@musterstadt.de" in refused.text
    assert sessions(db) == 0

    # An account the CDO created beforehand is found by its address and moves over.
    with db.session() as session:
        make_user(session, email="jana.kuhn@musterstadt.de", name="J. Kuhn", role=Role.viewer)
    assert log_in(browser, provider).status_code == 303
    user = account(db, "jana.kuhn@musterstadt.de")
    assert (user.auth_source, user.name, user.role) == (AuthSource.oidc, "Jana Kuhn", Role.lotse)
    # Its password no longer opens it.
    assert password_login(browser, "jana.kuhn@musterstadt.de").status_code == 401
    app.state.db.dispose()


def password_login(browser: TestClient, email: str) -> Any:
    form = browser.get("/login")
    csrf = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return browser.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )


def test_an_address_the_provider_has_not_verified_opens_no_existing_account(
    settings: Settings, provider: OidcProvider, db: Database
) -> None:
    app = create_app(sso_settings(settings, provider))
    browser = TestClient(app, base_url=BASE)
    # Someone at the provider who typed a colleague's address and was never asked to confirm it.
    provider.set_account(
        "mara",
        email="jana.kuhn@musterstadt.de",
        name="Mara Fremd",
        groups=["lotsenboard-admin"],
        email_verified=False,
    )
    with db.session() as session:
        make_user(session, email="jana.kuhn@musterstadt.de", name="J. Kuhn", role=Role.lotse)

    refused = log_in(browser, provider, login="mara")

    assert refused.status_code == 403
    assert (
        "Der Anmeldedienst hat Ihre E-Mail-Adresse jana.kuhn@musterstadt.de nicht bestätigt"
        in refused.text
    )
    assert sessions(db) == 0
    jana = account(db, "jana.kuhn@musterstadt.de")
    assert (jana.auth_source, jana.name, jana.role) == (AuthSource.local, "J. Kuhn", Role.lotse)
    assert password_login(browser, "jana.kuhn@musterstadt.de").status_code == 303

    # Unverified, but nobody's address yet: the login gets an account of its own.
    provider.set_account(
        "mara",
        email="mara.fremd@musterstadt.de",
        name="Mara Fremd",
        groups=[],
        email_verified=False,
    )
    assert log_in(TestClient(app, base_url=BASE), provider, login="mara").status_code == 303
    assert account(db, "mara.fremd@musterstadt.de").external_id == "sub-mara"
    app.state.db.dispose()

    # A town hall whose provider never verifies addresses may say it trusts them.
    trusting = create_app(sso_settings(settings, provider, oidc_trust_unverified_email=True))
    provider.set_account(
        "jana", email="jana.kuhn@musterstadt.de", name="Jana Kuhn", groups=["lotsenboard-lotse"],
        email_verified=False,
    )  # fmt: skip
    try:
        assert log_in(TestClient(trusting, base_url=BASE), provider).status_code == 303
    finally:
        provider.set_account(
            "jana", email="jana.kuhn@musterstadt.de", name="Jana Kuhn", groups=["lotsenboard-lotse"]
        )
    assert account(db, "jana.kuhn@musterstadt.de").auth_source == AuthSource.oidc
    trusting.state.db.dispose()


def test_the_last_admins_password_account_stays_hers_unless_the_groups_make_her_admin(
    browser: TestClient, provider: OidcProvider, db: Database
) -> None:
    with db.session() as session:
        make_user(session, email="cdo@musterstadt.de", name="Dana Weber", role=Role.admin)
    provider.set_account(
        "dana", email="cdo@musterstadt.de", name="Dana Weber", groups=["lotsenboard-lotse"]
    )

    refused = log_in(browser, provider, login="dana")

    assert refused.status_code == 403
    assert "Dies ist das letzte Administratorkonto" in refused.text
    # Her address is in the password form already.
    assert 'name="email" value="cdo@musterstadt.de"' in refused.text
    assert sessions(db) == 0
    dana = account(db, "cdo@musterstadt.de")
    assert (dana.auth_source, dana.role) == (AuthSource.local, Role.admin)
    assert password_login(browser, "cdo@musterstadt.de").status_code == 303

    # In the administrators' group she moves over as admin.
    provider.set_account(
        "dana", email="cdo@musterstadt.de", name="Dana Weber", groups=["lotsenboard-admin"]
    )
    assert log_in(TestClient(browser.app, base_url=BASE), provider, login="dana").status_code == 303
    dana = account(db, "cdo@musterstadt.de")
    assert (dana.auth_source, dana.role) == (AuthSource.oidc, Role.admin)


def test_a_tampered_state_is_refused_and_logs_nobody_in(
    browser: TestClient, provider: OidcProvider, db: Database
) -> None:
    started = browser.get("/login/oidc", follow_redirects=False)
    back = provider_login(started.headers["location"], login="jana", back_to=CALLBACK)
    values = query(back)

    refused = browser.get(
        "/login/oidc/callback",
        params={"code": values["code"], "state": values["state"] + "x"},
        follow_redirects=False,
    )

    assert refused.status_code == 403
    assert "Die Anmeldung hat zu lange gedauert" in refused.text
    assert not browser.cookies.get(SESSION_COOKIE)
    assert sessions(db) == 0


def test_a_callback_without_the_login_begun_here_is_refused(
    browser: TestClient, provider: OidcProvider, db: Database
) -> None:
    started = browser.get("/login/oidc", follow_redirects=False)
    back = provider_login(started.headers["location"], login="jana", back_to=CALLBACK)
    stranger = TestClient(browser.app, base_url=BASE)  # another browser, e.g. an attacker's link

    refused = stranger.get(back.removeprefix(BASE), follow_redirects=False)

    assert refused.status_code == 403
    assert "in einem anderen Fenster begonnen" in refused.text
    assert sessions(db) == 0


def _callback_with(
    browser: TestClient, provider: OidcProvider, monkeypatch: pytest.MonkeyPatch, make: Any
) -> Any:
    """The callback as if the provider's token endpoint had answered with `make`'s ID token."""
    started = browser.get("/login/oidc", follow_redirects=False)
    sent = query(started.headers["location"])
    token = make(provider, sent["nonce"])
    monkeypatch.setattr(oidc.Provider, "exchange", lambda self, **_: {"id_token": token})
    return browser.get(
        "/login/oidc/callback",
        params={"code": "code", "state": sent["state"]},
        follow_redirects=False,
    )


def test_a_valid_id_token_from_the_token_endpoint_logs_in(
    browser: TestClient, provider: OidcProvider, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control for the refusals below: the same way in, with a token that is right."""
    done = _callback_with(browser, provider, monkeypatch, lambda p, nonce: id_token(p, nonce=nonce))
    assert done.status_code == 303
    assert sessions(db) == 1


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_an_id_token_that_cannot_be_trusted_is_refused(
    case: str,
    browser: TestClient,
    provider: OidcProvider,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refused = _callback_with(browser, provider, monkeypatch, BAD_TOKENS[case])

    assert refused.status_code == 403
    assert "Sie sind nicht angemeldet" in refused.text or "Bitte melden Sie sich" in refused.text
    assert not browser.cookies.get(SESSION_COOKIE)
    assert sessions(db) == 0
    with db.session() as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_the_provider_down_gives_a_clear_answer(
    settings: Settings, provider: OidcProvider, db: Database
) -> None:
    app = create_app(sso_settings(settings, provider, oidc_issuer="http://127.0.0.1:9"))
    started = TestClient(app, base_url=BASE).get("/login/oidc", follow_redirects=False)
    assert started.status_code == 503
    assert "Der Anmeldedienst des Rathauses antwortet nicht" in started.text
    app.state.db.dispose()


def test_logging_out_ends_the_session_at_the_provider_too(
    browser: TestClient, provider: OidcProvider, db: Database
) -> None:
    log_in(browser, provider)
    csrf = browser.get("/account").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]

    out = browser.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)

    assert out.status_code == 303
    target = out.headers["location"]
    assert target.startswith(f"{provider.issuer}/session/end")
    assert query(target)["post_logout_redirect_uri"] == f"{BASE}/login?abgemeldet"
    assert query(target)["client_id"] == provider.client_id
    # The login's own ID token as hint, signed by the provider: it need not ask whom to log out.
    hint = jwt.decode(query(target)["id_token_hint"], RSAKey.import_key(provider.jwk))
    assert hint.claims["sub"] == "sub-jana" and hint.claims["aud"] == provider.client_id
    assert browser.get("/account", follow_redirects=False).status_code in (302, 303, 401)
    # The provider takes the hint (a hint it did not sign would be refused with 400) …
    assert requests.get(target, timeout=10).status_code == 200
    # … and the ended session keeps no token.
    with db.session() as session:
        assert session.exec(select(LoginSession.id_token)).all() == [None]


def test_a_forged_hint_is_refused_by_the_provider(provider: OidcProvider) -> None:
    # What the check above relies on: the provider reads the hint and refuses a bad one.
    forged = signed({"iss": provider.issuer, "sub": "sub-jana"}, rsa_private_jwk(kid="x"))
    end = f"{provider.issuer}/session/end"
    refused = requests.get(
        end, params={"client_id": provider.client_id, "id_token_hint": forged}, timeout=10
    )
    assert refused.status_code == 400


def _logout_token(provider: OidcProvider, jwk: dict[str, str], **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": provider.issuer,
        "aud": provider.client_id,
        "iat": now,
        "exp": now + 120,
        "jti": f"jti-{now}",
        "events": {oidc.BACKCHANNEL_EVENT: {}},
        **claims,
    }
    return signed(body, jwk, typ="logout+jwt")


def test_the_providers_back_channel_logout_ends_the_session(
    browser: TestClient, provider: OidcProvider, db: Database
) -> None:
    log_in(browser, provider)
    with db.session() as session:
        sid = session.exec(select(LoginSession.sso_sid)).one()
    assert browser.get("/account").status_code == 200

    forged = _logout_token(provider, rsa_private_jwk(), sid=sid)
    assert (
        browser.post("/login/oidc/backchannel-logout", data={"logout_token": forged}).status_code
        == 400
    )
    assert browser.get("/account").status_code == 200
    with_nonce = _logout_token(provider, provider.jwk, sid=sid, nonce="n")
    refused = browser.post("/login/oidc/backchannel-logout", data={"logout_token": with_nonce})
    assert refused.status_code == 400

    valid = _logout_token(provider, provider.jwk, sid=sid, sub="sub-jana")
    done = browser.post("/login/oidc/backchannel-logout", data={"logout_token": valid})

    assert done.status_code == 200
    assert browser.get("/account", follow_redirects=False).status_code in (302, 303, 401)


def test_local_login_only_for_admins_when_single_sign_on_is_the_way_in(
    settings: Settings, provider: OidcProvider, db: Database, tmp_path: Path
) -> None:
    app = create_app(sso_settings(settings, provider, local_login="admins"))
    browser = TestClient(app, base_url=BASE)
    with db.session() as session:
        make_user(session, email="cdo@musterstadt.de", role=Role.admin)
        make_user(session, email="lotse@musterstadt.de", role=Role.lotse)

    def password_login(email: str) -> Any:
        form = browser.get("/login")
        assert "Administration: mit einem hier geführten Konto anmelden" in form.text
        csrf = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        return browser.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": csrf},
            follow_redirects=False,
        )

    refused = password_login("lotse@musterstadt.de")
    assert refused.status_code == 403
    assert "Bitte melden Sie sich mit Ihrem Dienstkonto an." in refused.text
    assert sessions(db) == 0
    assert password_login("cdo@musterstadt.de").status_code == 303
    app.state.db.dispose()
