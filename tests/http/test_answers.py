"""Kept answers (app.web.answers): an unchanged board is answered from memory with exactly what
a fresh render gives; every change shows at the next request; no one gets another's page."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app import clock
from app.accounts import members, tokens
from app.accounts import service as accounts
from app.accounts.models import Role
from app.boards import service as boards
from app.boards.models import BoardUpdate, PhaseUpdate
from app.cards import service as cards
from app.cards.models import CardMove, CardUpdate
from app.web.answers import answers
from tests.factories import ACTOR, make_board, make_card, make_user
from tests.helpers import fresh


def test_an_unchanged_board_is_answered_from_memory_as_a_fresh_render_would(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    board = make_board(session, name="Maßnahmen 2026")
    make_card(session, board, title="Bauantrag online")
    screen, _link = tokens.create_screen_link(
        session, board_id=board.id or 0, name="Sitzungsraum", actor=ACTOR
    )
    paths = (
        f"/boards/{board.id}?all=1",
        f"/screen/{screen}",
        f"/api/v1/boards/{board.id}",
        f"/api/v1/boards/{board.id}/cards?q=Bau",
    )
    for path in paths:
        for _attempt in range(3):
            # An answer is kept for its minute: both requests within one, or ask again.
            minute = clock.now().replace(second=0, microsecond=0)
            answers.clear()
            first = client.get(path)
            assert first.status_code == 200, path
            hits = answers.hits
            again = client.get(path)
            if clock.now().replace(second=0, microsecond=0) == minute:
                break
        assert answers.hits == hits + 1, path
        assert again.content == first.content, path
        assert dict(again.headers) == dict(first.headers), path
        answers.clear()
        assert client.get(path).content == first.content, path


def test_the_json_board_shows_every_change_at_the_next_request(
    client: TestClient, session: Session
) -> None:
    board = make_board(session, name="Maßnahmen 2026")
    card = make_card(session, board, title="Bauantrag online")
    path = f"/api/v1/boards/{board.id}"

    def shown() -> dict[str, object]:
        body: dict[str, object] = client.get(path).json()
        return body

    def titles() -> list[list[str]]:
        return [[c["title"] for c in phase["cards"]] for phase in shown()["phases"]]  # type: ignore[attr-defined]

    assert titles()[0] == ["Bauantrag online"]
    assert titles()[0] == ["Bauantrag online"]  # from memory
    listed = client.get(f"/api/v1/boards/{board.id}/cards", params={"q": "Bau"}).json()
    assert [c["title"] for c in listed] == ["Bauantrag online"]
    card = cards.update_card(
        session,
        card_id=card.id or 0,
        data=CardUpdate(version=card.version, title="E-Bauantrag"),
        actor=ACTOR,
    )
    assert titles()[0] == ["E-Bauantrag"]
    found = client.get(f"/api/v1/boards/{board.id}/cards", params={"q": "Bau"}).json()
    assert [c["title"] for c in found] == ["E-Bauantrag"]
    second = boards.list_phases(session, board_id=board.id)[1]
    card = cards.move_card(
        session,
        card_id=card.id or 0,
        move=CardMove(phase_id=second.id or 0, position=0, version=card.version),
        actor=ACTOR,
    )
    assert titles()[:2] == [[], ["E-Bauantrag"]]
    boards.update_phase(
        session,
        board_id=board.id or 0,
        phase_id=second.id or 0,
        data=PhaseUpdate(name="Im Bau"),
        actor=ACTOR,
    )
    assert shown()["phases"][1]["name"] == "Im Bau"  # type: ignore[index]
    boards.update_board(
        session, board_id=board.id or 0, data=BoardUpdate(name="Maßnahmen 2027"), actor=ACTOR
    )
    assert shown()["name"] == "Maßnahmen 2027"
    cards.archive_card(
        session,
        card_id=card.id or 0,
        version=fresh(session).get(type(card), card.id).version,  # type: ignore[union-attr]
        actor=ACTOR,
    )
    assert titles()[:2] == [[], []]


def test_no_one_gets_another_s_page_or_a_board_they_may_not_see(
    app: FastAPI, session: Session
) -> None:
    board = make_board(session, name="Personalamt")
    make_card(session, board, title="Digitale Personalakte")
    member = make_user(session, role=Role.lotse, name="Jana Kuhn")
    outsider = make_user(session, role=Role.lotse, name="Otto Fremd")
    admin = make_user(session, role=Role.admin, name="Dana Weber")
    members.set_board_access(
        session, board_id=board.id or 0, restricted=True, members=[member.id or 0], actor=ACTOR
    )
    first_login, _one = accounts.start_session(session, user=member, ip="127.0.0.1")
    second_login, _two = accounts.start_session(session, user=member, ip="127.0.0.1")
    page = f"/boards/{board.id}?all=1"

    def as_session(token: str) -> TestClient:
        client = TestClient(app)
        client.cookies.set("lotsenboard_session", token)
        return client

    def as_token(user_id: int) -> TestClient:
        user = accounts.get_user(session, user_id=user_id)
        plain, _token = tokens.create_token(session, user=user, name="answers")
        return TestClient(app, headers={"Authorization": f"Bearer {plain}"})

    one, two = as_session(first_login).get(page), as_session(second_login).get(page)
    assert one.status_code == two.status_code == 200
    assert "Digitale Personalakte" in one.text and "Jana Kuhn" in one.text
    # Each login's page carries its own CSRF token.
    csrf_one, csrf_two = _one.csrf_token, _two.csrf_token
    assert csrf_one in one.text and csrf_two not in one.text
    assert csrf_two in two.text and csrf_one not in two.text
    for path in (page, f"/api/v1/boards/{board.id}"):
        refused = as_token(outsider.id or 0).get(path)
        assert refused.status_code == 404 and "Digitale Personalakte" not in refused.text
    seen_by_admin = as_token(admin.id or 0).get(page)
    assert "Dana Weber" in seen_by_admin.text and "Jana Kuhn" not in seen_by_admin.text
