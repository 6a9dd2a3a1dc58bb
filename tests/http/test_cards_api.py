"""Cards through the JSON API: create, edit, move, archive, restore, conflicts, WIP limits."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from tests.helpers import dump
from tests.http.builders import (
    API,
    assert_names_field,
    detail,
    get_card,
    move,
    new_board,
    new_card,
    new_department,
    new_lotse,
    ok,
    positions_by_phase,
    titles_by_phase,
)


@pytest.fixture
def board(client: TestClient) -> dict[str, Any]:
    """The standard board; phase ids by name under "ids"."""
    board = new_board(client)
    board["ids"] = {phase["name"]: phase["id"] for phase in board["phases"]}
    return board


def fill(client: TestClient, board: dict[str, Any], phase: str, *titles: str) -> list[Any]:
    return [new_card(client, board["id"], board["ids"][phase], title) for title in titles]


def resolve(body: dict[str, Any], ids: dict[str, int]) -> dict[str, Any]:
    """The body with "{name}" placeholders replaced by ids."""
    return {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}


def test_a_card_is_created_with_every_field(client: TestClient, board: dict[str, Any]) -> None:
    department = new_department(client)
    lotse = new_lotse(client, department["id"])
    fields = {
        "description": "Antrag **online**",
        "department_id": department["id"],
        "lotse_id": lotse["id"],
        "priority": "high",
        "size": "XL",
        "due_date": "2026-06-30",
    }
    phase = board["ids"]["Priorisiert"]
    tags = ["OZG", "E-Akte", "OZG"]
    card = new_card(client, board["id"], phase, "  E-Akte Wohngeld ", tags=tags, **fields)
    assert {key: card[key] for key in fields} == fields
    assert (card["title"], card["phase_id"], card["board_id"]) == (
        "E-Akte Wohngeld",
        phase,
        board["id"],
    )
    assert (card["position"], card["version"], card["archived"]) == (0, 1, False)
    assert sorted(card["tags"]) == ["E-Akte", "OZG"]
    assert get_card(client, card["id"]) == card


def test_new_cards_go_last_or_to_the_given_position(
    client: TestClient, board: dict[str, Any]
) -> None:
    fill(client, board, "Ideenspeicher", "A", "B")
    new_card(client, board["id"], board["ids"]["Ideenspeicher"], "Oben", position=0)
    new_card(client, board["id"], board["ids"]["Ideenspeicher"], "Hinten", position=99)
    assert titles_by_phase(client, board["id"])["Ideenspeicher"] == ["Oben", "A", "B", "Hinten"]
    assert positions_by_phase(client, board["id"])["Ideenspeicher"] == [0, 1, 2, 3]


def test_editing_a_card_bumps_its_version_and_replaces_its_tags(
    client: TestClient, board: dict[str, Any]
) -> None:
    (card,) = fill(client, board, "Ideenspeicher", "Mängelmelder")
    url = f"{API}/cards/{card['id']}"
    body = {"version": 1, "title": "Mängelmelder-App", "priority": "urgent", "tags": ["App"]}
    edited = ok(client.patch(url, json=body))
    assert (edited["title"], edited["priority"], edited["tags"], edited["version"]) == (
        "Mängelmelder-App",
        "urgent",
        ["App"],
        2,
    )
    cleared = ok(client.patch(url, json={"version": 2, "due_date": None, "tags": []}))
    assert (cleared["tags"], cleared["title"], cleared["version"]) == ([], "Mängelmelder-App", 3)
    # Saving what is already there is no change: no new version, no event.
    seq = detail(client, board["id"])["last_seq"]
    same = ok(client.patch(url, json={"version": 3, "title": "Mängelmelder-App"}))
    assert same["version"] == 3 and detail(client, board["id"])["last_seq"] == seq


def test_moving_within_a_phase_reorders_it(client: TestClient, board: dict[str, Any]) -> None:
    a, _b, c = fill(client, board, "Ideenspeicher", "A", "B", "C")
    moved = ok(move(client, a, board["ids"]["Ideenspeicher"], 2))
    assert (moved["position"], moved["version"]) == (2, 2)
    assert titles_by_phase(client, board["id"])["Ideenspeicher"] == ["B", "C", "A"]
    ok(move(client, c, board["ids"]["Ideenspeicher"], 0))
    assert titles_by_phase(client, board["id"])["Ideenspeicher"] == ["C", "B", "A"]
    assert positions_by_phase(client, board["id"])["Ideenspeicher"] == [0, 1, 2]


def test_moving_across_phases_closes_and_opens_gaps(
    client: TestClient, board: dict[str, Any]
) -> None:
    a, b, _c = fill(client, board, "Ideenspeicher", "A", "B", "C")
    fill(client, board, "In Umsetzung", "X", "Y")
    moved = ok(move(client, b, board["ids"]["In Umsetzung"], 1))
    assert (moved["phase_id"], moved["position"]) == (board["ids"]["In Umsetzung"], 1)
    # Past the end means last.
    assert ok(move(client, a, board["ids"]["In Umsetzung"], 50))["position"] == 3
    titles = titles_by_phase(client, board["id"])
    assert (titles["Ideenspeicher"], titles["In Umsetzung"]) == (["C"], ["X", "B", "Y", "A"])
    positions = positions_by_phase(client, board["id"])
    assert (positions["Ideenspeicher"], positions["In Umsetzung"]) == ([0], [0, 1, 2, 3])


def test_archive_and_restore(client: TestClient, board: dict[str, Any]) -> None:
    a, b, _c = fill(client, board, "Ideenspeicher", "A", "B", "C")
    archived = ok(client.post(f"{API}/cards/{a['id']}/archive", json={"version": 1}))
    assert (archived["archived"], archived["version"]) == (True, 2)
    assert titles_by_phase(client, board["id"])["Ideenspeicher"] == ["B", "C"]
    assert positions_by_phase(client, board["id"])["Ideenspeicher"] == [0, 1]
    listed = ok(client.get(f"{API}/boards/{board['id']}/cards", params={"archived": True}))
    assert [card["title"] for card in listed] == ["A"]
    # An archived card stays put until restored.
    assert move(client, archived, board["ids"]["Erledigt"], 0).status_code == 409
    ok(move(client, b, board["ids"]["Ideenspeicher"], 1))
    restored = ok(client.post(f"{API}/cards/{a['id']}/restore", json={"version": 2}))
    assert (restored["archived"], restored["version"], restored["position"]) == (False, 3, 2)
    assert titles_by_phase(client, board["id"])["Ideenspeicher"] == ["C", "B", "A"]


@pytest.mark.parametrize("action", ["edit", "move", "archive", "restore"])
def test_a_stale_version_is_409_with_the_current_card_and_changes_nothing(
    client: TestClient, db: Database, board: dict[str, Any], action: str
) -> None:
    (card,) = fill(client, board, "Ideenspeicher", "E-Akte Hunde")
    url = f"{API}/cards/{card['id']}"
    ok(client.patch(url, json={"version": 1, "title": "E-Akte Hundesteuer"}))
    if action == "restore":
        ok(client.post(f"{url}/archive", json={"version": 2}))
    current = get_card(client, card["id"])
    requests = {
        "edit": ("PATCH", url, {"version": 1, "title": "Überschrieben"}),
        "move": (
            "POST",
            f"{url}/move",
            {"phase_id": board["ids"]["Erledigt"], "position": 0, "version": 1},
        ),
        "archive": ("POST", f"{url}/archive", {"version": 1}),
        "restore": ("POST", f"{url}/restore", {"version": 2}),
    }
    method, path, body = requests[action]
    before = dump(db)
    response = client.request(method, path, json=body)
    assert response.status_code == 409
    answer = response.json()
    assert answer["detail"] and answer["code"] == "version_conflict"
    assert {key: answer["current"][key] for key in ("id", "title", "version", "archived")} == {
        key: current[key] for key in ("id", "title", "version", "archived")
    }
    assert answer["changed_by"]["actor"] == "Dana Weber"
    assert answer["changed_by"]["type"] in ("card.updated", "card.archived")
    assert dump(db) == before


def test_a_full_blocking_phase_refuses_cards_and_changes_nothing(
    client: TestClient, db: Database
) -> None:
    limited = {"name": "Engpass", "wip_limit": 2, "wip_mode": "block"}
    board = new_board(client, phases=[{"name": "Offen"}, limited])
    offen, engpass = (phase["id"] for phase in board["phases"])
    first, _second = (new_card(client, board["id"], engpass, t) for t in ("Eins", "Zwei"))
    waiting = new_card(client, board["id"], offen, "Wartet")
    before = dump(db)
    attempts = [
        client.post(f"{API}/boards/{board['id']}/cards", json={"title": "X", "phase_id": engpass}),
        move(client, waiting, engpass, 0),
    ]
    for response in attempts:
        assert response.status_code == 409
        assert response.json()["code"] == "wip_limit_reached" and response.json()["detail"]
        assert response.json()["wip_limit"] == 2
    assert dump(db) == before
    # Reordering inside the full phase brings no card in, so it is allowed.
    ok(move(client, first, engpass, 1))
    assert titles_by_phase(client, board["id"]) == {
        "Offen": ["Wartet"],
        "Engpass": ["Zwei", "Eins"],
    }


def test_a_warning_limit_lets_cards_in_and_says_so(client: TestClient) -> None:
    limited = {"name": "Engpass", "wip_limit": 1}
    board = new_board(client, phases=[{"name": "Offen"}, limited])
    offen, engpass = (phase["id"] for phase in board["phases"])
    new_card(client, board["id"], engpass, "Drin")
    waiting = new_card(client, board["id"], offen, "Wartet")
    ok(move(client, waiting, engpass, 1))
    column = detail(client, board["id"])["phases"][1]
    assert (column["card_count"], column["over_limit"]) == (2, True)
    (event,) = ok(client.get(f"{API}/boards/{board['id']}/events", params={"after": 3}))
    assert (event["type"], event["payload"]["wip_exceeded"]) == ("card.moved", True)


def test_restoring_into_a_full_blocking_phase_is_refused(client: TestClient, db: Database) -> None:
    board = new_board(client, phases=[{"name": "Engpass", "wip_limit": 1, "wip_mode": "block"}])
    phase = board["phases"][0]["id"]
    old = new_card(client, board["id"], phase, "Alt")
    ok(client.post(f"{API}/cards/{old['id']}/archive", json={"version": 1}))
    new_card(client, board["id"], phase, "Neu")
    before = dump(db)
    response = client.post(f"{API}/cards/{old['id']}/restore", json={"version": 2})
    assert (response.status_code, response.json()["code"]) == (409, "wip_limit_reached")
    assert dump(db) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phase_id": "{phase}"}, "title"),
        ({"title": "T"}, "phase_id"),
        ({"title": "x" * 201, "phase_id": "{phase}"}, "title"),
        ({"title": "   ", "phase_id": "{phase}"}, "title"),
        ({"title": ["T"], "phase_id": "{phase}"}, "title"),
        ({"title": "T", "phase_id": "eins"}, "phase_id"),
        ({"title": "T", "phase_id": "{foreign}"}, "phase_id"),
        ({"title": "T", "phase_id": "{phase}", "priority": "sofort"}, "priority"),
        ({"title": "T", "phase_id": "{phase}", "size": "XXL"}, "size"),
        ({"title": "T", "phase_id": "{phase}", "due_date": "31.02.2026"}, "due_date"),
        ({"title": "T", "phase_id": "{phase}", "lotse_id": 999999}, "lotse_id"),
        ({"title": "T", "phase_id": "{phase}", "department_id": 999999}, "department_id"),
        ({"title": "T", "phase_id": "{phase}", "department_id": "{inactive}"}, "department_id"),
        ({"title": "T", "phase_id": "{phase}", "tags": ["x" * 41]}, "tags"),
        ({"title": "T", "phase_id": "{phase}", "tags": [str(i) for i in range(21)]}, "tags"),
        ({"title": "T", "phase_id": "{phase}", "status": "neu"}, "status"),
    ],
    ids=lambda value: str(value)[:50] if isinstance(value, dict) else str(value),
)
def test_invalid_card_input_is_422_naming_the_field(
    client: TestClient, db: Database, board: dict[str, Any], body: dict[str, Any], field: Any
) -> None:
    foreign = new_board(client, "Smart City")["phases"][0]["id"]
    inactive = new_department(client, "Kämmerei", "KÄ")["id"]
    ok(client.patch(f"{API}/departments/{inactive}", json={"active": False}))
    ids = {"{phase}": board["ids"]["Priorisiert"], "{foreign}": foreign, "{inactive}": inactive}
    body = resolve(body, ids)
    before = dump(db)
    assert_names_field(client.post(f"{API}/boards/{board['id']}/cards", json=body), field)
    assert dump(db) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("", {"title": "T"}, "version"),
        ("", {"version": 1, "title": None}, "title"),
        ("", {"version": 0, "title": "T"}, "version"),
        ("", {"version": 1, "lotse_id": 999999}, "lotse_id"),
        ("/move", {"phase_id": "{foreign}", "position": 0, "version": 1}, "phase_id"),
        ("/move", {"phase_id": "{phase}", "position": -1, "version": 1}, "position"),
        ("/move", {"phase_id": "{phase}", "version": 1}, "position"),
        ("/move", {"phase_id": "{phase}", "position": 0}, "version"),
        ("/archive", {}, "version"),
        ("/restore", {"version": "eins"}, "version"),
    ],
)
def test_invalid_card_changes_are_422_naming_the_field(
    client: TestClient, db: Database, board: dict[str, Any], path: str, body: Any, field: str
) -> None:
    (card,) = fill(client, board, "Ideenspeicher", "A")
    ids = {
        "{phase}": board["ids"]["Erledigt"],
        "{foreign}": new_board(client, "B")["phases"][0]["id"],
    }
    body = resolve(body, ids)
    before = dump(db)
    method = "PATCH" if path == "" else "POST"
    assert_names_field(client.request(method, f"{API}/cards/{card['id']}{path}", json=body), field)
    assert dump(db) == before
