"""Probes, the OpenAPI document, and the HTML board list and board page."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.http.builders import (
    API,
    new_board,
    new_card,
    new_department,
    new_lotse,
    ok,
    reporting_500s,
)

SCRIPT = "<script>alert(1)</script>"
HTML = {"accept": "text/html"}


def page(client: TestClient, path: str) -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def offsets(text: str, *needles: str) -> list[int]:
    """Where each needle first appears; every one must appear."""
    found = [text.find(needle) for needle in needles]
    assert -1 not in found, [n for n, at in zip(needles, found, strict=True) if at == -1]
    return found


def test_liveness_and_readiness_need_no_login(anon_client: TestClient) -> None:
    live = anon_client.get("/healthz")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    ready = anon_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"


def test_openapi_documents_the_api_under_v1(anon_client: TestClient) -> None:
    spec = ok(anon_client.get("/openapi.json"))
    paths = set(spec["paths"])
    expected = {
        "/api/v1/boards",
        "/api/v1/boards/{board_id}",
        "/api/v1/boards/{board_id}/phases",
        "/api/v1/boards/{board_id}/phases/order",
        "/api/v1/boards/{board_id}/phases/{phase_id}",
        "/api/v1/boards/{board_id}/cards",
        "/api/v1/boards/{board_id}/events",
        "/api/v1/cards/{card_id}",
        "/api/v1/cards/{card_id}/move",
        "/api/v1/cards/{card_id}/archive",
        "/api/v1/cards/{card_id}/restore",
        "/api/v1/cards/{card_id}/events",
        "/api/v1/departments",
        "/api/v1/departments/{department_id}",
        "/api/v1/lotsen",
        "/api/v1/lotsen/{lotse_id}",
    }
    assert expected <= paths, expected - paths
    assert set(spec["paths"]["/api/v1/cards/{card_id}"]) >= {"get", "patch"}
    assert "post" in spec["paths"]["/api/v1/cards/{card_id}/move"]
    # HTML pages are not part of the API contract.
    assert "/" not in paths and "/boards/{board_id}" not in paths


def test_board_list_is_german_and_links_every_open_board(client: TestClient) -> None:
    empty = page(client, "/")
    assert '<html lang="de">' in empty and "Noch keine Boards" in empty
    smart = new_board(client, "Smart City")
    plan = new_board(client, "Maßnahmen 2026", description="Alle Vorhaben der Verwaltung")
    old = new_board(client, "Altbestand")
    ok(client.put(f"{API}/boards/{old['id']}/archived", json={"archived": True}))
    text = page(client, "/")
    assert "Noch keine Boards" not in text and "Fachbereiche" in text
    for board in (plan, smart):
        assert f'/boards/{board["id"]}">{board["name"]}</a>' in text
    assert "Alle Vorhaben der Verwaltung" in text
    first, second = offsets(text, ">Maßnahmen 2026<", ">Smart City<")
    assert first < second
    # An archived board is not among the open ones; the admin may bring it back.
    assert f'/boards/{old["id"]}">' not in text
    assert text.index("Archivierte Boards") < text.index("<span>Altbestand</span>")


def test_board_list_escapes_board_names(client: TestClient) -> None:
    new_board(client, SCRIPT, description='"><img src=x onerror=alert(2)>')
    text = page(client, "/")
    assert SCRIPT not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img src=x" not in text


def test_board_page_shows_phases_and_cards_in_order(client: TestClient) -> None:
    board = new_board(client)
    idee, prio = board["phases"][0]["id"], board["phases"][1]["id"]
    bau = new_department(client, "Bauamt", "BA")
    petra = new_lotse(client, bau["id"], "Petra Schulz")
    second = new_card(client, board["id"], idee, "Hundesteuer online")
    first = new_card(
        client, board["id"], idee, "E-Akte Wohngeld", position=0,
        department_id=bau["id"], lotse_id=petra["id"], tags=["OZG"],
    )  # fmt: skip
    third = new_card(client, board["id"], prio, "Mängelmelder")
    text = page(client, f"/boards/{board['id']}")
    assert '<html lang="de">' in text and "Maßnahmen 2026" in text
    phases = offsets(text, *(f'id="phase-{p["id"]}"' for p in board["phases"]))
    assert phases == sorted(phases)
    assert offsets(text, "Ideenspeicher", "Priorisiert", "In Umsetzung", "Erledigt") == sorted(
        offsets(text, "Ideenspeicher", "Priorisiert", "In Umsetzung", "Erledigt")
    )
    cards = offsets(text, *(f'id="card-{c["id"]}"' for c in (first, second, third)))
    assert phases[0] < cards[0] < cards[1] < phases[1] < cards[2] < phases[2]
    face = text[cards[0] : cards[1]]
    assert "E-Akte Wohngeld" in face and ">BA<" in face and "Petra Schulz" in face and "OZG" in face
    assert "Hundesteuer online" in text[cards[1] : phases[1]]
    assert "3 von 3 Maßnahmen" in text


def test_board_page_escapes_everything_users_typed(client: TestClient) -> None:
    board = new_board(client, SCRIPT, phases=[{"name": "<b>Phase</b>"}])
    department = new_department(client, "<i>Amt</i>", "XSS")
    lotse = new_lotse(client, department["id"], "<svg onload=alert(3)>")
    new_card(
        client, board["id"], board["phases"][0]["id"], "<img src=x onerror=alert(4)>",
        department_id=department["id"], lotse_id=lotse["id"], tags=["<u>tag</u>"],
    )  # fmt: skip
    text = page(client, f"/boards/{board['id']}")
    for raw in (SCRIPT, "<b>Phase</b>", "<i>Amt</i>", "<svg onload", "<img src=x", "<u>tag</u>"):
        assert raw not in text, raw
    for escaped in (
        "&lt;script&gt;",
        "&lt;b&gt;Phase&lt;/b&gt;",
        "&lt;img src=x onerror=alert(4)&gt;",
    ):
        assert escaped in text, escaped
    assert "&lt;svg onload=alert(3)&gt;" in text


def test_an_unknown_board_page_is_404(app: FastAPI, client: TestClient) -> None:
    client = reporting_500s(app, client)
    response = client.get("/boards/999999", headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Diese Seite gibt es nicht (mehr)." in response.text
    machine = client.get("/boards/999999")
    assert machine.status_code == 404 and "not found" in machine.json()["detail"]


@pytest.mark.parametrize("board_id", [2**31, 2**63])
def test_a_board_id_no_board_can_have_is_422(
    app: FastAPI, client: TestClient, board_id: int
) -> None:
    client = reporting_500s(app, client)
    response = client.get(f"/boards/{board_id}", headers=HTML)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert str(board_id) not in response.text
    machine = client.get(f"/boards/{board_id}")
    assert machine.status_code == 422
