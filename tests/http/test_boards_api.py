"""Boards and phases through the JSON API: create, read, edit, reorder, remove, archive."""

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
    new_board,
    new_card,
    ok,
    titles_by_phase,
)

STANDARD = ["Ideenspeicher", "Priorisiert", "In Umsetzung", "Erledigt"]


def phase_ids(board: dict[str, Any]) -> dict[str, int]:
    return {phase["name"]: phase["id"] for phase in board["phases"]}


def phase_names(client: TestClient, board_id: int) -> list[str]:
    phases = ok(client.get(f"{API}/boards/{board_id}/phases"))
    assert [phase["position"] for phase in phases] == list(range(len(phases)))
    return [phase["name"] for phase in phases]


def test_a_new_board_gets_the_standard_phases(client: TestClient) -> None:
    response = client.post(f"{API}/boards", json={"name": "  Maßnahmen 2026 ", "description": "x"})
    board = ok(response, 201)
    assert (board["name"], board["description"], board["archived"]) == (
        "Maßnahmen 2026",
        "x",
        False,
    )
    phases = ok(client.get(f"{API}/boards/{board['id']}/phases"))
    assert [p["name"] for p in phases] == STANDARD
    assert [p["is_done"] for p in phases] == [False, False, False, True]
    assert all(p["board_id"] == board["id"] and p["wip_limit"] is None for p in phases)


def test_a_board_can_be_created_with_its_own_phases(client: TestClient) -> None:
    phases = [
        {"name": "Eingang"},
        {"name": "In Arbeit", "wip_limit": 3, "wip_mode": "block"},
        {"name": "Fertig", "is_done": True},
    ]
    board = new_board(client, "Smart City", phases=phases)
    got = [(p["name"], p["wip_limit"], p["wip_mode"], p["is_done"]) for p in board["phases"]]
    assert got == [
        ("Eingang", None, "warn", False),
        ("In Arbeit", 3, "block", False),
        ("Fertig", None, "warn", True),
    ]
    listed = ok(client.get(f"{API}/boards"))
    assert [b["name"] for b in listed] == ["Smart City"]


def test_board_detail_has_phases_with_their_cards_in_order_and_wip_counts(
    client: TestClient,
) -> None:
    board = new_board(client, phases=[{"name": "Offen", "wip_limit": 2}, {"name": "Fertig"}])
    offen = phase_ids(board)["Offen"]
    new_card(client, board["id"], offen, "E-Akte Wohngeld")
    new_card(client, board["id"], offen, "Hundesteuer online")
    first = new_card(client, board["id"], offen, "Mängelmelder", position=0)
    body = detail(client, board["id"])
    assert body["name"] == board["name"]
    assert [p["name"] for p in body["phases"]] == ["Offen", "Fertig"]
    column, done = body["phases"]
    assert [c["title"] for c in column["cards"]] == [
        "Mängelmelder",
        "E-Akte Wohngeld",
        "Hundesteuer online",
    ]
    assert [c["position"] for c in column["cards"]] == [0, 1, 2]
    # A warning limit lets the third card in and reports the phase as over its limit.
    assert (column["card_count"], column["wip_limit"], column["over_limit"]) == (3, 2, True)
    assert (done["card_count"], done["over_limit"], done["cards"]) == (0, False, [])
    # Archived cards neither show nor count.
    ok(client.post(f"{API}/cards/{first['id']}/archive", json={"version": 1}))
    column = detail(client, board["id"])["phases"][0]
    assert (column["card_count"], column["over_limit"]) == (2, False)
    assert [c["title"] for c in column["cards"]] == ["E-Akte Wohngeld", "Hundesteuer online"]


def test_board_can_be_renamed_and_described(client: TestClient) -> None:
    board = new_board(client)
    renamed = ok(client.patch(f"{API}/boards/{board['id']}", json={"name": "Maßnahmen 2027"}))
    assert (renamed["name"], renamed["description"]) == ("Maßnahmen 2027", "")
    described = ok(client.patch(f"{API}/boards/{board['id']}", json={"description": "Plan"}))
    assert (described["name"], described["description"]) == ("Maßnahmen 2027", "Plan")
    assert detail(client, board["id"])["name"] == "Maßnahmen 2027"


def test_archived_board_is_hidden_read_only_and_can_be_restored(client: TestClient) -> None:
    board = new_board(client)
    url = f"{API}/boards/{board['id']}"
    assert ok(client.put(f"{url}/archived", json={"archived": True}))["archived"] is True
    assert ok(client.get(f"{API}/boards")) == []
    archived = ok(client.get(f"{API}/boards", params={"include_archived": True}))
    assert [b["id"] for b in archived] == [board["id"]]
    refused = client.post(f"{url}/cards", json={"title": "T", "phase_id": board["phases"][0]["id"]})
    assert refused.status_code == 409 and refused.json()["detail"]
    assert ok(client.put(f"{url}/archived", json={"archived": False}))["archived"] is False
    assert [b["id"] for b in ok(client.get(f"{API}/boards"))] == [board["id"]]


