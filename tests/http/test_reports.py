"""The Auswertung through the real app: pages, downloads and JSON; bad scopes refused; and no
figure on a person anywhere."""

import html
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app import clock
from app.accounts import tokens
from app.cards import service as cards
from app.cards.models import Card, CardMove
from app.reports import service as reports
from app.reports import tables
from app.reports.presentation import summary_text
from app.settings import get_settings
from tests.factories import (
    make_annotation,
    make_board,
    make_card,
    make_department,
    make_lotse,
    phases_of,
)
from tests.helpers import german_csv

API = "/api/v1"
PAGE = {"Accept": "text/html"}


# One moment for the whole history, so that "10 days" is exactly 10 days.
ANCHOR = datetime.now(UTC).replace(microsecond=0)


@contextmanager
def back(days: float) -> Iterator[None]:
    with clock.frozen_at(ANCHOR - timedelta(days=days)):
        yield


def move(session: Session, card: Card, phase: Any, days_ago: float) -> None:
    with back(days_ago):
        current = session.get(Card, card.id)
        assert current is not None
        data = CardMove(phase_id=phase.id, position=0, version=current.version)
        cards.move_card(session, card_id=current.id, move=data, actor="Test")


@pytest.fixture
def history(session: Session) -> dict[str, Any]:
    """Two measures done 10 and 4 days after creation, one in work (and blocked) in a
    department of one lotse, whose title a spreadsheet would run as a formula."""
    with back(20):
        board = make_board(session, name="Maßnahmen 2026")
        bau = make_department(session, name="Bauamt", code="BA")
        people = [
            make_lotse(session, department_id=bau.id, name=n)
            for n in ("Jana Kuhn", "Ali Demir", "Uwe Brandt")
        ]
        kaemmerei = make_department(session, name="Kämmerei", code="KÄ")
        people.append(make_lotse(session, department_id=kaemmerei.id, name="Karla Kämmerer"))
        # Three lotsen in small departments: enough for "weitere Fachbereiche".
        ordnung = make_department(session, name="Ordnungsamt", code="OA")
        for name in ("Olaf Ordner", "Oda Ohm"):
            people.append(make_lotse(session, department_id=ordnung.id, name=name))
        _ideas, _ranked, doing, done = phases_of(session, board)
        bauantrag = make_card(
            session, board, title="Digitaler Bauantrag", department_id=bau.id, lotse_id=people[0].id
        )
        formula = make_card(
            session,
            board,
            title='=HYPERLINK("http://example.org","Klick")',
            department_id=kaemmerei.id,
            lotse_id=people[3].id,
        )
    with back(19):
        hunde = make_card(session, board, title="Hundesteuer online", department_id=kaemmerei.id)
    move(session, bauantrag, doing, 18)
    move(session, formula, doing, 19)
    with back(17):
        make_annotation(session, formula, blocks_card=True)
    move(session, hunde, done, 15)
    move(session, bauantrag, done, 10)
    return {"board": board, "people": people, "bau": bau, "kaemmerei": kaemmerei}


def url(history: dict[str, Any], path: str) -> str:
    return path.format(board=history["board"].id)


def test_each_page_shows_its_charts_tables_and_reading_aids(
    client: TestClient, history: dict[str, Any]
) -> None:
    for group, slugs in tables.GROUPS.items():
        suffix = "" if group == "flow" else f"/{group}"
        response = client.get(url(history, "/boards/{board}/auswertung") + suffix, headers=PAGE)
        assert response.status_code == 200, group
        page = response.text
        for slug in slugs:
            assert f'id="figure-{slug}"' in page, slug
            assert f"/auswertung/tabellen/{slug}.csv" in page
            assert f"/auswertung/tabellen/{slug}.xlsx" in page
        assert page.count("<table") == len(slugs)
        assert "nie einzelne Personen" in page
    times = client.get(url(history, "/boards/{board}/auswertung/times"), headers=PAGE).text
    # Lead times 10 and 4 days: the 85th percentile is the 2nd of 2.
    assert (
        "85 % der Maßnahmen, die im Zeitraum erledigt wurden, waren in höchstens 10 Tagen" in times
    )
    assert '<svg class="chart__svg"' in times
    flow = client.get(url(history, "/boards/{board}/auswertung"), headers=PAGE).text
    assert "In 5 Kalenderwochen wurden 2 Maßnahmen erledigt." in flow


