"""A restricted board is invisible to non-members: object routes answer 404/403, never data."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts import members, tokens
from app.accounts.models import Role
from app.boards import service as boards
from app.db import Database
from app.events import service as events
from tests.factories import ACTOR, make_annotation, make_board, make_card, make_user
from tests.helpers import dump

SECRET = "Geheime Personalmaßnahme"


@pytest.fixture
def setup(app: FastAPI, db: Database, session: Session) -> dict[str, Any]:
    mine = make_board(session, name="Maßnahmen 2026")
    theirs = make_board(session, name="Personalamt")
    card = make_card(session, theirs, title=SECRET)
    annotation = make_annotation(session, card, kind="resistance", text=f"{SECRET}: Widerstand")
    my_card = make_card(session, mine, title="Mängelmelder")
    owner = make_user(session, role=Role.lotse)
    outsider = make_user(session, role=Role.lotse)
    members.set_board_access(
        session, board_id=theirs.id, restricted=True, members=[owner.id], actor=ACTOR
    )
    _plain, link = tokens.create_screen_link(session, board_id=theirs.id, name="TV", actor=ACTOR)
    _token_plain, owner_token = tokens.create_token(session, user=owner, name="owner")
    plain, _t = tokens.create_token(session, user=outsider, name="outsider")
    return {
        "client": TestClient(app, headers={"Authorization": f"Bearer {plain}"}),
        "mine": mine.id,
        "my_card": my_card.id,
        "my_phase": boards.list_phases(session, board_id=mine.id)[0].id,
        "theirs": theirs.id,
        "card": card.id,
        "phase": boards.list_phases(session, board_id=theirs.id)[0].id,
        "link": link.id,
        "owner_token": owner_token.id,
        "owner": owner.id,
        "seq": events.list_events(session, board_id=theirs.id)[-1].seq,
        "annotation": annotation.id,
    }


REQUESTS = [
    ("GET", "/api/v1/boards/{theirs}", None),
    ("GET", "/api/v1/boards/{theirs}/phases", None),
    ("GET", "/api/v1/boards/{theirs}/cards?q=Geheim", None),
    ("GET", "/api/v1/boards/{theirs}/events", None),
    ("GET", "/api/v1/cards/{card}", None),
    ("GET", "/api/v1/cards/{card}/events", None),
    ("PATCH", "/api/v1/cards/{card}", {"version": 1, "title": "X"}),
    ("POST", "/api/v1/cards/{card}/move", {"phase_id": "{phase}", "position": 0, "version": 1}),
    ("POST", "/api/v1/cards/{card}/archive", {"version": 1}),
    ("POST", "/api/v1/boards/{theirs}/cards", {"title": "X", "phase_id": "{phase}"}),
    ("PATCH", "/api/v1/boards/{theirs}/phases/{phase}", {"name": "X"}),
    ("DELETE", "/api/v1/boards/{theirs}/screen-links/{link}", None),
    ("GET", "/api/v1/boards/{theirs}/screen-links", None),
    ("DELETE", "/api/v1/tokens/{owner_token}", None),
    ("GET", "/api/v1/users/{owner}", None),
    ("PATCH", "/api/v1/users/{owner}", {"role": "admin"}),
    # Mismatched parent and child: my board, their objects.
    ("PATCH", "/api/v1/boards/{mine}/phases/{phase}", {"name": "X"}),
    ("DELETE", "/api/v1/boards/{mine}/phases/{my_phase}?target_phase_id={phase}", None),
    ("POST", "/api/v1/cards/{my_card}/move", {"phase_id": "{phase}", "position": 0, "version": 1}),
    ("DELETE", "/api/v1/boards/{mine}/screen-links/{link}", None),
    ("GET", "/api/v1/cards/{card}/annotations", None),
    ("POST", "/api/v1/cards/{card}/annotations", {"kind": "concern", "text": "X"}),
    ("GET", "/api/v1/annotations/{annotation}", None),
    ("PATCH", "/api/v1/annotations/{annotation}", {"version": 1, "text": "X"}),
    ("POST", "/api/v1/annotations/{annotation}/notes", {"text": "X"}),
    ("GET", "/api/v1/boards/{theirs}/annotations", None),
    ("GET", "/boards/{theirs}", None),
    ("GET", "/boards/{theirs}/archive", None),
    ("GET", "/cards/{card}", None),
    ("POST", "/cards/{card}/move", {"phase_id": "{phase}", "position": "1", "version": "1"}),
    ("GET", "/boards/{theirs}/bedenken", None),
    ("GET", "/boards/{theirs}/auswertung", None),
    ("GET", "/boards/{theirs}/export.csv", None),
    ("GET", "/boards/{theirs}/import", None),
    ("GET", "/boards/{theirs}/auswertung/times", None),
    ("GET", "/boards/{theirs}/auswertung/tabellen/aging.csv", None),
    ("GET", "/api/v1/boards/{theirs}/reports/flow", None),
    ("GET", "/api/v1/boards/{theirs}/reports/aging", None),
    ("GET", "/cards/{card}/verlauf", None),
    ("GET", "/cards/{card}/annotations", None),
    ("POST", "/boards/{theirs}/undo", {"seq": "{seq}"}),
    ("POST", "/cards/{card}/annotations", {"kind": "concern", "text": "X"}),
    ("POST", "/annotations/{annotation}", {"version": "1", "kind": "concern", "text": "X"}),
    (
        "POST",
        "/annotations/{annotation}/status",
        {"version": "1", "status": "resolved", "resolution": "X"},
    ),
    ("POST", "/annotations/{annotation}/notes", {"text": "X"}),
    ("GET", "/api/v1/boards/{theirs}/meetings", None),
    ("PUT", "/api/v1/boards/{theirs}/meeting-series", {"first_date": "2030-01-08"}),
    ("POST", "/api/v1/boards/{theirs}/meetings", {"starts_at": "2030-01-08T10:00"}),
    ("PATCH", "/api/v1/boards/{theirs}/meetings/2030-01-08", {"version": 0, "cancelled": True}),
    ("POST", "/api/v1/boards/{theirs}/meeting-feed", None),
    ("GET", "/boards/{theirs}/treffen", None),
    ("GET", "/boards/{theirs}/treffen/2030-01-08", None),
    ("GET", "/api/v1/boards/{theirs}/meetings/2030-01-08/items", None),
    ("POST", "/api/v1/boards/{theirs}/meetings/2030-01-08/items", {"title": "X"}),
    ("POST", "/boards/{theirs}/treffen/2030-01-08/themen", {"title": "X"}),
    ("GET", "/api/v1/boards/{theirs}/meetings/2030-01-08/agenda", None),
    ("POST", "/boards/{theirs}/treffen", {"starts_at": "2030-01-08T10:00"}),
]


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


@pytest.mark.parametrize(
    ("method", "path", "body"), REQUESTS, ids=[f"{m} {p}" for m, p, _ in REQUESTS]
)
def test_foreign_objects_are_not_found_and_unchanged(
    db: Database, setup: dict[str, Any], method: str, path: str, body: Any
) -> None:
    before = dump(db)
    url = path.format(**setup)
    if path.startswith("/api/"):
        response = setup["client"].request(method, url, json=_fill(body, setup))
    else:
        response = setup["client"].request(method, url, data=_fill(body, setup))
    # A foreign id inside the body is invalid input for a path object the caller may use.
    allowed = (403, 404, 422) if path == "/api/v1/cards/{my_card}/move" else (403, 404)
    assert response.status_code in allowed, (response.status_code, response.text[:300])
    assert SECRET not in response.text
    assert dump(db) == before


def test_restricted_board_is_missing_from_lists_but_shown_to_members(
    app: FastAPI, db: Database, setup: dict[str, Any]
) -> None:
    listed = setup["client"].get("/api/v1/boards").json()
    assert [b["id"] for b in listed] == [setup["mine"]]
    assert SECRET not in setup["client"].get("/").text
    with db.session() as session:
        owner = session.get(
            __import__("app.accounts.models", fromlist=["User"]).User, setup["owner"]
        )
        plain, _t = tokens.create_token(session, user=owner, name="again")
    member = TestClient(app, headers={"Authorization": f"Bearer {plain}"})
    assert member.get(f"/api/v1/boards/{setup['theirs']}").status_code == 200
    assert SECRET in member.get(f"/api/v1/boards/{setup['theirs']}/cards").text


def test_a_foreign_card_named_in_a_filter_of_my_board_shows_nothing(setup: dict[str, Any]) -> None:
    client = setup["client"]
    url = f"/api/v1/boards/{setup['mine']}/annotations?card={setup['card']}"
    response = client.get(url)
    assert response.status_code == 200 and response.json() == []
    assert SECRET not in client.get(f"/boards/{setup['mine']}/bedenken").text
