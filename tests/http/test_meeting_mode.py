"""Meeting mode through the real app: who may run it, stale steps, the screen, the minutes."""

import io
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import Session

from app.accounts import tokens
from app.accounts.models import Role
from app.db import Database
from app.meetings import sitting
from tests.factories import make_board, make_card, make_department, make_lotse, make_user
from tests.helpers import dump, fresh
from tests.http.test_security import bearer

PAGE = {"Accept": "text/html"}


def _meeting_soon(client: TestClient, board_id: int) -> str:
    """A Lotsentreffen in half an hour (it may be begun now); its day."""
    soon = datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(minutes=30)
    body = {"starts_at": soon.replace(tzinfo=None, second=0, microsecond=0).isoformat()}
    response = client.post(f"/api/v1/boards/{board_id}/meetings", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["day"])


def _world(session: Session) -> dict[str, Any]:
    board = make_board(session, name="Maßnahmen 2026")
    bau = make_department(session, name="Bauamt", code="BA")
    jana = make_lotse(session, name="Jana Kuhn", department_id=bau.id)
    card = make_card(session, board, title="Digitaler Bauantrag", department_id=bau.id)
    return {"board": board, "bau": bau, "jana": jana, "card": card}


def test_the_cdo_runs_the_meeting_lotsen_take_notes_viewers_read(
    app: FastAPI, db: Database, client: TestClient, session: Session
) -> None:
    world = _world(session)
    board, bau, jana = world["board"], world["bau"], world["jana"]
    day = _meeting_soon(client, board.id)
    url = f"/boards/{board.id}/treffen/{day}"
    lotse = bearer(app, db, make_user(session, role=Role.lotse, name="Jana Kuhn"))
    viewer = bearer(app, db, make_user(session, role=Role.viewer))
    key = f"d{bau.id}"

    # Nobody but an admin (or the moderator) begins it; a refusal changes nothing.
    before = dump(db)
    for who in (lotse, viewer):
        refused = who.post(f"{url}/beginnen", headers=PAGE)
        assert refused.status_code == 403, refused.text
    assert dump(db) == before

    begun = client.post(f"{url}/beginnen", headers=PAGE)
    assert begun.status_code == 200 and "läuft" in begun.text
    run = sitting.get_run(fresh(session), board_id=board.id, day=datetime.fromisoformat(day).date())
    assert run is not None and run.state == "running"

    # A lotse takes a note, but records no decision; a viewer records nothing.
    noted = lotse.post(
        f"{url}/eintraege", data={"key": key, "kind": "note", "text": "Scanner sind bestellt."}
    )
    assert noted.status_code == 200 and "Scanner sind bestellt." in noted.text
    before = dump(db)
    decided = lotse.post(
        f"{url}/eintraege",
        data={"key": key, "kind": "decision", "text": "Start im Februar."},
        headers=PAGE,
    )
    assert decided.status_code == 403
    assert (
        viewer.post(f"{url}/eintraege", data={"key": key, "kind": "note", "text": "x"}).status_code
        == 403
    )
    assert dump(db) == before

    decision = client.post(
        f"{url}/eintraege", data={"key": key, "kind": "decision", "text": "Start im Februar."}
    )
    assert decision.status_code == 200
    action = client.post(
        f"{url}/eintraege",
        data={
            "key": key,
            "kind": "action",
            "text": "Schulung planen",
            "lotse_id": str(jana.id),
            "due_date": "2030-01-31",
        },
    )
    assert action.status_code == 200
    ticked = client.post(f"{url}/anwesenheit", data={"lotse_id": str(jana.id), "present": "true"})
    assert ticked.status_code == 200 and 'aria-checked="true"' in ticked.text

    # Two laptops: the second one's step names a version that is gone.
    version = sitting.get_run(fresh(session), board_id=board.id, day=run.day).version
    stepped = client.post(f"{url}/zeigen", data={"key": key, "version": str(version)})
    assert stepped.status_code == 200
    stale = client.post(f"{url}/zeigen", data={"key": key, "version": str(version)}, headers=PAGE)
    assert stale.status_code == 409 and "inzwischen weitergegangen" in stale.text

    # The viewer reads the meeting and the running minutes, without any control.
    page = viewer.get(f"{url}/sitzung").text
    assert "Start im Februar." in page and "Schulung planen" in page
    assert "Treffen schließen" not in page and "Eintragen als" not in page

    version = sitting.get_run(fresh(session), board_id=board.id, day=run.day).version
    closed = client.post(f"{url}/schliessen", data={"version": str(version)})
    assert closed.status_code == 200  # the minutes, after the redirect
    assert "Fassung 1. Abgeschlossen am" in closed.text
    assert "Jana Kuhn (BA)" in closed.text

    pdf = viewer.get(f"{url}/protokoll.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    for expected in (
        "Protokoll des Lotsentreffens am",
        "Anwesend",
        "Jana Kuhn (BA)",
        "Beschluss Start im Februar.",
        "Aufgabe Schulung planen – Jana Kuhn, bis 31.01.2030",
        "Notiz Scanner sind bestellt.",
        "1 / 1",
    ):
        assert expected in text, (expected, text)

    markdown = viewer.get(f"{url}/protokoll.md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "- **Beschluss:** Start im Februar." in markdown.text

    # A correction after closing is a new version of the minutes, named on them.
    entry_id = next(
        e.id for e in sitting.plan(fresh(session), board=board, day=run.day).points[0].entries
        if e.text == "Start im Februar."
    )  # fmt: skip
    corrected = client.post(
        f"{url}/eintraege/{entry_id}/berichtigen", data={"text": "Start im März."}
    )
    assert corrected.status_code == 200
    minutes = viewer.get(f"{url}/protokoll").text
    assert "Fassung 2." in minutes and "Start im März." in minutes
    assert "Berichtigt von „Start im Februar.“ zu „Start im März.“" in minutes


def test_a_moderator_runs_the_meeting_and_the_screen_follows_it(
    app: FastAPI, db: Database, client: TestClient, session: Session
) -> None:
    world = _world(session)
    board, _bau = world["board"], world["bau"]
    day = _meeting_soon(client, board.id)
    url = f"/boards/{board.id}/treffen/{day}"
    moderator = make_user(session, role=Role.lotse, name="Jana Kuhn", email="jana@example.org")
    as_moderator = bearer(app, db, moderator)
    screen, _link = tokens.create_screen_link(
        session, board_id=board.id, name="Sitzungsraum", actor="Test"
    )
    wall = TestClient(app)
    assert "wall__title" not in wall.get(f"/screen/{screen}").text

    assert (
        as_moderator.post(f"{url}/moderation", data={"moderator_id": str(moderator.id)}).status_code
        == 403
    )
    assert (
        client.post(f"{url}/moderation", data={"moderator_id": str(moderator.id)}).status_code
        == 200
    )
    assert as_moderator.post(f"{url}/beginnen").status_code == 200

    shown = wall.get(f"/screen/{screen}").text
    assert 'class="wall__title">Bauamt</h2>' in shown
    assert "Digitaler Bauantrag" in shown and 'data-live-mode="reload"' in shown
    version = sitting.get_run(
        fresh(session), board_id=board.id, day=datetime.fromisoformat(day).date()
    ).version
    as_moderator.post(f"{url}/schliessen", data={"version": str(version)})
    assert "wall__title" not in wall.get(f"/screen/{screen}").text


def test_the_api_holds_a_meeting_end_to_end(
    app: FastAPI, db: Database, client: TestClient, session: Session
) -> None:
    world = _world(session)
    board, bau, jana = world["board"], world["bau"], world["jana"]
    day = _meeting_soon(client, board.id)
    api = f"/api/v1/boards/{board.id}/meetings/{day}"
    lotse = bearer(app, db, make_user(session, role=Role.lotse, name="Jana Kuhn"))
    viewer = bearer(app, db, make_user(session, role=Role.viewer))
    topic = client.post(f"{api}/items", json={"title": "Fördermittel", "card_id": world["card"].id})
    assert topic.status_code == 201
    planned = viewer.get(f"{api}/session").json()
    keys = [p["key"] for p in planned["points"]]
    assert planned["state"] == "planned" and keys == [f"t{topic.json()['id']}", f"d{bau.id}"]

    assert lotse.put(f"{api}/order", json={"order": keys[::-1]}).status_code == 403
    arranged = client.put(f"{api}/order", json={"order": keys[::-1]})
    assert [p["key"] for p in arranged.json()["points"]] == keys[::-1]
    boxed = client.patch(f"{api}/points/{keys[0]}", json={"minutes": 20}).json()
    assert boxed["points"][1]["minutes"] == 20

    assert viewer.post(f"{api}/start").status_code == 403
    begun = client.post(f"{api}/start").json()
    assert begun["state"] == "running" and begun["current"] == f"d{bau.id}"
    note = lotse.post(f"{api}/entries", json={"key": keys[0], "kind": "note", "text": "Offen."})
    assert note.status_code == 201 and note.json()["author"] == "Jana Kuhn"
    refused = lotse.post(
        f"{api}/entries", json={"key": keys[0], "kind": "decision", "text": "Beschlossen."}
    )
    assert refused.status_code == 403
    action = client.post(
        f"{api}/entries",
        json={
            "key": keys[0],
            "kind": "action",
            "text": "Antrag stellen",
            "lotse_id": jana.id,
            "due_date": "2030-02-01",
        },
    ).json()
    made = client.post(f"/api/v1/boards/{board.id}/meeting-entries/{action['id']}/card", json={})
    assert made.status_code == 201
    card = client.get(f"/api/v1/cards/{made.json()['card_id']}").json()
    assert (card["title"], card["lotse_id"], card["due_date"]) == (
        "Antrag stellen",
        jana.id,
        "2030-02-01",
    )
    present = client.put(f"{api}/attendance/{jana.id}", json={"present": True}).json()
    assert present["present"] == [jana.id]
    stepped = client.post(f"{api}/step", json={"key": keys[0], "version": present["version"]})
    assert stepped.json()["current"] == keys[0]
    stale = client.post(f"{api}/step", json={"key": keys[1], "version": present["version"]})
    assert stale.status_code == 409 and stale.json()["current"]["current_item_id"]
    closed = client.post(f"{api}/close", json={"version": stepped.json()["version"]}).json()
    assert (closed["state"], closed["minutes_version"]) == ("closed", 1)
    fixed = client.patch(
        f"/api/v1/boards/{board.id}/meeting-entries/{note.json()['id']}", json={"text": "Geklärt."}
    )
    assert fixed.status_code == 200 and fixed.json()["minutes_version"] == 2
    final = viewer.get(f"{api}/session").json()
    assert final["minutes_version"] == 2
    assert [e["text"] for e in final["points"][1]["entries"]] == ["Antrag stellen", "Geklärt."]
