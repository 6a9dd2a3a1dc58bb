"""The import in the browser's terms: upload, map, dry run, import — admins only."""

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.models import Role
from app.cards.models import Card
from app.db import Database
from tests.factories import make_board, make_department, make_lotse, make_user
from tests.helpers import dump
from tests.http.test_security import bearer

DATA = Path(__file__).resolve().parents[1] / "data"
PAGE = {"Accept": "text/html"}


@pytest.fixture
def board(session: Session) -> Any:
    board = make_board(session, name="Maßnahmen 2026")
    for name, code, lotse in [
        ("Sozialamt", "SO", "Olga Petrová"),
        ("Schulen & Sport", "SCH", "Lukas Braun"),
        ("Ordnungsamt", "OA", "Claudia Neumann"),
        ("Kämmerei", "KÄ", "Markus Schulz"),
    ]:
        department = make_department(session, name=name, code=code)
        make_lotse(session, name=lotse, department_id=department.id)
    session.commit()
    return board


def upload(client: TestClient, board_id: int, name: str) -> str:
    content = (DATA / name).read_bytes()
    response = client.post(
        f"/boards/{board_id}/import",
        files={"file": (name, content)},
        headers=PAGE,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
    return response.headers["location"]


def test_upload_map_try_and_import(
    client: TestClient, board: Any, session: Session, db: Database
) -> None:
    page = client.get(upload(client, board.id, "massnahmen.xlsx"), headers=PAGE)
    assert page.status_code == 200
    # The guessed columns are chosen; the first rows are shown.
    assert re.search(r'name="column-1">.*?<option value="title" selected>', page.text, re.S)
    assert "E-Akte Wohngeld" in page.text
    action = re.search(r'<form method="post" action="([^"]+)" class="import-form"', page.text)
    assert action is not None
    columns = {
        f"column-{i}": v
        for i, v in enumerate(
            [
                "key",
                "title",
                "description",
                "department",
                "lotse",
                "phase",
                "priority",
                "due_date",
                "tags",
                "size",
            ]
        )
    }
    before = dump(db)
    trial = client.post(action.group(1), data={**columns, "action": "dry"}, headers=PAGE)
    assert trial.status_code == 200
    assert "Probelauf: 4 neu, 0 aktualisiert, 0 unverändert. Nichts wurde geändert." in trial.text
    assert "Zeile 9: neu – Hundesteuer online" in trial.text
    assert dump(db) == before
    done = client.post(action.group(1), data={**columns, "action": "run"}, headers=PAGE)
    assert "Importiert: 4 neu, 0 aktualisiert, 0 unverändert." in done.text
    session.expire_all()
    titles = sorted(c.title for c in session.exec(select(Card).where(Card.board_id == board.id)))
    assert titles == [
        "E-Akte Wohngeld",
        "Hundesteuer online",
        "Mängelmelder",
        "Online-Buchung Sporthallen",
    ]
    # The upload is gone once imported.
    assert client.get(action.group(1), headers=PAGE).status_code == 404


def test_a_file_that_is_no_table_is_refused_on_upload(
    client: TestClient, board: Any, db: Database
) -> None:
    before = dump(db)
    response = client.post(
        f"/boards/{board.id}/import",
        files={"file": ("bild.csv", bytes(range(256)) * 4)},
        headers=PAGE,
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert "Datei: keine Textdatei (CSV)" in response.text
    assert dump(db) == before


def test_only_admins_import(app: FastAPI, db: Database, board: Any) -> None:
    with db.session() as session:
        lotse = make_user(session, role=Role.lotse)
    client = bearer(app, db, lotse)
    assert client.get(f"/boards/{board.id}/import", headers=PAGE).status_code == 403
    response = client.post(
        f"/boards/{board.id}/import",
        files={"file": ("liste.csv", b"Titel;B\r\nx;y\r\n")},
        headers=PAGE,
    )
    assert response.status_code == 403
