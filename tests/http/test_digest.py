"""The weekly digest through the real app: one-click unsubscribe without login (RFC 8058)."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts import members
from app.accounts.models import Role
from app.db import Database
from app.digest import subscriptions
from tests.factories import make_board, make_department, make_user
from tests.helpers import dump, fresh
from tests.http.test_security import bearer


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


def test_a_lotse_chooses_her_digest_on_her_account_page(
    app: FastAPI, db: Database, session: Session
) -> None:
    from app.boards import service as boards

    open_board = make_board(session, name="Maßnahmen 2026")
    secret = make_board(session, name="Personalsachen")
    members.set_board_access(session, board_id=secret.id, restricted=True, members=[], actor="T")
    bau = make_department(session, name="Bauamt", code="BA")
    jana = make_user(session, role=Role.lotse, name="Jana Kuhn")
    client = bearer(app, db, jana)
    page = client.get("/account").text
    assert 'id="wochenuebersicht"' in page and 'name="active" value="true" checked' in page
    assert "Personalsachen" not in page  # a restricted board she may not read is not offered

    before = dump(db)
    refused = client.post(
        "/account/wochenuebersicht",
        data={"active": "true", "board_ids": str(secret.id)},
        headers={"Accept": "text/html"},
    )
    assert refused.status_code == 422 and "gibt es nicht" in refused.text
    assert dump(db) == before

    saved = client.post(
        "/account/wochenuebersicht",
        data={"board_ids": str(open_board.id), "department_ids": str(bau.id), "skip_empty": "true"},
    )
    assert saved.status_code == 200
    assert jana.id not in [r.user.id for r in subscriptions.recipients(fresh(session)) if r.user]
    client.post("/account/wochenuebersicht", data={"active": "true", "department_ids": str(bau.id)})
    mine = next(
        r for r in subscriptions.recipients(fresh(session)) if r.user and r.user.id == jana.id
    )
    assert (mine.board_ids, mine.department_ids, mine.skip_empty) == ([], [bau.id], False)
    assert boards.get_board(session, board_id=open_board.id)
