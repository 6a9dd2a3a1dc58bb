"""The event log through the JSON API: gap recovery after a seq, card history, audit trail."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.http.builders import (
    API,
    assert_names_field,
    move,
    new_board,
    new_card,
    new_department,
    new_lotse,
    ok,
    reporting_500s,
)


@pytest.fixture
def client(app: Any, client: TestClient) -> TestClient:
    return reporting_500s(app, client)


@pytest.fixture
def board(client: TestClient) -> dict[str, Any]:
    """A board with six events: created, three cards, a move, a phase edit."""
    board = new_board(client)
    first, second = board["phases"][0]["id"], board["phases"][1]["id"]
    board["cards"] = [new_card(client, board["id"], first, title) for title in ("A", "B", "C")]
    ok(move(client, board["cards"][0], second, 0))
    ok(client.patch(f"{API}/boards/{board['id']}/phases/{second}", json={"wip_limit": 3}))
    return board


def events(client: TestClient, board_id: int, **params: Any) -> list[dict[str, Any]]:
    return ok(client.get(f"{API}/boards/{board_id}/events", params=params))


def test_board_events_come_in_seq_order_from_one(client: TestClient, board: dict[str, Any]) -> None:
    found = events(client, board["id"])
    assert [e["seq"] for e in found] == [1, 2, 3, 4, 5, 6]
    assert [e["type"] for e in found] == [
        "board.created",
        "card.created",
        "card.created",
        "card.created",
        "card.moved",
        "phase.updated",
    ]
    assert all(e["board_id"] == board["id"] and e["actor"] == "Dana Weber" for e in found)
    assert ok(client.get(f"{API}/boards/{board['id']}"))["last_seq"] == 6


def test_after_seq_returns_only_later_events(client: TestClient, board: dict[str, Any]) -> None:
    assert [e["seq"] for e in events(client, board["id"], after=3)] == [4, 5, 6]
    assert [e["seq"] for e in events(client, board["id"], after=5)] == [6]
    assert events(client, board["id"], after=6) == []
    assert events(client, board["id"], after=10_000) == []
    assert [e["seq"] for e in events(client, board["id"], after=1, limit=2)] == [2, 3]


def test_a_new_change_is_the_next_seq(client: TestClient, board: dict[str, Any]) -> None:
    card = board["cards"][1]
    ok(client.post(f"{API}/cards/{card['id']}/archive", json={"version": 1}))
    (event,) = events(client, board["id"], after=6)
    assert (event["seq"], event["type"], event["card_id"]) == (7, "card.archived", card["id"])


def test_a_move_event_says_where_from_and_where_to(
    client: TestClient, board: dict[str, Any]
) -> None:
    (moved,) = [e for e in events(client, board["id"]) if e["type"] == "card.moved"]
    first, second = board["phases"][0]["id"], board["phases"][1]["id"]
    assert moved["card_id"] == board["cards"][0]["id"]
    assert moved["payload"]["before"] == {"phase_id": first, "position": 0}
    assert moved["payload"]["after"] == {"phase_id": second, "position": 0}


def test_each_board_has_its_own_stream(client: TestClient, board: dict[str, Any]) -> None:
    other = new_board(client, "Smart City")
    new_card(client, other["id"], other["phases"][0]["id"], "Sensoren")
    new_department(client)
    assert [e["seq"] for e in events(client, other["id"])] == [1, 2]
    assert [e["seq"] for e in events(client, board["id"])] == [1, 2, 3, 4, 5, 6]


def test_card_history_is_that_cards_events_oldest_first(
    client: TestClient, board: dict[str, Any]
) -> None:
    card = board["cards"][0]
    url = f"{API}/cards/{card['id']}"
    ok(client.patch(url, json={"version": 2, "title": "A neu"}))
    ok(client.post(f"{url}/archive", json={"version": 3}))
    ok(client.post(f"{url}/restore", json={"version": 4}))
    history = ok(client.get(f"{url}/events"))
    assert [e["type"] for e in history] == [
        "card.created",
        "card.moved",
        "card.updated",
        "card.archived",
        "card.restored",
    ]
    assert {e["card_id"] for e in history} == {card["id"]}
    assert [e["seq"] for e in history] == sorted(e["seq"] for e in history)
    updated = history[2]["payload"]
    assert (updated["before"]["title"], updated["after"]["title"]) == ("A", "A neu")
    other = ok(client.get(f"{API}/cards/{board['cards'][1]['id']}/events"))
    assert [e["type"] for e in other] == ["card.created"]


def test_instance_events_form_the_audit_trail(client: TestClient, board: dict[str, Any]) -> None:
    department = new_department(client)
    lotse = new_lotse(client, department["id"])
    ok(client.patch(f"{API}/lotsen/{lotse['id']}", json={"active": False}))
    found = ok(client.get(f"{API}/events"))
    people = [e for e in found if e["type"].split(".")[0] in ("department", "lotse")]
    assert [e["type"] for e in people] == ["department.created", "lotse.created", "lotse.updated"]
    assert all(e["board_id"] is None for e in found)
    seqs = [e["seq"] for e in found]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    later = ok(client.get(f"{API}/events", params={"after": people[0]["seq"]}))
    assert [e["seq"] for e in later] == [s for s in seqs if s > people[0]["seq"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": -1}, "after"),
        ({"after": "gestern"}, "after"),
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
    ],
)
def test_bad_seq_parameters_are_422(
    client: TestClient, board: dict[str, Any], params: dict[str, Any], field: str
) -> None:
    assert_names_field(client.get(f"{API}/boards/{board['id']}/events", params=params), field)
    assert_names_field(client.get(f"{API}/events", params=params), field)


@pytest.mark.parametrize("path", ["/boards/999999/events", "/cards/999999/events"])
def test_events_of_unknown_boards_and_cards_are_404(client: TestClient, path: str) -> None:
    response = client.get(API + path)
    assert response.status_code == 404
    assert "not found" in response.json()["detail"]


@pytest.mark.parametrize("after", [2**31, 2**63], ids=["past 32 bits", "past 64 bits"])
def test_a_seq_past_any_stored_one_finds_nothing(
    client: TestClient, board: dict[str, Any], after: int
) -> None:
    for url in (f"{API}/boards/{board['id']}/events", f"{API}/events"):
        response = client.get(url, params={"after": after})
        if response.status_code == 422:
            assert_names_field(response, "after")
        else:
            assert (response.status_code, response.json()) == (200, []), response.text[:300]
