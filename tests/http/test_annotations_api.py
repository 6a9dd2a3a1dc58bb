"""Concerns and resistances through the JSON API: every route, its statuses and its refusals."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.models import Role
from app.db import Database
from tests.factories import make_user
from tests.helpers import dump
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
from tests.http.test_security import bearer


@pytest.fixture
def client(app: Any, client: TestClient) -> TestClient:
    return reporting_500s(app, client)


@pytest.fixture
def world(client: TestClient) -> dict[str, Any]:
    board = new_board(client)
    bau = new_department(client, "Bauamt", "BA")
    sozial = new_department(client, "Sozialamt", "SO")
    jana = new_lotse(client, bau["id"], "Jana Kuhn")
    privacy = ok(client.post(f"{API}/annotation-categories", json={"name": "Datenschutz"}), 201)
    first, second = (phase["id"] for phase in board["phases"][:2])
    card = new_card(client, board["id"], first, "Digitaler Bauantrag", department_id=bau["id"])
    other = new_card(client, board["id"], second, "Wohngeld online", department_id=sozial["id"])
    return {
        "board": board,
        "bau": bau,
        "sozial": sozial,
        "jana": jana,
        "privacy": privacy,
        "card": card,
        "other": other,
    }


def raise_on(client: TestClient, card_id: int, **body: Any) -> dict[str, Any]:
    values = {"kind": "concern", "text": "Datenschutz ungeklärt", **body}
    return ok(client.post(f"{API}/cards/{card_id}/annotations", json=values), 201)


def patch(client: TestClient, annotation: dict[str, Any], **body: Any) -> Any:
    values = {"version": annotation["version"], **body}
    return client.patch(f"{API}/annotations/{annotation['id']}", json=values)


def test_raise_read_list_and_discuss_an_annotation(
    client: TestClient, world: dict[str, Any]
) -> None:
    card = world["card"]
    raised = raise_on(
        client,
        card["id"],
        kind="resistance",
        text="Der **Personalrat** befürchtet eine Leistungskontrolle.",
        raised_by_id=world["jana"]["id"],
        category_id=world["privacy"]["id"],
        severity="high",
        blocks_card=True,
        next_step="Termin mit dem Personalrat",
        next_step_lotse_id=world["jana"]["id"],
        next_step_date="2026-12-03",
    )
    assert raised["department_id"] == world["bau"]["id"]  # the card's
    assert (raised["status"], raised["version"], raised["notes"]) == ("open", 1, [])
    assert raised["created_by"] == "Dana Weber"
    noted = ok(
        client.post(f"{API}/annotations/{raised['id']}/notes", json={"text": "Termin am 3.12."}),
        201,
    )
    assert noted["status"] == "discussing" and noted["version"] == 2
    assert [(n["author"], n["text"]) for n in noted["notes"]] == [("Dana Weber", "Termin am 3.12.")]
    assert ok(client.get(f"{API}/annotations/{raised['id']}")) == noted
    listed = ok(client.get(f"{API}/cards/{card['id']}/annotations"))
    assert [a["id"] for a in listed] == [raised["id"]]
    blocked = ok(client.get(f"{API}/boards/{world['board']['id']}/cards?blocked=true"))
    assert [c["id"] for c in blocked] == [card["id"]]
    history = ok(client.get(f"{API}/cards/{card['id']}/events"))
    assert [e["type"] for e in history][-2:] == ["annotation.raised", "annotation.noted"]


def test_the_lifecycle_through_patch_with_its_refusals(
    client: TestClient, db: Database, world: dict[str, Any]
) -> None:
    annotation = raise_on(client, world["card"]["id"])
    before = dump(db)
    missing = patch(client, annotation, status="resolved")
    assert_names_field(missing, "resolution")
    missing_reason = patch(client, annotation, status="withdrawn", reason="  ")
    assert_names_field(missing_reason, "reason")
    assert dump(db) == before
    resolved = ok(patch(client, annotation, status="resolved", resolution="Geklärt mit der DSB."))
    assert (resolved["status"], resolved["resolution"], resolved["version"]) == (
        "resolved",
        "Geklärt mit der DSB.",
        2,
    )
    assert resolved["closed_at"] is not None
    before = dump(db)
    refused = patch(client, resolved, status="withdrawn", reason="doch nicht")
    assert refused.status_code == 409
    assert "reopen it first" in refused.json()["detail"]
    assert refused.json()["status"] == "resolved"
    assert dump(db) == before
    reopened = ok(patch(client, resolved, status="open"))
    assert (reopened["status"], reopened["resolution"], reopened["closed_at"]) == ("open", "", None)
    withdrawn = ok(patch(client, reopened, status="withdrawn", reason="Doppelt erfasst."))
    assert withdrawn["withdrawal_reason"] == "Doppelt erfasst."


def test_a_stale_version_gets_409_with_the_current_annotation_and_changes_nothing(
    client: TestClient, db: Database, world: dict[str, Any]
) -> None:
    annotation = raise_on(client, world["card"]["id"])
    ok(patch(client, annotation, severity="high"))
    before = dump(db)
    stale = patch(client, annotation, text="Meine ältere Fassung")
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "version_conflict" and body["entity"] == "annotation"
    assert body["current"]["severity"] == "high" and body["current"]["version"] == 2
    assert body["changed_by"]["actor"] == "Dana Weber"
    assert dump(db) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "complaint"}, "kind"),
        ({"text": "   "}, "text"),
        ({"severity": "extreme"}, "severity"),
        ({"next_step_date": "3.12.2026"}, "next_step_date"),
        ({"text": "a\x00b"}, "text"),
        ({"category_id": 999_999}, "category_id"),
        ({"department_id": 999_999}, "department_id"),
        ({"blocks_card": "vielleicht"}, "blocks_card"),
    ],
)
def test_raising_with_bad_input_names_the_field_and_changes_nothing(
    client: TestClient, db: Database, world: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    before = dump(db)
    values = {"kind": "concern", "text": "Bedenken", **body}
    response = client.post(f"{API}/cards/{world['card']['id']}/annotations", json=values)
    assert_names_field(response, field)
    assert dump(db) == before


def test_an_archived_card_takes_no_annotation(client: TestClient, world: dict[str, Any]) -> None:
    card = world["card"]
    ok(client.post(f"{API}/cards/{card['id']}/archive", json={"version": card["version"]}))
    refused = client.post(
        f"{API}/cards/{card['id']}/annotations", json={"kind": "concern", "text": "x"}
    )
    assert refused.status_code == 409


def test_board_annotations_filter_by_every_dimension_open_first(
    client: TestClient, world: dict[str, Any]
) -> None:
    card, other = world["card"], world["other"]
    a = raise_on(client, card["id"], category_id=world["privacy"]["id"])
    b = raise_on(client, other["id"], kind="resistance", severity="high")
    c = raise_on(client, card["id"], severity="low")
    ok(patch(client, a, status="resolved", resolution="ok"))
    url = f"{API}/boards/{world['board']['id']}/annotations"

    def ids(query: str = "") -> list[int]:
        return [item["id"] for item in ok(client.get(f"{url}{query}"))]

    assert ids() == [b["id"], c["id"], a["id"]]  # open first, each oldest first
    assert ids("?kind=resistance") == [b["id"]]
    assert ids(f"?department={world['sozial']['id']}") == [b["id"]]
    assert ids(f"?category={world['privacy']['id']}") == [a["id"]]
    assert ids("?severity=high&severity=low") == [b["id"], c["id"]]
    assert ids("?status=resolved") == [a["id"]]
    assert ids(f"?card={other['id']}") == [b["id"]]
    assert_names_field(client.get(f"{url}?status=vergessen"), "status")
    assert_names_field(client.get(f"{url}?department=abc"), "department")


def test_cards_filter_by_open_annotations(client: TestClient, world: dict[str, Any]) -> None:
    card, other = world["card"], world["other"]
    raise_on(client, card["id"], kind="concern")
    raise_on(client, other["id"], kind="resistance")
    url = f"{API}/boards/{world['board']['id']}/cards"
    found = {
        value: [c["id"] for c in ok(client.get(f"{url}?open_annotations={value}"))]
        for value in ("concern", "resistance", "any")
    }
    assert found == {
        "concern": [card["id"]],
        "resistance": [other["id"]],
        "any": [card["id"], other["id"]],
    }
    assert_names_field(client.get(f"{url}?open_annotations=some"), "open_annotations")


def test_categories_are_read_by_all_and_written_by_admins_only(
    app: FastAPI, client: TestClient, db: Database, session: Session, world: dict[str, Any]
) -> None:
    lotse = bearer(app, db, make_user(session, role=Role.lotse))
    viewer = bearer(app, db, make_user(session, role=Role.viewer))
    names = [c["name"] for c in ok(viewer.get(f"{API}/annotation-categories"))]
    assert names == ["Datenschutz"]
    before = dump(db)
    assert lotse.post(f"{API}/annotation-categories", json={"name": "Neu"}).status_code == 403
    category = world["privacy"]
    patched = lotse.patch(f"{API}/annotation-categories/{category['id']}", json={"name": "X"})
    assert patched.status_code == 403
    assert dump(db) == before
    renamed = ok(
        client.patch(f"{API}/annotation-categories/{category['id']}", json={"active": False})
    )
    assert renamed["active"] is False
    duplicate = client.post(f"{API}/annotation-categories", json={"name": "Datenschutz"})
    assert duplicate.status_code == 409


def test_viewers_read_lotsen_raise_discuss_and_resolve(
    app: FastAPI, client: TestClient, db: Database, session: Session, world: dict[str, Any]
) -> None:
    lotse = bearer(app, db, make_user(session, role=Role.lotse))
    viewer = bearer(app, db, make_user(session, role=Role.viewer))
    card_id = world["card"]["id"]
    annotation = raise_on(lotse, card_id)
    before = dump(db)
    assert (
        viewer.post(
            f"{API}/cards/{card_id}/annotations", json={"kind": "concern", "text": "x"}
        ).status_code
        == 403
    )
    assert patch(viewer, annotation, severity="high").status_code == 403
    assert (
        viewer.post(f"{API}/annotations/{annotation['id']}/notes", json={"text": "x"}).status_code
        == 403
    )
    assert dump(db) == before
    assert ok(viewer.get(f"{API}/annotations/{annotation['id']}"))["id"] == annotation["id"]
    ok(lotse.post(f"{API}/annotations/{annotation['id']}/notes", json={"text": "Gespräch"}), 201)
    current = ok(lotse.get(f"{API}/annotations/{annotation['id']}"))
    assert ok(patch(lotse, current, status="resolved", resolution="ok"))["status"] == "resolved"


def test_openapi_documents_the_routes_with_examples(client: TestClient) -> None:
    spec = ok(client.get("/openapi.json"))
    paths = spec["paths"]
    for path, method in [
        ("/api/v1/cards/{card_id}/annotations", "post"),
        ("/api/v1/annotations/{annotation_id}", "patch"),
        ("/api/v1/annotations/{annotation_id}/notes", "post"),
        ("/api/v1/boards/{board_id}/annotations", "get"),
        ("/api/v1/annotation-categories", "post"),
    ]:
        assert method in paths[path], path
    schemas = spec["components"]["schemas"]
    assert schemas["AnnotationCreate"]["examples"][0]["kind"] == "resistance"
    assert any("resolution" in e for e in schemas["AnnotationUpdate"]["examples"])
    assert "409" in paths["/api/v1/annotations/{annotation_id}"]["patch"]["responses"]
