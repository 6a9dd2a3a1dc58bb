"""The import page refuses a list with formulas before anything is stored, offers the yes/no
columns, and says after the dry run how rows find their measures."""

import html
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from app.accounts.models import Role
from app.cards.models import Card
from app.db import Database
from app.imports import mapping
from tests.factories import make_board, make_department, make_lotse, make_user, phases_of
from tests.helpers import dump, xlsx
from tests.http.test_security import bearer

PAGE = {"Accept": "text/html"}


def upload(
    client: TestClient, board_id: int, name: str, content: bytes, headers: dict[str, str]
) -> Any:
    """The file as the upload form sends it; the answer as it comes (no redirect followed)."""
    return client.post(
        f"/boards/{board_id}/import",
        files={"file": (name, content)},
        headers=headers,
        follow_redirects=False,
    )


def test_a_list_in_another_encoding_is_refused_on_upload(
    client: TestClient, session: Session, db: Database
) -> None:
    board = make_board(session, name="Maßnahmen 2027")
    session.commit()
    content = "Maßnahme;Fachbereich\r\nGebührenbescheid;Kämmerei\r\n".encode("mac_roman")
    before = dump(db)
    response = upload(client, board.id, "liste.csv", content, PAGE)
    assert response.status_code == 422
    assert (
        "Datei: die Datei ist weder UTF-8- noch Windows-1252-Text – in Excel als „CSV UTF-8"
        in html.unescape(response.text)
    )
    assert dump(db) == before


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "liste.xlsx",
            xlsx(["Maßnahme", "Fällig"], ["E-Akte", "=HEUTE()+30"]),
            "Zeile 2: abgelehnt – in Zelle B2 steht eine Formel; bitte die Liste als Werte",
        ),
        (
            "liste.csv",
            'Maßnahme;Fällig\r\nE-Akte;=HYPERLINK("x")\r\n'.encode("cp1252"),
            "Zeile 2: abgelehnt – Zelle B2 beginnt wie eine Formel",
        ),
    ],
    ids=["excel", "csv"],
)
def test_a_formula_in_an_imported_column_refuses_its_row_in_the_dry_run(
    client: TestClient, session: Session, db: Database, name: str, content: bytes, reason: str
) -> None:
    board = make_board(session, name="Maßnahmen 2027")
    session.commit()
    before = dump(db)
    uploaded = upload(client, board.id, name, content, PAGE)
    assert uploaded.status_code == 303
    page = client.get(uploaded.headers["location"], headers=PAGE)
    action = re.search(r'<form method="post" action="([^"]+)" class="import-form"', page.text)
    assert action is not None
    columns = {"column-0": "title", "column-1": "due_date"}
    for step in ("dry", "run"):
        answer = client.post(action.group(1), data={**columns, "action": step}, headers=PAGE)
        assert answer.status_code == 422
        assert reason in html.unescape(answer.text)
    assert dump(db) == before


def test_done_and_archived_columns_are_offered_and_the_dry_run_names_the_rule(
    client: TestClient, session: Session, db: Database
) -> None:
    board = make_board(session, name="Maßnahmen 2027")
    session.commit()
    content = "Maßnahme;Umgesetzt;Archiv\r\nE-Akte;ja;\r\nMängelmelder;nein;x\r\n"
    response = upload(client, board.id, "liste.csv", content.encode("cp1252"), PAGE)
    assert response.status_code == 303
    page = client.get(response.headers["location"], headers=PAGE)
    text = html.unescape(page.text)
    assert re.search(
        r'name="column-1">.*?<option value="done" selected>Erledigt \(ja/nein\)', text, re.S
    )
    assert re.search(
        r'name="column-2">.*?<option value="archived" selected>Archiviert \(ja/nein\)', text, re.S
    )
    action = re.search(r'<form method="post" action="([^"]+)" class="import-form"', page.text)
    assert action is not None
    columns = {"column-0": "title", "column-1": "done", "column-2": "archived"}
    before = dump(db)
    trial = client.post(action.group(1), data={**columns, "action": "dry"}, headers=PAGE)
    said = html.unescape(trial.text)
    assert "Probelauf: 2 neu, 0 aktualisiert, 0 unverändert." in said
    assert "Eine Zeile aktualisiert die Maßnahme mit demselben Titel auf diesem Board" in said
    assert dump(db) == before
    client.post(action.group(1), data={**columns, "action": "run"}, headers=PAGE)
    session.expire_all()
    phases = {phase.id: phase.name for phase in phases_of(session, board)}
    made = session.exec(select(Card).where(Card.board_id == board.id)).all()
    assert sorted((c.title, phases[c.phase_id], c.archived) for c in made) == [
        ("E-Akte", "Erledigt", False),
        ("Mängelmelder", "Ideenspeicher", True),
    ]


