"""Who may do what: authentication, roles, screen links, CSRF, sessions, throttling, headers."""

import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from app import clock
from app.accounts import tokens
from app.accounts.models import ApiToken, Role, User
from app.boards import service as boards
from app.db import Database
from app.main import all_routes
from tests.factories import PASSWORD, make_board, make_card, make_user
from tests.helpers import dump

PUBLIC = {
    "/healthz",
    "/readyz",
    "/login",
    # Single sign-on: the provider's signed answers are the credentials (tests/http/test_oidc.py).
    "/login/oidc",
    "/login/oidc/callback",
    "/login/oidc/backchannel-logout",
    "/barrierefreiheit",
    "/barrierefreiheit/feedback",
    "/sprache",
    "/screen/{token}",
    "/kalender/{token}.ics",
    "/passwort/{token}",
    "/wochenuebersicht/abbestellen/{token}",
    "/openapi.json",
    "/api/docs",
    "/api/docs/oauth2-redirect",
}


def _routes() -> list[tuple[str, str]]:
    found = []
    for path, route in all_routes():
        if path not in PUBLIC:
            for method in sorted(route.methods - {"HEAD"}):
                found.append((method, re.sub(r"\{\w+\}", "1", path)))
    return found


def login(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form as a browser does; return the session's CSRF token."""
    form = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]
    page = client.get("/account")
    return re.search(r'"X-CSRF-Token": "([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def bearer(app: FastAPI, db: Database, user: User) -> TestClient:
    with db.session() as session:
        plain, _token = tokens.create_token(session, user=user, name="t")
    return TestClient(app, headers={"Authorization": f"Bearer {plain}"})


def test_every_non_public_route_needs_a_login(app: FastAPI, anon_client: TestClient) -> None:
    routes = _routes()
    assert len(routes) > 40
    for method, path in routes:
        response = anon_client.request(method, path, follow_redirects=False)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
        else:
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next=")


def test_viewer_cannot_write_and_lotse_cannot_administer(
    app: FastAPI, db: Database, session: Session
) -> None:
    board = make_board(session)
    card = make_card(session, board)
    viewer = bearer(app, db, make_user(session, role=Role.viewer))
    lotse = bearer(app, db, make_user(session, role=Role.lotse))
    assert viewer.get(f"/api/v1/boards/{board.id}").status_code == 200
    assert (
        viewer.patch(f"/api/v1/cards/{card.id}", json={"version": 1, "title": "X"}).status_code
        == 403
    )
    assert (
        lotse.patch(f"/api/v1/cards/{card.id}", json={"version": 1, "title": "X"}).status_code
        == 200
    )
    for method, path, body in [
        ("POST", "/api/v1/boards", {"name": "B"}),
        ("POST", f"/api/v1/boards/{board.id}/phases", {"name": "P"}),
        ("POST", "/api/v1/departments", {"name": "D", "code": "D"}),
        ("POST", "/api/v1/users", {"email": "a@b.de", "name": "A", "password": PASSWORD}),
        ("POST", f"/api/v1/boards/{board.id}/screen-links", {"name": "TV"}),
        ("GET", "/api/v1/events", None),
    ]:
        assert lotse.request(method, path, json=body).status_code == 403, path


def test_screen_link_reads_its_board_only_and_stops_at_revocation(
    app: FastAPI, client: TestClient, anon_client: TestClient, session: Session
) -> None:
    board, other = make_board(session, name="Maßnahmen"), make_board(session, name="Personal")
    card = make_card(session, board, title="Mängelmelder")
    created = client.post(
        f"/api/v1/boards/{board.id}/screen-links", json={"name": "Raum 2.14"}
    ).json()
    token = created["token"]
    assert len(token) >= 32 and created["url"].endswith(f"/screen/{token}")
    screen = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert screen.get(f"/api/v1/boards/{board.id}").status_code == 200
    assert "Mängelmelder" in anon_client.get(f"/screen/{token}").text.replace("\u00ad", "")
    assert (
        screen.patch(f"/api/v1/cards/{card.id}", json={"version": 1, "title": "X"}).status_code
        == 403
    )
    assert (
        screen.post(
            f"/api/v1/boards/{board.id}/cards", json={"title": "X", "phase_id": 1}
        ).status_code
        == 403
    )
    assert screen.get(f"/api/v1/boards/{other.id}").status_code == 404
    assert [b["id"] for b in screen.get("/api/v1/boards").json()] == [board.id]
    client.delete(f"/api/v1/boards/{board.id}/screen-links/{created['id']}")
    assert screen.get(f"/api/v1/boards/{board.id}").status_code == 401
    assert anon_client.get(f"/screen/{token}").status_code == 401


def test_cross_site_post_without_csrf_token_is_refused(
    anon_client: TestClient, db: Database, session: Session
) -> None:
    board = make_board(session)
    user = make_user(session, role=Role.admin)
    csrf = login(anon_client, user.email)
    before = dump(db)
    for headers in ({}, {"X-CSRF-Token": "falsch"}):
        response = anon_client.post("/api/v1/boards", json={"name": "Angriff"}, headers=headers)
        assert response.status_code == 403
    response = anon_client.post(
        "/api/v1/boards",
        json={"name": "Angriff"},
        headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"},
    )
    assert response.status_code == 403
    form = anon_client.post(
        f"/boards/{board.id}/phases", data={"name": "Angriff"}, follow_redirects=False
    )
    assert form.status_code == 403
    assert dump(db) == before
    ok = anon_client.post("/api/v1/boards", json={"name": "Echt"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201


def test_login_cookie_flags_rotation_and_logout(anon_client: TestClient, session: Session) -> None:
    user = make_user(session)
    anon_client.cookies.set("lotsenboard_session", "vorher-gesetzt")
    form = anon_client.get("/login")
    anon_client.cookies.delete("lotsenboard_session")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    response = anon_client.post(
        "/login",
        data={
            "email": user.email.upper(),
            "password": PASSWORD,
            "csrf_token": csrf,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    session_id = anon_client.cookies.get("lotsenboard_session")
    assert session_id and session_id != "vorher-gesetzt"
    # Every login starts a new session id.
    login(anon_client, user.email)
    renewed = anon_client.cookies.get("lotsenboard_session")
    assert renewed not in (None, session_id)
    session_id = renewed
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', anon_client.get("/account").text).group(1)  # type: ignore[union-attr]
    assert anon_client.get("/logout").status_code == 405
    assert anon_client.post("/logout", follow_redirects=False).status_code == 403
    assert (
        anon_client.post(
            "/logout", headers={"X-CSRF-Token": token}, follow_redirects=False
        ).status_code
        == 303
    )
    # The old cookie is refused server-side, not just forgotten by the browser.
    anon_client.cookies.clear()
    anon_client.cookies.set("lotsenboard_session", session_id)
    assert anon_client.get("/api/v1/boards").status_code == 401


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_next_never_leaves_the_site(anon_client: TestClient, session: Session, target: str) -> None:
    user = make_user(session)
    form = anon_client.get("/login", params={"next": target})
    assert "evil" not in form.text and "javascript" not in form.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    response = anon_client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf, "next": target},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_expired_sessions_are_refused(anon_client: TestClient, session: Session) -> None:
    user = make_user(session)
    login(anon_client, user.email)
    assert anon_client.get("/api/v1/boards").status_code == 200
    with clock.frozen_at(clock.now() + timedelta(hours=9)):
        assert anon_client.get("/api/v1/boards").status_code == 401


def test_password_change_ends_other_sessions(app: FastAPI, session: Session) -> None:
    user = make_user(session)
    desk, laptop = TestClient(app), TestClient(app)
    csrf = login(desk, user.email)
    login(laptop, user.email)
    response = desk.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "ganz-neu-2026!", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert desk.get("/api/v1/boards").status_code == 200
    assert laptop.get("/api/v1/boards").status_code == 401


def test_a_wrong_password_keeps_the_address_typed_and_asks_for_the_password_again(
    anon_client: TestClient, session: Session
) -> None:
    user = make_user(session)
    form = anon_client.get("/login")
    assert 'name="email" value=""' in form.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    typed = f'{user.email}"><script>'
    refused = anon_client.post(
        "/login", data={"email": typed, "password": "falsch-falsch", "csrf_token": csrf}
    )
    assert refused.status_code == 401
    field = re.search(r'<input type="email" name="email"[^>]*>', refused.text)
    assert field is not None
    assert f'value="{user.email}&#34;&gt;&lt;script&gt;"' in field.group(0)
    assert "autofocus" not in field.group(0)
    password = re.search(r'<input type="password"[^>]*>', refused.text)
    assert password is not None
    assert "value=" not in password.group(0) and "autofocus" in password.group(0)
    # Focus lands there: the field names the reason, so a screen reader reads it out.
    assert 'aria-describedby="login-error"' in password.group(0)
    assert '<p class="notice notice--error" role="alert" id="login-error">' in refused.text


def test_twenty_wrong_passwords_are_throttled_without_locking_out_the_real_user(
    app: FastAPI, session: Session
) -> None:
    user = make_user(session)
    attacker = TestClient(app, client=("203.0.113.9", 4000))
    statuses = []
    for _ in range(20):
        form = attacker.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        statuses.append(
            attacker.post(
                "/login", data={"email": user.email, "password": "falsch", "csrf_token": csrf}
            ).status_code
        )
    assert statuses[:10] == [401] * 10 and set(statuses[10:]) == {429}
    form = attacker.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    refused = attacker.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf}
    )
    assert refused.status_code == 429
    # The real user, elsewhere, is not locked out ...
    owner = TestClient(app, client=("198.51.100.7", 4000))
    login(owner, user.email)
    # ... and the attacker's address may try again once the window has passed.
    with clock.frozen_at(clock.now() + timedelta(minutes=16)):
        login(attacker, user.email)


def test_security_headers_on_real_responses(client: TestClient, anon_client: TestClient) -> None:
    for response in (client.get("/"), anon_client.get("/login"), client.get("/api/v1/boards")):
        csp = response.headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp
            and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        )
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"


def test_audit_trail_records_logins_failures_roles_and_tokens(
    client: TestClient, anon_client: TestClient, session: Session
) -> None:
    user = make_user(session)
    form = anon_client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    anon_client.post("/login", data={"email": user.email, "password": "falsch", "csrf_token": csrf})
    login(anon_client, user.email)
    client.patch(f"/api/v1/users/{user.id}", json={"role": "viewer"})
    kinds = [(e["type"], e["actor"]) for e in client.get("/api/v1/events").json()]
    assert ("auth.login_failed", user.email) in kinds
    assert ("auth.login", user.name) in kinds
    assert ("user.updated", "Dana Weber") in kinds
    assert ("token.created", "Dana Weber") in kinds
    failed = next(
        e for e in client.get("/api/v1/events").json() if e["type"] == "auth.login_failed"
    )
    assert failed["payload"]["ip"] == "testclient"


def test_session_cookie_is_secure_behind_https(
    settings,
    db: Database,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    from app.main import create_app

    user = make_user(session)
    https_app = create_app(
        settings.model_copy(update={"base_url": "https://lotsen.musterstadt.de"})
    )
    browser = TestClient(https_app, base_url="https://testserver")
    form = browser.get("/login")
    assert "Secure" in form.headers["set-cookie"]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    response = browser.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if "lotsenboard_session" in c)
    assert "Secure" in cookie and "HttpOnly" in cookie
    https_app.state.db.dispose()


def test_unexpected_errors_show_no_stack_trace(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.boards import service as board_service

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals at /srv/lotsenboard/app.py line 42")

    monkeypatch.setattr(board_service, "list_boards", broken)
    quiet = TestClient(app, raise_server_exceptions=False, headers=client.headers)
    response = quiet.get("/api/v1/boards")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error", "code": "internal"}
    page = quiet.get("/", headers={"accept": "text/html"})
    assert page.status_code == 500 and "secret internals" not in page.text
    assert "Traceback" not in page.text


def test_a_change_looks_up_its_token_in_a_read_of_its_own_and_still_notes_its_use(
    client: TestClient, session: Session, db: Database
) -> None:
    board = make_board(session)
    phase = boards.list_phases(session, board_id=board.id or 0)[0]
    token = session.exec(select(ApiToken).where(ApiToken.name == "tests")).one()
    long_ago = clock.now() - timedelta(hours=2)
    session.execute(
        update(ApiToken).where(col(ApiToken.id) == token.id).values(last_used_at=long_ago)
    )
    session.commit()
    created = client.post(
        f"/api/v1/boards/{board.id}/cards", json={"title": "E-Rechnung", "phase_id": phase.id}
    )
    assert created.status_code == 201, created.text
    with db.session() as reader:
        used = reader.get(ApiToken, token.id)
        assert used is not None and used.last_used_at is not None
        assert used.last_used_at > long_ago + timedelta(hours=1)
