"""GET /api/v1/boards/{id}/cards with the CDO's filters: each narrows, repeats mean "any of"."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.http.builders import (
    API,
    assert_names_field,
    new_board,
    new_card,
    new_department,
    new_lotse,
    ok,
    reporting_500s,
)

OUT_OF_RANGE = [2**31, 2**63]


@pytest.fixture
def client(app: Any, client: TestClient) -> TestClient:
    return reporting_500s(app, client)


@pytest.fixture
def world(client: TestClient) -> dict[str, Any]:
    """Five cards across departments, lotsen, phases and tags; ids by name."""
    board = new_board(client)
    idee, prio, umsetzung = (phase["id"] for phase in board["phases"][:3])
    bau = new_department(client, "Bauamt", "BA")
    ord_ = new_department(client, "Ordnungsamt", "OA")
    sozial = new_department(client, "Sozialamt", "SA")
    petra = new_lotse(client, bau["id"], "Petra Schulz")
    jonas = new_lotse(client, ord_["id"], "Jonas Yılmaz")
    specs = [
        ("Wohngeld E-Akte", idee, sozial, None, ["E-Akte", "OZG"], "Anträge digital"),
        ("Bauantrag online", prio, bau, petra, ["OZG"], "Antrag über das Portal"),
        ("Mängelmelder", prio, ord_, jonas, ["App"], "Bürger melden 100% digital"),
        ("Parkautomaten", umsetzung, ord_, jonas, [], "Zahlung per_App"),
        ("Raumbuchung", umsetzung, None, None, ["App", "OZG"], "Sporthallen buchen"),
    ]
    cards = {}
    for title, phase, department, lotse, tags, description in specs:
        card = new_card(
            client,
            board["id"],
            phase,
            title,
            department_id=department and department["id"],
            lotse_id=lotse and lotse["id"],
            tags=tags,
            description=description,
        )
        cards[title] = card["id"]
    # Another board's matching card never leaks in.
    other = new_board(client, "Smart City")
    new_card(client, other["id"], other["phases"][0]["id"], "Wohngeld Smart", tags=["OZG"])
    return {
        "board": board["id"],
        "cards": cards,
        "phases": {"idee": idee, "prio": prio, "umsetzung": umsetzung},
        "departments": {"bau": bau["id"], "ord": ord_["id"], "sozial": sozial["id"]},
        "lotsen": {"petra": petra["id"], "jonas": jonas["id"]},
    }


def titles(client: TestClient, world: dict[str, Any], params: Any) -> list[str]:
    cards = ok(client.get(f"{API}/boards/{world['board']}/cards", params=params))
    by_id = {card_id: title for title, card_id in world["cards"].items()}
    return [by_id[card["id"]] for card in cards]


def test_without_filters_every_active_card_in_board_order(
    client: TestClient, world: dict[str, Any]
) -> None:
    assert titles(client, world, {}) == list(world["cards"])


def test_department_filter_and_its_repetition(client: TestClient, world: dict[str, Any]) -> None:
    departments = world["departments"]
    assert titles(client, world, {"department": departments["ord"]}) == [
        "Mängelmelder",
        "Parkautomaten",
    ]
    both = [("department", departments["bau"]), ("department", departments["sozial"])]
    assert titles(client, world, both) == ["Wohngeld E-Akte", "Bauantrag online"]


def test_lotse_filter_and_its_repetition(client: TestClient, world: dict[str, Any]) -> None:
    lotsen = world["lotsen"]
    assert titles(client, world, {"lotse": lotsen["petra"]}) == ["Bauantrag online"]
    both = [("lotse", lotsen["petra"]), ("lotse", lotsen["jonas"])]
    assert titles(client, world, both) == ["Bauantrag online", "Mängelmelder", "Parkautomaten"]


def test_phase_filter_and_its_repetition(client: TestClient, world: dict[str, Any]) -> None:
    phases = world["phases"]
    assert titles(client, world, {"phase": phases["umsetzung"]}) == ["Parkautomaten", "Raumbuchung"]
    both = [("phase", phases["idee"]), ("phase", phases["umsetzung"])]
    assert titles(client, world, both) == ["Wohngeld E-Akte", "Parkautomaten", "Raumbuchung"]


def test_tag_filter(client: TestClient, world: dict[str, Any]) -> None:
    assert titles(client, world, {"tag": "App"}) == ["Mängelmelder", "Raumbuchung"]
    assert titles(client, world, {"tag": "Unbekannt"}) == []


def test_repeated_tag_means_any_of_them(client: TestClient, world: dict[str, Any]) -> None:
    both = [("tag", "E-Akte"), ("tag", "App")]
    assert titles(client, world, both) == ["Wohngeld E-Akte", "Mängelmelder", "Raumbuchung"]


def test_different_filters_must_all_match(client: TestClient, world: dict[str, Any]) -> None:
    params = [("tag", "OZG"), ("phase", world["phases"]["prio"])]
    assert titles(client, world, params) == ["Bauantrag online"]
    params = [("department", world["departments"]["ord"]), ("q", "park")]
    assert titles(client, world, params) == ["Parkautomaten"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("wohngeld", ["Wohngeld E-Akte"]),
        # Only ASCII letters are promised to fold (SQLite's LIKE folds no others).
        ("MäNGELMELDER", ["Mängelmelder"]),
        ("  RAUMBUCHUNG  ", ["Raumbuchung"]),
        ("antr", ["Wohngeld E-Akte", "Bauantrag online"]),
        ("PORTAL", ["Bauantrag online"]),
        ("sporthallen", ["Raumbuchung"]),
        ("nirgends", []),
    ],
)
def test_q_matches_title_or_description_ignoring_case(
    client: TestClient, world: dict[str, Any], q: str, expected: list[str]
) -> None:
    assert titles(client, world, {"q": q}) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("100%", ["Mängelmelder"]),
        ("%", ["Mängelmelder"]),
        ("per_app", ["Parkautomaten"]),
        ("_", ["Parkautomaten"]),
    ],
)
def test_percent_and_underscore_in_q_are_literal(
    client: TestClient, world: dict[str, Any], q: str, expected: list[str]
) -> None:
    assert titles(client, world, {"q": q}) == expected


def test_archived_cards_are_listed_only_when_asked(
    client: TestClient, world: dict[str, Any]
) -> None:
    card = world["cards"]["Raumbuchung"]
    ok(client.post(f"{API}/cards/{card}/archive", json={"version": 1}))
    assert "Raumbuchung" not in titles(client, world, {"tag": "App"})
    assert titles(client, world, {"tag": "App", "archived": True}) == ["Raumbuchung"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"department": "Bauamt"}, "department"),
        ({"lotse": "x"}, "lotse"),
        ({"phase": "1.5"}, "phase"),
        ({"q": "x" * 201}, "q"),
        ({"archived": "vielleicht"}, "archived"),
    ],
)
def test_malformed_filters_are_422_naming_the_parameter(
    client: TestClient, world: dict[str, Any], params: dict[str, str], field: str
) -> None:
    response = client.get(f"{API}/boards/{world['board']}/cards", params=params)
    assert_names_field(response, field)
    assert "Bauamt" not in response.text and "x" * 201 not in response.text


@pytest.mark.parametrize("value", OUT_OF_RANGE, ids=["past 32 bits", "past 64 bits"])
@pytest.mark.parametrize("name", ["department", "lotse", "phase"])
def test_ids_no_row_can_have_match_nothing(
    client: TestClient, world: dict[str, Any], name: str, value: int
) -> None:
    response = client.get(f"{API}/boards/{world['board']}/cards", params={name: value})
    if response.status_code == 422:
        assert_names_field(response, name)
    else:
        assert (response.status_code, response.json()) == (200, []), response.text[:300]


@pytest.mark.parametrize("name", ["q", "tag"])
def test_a_nul_character_in_a_text_filter_is_no_server_error(
    client: TestClient, world: dict[str, Any], name: str
) -> None:
    response = client.get(f"{API}/boards/{world['board']}/cards", params={name: "Bau\x00"})
    if response.status_code == 422:
        assert_names_field(response, name)
    else:
        assert (response.status_code, response.json()) == (200, []), response.text[:300]