def test_phases_can_be_added_at_an_index_or_last(client: TestClient) -> None:
    board = new_board(client)
    url = f"{API}/boards/{board['id']}/phases"
    added = ok(client.post(url, json={"name": "Prüfung", "position": 1, "wip_limit": 4}), 201)
    assert (added["name"], added["position"], added["wip_limit"]) == ("Prüfung", 1, 4)
    ok(client.post(url, json={"name": "Abgelehnt"}), 201)
    assert phase_names(client, board["id"]) == [
        "Ideenspeicher",
        "Prüfung",
        "Priorisiert",
        "In Umsetzung",
        "Erledigt",
        "Abgelehnt",
    ]


def test_phase_settings_can_be_edited_and_a_limit_cleared(client: TestClient) -> None:
    board = new_board(client)
    url = f"{API}/boards/{board['id']}/phases/{board['phases'][2]['id']}"
    body = {"name": "Umsetzung", "wip_limit": 5, "wip_mode": "block", "is_done": False}
    edited = ok(client.patch(url, json=body))
    assert {k: edited[k] for k in body} == body
    cleared = ok(client.patch(url, json={"wip_limit": None}))
    assert (cleared["wip_limit"], cleared["name"], cleared["wip_mode"]) == (
        None,
        "Umsetzung",
        "block",
    )


def test_phases_can_be_reordered(client: TestClient) -> None:
    board = new_board(client)
    ids = [p["id"] for p in board["phases"]]
    wanted = [ids[3], ids[0], ids[2], ids[1]]
    response = ok(
        client.put(f"{API}/boards/{board['id']}/phases/order", json={"phase_ids": wanted})
    )
    assert [p["id"] for p in response] == wanted
    assert phase_names(client, board["id"]) == [
        "Erledigt",
        "Ideenspeicher",
        "In Umsetzung",
        "Priorisiert",
    ]
    assert detail(client, board["id"])["phases"][0]["name"] == "Erledigt"


@pytest.mark.parametrize("which", ["incomplete", "duplicate", "foreign"])
def test_reorder_must_name_every_phase_of_the_board_once(
    client: TestClient, db: Database, which: str
) -> None:
    board, other = new_board(client), new_board(client, "Smart City")
    ids = [p["id"] for p in board["phases"]]
    order = {
        "incomplete": ids[:3],
        "duplicate": [*ids[:3], ids[0]],
        "foreign": [*ids[:3], other["phases"][0]["id"]],
    }[which]
    before = dump(db)
    response = client.put(f"{API}/boards/{board['id']}/phases/order", json={"phase_ids": order})
    assert_names_field(response, "phase_ids")
    assert dump(db) == before


def test_removing_an_empty_phase_renumbers_the_rest(client: TestClient) -> None:
    board = new_board(client)
    response = client.delete(f"{API}/boards/{board['id']}/phases/{board['phases'][1]['id']}")
    assert response.status_code == 204 and response.content == b""
    assert phase_names(client, board["id"]) == ["Ideenspeicher", "In Umsetzung", "Erledigt"]


def test_removing_a_phase_moves_its_cards_to_the_end_of_the_target(client: TestClient) -> None:
    board = new_board(client)
    source, target = board["phases"][0]["id"], board["phases"][1]["id"]
    kept = new_card(client, board["id"], target, "Schon priorisiert")
    moved = [new_card(client, board["id"], source, title) for title in ("Eins", "Zwei", "Drei")]
    ok(client.post(f"{API}/cards/{moved[1]['id']}/archive", json={"version": 1}))
    url = f"{API}/boards/{board['id']}/phases/{source}"
    response = client.delete(url, params={"target_phase_id": target})
    assert response.status_code == 204
    assert titles_by_phase(client, board["id"])["Priorisiert"] == [
        "Schon priorisiert",
        "Eins",
        "Drei",
    ]
    assert [c["position"] for c in detail(client, board["id"])["phases"][0]["cards"]] == [0, 1, 2]
    # The archived card went along, so restoring it later finds a phase.
    assert get_card(client, moved[1]["id"])["phase_id"] == target
    assert get_card(client, kept["id"])["version"] == 1
    assert get_card(client, moved[0]["id"])["version"] == 2


def test_removing_a_phase_with_cards_needs_a_target_and_loses_nothing(
    client: TestClient, db: Database
) -> None:
    board = new_board(client)
    phase = board["phases"][0]["id"]
    card = new_card(client, board["id"], phase, "E-Akte Personal")
    archived = new_card(client, board["id"], phase, "E-Akte Hunde")
    ok(client.post(f"{API}/cards/{archived['id']}/archive", json={"version": 1}))
    before = dump(db)
    response = client.delete(f"{API}/boards/{board['id']}/phases/{phase}")
    assert response.status_code == 409
    # Archived cards count too: they would be lost with the phase.
    assert response.json()["detail"] and response.json()["card_count"] == 2
    assert dump(db) == before
    assert get_card(client, card["id"])["phase_id"] == phase