def test_csv_download_is_what_a_german_excel_reads(
    client: TestClient, history: dict[str, Any]
) -> None:
    response = client.get(url(history, "/boards/{board}/auswertung/tabellen/throughput.csv"))
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="auswertung-massnahmen-2026-throughput.csv"'
    )
    rows = german_csv(response)
    assert rows[0] == ["Kalenderwoche", "Woche ab", "Erledigt"]
    assert all(re.fullmatch(r"KW \d+", row[0]) for row in rows[1:])
    assert all(re.fullmatch(r"\d\d\.\d\d\.\d{4}", row[1]) for row in rows[1:])
    assert sum(int(row[2]) for row in rows[1:]) == 2
    times = german_csv(client.get(url(history, "/boards/{board}/auswertung/tabellen/times.csv")))
    assert times[1][:2] == ["Durchlaufzeit", "2"]
    # Decimal comma: 10 days would be "10", 4.5 "4,5"; never a point.
    assert not any("." in cell for row in times[1:] for cell in row[2:])


def test_downloads_neutralise_what_a_spreadsheet_would_run(
    client: TestClient, history: dict[str, Any]
) -> None:
    rows = german_csv(client.get(url(history, "/boards/{board}/auswertung/tabellen/aging.csv")))
    titles = [row[0] for row in rows[1:]]
    assert titles == ['\'=HYPERLINK("http://example.org","Klick")']
    response = client.get(url(history, "/boards/{board}/auswertung/tabellen/aging.xlsx"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cell = sheet["A2"]
    assert cell.value == '\'=HYPERLINK("http://example.org","Klick")'
    assert cell.data_type == "s"
    assert [c.value for c in sheet[1]][:3] == ["Maßnahme", "Fachbereich", "Phase"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=bogus", "Zeitraum: unbekannter Zeitraum"),
        ("period=custom", "Von: ein eigener Zeitraum braucht einen ersten Tag"),
        (
            "period=custom&from=2026-11-20&until=2026-11-01",
            "Bis: der letzte Tag liegt vor dem ersten",
        ),
        ("period=custom&from=2999-01-01", "Von: der Zeitraum liegt in der Zukunft"),
        ("period=custom&from=1.11.2026", "Von: kein Datum (JJJJ-MM-TT)"),
        ("department=999", "Fachbereich: diesen Fachbereich gibt es in den Auswertungen nicht"),
        ("period=meeting", "es hat noch kein Lotsentreffen stattgefunden"),
    ],
)
def test_a_bad_scope_is_refused_with_its_reason(
    client: TestClient, history: dict[str, Any], query: str, message: str
) -> None:
    page = client.get(url(history, "/boards/{board}/auswertung?") + query, headers=PAGE)
    assert page.status_code == 422
    assert message in page.text
    assert "<table" not in page.text
    download = client.get(url(history, "/boards/{board}/auswertung/tabellen/aging.csv?") + query)
    assert download.status_code == 422
    answer = client.get(url(history, API + "/boards/{board}/reports/flow?") + query)
    assert answer.status_code == 422
    assert "detail" in answer.json()


def test_the_api_gives_the_figures_of_the_pages(
    client: TestClient, history: dict[str, Any]
) -> None:
    base = url(history, API + "/boards/{board}/reports")
    weeks = client.get(f"{base}/throughput").json()["weeks"]
    assert sum(week["done"] for week in weeks) == 2
    lead = client.get(f"{base}/lead-time").json()
    assert lead["count"] == 2
    assert lead["p50"] == pytest.approx(4, abs=0.01)
    assert lead["p85"] == pytest.approx(10, abs=0.01)
    assert lead["scope"]["period"] == "4w"
    groups = client.get(f"{base}/departments").json()["departments"]
    bau = str(history["bau"].id)
    assert [(g["key"], g["done"], g["in_work"]) for g in groups] == [
        (bau, 1, 0),
        ("weitere", 1, 1),
        ("ohne", 0, 0),
    ]
    aging = client.get(f"{base}/aging").json()["measures"]
    assert [(m["department"], round(m["days"])) for m in aging] == [("weitere", 19)]
    blocked = {g["department"]: g for g in client.get(f"{base}/blocked").json()["groups"]}
    # In work: the Bauantrag 8 days, the formula card 19 days, blocked for the last 17.
    assert blocked[""]["in_work_days"] == pytest.approx(27, abs=0.01)
    assert blocked[""]["blocked_days"] == pytest.approx(17, abs=0.01)
    flow = client.get(f"{base}/flow?period=custom&from={_days_ago(20)}").json()
    assert sum(flow["days"][0]["counts"].values()) == 2
    assert sum(flow["days"][-1]["counts"].values()) == 3
    merged = client.get(f"{base}/lead-time?department=weitere").json()
    assert merged["count"] == 1


def _days_ago(days: int) -> str:
    """The board's calendar day (Berlin) that many days before the history's anchor."""
    return (ANCHOR - timedelta(days=days)).astimezone(get_settings().zone).date().isoformat()


def _report_urls(app: FastAPI) -> list[str]:
    paths = []
    for group in tables.GROUPS:
        paths.append("/boards/{board}/auswertung" + ("" if group == "flow" else f"/{group}"))
    for slug in tables.BUILDERS:
        paths += [f"/boards/{{board}}/auswertung/tabellen/{slug}.{ext}" for ext in ("csv", "xlsx")]
    schema = app.openapi()
    paths += [p.replace("{board_id}", "{board}") for p in schema["paths"] if "/reports/" in p]
    assert all(p.startswith(API) for p in paths if "/reports/" in p)
    return paths


def test_no_report_names_a_person_or_a_small_department(
    app: FastAPI, client: TestClient, history: dict[str, Any]
) -> None:
    schema = app.openapi()
    report_paths = [p for p in schema["paths"] if "/reports/" in p]
    assert len(report_paths) == 9
    for path in report_paths:
        names = {p["name"] for p in schema["paths"][path]["get"].get("parameters", [])}
        assert names <= {"board_id", "period", "from", "until", "meeting", "department", "tag"}
    people = [lotse.name for lotse in history["people"]] + ["Test", "Kämmerei", "Ordnungsamt"]
    scopes = ["", "?department=weitere", "?period=year", f"?department={history['bau'].id}"]
    for path in _report_urls(app):
        for query in scopes:
            response = client.get(url(history, path) + query, headers=PAGE)
            assert response.status_code == 200, (path, query)
            text = _text(response)
            for name in people:
                assert name not in text, (path, query, name)
            if path.startswith(API):
                assert not _keys(response.json()) & {"lotse", "lotse_id", "actor", "raised_by_id"}


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _text(response: Any) -> str:
    if "spreadsheetml" in response.headers["content-type"]:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        return "\n".join(str(c.value) for row in sheet.iter_rows() for c in row)
    return response.text


def _columns(page: str) -> dict[str, list[str]]:
    """Phase name → card titles, in order, as a page shows them."""
    found: dict[str, list[str]] = {}
    for section in re.findall(r'<section class="phase.*?</section>', page, re.S):
        name = re.search(r'class="phase__name"[^>]*>([^<]*)<', section)
        assert name is not None
        titles = re.findall(r'<h4 class="card__title">([^<]*)</h4>', section)
        found[name.group(1).replace("\u00ad", "")] = [
            html.unescape(t).replace("\u00ad", "") for t in titles
        ]
    return found


def test_the_board_as_it_was_shows_that_day_read_only(
    anon_client: TestClient, client: TestClient, history: dict[str, Any], session: Session
) -> None:
    board = history["board"]
    day = _days_ago(12)
    response = client.get(f"/boards/{board.id}?am={day}", headers=PAGE)
    assert response.status_code == 200
    page = response.text
    assert "nur lesend, aus dem Verlauf rekonstruiert" in page
    # Twelve days ago: the Bauantrag was in work (done 10 days ago), the dog tax done.
    assert _columns(page) == {
        "Ideenspeicher": [],
        "Priorisiert": [],
        "In Umsetzung": ['=HYPERLINK("http://example.org","Klick")', "Digitaler Bauantrag"],
        "Erledigt": ["Hundesteuer online"],
    }
    assert "Seitdem: 1 verschoben, 0 neu, 1 erledigt, 0 archiviert." in page
    # Read only: nothing to drag, open or post.
    assert "hx-post" not in page and "draggable" not in page and "/cards/" not in page
    plain, _link = tokens.create_screen_link(session, board_id=board.id, name="Wand", actor="T")
    screen = anon_client.get(f"/screen/{plain}?am={day}")
    assert screen.status_code == 200
    assert _columns(screen.text)["Erledigt"] == ["Hundesteuer online"]
    assert "Stand vom" in screen.text
    assert screen.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "value", ["gestern", "2999-01-01", "2026-02-30", "9999-12-31", "0001-01-01T00:30"]
)
def test_the_board_as_it_was_refuses_a_bad_date(
    client: TestClient, history: dict[str, Any], value: str
) -> None:
    response = client.get(f"/boards/{history['board'].id}?am={value}", headers=PAGE)
    assert response.status_code == 422
    assert "Stand am: " in response.text
    assert 'class="phase' not in response.text


