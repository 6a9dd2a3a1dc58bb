"""A board's measures for Excel: the filtered view, German CSV and XLSX, nothing a spreadsheet
would run."""

import io
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import (
    make_annotation,
    make_board,
    make_card,
    make_department,
    make_lotse,
    phases_of,
)
from tests.helpers import german_csv

PAGE = {"Accept": "text/html"}


@pytest.fixture
def board(session: Session) -> dict[str, Any]:
    board = make_board(session, name="Maßnahmen 2026")
    bau = make_department(session, name="Bauamt", code="BA")
    kaemmerei = make_department(session, name="Kämmerei", code="KÄ")
    jana = make_lotse(session, department_id=bau.id, name="Jana Kühn")
    _ideas, _ranked, doing, _done = phases_of(session, board)
    bauantrag = make_card(
        session,
        board,
        title="Digitaler Bauantrag",
        phase_id=doing.id,
        department_id=bau.id,
        lotse_id=jana.id,
        priority="high",
        due_date="2026-12-24",
        tags=["OZG", "Bürgerservice"],
        description="Erste Zeile\nzweite; mit Semikolon",
    )
    make_annotation(session, bauantrag, kind="resistance", severity="high", blocks_card=True)
    make_annotation(session, bauantrag, kind="concern", severity="low")
    make_card(session, board, title='=HYPERLINK("http://x")', department_id=kaemmerei.id)
    make_card(session, board, title="@SUMME(A1)", department_id=kaemmerei.id)
    session.commit()
    return {"board": board, "bau": bau, "kaemmerei": kaemmerei}


def test_the_csv_is_the_filtered_view_as_a_german_excel_reads_it(
    client: TestClient, board: dict[str, Any]
) -> None:
    board_id, bau = board["board"].id, board["bau"].id
    response = client.get(f"/boards/{board_id}/export.csv?department={bau}")
    assert response.headers["content-disposition"] == (
        'attachment; filename="export-massnahmen-2026-massnahmen.csv"'
    )
    rows = german_csv(response)
    assert rows[0][:10] == [
        "Titel",
        "Phase",
        "Fachbereich",
        "Lotse",
        "Priorität",
        "Größe",
        "Fällig am",
        "Schlagworte",
        "Offene Bedenken und Widerstände",
        "Blockiert",
    ]
    assert len(rows) == 2  # the Bauamt's only
    row = rows[1]
    assert row[:10] == [
        "Digitaler Bauantrag",
        "In Umsetzung",
        "Bauamt",
        "Jana Kühn",
        "hoch",
        "",
        "24.12.2026",
        "Bürgerservice, OZG",
        "1 Bedenken (niedrig); 1 Widerstand (hoch)",
        "ja",
    ]
    assert row[10] == "Erste Zeile\nzweite; mit Semikolon"
    every = german_csv(client.get(f"/boards/{board_id}/export.csv"))
    assert len(every) == 4


def test_formulas_are_neutralised_in_csv_and_xlsx(
    client: TestClient, board: dict[str, Any]
) -> None:
    board_id, kaemmerei = board["board"].id, board["kaemmerei"].id
    rows = german_csv(client.get(f"/boards/{board_id}/export.csv?department={kaemmerei}"))
    assert sorted(row[0] for row in rows[1:]) == ['\'=HYPERLINK("http://x")', "'@SUMME(A1)"]
    response = client.get(f"/boards/{board_id}/export.xlsx?department={kaemmerei}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    titles = sorted((cell.value, cell.data_type) for cell in sheet["A"][1:])
    assert titles == [('\'=HYPERLINK("http://x")', "s"), ("'@SUMME(A1)", "s")]


def test_an_unknown_format_is_not_found(client: TestClient, board: dict[str, Any]) -> None:
    assert client.get(f"/boards/{board['board'].id}/export.pdf", headers=PAGE).status_code == 404
