"""The import in the browser's terms: upload, map, dry run, import — admins only."""

import html
import io
import re
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app import clock
from app.accounts.models import Role, User
from app.cards.models import Card
from app.db import Database
from tests.factories import make_board, make_kommune, make_user
from tests.helpers import dump
from tests.http.test_security import bearer
from tests.unit.test_imports import EXPECTED, TITLES, changed_list

DATA = Path(__file__).resolve().parents[1] / "data"
PAGE = {"Accept": "text/html"}
# The columns of the sample lists as guessed: the running number "Nr." left out.
COLUMNS = {
    f"column-{index}": field
    for index, field in enumerate(
        [
            "",
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


@pytest.fixture
def board(session: Session) -> Any:
    """A board and the departments and lotsen the sample lists name."""
    board = make_board(session, name="Maßnahmen 2026")
    make_kommune(session)
    session.commit()
    return board


def upload(client: TestClient, board_id: int, name: str, content: bytes | None = None) -> str:
    """Upload a list (a sample file unless `content` is given); the mapping page's address."""
    content = (DATA / name).read_bytes() if content is None else content
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
                # The list's running number is not the board's: left out, as guessed.
                "",
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
    assert "Probelauf: 25 neu, 0 aktualisiert, 0 unverändert. Nichts wurde geändert." in trial.text
    assert "Zeile 15: neu – Hundesteuer online" in trial.text
    assert dump(db) == before
    done = client.post(action.group(1), data={**columns, "action": "run"}, headers=PAGE)
    assert "Importiert: 25 neu, 0 aktualisiert, 0 unverändert." in done.text
    session.expire_all()
    titles = sorted(c.title for c in session.exec(select(Card).where(Card.board_id == board.id)))
    assert titles == TITLES
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


def _zip_bomb() -> bytes:
    """Named like a workbook; a sheet of 64 MiB of zeros, packed to about 64 KiB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(64 * 1024 * 1024))
    return buffer.getvalue()


HOSTILE: list[tuple[str, Callable[[], bytes], dict[str, Any], str]] = [
    (
        "gross.csv",
        lambda: ("Titel;Beschreibung\r\n" + "Bauantrag online;digital\r\n" * 200).encode(),
        {"import_max_bytes": 2048},
        "Datei: die Datei ist größer als 2 KB",
    ),
    ("bombe.xlsx", _zip_bomb, {}, "Datei: die Excel-Datei entpackt sich zu zu vielen Daten"),
    (
        "abgebrochen.xlsx",
        # A workbook cut off in the middle of its upload or its e-mail.
        lambda: (DATA / "massnahmen.xlsx").read_bytes()[:4000],
        {},
        "Datei: keine lesbare Excel-Datei (XLSX)",
    ),
    ("bild.csv", lambda: bytes(range(256)) * 4, {}, "Datei: keine Textdatei (CSV)"),
    (
        "lang.csv",
        lambda: ("Titel;B\r\n" + "x;y\r\n" * 5001).encode(),
        {},
        "Datei: mehr als 5000 Zeilen",
    ),
    (
        "zelle.csv",
        lambda: ("Titel;B\r\nx;y\r\nz;" + "y" * 20_001 + "\r\n").encode(),
        {},
        "Datei: Zeile 3 hat eine Zelle mit mehr als 20000 Zeichen",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "changes", "message"), HOSTILE, ids=[case[0] for case in HOSTILE]
)
def test_a_hostile_file_is_refused_on_upload_saying_why_and_nothing_is_kept(
    app_with: Callable[..., FastAPI],
    db: Database,
    admin: User,
    board: Any,
    name: str,
    content: Callable[[], bytes],
    changes: dict[str, Any],
    message: str,
) -> None:
    app = app_with(**changes)
    client = bearer(app, db, admin)
    before = dump(db)
    response = client.post(
        f"/boards/{board.id}/import",
        files={"file": (name, content())},
        headers=PAGE,
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert f'<p class="form-error" role="alert">{message}</p>' in response.text
    assert dump(db) == before
    # Not kept for a next step either.
    folder = app.state.settings.data_dir / "imports"
    assert not folder.exists() or list(folder.iterdir()) == []


@pytest.mark.parametrize("role", [Role.lotse, Role.viewer])
def test_only_admins_see_the_columns_of_an_upload_or_run_it(
    app: FastAPI, db: Database, client: TestClient, board: Any, role: Role
) -> None:
    url = upload(client, board.id, "massnahmen-excel.csv")
    with db.session() as session:
        other = bearer(app, db, make_user(session, role=role))
    before = dump(db)
    seen = other.get(url, headers=PAGE)
    assert seen.status_code == 403 and "E-Akte Wohngeld" not in seen.text
    for action in ("dry", "run"):
        tried = other.post(url, data={**COLUMNS, "action": action}, headers=PAGE)
        assert tried.status_code == 403 and "E-Akte Wohngeld" not in tried.text
    assert dump(db) == before
    # The upload still waits for its admin.
    assert client.get(url, headers=PAGE).status_code == 200


def _lines(page: str) -> list[str]:
    found = re.search(r'<ul class="import-lines"[^>]*>(.*?)</ul>', page, re.S)
    assert found is not None, page[:2000]
    return re.findall(r"<li>(.*?)</li>", found.group(1), re.S)


def test_the_dry_run_page_lists_the_updates_the_import_then_makes(
    client: TestClient, board: Any, db: Database
) -> None:
    first = upload(client, board.id, "massnahmen.xlsx")
    done = client.post(first, data={**COLUMNS, "action": "run"}, headers=PAGE)
    assert "Importiert: 25 neu, 0 aktualisiert, 0 unverändert." in done.text
    url = upload(client, board.id, "massnahmen-excel.csv", changed_list())
    before = dump(db)
    trial = client.post(url, data={**COLUMNS, "action": "dry"}, headers=PAGE)
    assert trial.status_code == 200
    assert "Probelauf: 1 neu, 4 aktualisiert, 21 unverändert. Nichts wurde geändert." in trial.text
    assert dump(db) == before
    real = client.post(url, data={**COLUMNS, "action": "run"}, headers=PAGE)
    assert "Importiert: 1 neu, 4 aktualisiert, 21 unverändert." in real.text
    assert (
        _lines(real.text)
        == _lines(trial.text)
        == [
            "Zeile 5: aktualisiert (Fällig am, Schlagworte) – E-Akte Wohngeld",
            "Zeile 13: aktualisiert (Lotse, Größe) – Fundbüro online",
            "Zeile 15: aktualisiert (Beschreibung) – Hundesteuer online",
            "Zeile 20: aktualisiert (Priorität, Phase) – Mängelmelder",
            "Zeile 36: neu – Digitale Ratssitzung",
        ]
    )


def _next_tuesday() -> date:
    today = date.today()
    return today + timedelta(days=(1 - today.weekday()) % 7 or 7)


def test_an_import_reaches_the_event_log_the_history_the_agenda_and_the_digest(
    client: TestClient, board: Any, session: Session, admin: User
) -> None:
    meeting = _next_tuesday()
    series = {"first_date": meeting.isoformat(), "start_time": "10:00", "location": "Raum 2.14"}
    assert client.put(f"/api/v1/boards/{board.id}/meeting-series", json=series).status_code == 200
    week = clock.now().astimezone(ZoneInfo("Europe/Berlin")).isocalendar()
    digest = f"/settings/wochenuebersicht/vorschau/u{admin.id}?woche={week.year}-W{week.week:02d}"
    quiet = client.get(digest, headers=PAGE)
    assert f"Wochenübersicht KW {week.week}: nichts Neues" in quiet.text
    seq = client.get(f"/api/v1/boards/{board.id}").json()["last_seq"]

    url = upload(client, board.id, "massnahmen-excel.csv")
    done = client.post(url, data={**COLUMNS, "action": "run"}, headers=PAGE)
    assert "Importiert: 25 neu, 0 aktualisiert, 0 unverändert." in done.text

    session.expire_all()
    made = {c.title: c for c in session.exec(select(Card).where(Card.board_id == board.id))}
    events = client.get(f"/api/v1/boards/{board.id}/events", params={"after": seq}).json()
    assert [e["type"] for e in events] == ["card.created"] * 25 + ["board.imported"]
    assert [e["card_id"] for e in events[:-1]] == [made[m[1]].id for m in EXPECTED]
    assert [e["seq"] for e in events] == list(range(seq + 1, seq + 27))
    imported = events[-1]
    assert (imported["actor"], imported["card_id"], imported["payload"]) == (
        "Dana Weber",
        None,
        {"file": "massnahmen-excel.csv", "created": 25, "updated": 0},
    )

    melder = made["Mängelmelder"]
    history = client.get(f"/api/v1/cards/{melder.id}/events").json()
    assert [(e["type"], e["actor"]) for e in history] == [("card.created", "Dana Weber")]
    timeline = client.get(f"/cards/{melder.id}/verlauf", headers=PAGE).text
    assert "Angelegt in „Priorisiert“" in timeline and "Dana Weber" in timeline

    agenda = client.get(f"/api/v1/boards/{board.id}/meetings/{meeting}/agenda").json()
    assert {d["department"]: len(d["new"]) for d in agenda["departments"]} == {
        "Sozialamt": 4,
        "Bürgeramt": 4,
        "Kämmerei": 4,
        "Ordnungsamt": 4,
        "Schulen & Sport": 4,
        "Bauamt": 3,
        "Hauptamt": 2,
    }
    page = client.get(f"/boards/{board.id}/treffen/{meeting}", headers=PAGE).text
    assert page.count("Neue Maßnahmen (4)") == 5 and "Mängelmelder" in page

    news = client.get(digest, headers=PAGE)
    assert f"Wochenübersicht KW {week.week}: 25 neue Maßnahmen, 0 offene Widerstände" in news.text
    assert "Mängelmelder" in news.text


def test_the_import_has_its_own_size_limit_and_refuses_in_german_above_it(
    app_with: Callable[..., FastAPI], db: Database, admin: User, board: Any
) -> None:
    # A list may be larger than any form (the request limit, 64 KiB here): it has its own
    # limit, and above it the answer is the German page, never the API's English JSON.
    app = app_with(max_body_bytes=64 * 1024, import_max_bytes=200 * 1024)
    client = bearer(app, db, admin)
    assert "höchstens 200 KB" in client.get(f"/boards/{board.id}/import", headers=PAGE).text
    row = "Bauantrag online;digitale Akte\r\n"
    fits = ("Titel;Beschreibung\r\n" + row * 4000).encode()
    assert 64 * 1024 < len(fits) < 200 * 1024
    taken = client.post(
        f"/boards/{board.id}/import",
        files={"file": ("liste.csv", fits)},
        headers=PAGE,
        follow_redirects=False,
    )
    assert taken.status_code == 303
    before = dump(db)
    for size, status, text in [
        # Just above the limit: the import page says why.
        (210 * 1024, 422, "Datei: die Datei ist größer als 200 KB"),
        # Far above it: refused before it is read, on the German error page.
        (600 * 1024, 413, "Das Formular oder die Datei ist zu groß."),
    ]:
        content = ("Titel;Beschreibung\r\n" + row * (size // len(row))).encode()
        response = client.post(
            f"/boards/{board.id}/import",
            files={"file": ("gross.csv", content)},
            headers=PAGE,
            follow_redirects=False,
        )
        assert response.status_code == status
        assert response.headers["content-type"].startswith("text/html"), response.text[:300]
        assert text in html.unescape(response.text)
    assert dump(db) == before
