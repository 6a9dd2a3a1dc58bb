"""The board settings page: phases, access and screen links through plain forms."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts import tokens
from app.boards import service as boards
from tests.factories import make_board, make_user


def test_phase_forms_add_and_update(client: TestClient, session: Session) -> None:
    board = make_board(session)
    page = client.get(f"/boards/{board.id}/settings")
    assert page.status_code == 200 and "<title>Einstellungen" in page.text
    added = client.post(
        f"/boards/{board.id}/phases",
        data={"name": "Test/Pilot", "wip_limit": "5", "wip_mode": "block"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    session.rollback()
    pilot = boards.list_phases(session, board_id=board.id)[-1]
    assert (pilot.name, pilot.wip_limit, pilot.wip_mode) == ("Test/Pilot", 5, "block")
    updated = client.post(
        f"/boards/{board.id}/phases/{pilot.id}",
        data={"name": "Pilot", "wip_limit": "", "wip_mode": "warn", "is_done": "true"},
        follow_redirects=False,
    )
    assert updated.status_code == 303
    session.rollback()
    pilot = boards.get_phase(session, phase_id=pilot.id)
    assert (pilot.name, pilot.wip_limit, pilot.is_done) == ("Pilot", None, True)
    bad = client.post(f"/boards/{board.id}/phases", data={"name": "X", "wip_mode": "explode"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text


def test_access_and_screen_link_forms(client: TestClient, session: Session) -> None:
    board = make_board(session)
    member = make_user(session)
    response = client.post(
        f"/boards/{board.id}/access",
        data={"restricted": "true", "member": [str(member.id)]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(f"/boards/{board.id}/settings")
    assert re.search(rf'name="member" value="{member.id}" checked', page.text)
    created = client.post(f"/boards/{board.id}/screen-links", data={"name": "Raum 2.14"})
    url = re.search(r"/screen/(lbs_[\w-]+)", created.text)
    assert url is not None
    session.rollback()
    link = tokens.resolve_screen_link(session, plain=url.group(1))
    assert link is not None and link.board_id == board.id


def test_settings_page_shows_each_section_once(client: TestClient, session: Session) -> None:
    board = make_board(session)
    page = client.get(f"/boards/{board.id}/settings").text
    for heading in ("Wer dieses Board sehen darf", "Bildschirm-Links", "Phase hinzufügen"):
        assert page.count(heading) == 1, heading
    assert page.count("<title>") == 1 and "<form" not in page.split("</title>")[0]


def test_user_forms_create_change_role_and_refuse_bad_input(
    client: TestClient, session: Session
) -> None:
    created = client.post(
        "/settings/users",
        data={"email": "neu@musterstadt.de", "name": "Neu", "role": "viewer", "password": "x" * 12},
        follow_redirects=False,
    )
    assert created.status_code == 303
    page = client.get("/settings/users")
    assert "neu@musterstadt.de" in page.text
    user_id = int(
        re.search(r'/settings/users/(\d+)"[^>]*>(?:(?!</form>).)*neu@', page.text, re.S).group(1)
    )  # type: ignore[union-attr]
    changed = client.post(
        f"/settings/users/{user_id}",
        data={"name": "Neu", "role": "lotse", "active": "true"},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert client.get(f"/api/v1/users/{user_id}").json()["role"] == "lotse"
    short = client.post(
        "/settings/users",
        data={"email": "b@musterstadt.de", "name": "B", "role": "viewer", "password": "kurz"},
    )
    assert short.status_code == 422 and 'role="alert"' in short.text
    duplicate = client.post(
        "/settings/users",
        data={"email": "NEU@musterstadt.de", "name": "N", "role": "viewer", "password": "x" * 12},
    )
    assert duplicate.status_code == 409


def test_blocked_cards_in_wip_and_days_until_stuck_are_board_settings(
    client: TestClient, session: Session
) -> None:
    board = make_board(session)
    page = client.get(f"/boards/{board.id}/settings")
    assert "Blockierte Maßnahmen zählen zum WIP-Limit" in page.text
    assert 'name="wip_counts_blocked" value="true">' in page.text  # off by default
    on = client.post(
        f"/boards/{board.id}/rules",
        data={"wip_counts_blocked": "true", "stuck_after_days": "14"},
        follow_redirects=False,
    )
    assert on.status_code == 303
    session.rollback()  # a new read transaction sees the change …
    session.expire_all()  # … and objects read before are read again
    saved = boards.get_board(session, board_id=board.id)
    assert (saved.wip_counts_blocked, saved.stuck_after_days) == (True, 14)
    assert (
        'name="wip_counts_blocked" value="true" checked>'
        in client.get(f"/boards/{board.id}/settings").text
    )
    client.post(
        f"/boards/{board.id}/rules", data={"stuck_after_days": "14"}, follow_redirects=False
    )
    refused = client.post(f"/boards/{board.id}/rules", data={"stuck_after_days": "0"})
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    session.rollback()  # a new read transaction sees the change …
    session.expire_all()  # … and objects read before are read again
    assert boards.get_board(session, board_id=board.id).wip_counts_blocked is False
