"""Departments and lotsen through the JSON API: create, edit, deactivate, delete if unused."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from tests.helpers import dump
from tests.http.builders import (
    API,
    assert_names_field,
    get_card,
    new_board,
    new_card,
    new_department,
    new_lotse,
    ok,
)


def first_phase(client: TestClient) -> tuple[int, int]:
    board = new_board(client)
    return board["id"], board["phases"][0]["id"]


def test_departments_are_created_and_listed_by_name(client: TestClient) -> None:
    created = new_department(client, "Kämmerei", " KÄ1 ", colour="#1A2b3c")
    assert (created["name"], created["code"], created["colour"], created["active"]) == (
        "Kämmerei",
        "KÄ1",
        "#1A2b3c",
        True,
    )
    assert new_department(client, "Bauamt", "BA")["colour"] == "#5b6770"
    listed = ok(client.get(f"{API}/departments"))
    assert [d["name"] for d in listed] == ["Bauamt", "Kämmerei"]
    assert ok(client.get(f"{API}/departments/{created['id']}")) == created


def test_department_codes_are_stored_in_capitals(client: TestClient) -> None:
    # The short code is declared `to_upper`: a CDO typing "ba" means "BA".
    department = new_department(client, "Bauamt", "ba")
    assert department["code"] == "BA"
    url = f"{API}/departments/{department['id']}"
    assert ok(client.patch(url, json={"code": "bä2"}))["code"] == "BÄ2"


def test_a_department_can_be_edited(client: TestClient) -> None:
    department = new_department(client)
    url = f"{API}/departments/{department['id']}"
    edited = ok(
        client.patch(url, json={"name": "Bauordnungsamt", "code": "BOA", "colour": "#00ff00"})
    )
    assert (edited["name"], edited["code"], edited["colour"]) == (
        "Bauordnungsamt",
        "BOA",
        "#00ff00",
    )
    assert ok(client.get(url)) == edited


def test_a_deactivated_department_keeps_its_cards_but_takes_no_new_ones(
    client: TestClient, db: Database
) -> None:
    board_id, phase_id = first_phase(client)
    department = new_department(client)
    card = new_card(client, board_id, phase_id, "Bauantrag", department_id=department["id"])
    url = f"{API}/departments/{department['id']}"
    assert ok(client.patch(url, json={"active": False}))["active"] is False
    assert ok(client.get(url))["active"] is False
    active = ok(client.get(f"{API}/departments", params={"include_inactive": False}))
    assert department["id"] not in [d["id"] for d in active]
    assert get_card(client, card["id"])["department_id"] == department["id"]
    before = dump(db)
    refused = [
        client.post(f"{API}/lotsen", json={"name": "Neu", "department_id": department["id"]}),
        client.post(
            f"{API}/boards/{board_id}/cards",
            json={"title": "T", "phase_id": phase_id, "department_id": department["id"]},
        ),
    ]
    for response in refused:
        assert_names_field(response, "department_id")
    assert dump(db) == before
    # Editing something else on the card keeps its (deactivated) department.
    edited = ok(client.patch(f"{API}/cards/{card['id']}", json={"version": 1, "title": "Neu"}))
    assert edited["department_id"] == department["id"]
    assert ok(client.patch(url, json={"active": True}))["active"] is True


def test_an_unused_department_can_be_deleted(client: TestClient) -> None:
    department = new_department(client)
    response = client.delete(f"{API}/departments/{department['id']}")
    assert response.status_code == 204 and response.content == b""
    assert client.get(f"{API}/departments/{department['id']}").status_code == 404
    assert ok(client.get(f"{API}/departments")) == []


@pytest.mark.parametrize("used_by", ["lotse", "card", "archived card"])
def test_a_department_in_use_is_not_deleted(client: TestClient, db: Database, used_by: str) -> None:
    department = new_department(client)
    if used_by == "lotse":
        new_lotse(client, department["id"])
    else:
        board_id, phase_id = first_phase(client)
        card = new_card(client, board_id, phase_id, "Bauantrag", department_id=department["id"])
        if used_by == "archived card":
            ok(client.post(f"{API}/cards/{card['id']}/archive", json={"version": 1}))
    before = dump(db)
    response = client.delete(f"{API}/departments/{department['id']}")
    assert response.status_code == 409 and response.json()["detail"]
    assert dump(db) == before


def test_department_names_and_codes_are_unique(client: TestClient, db: Database) -> None:
    department = new_department(client, "Bauamt", "BA")
    new_department(client, "Ordnungsamt", "OA")
    before = dump(db)
    for body in ({"name": "Bauamt", "code": "XY"}, {"name": "Neu", "code": "BA"}):
        response = client.post(f"{API}/departments", json=body)
        assert response.status_code in (409, 422) and response.json()["detail"]
    response = client.patch(f"{API}/departments/{department['id']}", json={"code": "OA"})
    assert response.status_code in (409, 422) and response.json()["detail"]
    assert dump(db) == before


def test_lotsen_are_created_listed_and_edited(client: TestClient) -> None:
    bau, ordnung = new_department(client), new_department(client, "Ordnungsamt", "OA")
    petra = new_lotse(client, bau["id"], "Petra Schulz", email="p.schulz@musterstadt.de")
    jonas = new_lotse(client, ordnung["id"], "Jonas Yılmaz")
    assert (petra["name"], petra["email"], petra["department_id"], petra["active"]) == (
        "Petra Schulz",
        "p.schulz@musterstadt.de",
        bau["id"],
        True,
    )
    assert [lotse["name"] for lotse in ok(client.get(f"{API}/lotsen"))] == [
        "Jonas Yılmaz",
        "Petra Schulz",
    ]
    of_bau = ok(client.get(f"{API}/lotsen", params={"department": bau["id"]}))
    assert [lotse["id"] for lotse in of_bau] == [petra["id"]]
    url = f"{API}/lotsen/{jonas['id']}"
    edited = ok(client.patch(url, json={"name": "Jonas Yilmaz", "department_id": bau["id"]}))
    assert (edited["name"], edited["department_id"]) == ("Jonas Yilmaz", bau["id"])
    assert ok(client.get(url)) == edited


def test_a_deactivated_lotse_keeps_their_cards_but_gets_no_new_ones(
    client: TestClient, db: Database
) -> None:
    board_id, phase_id = first_phase(client)
    lotse = new_lotse(client, new_department(client)["id"])
    card = new_card(client, board_id, phase_id, "Bauantrag", lotse_id=lotse["id"])
    url = f"{API}/lotsen/{lotse['id']}"
    assert ok(client.patch(url, json={"active": False}))["active"] is False
    active = ok(client.get(f"{API}/lotsen", params={"include_inactive": False}))
    assert lotse["id"] not in [item["id"] for item in active]
    assert get_card(client, card["id"])["lotse_id"] == lotse["id"]
    before = dump(db)
    response = client.post(
        f"{API}/boards/{board_id}/cards",
        json={"title": "T", "phase_id": phase_id, "lotse_id": lotse["id"]},
    )
    assert_names_field(response, "lotse_id")
    assert dump(db) == before


def test_an_unused_lotse_can_be_deleted_but_a_card_owner_cannot(
    client: TestClient, db: Database
) -> None:
    department = new_department(client)
    unused, owner = (
        new_lotse(client, department["id"]),
        new_lotse(client, department["id"], "Owner"),
    )
    board_id, phase_id = first_phase(client)
    card = new_card(client, board_id, phase_id, "Bauantrag", lotse_id=owner["id"])
    # An archived card still names its lotse.
    ok(client.post(f"{API}/cards/{card['id']}/archive", json={"version": 1}))
    response = client.delete(f"{API}/lotsen/{unused['id']}")
    assert response.status_code == 204 and response.content == b""
    assert client.get(f"{API}/lotsen/{unused['id']}").status_code == 404
    before = dump(db)
    refused = client.delete(f"{API}/lotsen/{owner['id']}")
    assert refused.status_code == 409 and refused.json()["detail"]
    assert dump(db) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/departments", {"name": "D", "code": "D", "colour": "red"}, "colour"),
        ("/departments", {"name": "D", "code": "D", "colour": "#12345"}, "colour"),
        ("/departments", {"name": "D", "code": "ABCDEFGHIJK"}, "code"),
        ("/departments", {"name": "D", "code": "B-A"}, "code"),
        ("/departments", {"name": "D", "code": ""}, "code"),
        ("/departments", {"code": "D"}, "name"),
        ("/departments", {"name": "x" * 121, "code": "D"}, "name"),
        ("/departments", {"name": "D", "code": "D", "leitung": "Frau X"}, "leitung"),
        ("/lotsen", {"name": "L"}, "department_id"),
        ("/lotsen", {"name": "L", "department_id": "Bauamt"}, "department_id"),
        ("/lotsen", {"name": "L", "department_id": 999999}, "department_id"),
        ("/lotsen", {"name": "L", "department_id": "{department}", "email": "nope"}, "email"),
        ("/lotsen", {"name": ["L"], "department_id": "{department}"}, "name"),
    ],
    ids=lambda value: str(value)[:40] if isinstance(value, dict) else value,
)
def test_invalid_people_input_is_422_naming_the_field(
    client: TestClient, db: Database, path: str, body: dict[str, Any], field: str
) -> None:
    department = new_department(client, "Hauptamt", "HA")
    body = {k: department["id"] if v == "{department}" else v for k, v in body.items()}
    before = dump(db)
    assert_names_field(client.post(API + path, json=body), field)
    assert dump(db) == before


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("departments", {"colour": "blau"}, "colour"),
        ("departments", {"name": None}, "name"),
        ("departments", {"active": "ja bitte"}, "active"),
        ("lotsen", {"name": None}, "name"),
        ("lotsen", {"department_id": 999999}, "department_id"),
        ("lotsen", {"email": "@"}, "email"),
        ("lotsen", {"active": None}, "active"),
    ],
)
def test_invalid_people_edits_are_422_naming_the_field(
    client: TestClient, db: Database, kind: str, body: dict[str, Any], field: str
) -> None:
    lotse = new_lotse(client, new_department(client)["id"])
    target = lotse["id"] if kind == "lotsen" else lotse["department_id"]
    before = dump(db)
    assert_names_field(client.patch(f"{API}/{kind}/{target}", json=body), field)
    assert dump(db) == before


@pytest.mark.parametrize("kind", ["departments", "lotsen"])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_departments_and_lotsen_are_404(
    client: TestClient, db: Database, kind: str, method: str
) -> None:
    new_lotse(client, new_department(client)["id"])
    before = dump(db)
    body = {"name": "Neu"} if method == "PATCH" else None
    response = client.request(method, f"{API}/{kind}/999999", json=body)
    assert response.status_code == 404
    assert "not found" in response.json()["detail"]
    assert dump(db) == before