def test_the_board_says_in_which_phase_work_starts(
    client: TestClient, history: dict[str, Any], session: Session
) -> None:
    board = history["board"]
    other = make_board(session)
    foreign = phases_of(session, other)[2]
    ideas, ranked, doing, _done = phases_of(session, board)
    session.commit()
    base = f"{API}/boards/{board.id}/reports/cycle-time"
    first = client.get(base).json()
    # By default the third phase: the Bauantrag started 18 days ago, done 10 days ago.
    assert first["scope"]["started_phase_id"] == doing.id
    assert first["p85"] == pytest.approx(8, abs=0.01)
    response = client.post(
        f"/boards/{board.id}/rules",
        data={"stuck_after_days": "21", "started_phase_id": str(ideas.id)},
        headers=PAGE,
        follow_redirects=False,
    )
    assert response.status_code == 303
    # From the first phase on, cycle time is lead time.
    assert client.get(base).json()["p85"] == pytest.approx(10, abs=0.01)
    refused = client.patch(f"{API}/boards/{board.id}", json={"started_phase_id": foreign.id})
    assert refused.status_code == 422
    assert client.get(base).json()["scope"]["started_phase_id"] == ideas.id
    assert (
        client.patch(f"{API}/boards/{board.id}", json={"started_phase_id": None}).status_code == 200
    )
    assert client.get(base).json()["scope"]["started_phase_id"] == doing.id
    assert ranked.id not in (ideas.id, doing.id)


