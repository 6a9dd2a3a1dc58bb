"""The login form against the town hall's directory: a real OpenLDAP slapd on 127.0.0.1."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from app.accounts.models import AuthSource, LoginFailure, LoginSession, Role, User
from app.db import Database
from tests.factories import PASSWORD as LOCAL_PASSWORD
from tests.factories import make_user
from tests.helpers import dump
from tests.sso.slapd import PASSWORD, Directory, person_dn, settings_for, start_slapd

pytestmark = pytest.mark.xdist_group("ldap")


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Directory]:
    with start_slapd(tmp_path_factory.mktemp("slapd")) as running:
        yield running


@pytest.fixture
def town_hall(app_with: Callable[..., Any], directory: Directory) -> Callable[..., TestClient]:
    """A browser on a board whose people log in with their directory account."""

    def browser(**changes: Any) -> TestClient:
        values = {**settings_for(directory, starttls=True), "language": "de", **changes}
        return TestClient(app_with(**values))

    return browser


def log_in(browser: TestClient, login: str, password: str) -> Any:
    form = browser.get("/login")
    csrf = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return browser.post(
        "/login",
        data={"email": login, "password": password, "csrf_token": csrf},
        follow_redirects=False,
    )


def count(db: Database, model: Any) -> int:
    with db.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_the_windows_login_opens_an_account_with_the_role_of_its_groups(
    town_hall: Callable[..., TestClient], db: Database
) -> None:
    browser = town_hall()
    assert "E-Mail-Adresse oder Benutzername" in browser.get("/login").text

    done = log_in(browser, "jana", PASSWORD)

    assert done.status_code == 303
    with db.session() as session:
        jana = session.exec(select(User).where(User.email == "jana.kuhn@musterstadt.de")).one()
    assert (jana.name, jana.role, jana.auth_source) == ("Jana Kuhn", Role.lotse, AuthSource.ldap)
    assert jana.external_id == person_dn("jana")
    assert "Jana Kuhn" in browser.get("/account").text
    # The next login, by address this time, finds the same account.
    assert log_in(TestClient(browser.app), "jana.kuhn@musterstadt.de", PASSWORD).status_code == 303
    assert count(db, User) == 1
    # The directory's admin group makes an admin; no group a viewer.
    log_in(TestClient(browser.app), "dana", PASSWORD)
    log_in(TestClient(browser.app), "otto", PASSWORD)
    with db.session() as session:
        roles = dict(session.exec(select(User.name, User.role)).all())
    assert roles == {"Jana Kuhn": Role.lotse, "Dana Weber": Role.admin, "Otto Normal": Role.viewer}


@pytest.mark.parametrize(
    ("login", "password"),
    [
        ("jana", "falsch-geraten"),
        ("fremd", PASSWORD),  # the right password, but outside the search base
        ("niemand", PASSWORD),
        ("*", PASSWORD),
        ("jana)(uid=*", PASSWORD),
        ("*)(|(uid=*", PASSWORD),
        ("\\00", PASSWORD),
        ("j*", PASSWORD),
    ],
)
def test_refused_logins_change_nothing_but_the_failure_count(
    town_hall: Callable[..., TestClient], db: Database, login: str, password: str
) -> None:
    browser = town_hall()
    before = {k: v for k, v in dump(db).items() if k not in ("login_failure", "event")}

    refused = log_in(browser, login, password)

    assert refused.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch." in refused.text
    assert {k: v for k, v in dump(db).items() if k not in ("login_failure", "event")} == before
    assert count(db, LoginFailure) == 1
    assert count(db, LoginSession) == 0


def test_directory_down_says_so_and_the_local_admin_still_gets_in(
    town_hall: Callable[..., TestClient], db: Database
) -> None:
    with db.session() as session:
        make_user(session, role=Role.admin, email="cdo@musterstadt.de", name="Dana Weber")
    browser = town_hall(ldap_url="ldap://127.0.0.1:9", ldap_timeout_seconds=1.0)

    down = log_in(browser, "jana", PASSWORD)

    assert down.status_code == 503
    assert "Der Verzeichnisdienst (Active Directory) antwortet nicht." in down.text
    assert count(db, LoginSession) == 0
    assert log_in(browser, "cdo@musterstadt.de", LOCAL_PASSWORD).status_code == 303
    assert count(db, LoginSession) == 1


def test_only_accounts_made_beforehand_when_the_directory_may_not_create_them(
    town_hall: Callable[..., TestClient], db: Database
) -> None:
    browser = town_hall(ldap_create_accounts=False)
    refused = log_in(browser, "jana", PASSWORD)
    assert refused.status_code == 403
    assert "Es gibt kein Konto für jana.kuhn@musterstadt.de" in refused.text
    assert count(db, User) == 0

    # An account the CDO made beforehand is found by its address and moves to the directory.
    with db.session() as session:
        make_user(session, email="jana.kuhn@musterstadt.de", name="J. Kuhn", role=Role.viewer)
    assert log_in(browser, "jana", PASSWORD).status_code == 303
    with db.session() as session:
        jana = session.exec(select(User)).one()
    assert (jana.auth_source, jana.name, jana.role) == (AuthSource.ldap, "Jana Kuhn", Role.lotse)
    assert log_in(TestClient(browser.app), "jana", LOCAL_PASSWORD).status_code == 401