def test_the_empty_list_has_the_columns_the_import_reads_and_the_boards_values(
    client: TestClient, session: Session, db: Database
) -> None:
    board = make_board(session, name="Maßnahmen 2027")
    department = make_department(session, name="Kämmerei", code="KÄ")
    make_lotse(session, name="Markus Schulz", department_id=department.id)
    session.commit()
    page = client.get(f"/boards/{board.id}/import", headers=PAGE)
    assert f'/boards/{board.id}/import-vorlage.xlsx" download>' in page.text
    response = client.get(f"/boards/{board.id}/import-vorlage.xlsx")
    assert response.status_code == 200
    assert 'filename="vorlage-massnahmen-2027.xlsx"' in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Maßnahmen", "Gültige Werte"]
    header = [cell.value for cell in book["Maßnahmen"][1]]
    assert header == [
        "Titel",
        "Beschreibung",
        "Fachbereich",
        "Lotse",
        "Phase",
        "Priorität",
        "Fällig am",
        "Schlagworte",
        "Größe",
        "Erledigt",
        "Archiviert",
    ]
    assert sorted(mapping.guess(header).values()) == sorted(set(mapping.FIELDS) - {"key"})
    values = list(book["Gültige Werte"].iter_cols(values_only=True))
    assert values[0] == ("Phase", "Ideenspeicher", "Priorisiert", "In Umsetzung", "Erledigt")
    assert values[1][:2] == ("Fachbereich", "Kämmerei") and values[2][:2] == ("Kürzel", "KÄ")
    assert values[3][:2] == ("Lotse", "Markus Schulz")
    # Filled in as a CDO would, it imports without a change to the columns.
    sheet = book["Maßnahmen"]
    sheet.append(
        ["E-Rechnung", "", "KÄ", "Markus Schulz", "Priorisiert", "hoch", "", "", "M", "nein", ""]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    uploaded = upload(client, board.id, "vorlage.xlsx", buffer.getvalue(), PAGE)
    mapped = client.get(uploaded.headers["location"], headers=PAGE)
    action = re.search(r'<form method="post" action="([^"]+)" class="import-form"', mapped.text)
    assert action is not None
    columns = {f"column-{i}": field for i, field in mapping.guess(header).items()}
    done = client.post(action.group(1), data={**columns, "action": "run"}, headers=PAGE)
    assert "Importiert: 1 neu, 0 aktualisiert, 0 unverändert." in html.unescape(done.text)
    session.expire_all()
    made = session.exec(select(Card).where(Card.board_id == board.id)).one()
    assert (made.title, made.department_id, made.priority, made.size) == (
        "E-Rechnung",
        department.id,
        "high",
        "M",
    )


def test_only_admins_get_the_empty_list(
    app_with: Callable[..., FastAPI], db: Database, session: Session
) -> None:
    board = make_board(session)
    session.commit()
    for role in (Role.lotse, Role.viewer):
        user = make_user(session, role=role)
        response = bearer(app_with(), db, user).get(f"/boards/{board.id}/import-vorlage.xlsx")
        assert response.status_code == 403


def test_a_stranger_cannot_send_a_large_upload(
    app_with: Callable[..., FastAPI], session: Session, db: Database
) -> None:
    # The upload's own limit is for people who are logged in; anyone else meets the limit of
    # every form before anything is stored.
    board = make_board(session)
    session.commit()
    stranger = TestClient(app_with(max_body_bytes=64 * 1024, import_max_bytes=1024 * 1024))
    content = b"Titel;Beschreibung\r\n" + b"Bauantrag online;digitale Akte\r\n" * 4000
    assert 64 * 1024 < len(content) < 1024 * 1024
    for headers in (PAGE, {"Accept": "application/json"}):
        response = upload(stranger, board.id, "liste.csv", content, headers)
        assert response.status_code == 413
