"""The weekly digest through the real app: one-click unsubscribe without login (RFC 8058)."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.models import Role
from app.db import Database
from app.digest import subscriptions
from tests.factories import make_user
from tests.helpers import dump, fresh


def test_a_mail_program_unsubscribes_with_one_post_and_no_login(
    app: FastAPI, db: Database, session: Session, anon_client: TestClient
) -> None:
    jana = make_user(session, role=Role.lotse, name="Jana Kuhn")
    recipient = next(r for r in subscriptions.recipients(session) if r.user == jana)
    secret = app.state.settings.resolved_secret_key()
    url = (
        f"/wochenuebersicht/abbestellen/{subscriptions.unsubscribe_token(recipient, secret=secret)}"
    )

    # Opening the link (a scanner, a preview) asks first and changes nothing.
    before = dump(db)
    page = anon_client.get(url)
    assert page.status_code == 200 and "Abbestellen" in page.text
    assert dump(db) == before

    forged = anon_client.post(url[:-3] + "abc", content=b"List-Unsubscribe=One-Click")
    assert forged.status_code == 404 and "ungültig" in forged.text
    assert dump(db) == before

    done = anon_client.post(
        url,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200
    assert f"{jana.email} erhält die Wochenübersicht nicht mehr" in done.text
    assert jana.id not in [r.user.id for r in subscriptions.recipients(fresh(session)) if r.user]
