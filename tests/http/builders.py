"""Build test data through the JSON API, the way an outside tool would."""

from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"


def ok(response: Any, status: int = 200) -> Any:
    """The response's JSON after checking its status (showing the body when it is wrong)."""
    assert response.status_code == status, response.text[:1000]
    return response.json()


def new_board(client: TestClient, name: str = "Maßnahmen 2026", **extra: Any) -> dict[str, Any]:
    """A board (default phases unless `phases` is given) with its phases under "phases"."""
    board = ok(client.post(f"{API}/boards", json={"name": name, **extra}), 201)
    board["phases"] = ok(client.get(f"{API}/boards/{board['id']}/phases"))
    return board


def new_department(
    client: TestClient, name: str = "Bauamt", code: str = "BA", **extra: Any
) -> dict[str, Any]:
    body = {"name": name, "code": code, **extra}
    return ok(client.post(f"{API}/departments", json=body), 201)


def new_lotse(
    client: TestClient, department_id: int, name: str = "Petra Schulz", **extra: Any
) -> dict[str, Any]:
    body = {"name": name, "department_id": department_id, **extra}
    return ok(client.post(f"{API}/lotsen", json=body), 201)


def new_card(
    client: TestClient, board_id: int, phase_id: int, title: str, **extra: Any
) -> dict[str, Any]:
    body = {"title": title, "phase_id": phase_id, **extra}
    return ok(client.post(f"{API}/boards/{board_id}/cards", json=body), 201)


def get_card(client: TestClient, card_id: int) -> dict[str, Any]:
    return ok(client.get(f"{API}/cards/{card_id}"))


def detail(client: TestClient, board_id: int) -> dict[str, Any]:
    return ok(client.get(f"{API}/boards/{board_id}"))


def titles_by_phase(client: TestClient, board_id: int) -> dict[str, list[str]]:
    """Each phase's active card titles in board order, as GET /boards/{id} shows them."""
    return {
        phase["name"]: [card["title"] for card in phase["cards"]]
        for phase in detail(client, board_id)["phases"]
    }


def positions_by_phase(client: TestClient, board_id: int) -> dict[str, list[int]]:
    return {
        phase["name"]: [card["position"] for card in phase["cards"]]
        for phase in detail(client, board_id)["phases"]
    }


def move(client: TestClient, card: dict[str, Any], phase_id: int, position: int) -> Any:
    body = {"phase_id": phase_id, "position": position, "version": card["version"]}
    return client.post(f"{API}/cards/{card['id']}/move", json=body)


def error_locs(response: Any) -> list[list[Any]]:
    """The `loc` of every item of a 422 answer's detail."""
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    return [item["loc"] for item in detail]


def assert_names_field(response: Any, field: str) -> None:
    """A 422 whose detail names `field` at the end of some item's `loc`.

    Items of a list are named by the list and their index (`["query", "lotse", 0]`).
    """
    assert response.status_code == 422, response.text[:1000]
    assert response.headers["content-type"] == "application/json"
    locs = error_locs(response)
    named = [[part for part in loc if isinstance(part, str)] for loc in locs]
    assert any(parts and parts[-1] == field for parts in named), locs


def reporting_500s(app: Any, client: TestClient) -> TestClient:
    """The same caller, but a server error comes back as a 500 answer instead of an exception."""
    return TestClient(app, headers=dict(client.headers), raise_server_exceptions=False)
