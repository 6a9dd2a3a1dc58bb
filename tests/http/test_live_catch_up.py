"""What a live page fetches when it missed events or filters: card states and the event log."""

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts import tokens
from app.boards import service as boards
from app.cards import service as cards
from app.cards.models import CardMove
from app.db import Database
from tests.factories import make_board, make_card, make_department

ACTOR = "Jana Kuhn"


def _world(db: Database) -> dict[str, Any]:
    with db.session(write=True) as session:
        board = make_board(session, name="Maßnahmen 2026")
        bauamt = make_department(session, name="Bauamt", code="BA")
        first, second, *_rest = boards.list_phases(session, board_id=board.id)
        a = make_card(session, board, title="E-Akte Bauantrag", department_id=bauamt.id)
        b = make_card(session, board, title="E-Rechnung")
        c = make_card(session, board, title="Mängelmelder", department_id=bauamt.id)
        cards.move_card(
            session,
            card_id=c.id,
            move=CardMove(phase_id=second.id, position=0, version=1),
            actor=ACTOR,
        )
        other = make_board(session, name="Smart City")
        foreign = make_card(session, other, title="Sensoren")
        return {
            "board": board.id,
            "first": first.id,
            "second": second.id,
            "a": a.id,
            "b": b.id,
            "c": c.id,
            "bauamt": bauamt.id,
            "foreign": foreign.id,
            "other": other.id,
        }


def test_card_states_name_phase_version_and_rendered_card(client: TestClient, db: Database) -> None:
    ids = _world(db)
    response = client.get(f"/boards/{ids['board']}/live", params={"card": [ids["c"]]})
    assert response.status_code == 200, response.text
    body = response.json()
    (state,) = body["cards"]
    assert (state["id"], state["phase_id"], state["version"], state["archived"]) == (
        ids["c"],
        ids["second"],
        2,
        False,
    )
    assert "Mängelmelder" in state["html"] and f'href="/cards/{ids["c"]}"' in state["html"]
    assert "visible" not in state  # no filter: the page shows every active card
    # No phase named: every phase with its order, so a page can re-sort all it shows.
    orders = {phase["id"]: phase["order"] for phase in body["phases"]}
    assert orders[ids["first"]] == [ids["a"], ids["b"]]
    assert orders[ids["second"]] == [ids["c"]]
    assert body["total"] == 3


def test_a_filtered_page_learns_which_cards_it_shows(client: TestClient, db: Database) -> None:
    ids = _world(db)
    response = client.get(
        f"/boards/{ids['board']}/live",
        params={
            "card": [ids["a"], ids["b"]],
            "in_phase": [ids["first"]],
            "department": ids["bauamt"],
        },
    )
    assert response.status_code == 200
    visible = {card["id"]: card["visible"] for card in response.json()["cards"]}
    assert visible == {ids["a"]: True, ids["b"]: False}
    assert [phase["id"] for phase in response.json()["phases"]] == [ids["first"]]
    searched = client.get(
        f"/boards/{ids['board']}/live", params={"card": [ids["a"], ids["b"]], "q": "rechnung"}
    ).json()
    assert {card["id"]: card["visible"] for card in searched["cards"]} == {
        ids["a"]: False,
        ids["b"]: True,
    }


def test_cards_of_other_boards_are_not_returned(client: TestClient, db: Database) -> None:
    ids = _world(db)
    response = client.get(f"/boards/{ids['board']}/live", params={"card": [ids["foreign"]]})
    assert response.status_code == 200
    assert response.json()["cards"] == []


def test_bad_catch_up_requests_are_refused(client: TestClient, db: Database) -> None:
    ids = _world(db)
    url = f"/boards/{ids['board']}/live"
    assert client.get(url).status_code == 422  # which cards?
    assert client.get(url, params={"card": "eins"}).status_code == 422
    assert client.get(url, params={"card": list(range(1, 202))}).status_code == 422
    assert client.get(url, params={"card": 2**31}).status_code == 422
    assert client.get("/boards/999999/live", params={"card": 1}).status_code == 404


def test_a_screen_gets_its_own_board_read_only_and_nothing_else(
    app: Any, anon_client: TestClient, db: Database
) -> None:
    ids = _world(db)
    with db.session(write=True) as session:
        plain, _link = tokens.create_screen_link(
            session, board_id=ids["board"], name="Sitzungssaal", actor=ACTOR
        )
    screen = TestClient(app, headers={"Authorization": f"Bearer {plain}"})
    response = screen.get(f"/boards/{ids['board']}/live", params={"card": [ids["c"]]})
    assert response.status_code == 200
    html = response.json()["cards"][0]["html"]
    # The wall screen has no controls; its titles break at German syllables (soft hyphens).
    assert "Män\u00adgel\u00admel\u00adder" in html and "href" not in html
    assert screen.get(f"/boards/{ids['other']}/live", params={"card": 1}).status_code == 404
    anonymous = anon_client.get(
        f"/boards/{ids['board']}/live", params={"card": 1}, headers={"Accept": "application/json"}
    )
    assert anonymous.status_code == 401 and "detail" in anonymous.json()


def test_polling_the_event_log_answers_304_until_something_happens(
    client: TestClient, db: Database, session: Session
) -> None:
    ids = _world(db)
    url = f"/api/v1/boards/{ids['board']}/events"
    first = client.get(url, params={"after": 0})
    assert first.status_code == 200 and len(first.json()) >= 4
    head = first.json()[-1]["seq"]
    empty = client.get(url, params={"after": head})
    assert (empty.status_code, empty.json()) == (200, [])
    etag = empty.headers["ETag"]
    unchanged = client.get(url, params={"after": head}, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["ETag"] == etag
    # Another board's change does not count; this board's does.
    with db.session(write=True) as write:
        make_card(write, boards.get_board(write, board_id=ids["other"]), title="Pegelmesser")
    assert (
        client.get(url, params={"after": head}, headers={"If-None-Match": etag}).status_code == 304
    )
    with db.session(write=True) as write:
        make_card(write, boards.get_board(write, board_id=ids["board"]), title="Parkraum-App")
    changed = client.get(url, params={"after": head}, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert [event["type"] for event in changed.json()] == ["card.created"]
    assert changed.headers["ETag"] != etag