def test_the_wall_screen_as_it_was_keeps_to_its_link(
    anon_client: TestClient, history: dict[str, Any], session: Session
) -> None:
    board = history["board"]
    _ideas, _ranked, doing, done = phases_of(session, board)
    plain, link = tokens.create_screen_link(session, board_id=board.id, name="Wand", actor="T")
    link.phase_ids = [doing.id, done.id]
    link.department_ids = [history["kaemmerei"].id]
    session.add(link)
    session.commit()
    day = _days_ago(12)
    screen = anon_client.get(f"/screen/{plain}?am={day}")
    assert screen.status_code == 200
    # Only the link's phases and the Kämmerei's measures; and only their changes since.
    assert _columns(screen.text) == {
        "In Umsetzung": ['=HYPERLINK("http://example.org","Klick")'],
        "Erledigt": ["Hundesteuer online"],
    }
    assert "Seitdem: 0 verschoben, 0 neu, 0 erledigt, 0 archiviert." in screen.text


def test_the_digest_and_the_agenda_say_the_boards_flow_in_one_sentence(
    history: dict[str, Any], session: Session
) -> None:
    today = ANCHOR.astimezone(get_settings().zone).date()
    found = reports.summary(
        session, board=history["board"], first=today - timedelta(days=27), last=today
    )
    assert summary_text(found) == (
        "2 Maßnahmen erledigt (85 % in höchstens 10 Tagen nach dem Anlegen), 1 in Arbeit, "
        "davon 1 länger als üblich in ihrer Phase, 63 % der Zeit in Arbeit blockiert."
    )