@pytest.mark.parametrize("target", ["itself", "other board"])
def test_removal_target_must_be_another_phase_of_the_board(
    client: TestClient, db: Database, target: str
) -> None:
    board, other = new_board(client), new_board(client, "Smart City")
    phase = board["phases"][0]["id"]
    new_card(client, board["id"], phase, "E-Akte Personal")
    target_id = phase if target == "itself" else other["phases"][1]["id"]
    before = dump(db)
    url = f"{API}/boards/{board['id']}/phases/{phase}"
    assert_names_field(client.delete(url, params={"target_phase_id": target_id}), "target_phase_id")
    assert dump(db) == before


def test_the_last_phase_cannot_be_removed(client: TestClient, db: Database) -> None:
    board = new_board(client, phases=[{"name": "Einzig"}])
    before = dump(db)
    response = client.delete(f"{API}/boards/{board['id']}/phases/{board['phases'][0]['id']}")
    assert response.status_code == 409 and response.json()["detail"]
    assert dump(db) == before


def test_phase_names_are_unique_within_a_board(client: TestClient, db: Database) -> None:
    board = new_board(client)
    before = dump(db)
    duplicate = client.post(f"{API}/boards/{board['id']}/phases", json={"name": "Erledigt"})
    assert duplicate.status_code in (409, 422) and duplicate.json()["detail"]
    url = f"{API}/boards/{board['id']}/phases/{board['phases'][0]['id']}"
    renamed = client.patch(url, json={"name": "Erledigt"})
    assert renamed.status_code in (409, 422) and renamed.json()["detail"]
    two = client.post(f"{API}/boards", json={"name": "B", "phases": [{"name": "X"}, {"name": "X"}]})
    assert_names_field(two, "phases")
    assert dump(db) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 121}, "name"),
        ({"name": "   "}, "name"),
        ({}, "name"),
        ({"name": 42}, "name"),
        ({"name": "B", "description": "x" * 20_001}, "description"),
        ({"name": "B", "farbe": "rot"}, "farbe"),
        ({"name": "B", "phases": []}, "phases"),
        ({"name": "B", "phases": [{"name": "A", "wip_limit": 0}]}, "wip_limit"),
        ({"name": "B", "phases": [{"name": "A", "wip_mode": "strict"}]}, "wip_mode"),
        ({"name": "B", "phases": [{"name": "A", "is_done": "vielleicht"}]}, "is_done"),
    ],
    ids=lambda value: str(value)[:40] if isinstance(value, dict) else value,
)
def test_invalid_board_input_is_422_naming_the_field(
    client: TestClient, db: Database, body: dict[str, Any], field: str
) -> None:
    before = dump(db)
    assert_names_field(client.post(f"{API}/boards", json=body), field)
    assert dump(db) == before


@pytest.mark.parametrize("body", [{"name": None}, {"description": None}, {"name": ""}])
def test_a_board_edit_cannot_blank_its_fields(
    client: TestClient, db: Database, body: dict[str, Any]
) -> None:
    # Like phases, departments and lotsen: null is refused, not silently skipped.
    board = new_board(client)
    before = dump(db)
    assert_names_field(client.patch(f"{API}/boards/{board['id']}", json=body), next(iter(body)))
    assert dump(db) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/boards/999999"),
        ("PATCH", "/boards/999999"),
        ("PUT", "/boards/999999/archived"),
        ("GET", "/boards/999999/phases"),
        ("POST", "/boards/999999/phases"),
        ("PUT", "/boards/999999/phases/order"),
        ("PATCH", "/boards/{board}/phases/999999"),
        ("DELETE", "/boards/{board}/phases/999999"),
        ("PATCH", "/boards/{board}/phases/{foreign}"),
        ("DELETE", "/boards/{board}/phases/{foreign}"),
    ],
)
def test_unknown_boards_and_phases_are_404(
    client: TestClient, db: Database, method: str, path: str
) -> None:
    board, other = new_board(client), new_board(client, "Smart City")
    url = API + path.format(board=board["id"], foreign=other["phases"][0]["id"])
    bodies = {"PUT": {"archived": True}, "POST": {"name": "Neu"}, "PATCH": {"name": "Neu"}}
    if url.endswith("/order"):
        bodies["PUT"] = {"phase_ids": [p["id"] for p in board["phases"]]}
    before = dump(db)
    response = client.request(method, url, json=bodies.get(method))
    assert response.status_code == 404, response.text
    assert "not found" in response.json()["detail"]
    assert dump(db) == before
