"""The JSON API's contract: statuses, error bodies, and that refused input changes nothing."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.boards import service as boards
from app.db import Database
from tests.factories import make_board, make_card, make_department, make_lotse
from tests.helpers import dump

HUGE = "x" * 100_000


@pytest.fixture
def world(session: Session) -> dict[str, int]:
    """One board with a card, a department and a lotse; ids by name."""
    board = make_board(session)
    department = make_department(session)
    lotse = make_lotse(session, department_id=department.id)
    card = make_card(session, board, department_id=department.id, lotse_id=lotse.id)
    phases = boards.list_phases(session, board_id=board.id)
    return {
        "board": board.id,
        "phase": phases[0].id,
        "phase2": phases[1].id,
        "card": card.id,
        "department": department.id,
        "lotse": lotse.id,
    }


# (method, path template, JSON body) per write endpoint, with bodies that must be refused.
BAD_REQUESTS: list[tuple[str, str, str, Any]] = [
    ("boards: name wrong type", "POST", "/api/v1/boards", {"name": 5}),
    ("boards: name missing", "POST", "/api/v1/boards", {}),
    ("boards: name 100 kB", "POST", "/api/v1/boards", {"name": HUGE}),
    ("boards: unknown field", "POST", "/api/v1/boards", {"name": "A", "colour": "red"}),
    (
        "boards: duplicate phases",
        "POST",
        "/api/v1/boards",
        {"name": "A", "phases": [{"name": "X"}, {"name": "X"}]},
    ),
    ("board: rename blank", "PATCH", "/api/v1/boards/{board}", {"name": "   "}),
    ("board: rename 100 kB", "PATCH", "/api/v1/boards/{board}", {"name": HUGE}),
    ("board: unknown id", "PATCH", "/api/v1/boards/999999", {"name": "B"}),
    (
        "board: archived wrong type",
        "PUT",
        "/api/v1/boards/{board}/archived",
        {"archived": "vielleicht"},
    ),
    ("phase: add without name", "POST", "/api/v1/boards/{board}/phases", {"wip_limit": 3}),
    (
        "phase: negative WIP",
        "POST",
        "/api/v1/boards/{board}/phases",
        {"name": "N", "wip_limit": -1},
    ),
    (
        "phase: bad mode",
        "POST",
        "/api/v1/boards/{board}/phases",
        {"name": "N", "wip_mode": "explode"},
    ),
    ("phase: duplicate name", "POST", "/api/v1/boards/{board}/phases", {"name": "Ideenspeicher"}),
    ("phase: add to unknown board", "POST", "/api/v1/boards/999999/phases", {"name": "N"}),
    ("phase: rename 100 kB", "PATCH", "/api/v1/boards/{board}/phases/{phase}", {"name": HUGE}),
    ("phase: unknown id", "PATCH", "/api/v1/boards/{board}/phases/999999", {"name": "N"}),
    ("phase: null name", "PATCH", "/api/v1/boards/{board}/phases/{phase}", {"name": None}),
    ("phases: order incomplete", "PUT", "/api/v1/boards/{board}/phases/order", {"phase_ids": [1]}),
    (
        "phases: order wrong type",
        "PUT",
        "/api/v1/boards/{board}/phases/order",
        {"phase_ids": "all"},
    ),
    (
        "phase: remove with cards, no target",
        "DELETE",
        "/api/v1/boards/{board}/phases/{phase}",
        None,
    ),
    (
        "phase: remove to unknown target",
        "DELETE",
        "/api/v1/boards/{board}/phases/{phase}?target_phase_id=999999",
        None,
    ),
    (
        "phase: remove target wrong type",
        "DELETE",
        "/api/v1/boards/{board}/phases/{phase}?target_phase_id=abc",
        None,
    ),
    (
        "department: bad colour",
        "POST",
        "/api/v1/departments",
        {"name": "D", "code": "D", "colour": "red"},
    ),
    (
        "department: code too long",
        "POST",
        "/api/v1/departments",
        {"name": "D", "code": "ABCDEFGHIJK"},
    ),
    ("department: name 100 kB", "POST", "/api/v1/departments", {"name": HUGE, "code": "D"}),
    ("department: unknown id", "PATCH", "/api/v1/departments/999999", {"name": "D"}),
    (
        "department: active wrong type",
        "PATCH",
        "/api/v1/departments/{department}",
        {"active": "ja bitte"},
    ),
    ("department: delete referenced", "DELETE", "/api/v1/departments/{department}", None),
    ("department: delete unknown", "DELETE", "/api/v1/departments/999999", None),
    ("lotse: unknown department", "POST", "/api/v1/lotsen", {"name": "L", "department_id": 999999}),
    ("lotse: missing department", "POST", "/api/v1/lotsen", {"name": "L"}),
    (
        "lotse: bad email",
        "POST",
        "/api/v1/lotsen",
        {"name": "L", "department_id": 1, "email": "nope"},
    ),
    ("lotse: name 100 kB", "PATCH", "/api/v1/lotsen/{lotse}", {"name": HUGE}),
    ("lotse: delete owner of cards", "DELETE", "/api/v1/lotsen/{lotse}", None),
    ("card: title 100 kB", "POST", "/api/v1/boards/{board}/cards", {"title": HUGE, "phase_id": 1}),
    ("card: missing phase", "POST", "/api/v1/boards/{board}/cards", {"title": "T"}),
    (
        "card: phase of no board",
        "POST",
        "/api/v1/boards/{board}/cards",
        {"title": "T", "phase_id": 999999},
    ),
    (
        "card: unknown lotse",
        "POST",
        "/api/v1/boards/{board}/cards",
        {"title": "T", "phase_id": "{phase}", "lotse_id": 999999},
    ),
    (
        "card: bad priority",
        "POST",
        "/api/v1/boards/{board}/cards",
        {"title": "T", "phase_id": "{phase}", "priority": "sofort"},
    ),
    (
        "card: bad date",
        "POST",
        "/api/v1/boards/{board}/cards",
        {"title": "T", "phase_id": "{phase}", "due_date": "31.02.2026"},
    ),
    (
        "card: 21 tags",
        "POST",
        "/api/v1/boards/{board}/cards",
        {"title": "T", "phase_id": "{phase}", "tags": [str(i) for i in range(21)]},
    ),
    (
        "card: unknown board",
        "POST",
        "/api/v1/boards/999999/cards",
        {"title": "T", "phase_id": "{phase}"},
    ),
    ("card: edit without version", "PATCH", "/api/v1/cards/{card}", {"title": "T"}),
    ("card: edit stale version", "PATCH", "/api/v1/cards/{card}", {"title": "T", "version": 7}),
    (
        "card: edit title wrong type",
        "PATCH",
        "/api/v1/cards/{card}",
        {"title": ["T"], "version": 1},
    ),
    ("card: edit unknown", "PATCH", "/api/v1/cards/999999", {"title": "T", "version": 1}),
    (
        "card: move stale",
        "POST",
        "/api/v1/cards/{card}/move",
        {"phase_id": "{phase2}", "position": 0, "version": 3},
    ),
    (
        "card: move negative position",
        "POST",
        "/api/v1/cards/{card}/move",
        {"phase_id": "{phase2}", "position": -1, "version": 1},
    ),
    (
        "card: move to foreign phase",
        "POST",
        "/api/v1/cards/{card}/move",
        {"phase_id": 999999, "position": 0, "version": 1},
    ),
    (
        "card: move missing version",
        "POST",
        "/api/v1/cards/{card}/move",
        {"phase_id": "{phase2}", "position": 0},
    ),
    ("card: archive stale", "POST", "/api/v1/cards/{card}/archive", {"version": 9}),
    (
        "card: phase id past 32 bits",
        "POST",
        "/api/v1/boards/{board}/cards",
        {"title": "T", "phase_id": 2**40},
    ),
    (
        "card: lotse id past 64 bits",
        "PATCH",
        "/api/v1/cards/{card}",
        {"version": 1, "lotse_id": 2**70},
    ),
    ("board: path id past 64 bits", "PATCH", "/api/v1/boards/9223372036854775808", {"name": "B"}),
    (
        "phase: path id past 32 bits",
        "PATCH",
        "/api/v1/boards/{board}/phases/4294967296",
        {"name": "N"},
    ),
    (
        "department: path id past 64 bits",
        "DELETE",
        "/api/v1/departments/99999999999999999999",
        None,
    ),
    (
        "lotse: department past 32 bits",
        "POST",
        "/api/v1/lotsen",
        {"name": "L", "department_id": 2**33},
    ),
    ("card: restore wrong type", "POST", "/api/v1/cards/{card}/restore", {"version": "eins"}),
]


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if (
        isinstance(value, str)
        and value.startswith("{")
        and value.endswith("}")
        and value[1:-1] in ids
    ):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_bad_request_is_refused_clearly_and_changes_nothing(
    client: TestClient, db: Database, world: dict[str, int], method: str, path: str, body: Any
) -> None:
    before = dump(db)
    response = client.request(method, path.format(**world), json=_fill(body, world))
    assert 400 <= response.status_code < 500, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    detail = response.json()["detail"]
    assert detail
    if response.status_code == 422 and isinstance(detail, list):
        assert all(item["loc"] and item["msg"] for item in detail)
    # Never echo hostile or huge input back.
    assert len(response.content) < 5_000
    assert dump(db) == before


def test_malformed_json_is_a_422_and_changes_nothing(client: TestClient, db: Database) -> None:
    before = dump(db)
    response = client.post(
        "/api/v1/boards", content=b'{"name": "A"', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert dump(db) == before


def test_invalid_input_names_the_field(client: TestClient, world: dict[str, int]) -> None:
    response = client.post(
        f"/api/v1/boards/{world['board']}/cards", json={"title": HUGE, "phase_id": 1}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "title"]
    response = client.post(
        f"/api/v1/boards/{world['board']}/cards", json={"title": "T", "phase_id": 999999}
    )
    assert (response.status_code, response.json()["detail"][0]["loc"]) == (
        422,
        ["body", "phase_id"],
    )


@pytest.mark.parametrize("streamed", [False, True])
def test_oversize_body_is_413(client: TestClient, db: Database, streamed: bool) -> None:
    before = dump(db)
    payload = b'{"name": "' + b"x" * 2_000_000 + b'"}'
    content: Any = (
        (payload[i : i + 65536] for i in range(0, len(payload), 65536)) if streamed else payload
    )
    response = client.post(
        "/api/v1/boards", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "request body too large"
    assert dump(db) == before


def test_stale_version_answers_409_with_the_current_card(
    client: TestClient, world: dict[str, int]
) -> None:
    card = world["card"]
    assert (
        client.patch(f"/api/v1/cards/{card}", json={"version": 1, "title": "Neu"}).status_code
        == 200
    )
    response = client.post(
        f"/api/v1/cards/{card}/move",
        json={"phase_id": world["phase2"], "position": 0, "version": 1},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "version_conflict"
    assert (body["current"]["title"], body["current"]["version"]) == ("Neu", 2)
    assert body["changed_by"]["actor"] == "Dana Weber"


def test_create_read_move_and_events_round_trip(client: TestClient, world: dict[str, int]) -> None:
    created = client.post(
        f"/api/v1/boards/{world['board']}/cards",
        json={"title": "Mängelmelder", "phase_id": world["phase"], "tags": ["App"], "position": 0},
    )
    assert created.status_code == 201
    card = created.json()
    assert (card["position"], card["version"], card["tags"]) == (0, 1, ["App"])
    moved = client.post(
        f"/api/v1/cards/{card['id']}/move",
        json={"phase_id": world["phase2"], "position": 5, "version": 1},
    )
    assert (moved.status_code, moved.json()["position"], moved.json()["version"]) == (200, 0, 2)
    detail = client.get(f"/api/v1/boards/{world['board']}").json()
    assert [c["id"] for c in detail["phases"][1]["cards"]] == [card["id"]]
    assert detail["phases"][0]["card_count"] == 1
    seq = detail["last_seq"]
    events = client.get(f"/api/v1/boards/{world['board']}/events", params={"after": seq - 2}).json()
    assert [e["seq"] for e in events] == [seq - 1, seq]
    assert [e["type"] for e in events] == ["card.created", "card.moved"]
    filtered = client.get(f"/api/v1/boards/{world['board']}/cards", params={"tag": "App"}).json()
    assert [c["id"] for c in filtered] == [card["id"]]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/boards/999999",
        "/api/v1/boards/999999/phases",
        "/api/v1/boards/999999/cards",
        "/api/v1/boards/999999/events",
        "/api/v1/cards/999999",
        "/api/v1/cards/999999/events",
        "/api/v1/departments/999999",
        "/api/v1/lotsen/999999",
    ],
)
def test_unknown_ids_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "not found" in response.json()["detail"]


def test_phase_removal_with_target_moves_every_card(
    client: TestClient, world: dict[str, int]
) -> None:
    board, phase, target = world["board"], world["phase"], world["phase2"]
    refused = client.delete(f"/api/v1/boards/{board}/phases/{phase}")
    assert refused.status_code == 409 and refused.json()["card_count"] == 1
    removed = client.delete(
        f"/api/v1/boards/{board}/phases/{phase}", params={"target_phase_id": target}
    )
    assert removed.status_code == 204
    assert client.get(f"/api/v1/cards/{world['card']}").json()["phase_id"] == target


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok"}
    spec = client.get("/openapi.json").json()
    assert "/api/v1/cards/{card_id}/move" in spec["paths"]
