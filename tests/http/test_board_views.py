"""The HTML board through the real app: page vs fragment, language, mutations, settings."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from app import clock
from app.boards import service as boards
from app.cards import queries
from app.cards import service as cards
from app.db import Database
from tests.factories import ACTOR, make_board, make_card, make_department
from tests.helpers import dump

HX = {"HX-Request": "true"}


def _board(session: Session):  # type: ignore[no-untyped-def]
    board = make_board(session, name="Maßnahmen 2026")
    department = make_department(session, name="Bauamt", code="BA")
    card = make_card(session, board, title="E-Akte <Wohngeld>", department_id=department.id)
    return board, card, department


def test_board_page_is_german_by_default_and_english_on_request(
    client: TestClient, session: Session
) -> None:
    board, _card, _department = _board(session)
    page = client.get(f"/boards/{board.id}")
    assert page.status_code == 200
    assert '<html lang="de">' in page.text
    assert "1 von 1 Maßnahme" in page.text and "Zum Inhalt springen" in page.text
    assert "E-Akte &lt;Wohngeld&gt;" in page.text
    client.cookies.set("lotsenboard_lang", "en")
    english = client.get(f"/boards/{board.id}")
    assert '<html lang="en">' in english.text and "1 of 1 measure" in english.text


def test_language_choice_is_remembered_and_redirects_only_within_the_site(
    client: TestClient,
) -> None:
    response = client.post(
        "/sprache",
        data={"language": "en"},
        headers={"referer": "http://evil.example/x"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert "lotsenboard_lang=en" in response.headers["set-cookie"]


def test_htmx_gets_the_board_fragment_and_pages_vary_on_it(
    client: TestClient, session: Session
) -> None:
    board, _card, _department = _board(session)
    fragment = client.get(f"/boards/{board.id}", headers=HX)
    assert fragment.text.lstrip().startswith('<div id="board-view"')
    assert "<html" not in fragment.text
    assert fragment.headers["vary"] == "HX-Request"
    restore = client.get(
        f"/boards/{board.id}", headers={**HX, "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text


def test_filters_in_the_url_narrow_the_board(client: TestClient, session: Session) -> None:
    board, card, department = _board(session)
    other = make_card(session, board, title="E-Rechnung")
    page = client.get(
        f"/boards/{board.id}?department={department.id}&department=abc&group=department"
    )
    assert f'id="card-{card.id}"' in page.text and f'id="card-{other.id}"' not in page.text
    assert "1 von 2 Maßnahmen" in page.text
    assert 'id="lane-d' in page.text


def test_move_form_moves_and_a_stale_one_explains_and_changes_nothing(
    client: TestClient, session: Session, db: Database
) -> None:
    board, card, _department = _board(session)
    target = boards.list_phases(session, board_id=board.id)[1]
    moved = client.post(
        f"/cards/{card.id}/move",
        data={"version": 1, "phase_id": target.id, "position": "1"},
        headers=HX,
    )
    assert moved.status_code == 200
    assert "nach Priorisiert verschoben" in moved.headers["hx-trigger"]
    before = dump(db)
    stale = client.post(
        f"/cards/{card.id}/move",
        data={"version": 1, "phase_id": target.id, "position": "1"},
        headers=HX,
    )
    assert stale.status_code == 409
    assert "wurde inzwischen von" in stale.text and "verschoben" in stale.text
    assert dump(db) == before


def test_plain_form_posts_redirect_back_to_the_filtered_board(
    client: TestClient, session: Session
) -> None:
    board, _card, department = _board(session)
    phase = boards.list_phases(session, board_id=board.id)[0]
    response = client.post(
        f"/boards/{board.id}/cards?department={department.id}",
        data={"title": "Mängelmelder", "phase_id": phase.id, "department_id": department.id},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/boards/{board.id}?department={department.id}"
    session.rollback()
    # Typed into the field on top of the column, the card comes first in it.
    assert queries.list_cards(session, board_id=board.id)[0].title == "Mängelmelder"


def test_invalid_edit_is_refused_with_a_named_field(
    client: TestClient, session: Session, db: Database
) -> None:
    _unused, card, _department = _board(session)
    before = dump(db)
    response = client.post(
        f"/cards/{card.id}", data={"version": 1, "title": "   ", "description": "Mein Text"},
        headers=HX,
    )  # fmt: skip
    assert response.status_code == 422
    # Back into the open dialog, with the reason and what was typed.
    assert response.headers["hx-retarget"] == "#card-dialog-content"
    assert 'id="card-edit-error" tabindex="-1">Titel:' in response.text
    assert ">Mein Text</textarea>" in response.text
    response = client.post(
        f"/cards/{card.id}", data={"version": 1, "title": "Neu", "due_date": "31.02."}, headers=HX
    )
    assert response.status_code == 422
    assert 'id="card-edit-error" tabindex="-1">Fällig am:' in response.text
    assert 'id="card-edit-due_date" type="date" name="due_date" value="31.02."' in response.text
    assert dump(db) == before


def test_phase_settings_remove_needs_and_uses_a_target(
    client: TestClient, session: Session
) -> None:
    board, card, _department = _board(session)
    first, second = boards.list_phases(session, board_id=board.id)[:2]
    gone = make_card(session, board, title="Faxgerät", phase_id=first.id)
    cards.archive_card(session, card_id=gone.id, version=gone.version, actor=ACTOR)
    # The count is the board's; the archived card that goes along is named apart.
    page = client.get(f"/boards/{board.id}/settings").text
    assert "Die 1 Maßnahme der Phase (und 1 archivierte) verschieben nach" in page
    url = f"/boards/{board.id}/phases/{first.id}/remove"
    # First the question, with what happens to the card; nothing is removed yet.
    asked = client.post(url, data={"target_phase_id": second.id}, follow_redirects=False)
    assert asked.status_code == 200
    assert "Phase „Ideenspeicher“ entfernen? Die 1 Maßnahme kommt nach „Priorisiert“." in asked.text
    assert len(boards.list_phases(session, board_id=board.id)) == 4
    refused = client.post(url, data={"confirmed": "true"}, follow_redirects=False)
    assert refused.status_code == 409
    response = client.post(
        url, data={"target_phase_id": second.id, "confirmed": "true"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert re.fullmatch(rf"/boards/{board.id}/settings\?removed=\d+", response.headers["location"])
    session.rollback()
    assert queries.get_card(session, card_id=card.id).phase_id == second.id
    assert queries.get_card(session, card_id=gone.id).phase_id == second.id
    offered = client.get(response.headers["location"])
    assert (
        "Die Phase „Ideenspeicher“ wurde entfernt" in offered.text and "Rückgängig" in offered.text
    )


def test_accessibility_feedback_is_stored(client: TestClient) -> None:
    page = client.get("/barrierefreiheit")
    assert "Erklärung zur Barrierefreiheit" in page.text
    sent = client.post("/barrierefreiheit/feedback", data={"message": "Kontrast zu gering"})
    assert "Vielen Dank" in sent.text
    assert "Kontrast zu gering" in client.get("/barrierefreiheit/bearbeiten").text
    empty = client.post("/barrierefreiheit/feedback", data={"message": "  "})
    assert empty.status_code == 422


def test_viewers_get_a_read_only_board(app, session: Session) -> None:  # type: ignore[no-untyped-def]
    from app.accounts import tokens
    from app.accounts.models import Role
    from tests.factories import make_user

    board, card, _department = _board(session)
    viewer = make_user(session, role=Role.viewer)
    plain, _token = tokens.create_token(session, user=viewer, name="v")
    reader = TestClient(app, headers={"Authorization": f"Bearer {plain}"})
    page = reader.get(f"/boards/{board.id}")
    assert 'data-editable="false"' in page.text and "quick-add" not in page.text
    assert "Einstellungen" not in page.text
    dialog = reader.get(f"/cards/{card.id}", headers=HX)
    assert "Rolle Lotse oder Admin" in dialog.text and "move-form" not in dialog.text
    assert (
        reader.post(f"/cards/{card.id}/move", data={"version": 1, "phase_id": 1}).status_code == 403
    )


def test_the_card_face_shows_its_size_and_how_long_it_has_been_stuck(
    client: TestClient, session: Session
) -> None:
    board = make_board(session)
    first, *_middle, done = boards.list_phases(session, board_id=board.id)
    with clock.frozen_at(clock.now() - timedelta(days=30)):
        stuck = make_card(session, board, title="Alt", size="M")
        finished = make_card(session, board, title="Fertig", phase_id=done.id)
    make_card(session, board, title="Neu")
    page = client.get(f"/boards/{board.id}").text
    face = page.split(f'id="card-{stuck.id}"', 1)[1].split("</article>", 1)[0]
    assert "Größe M" in face and "30 Tage in dieser Phase" in face
    # A done measure is not stuck; a new one has not been anywhere long (default: 21 days).
    assert page.count("Tage in dieser Phase") == 1
    assert first.id and finished.id
