"""The Auswertung through the real app: pages, downloads and JSON; bad scopes refused; and no
figure on a person anywhere."""

import html
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app import clock
from app.accounts import tokens
from app.cards import service as cards
from app.cards.models import Card, CardMove, CardUpdate
from app.main import all_routes
from app.meetings import service as meetings
from app.meetings.models import SeriesSet
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
from tests.http import builders
from tests.http.builders import get_card, new_board, new_card, ok

API = "/api/v1"
PAGE = {"Accept": "text/html"}


# One moment for the whole history, so that "10 days" is exactly 10 days; taken as each test
# begins, since the app counts time in work up to its own now (a module-wide moment was a
# quarter of an hour old by the time a slow run reached the last test).
ANCHOR = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def _anchor() -> None:
    global ANCHOR
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
    return {
        "board": board,
        "people": people,
        "bau": bau,
        "kaemmerei": kaemmerei,
        "ordnung": ordnung,
    }


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


def _report_urls(client: TestClient, board_id: int) -> list[str]:
    """Every report URL the app serves, from its routes: an HTML route's parameters filled in
    from the links the report pages themselves offer (tabs and downloads)."""
    # The app's routers include their routes lazily (app.routes lists the routers, not the
    # routes): all_routes() gives each route with its full path, as the security tests walk them.
    paths = {path for path, route in all_routes() if "GET" in route.methods}
    templates = sorted(p for p in paths if "/auswertung" in p)
    api = sorted(p for p in paths if "/reports/" in p)
    assert api and all(path.startswith(API + "/boards/{board_id}/reports/") for path in api)
    linked: set[str] = set()
    pages = [f"/boards/{board_id}/auswertung"]
    while pages:
        page = client.get(pages.pop(), headers=PAGE)
        assert page.status_code == 200
        for href in re.findall(
            r'href="(?:http://testserver)?(/boards/\d+/auswertung[^"?]*)', page.text
        ):
            if href not in linked:
                linked.add(href)
                if "/tabellen/" not in href:
                    pages.append(href)
    found = []
    for template in templates:
        # A route with a parameter not known here must be added to this walk.
        assert set(re.findall(r"{(\w+)}", template)) <= {"board_id", "group", "name"}, template
        pattern = re.sub(r"{\w+}", "[^/]+", template.replace("{board_id}", str(board_id)))
        matched = sorted(u for u in linked if re.fullmatch(pattern, u))
        assert matched, f"no report page links to {template}"
        found += matched
    # The downloads: every table as CSV and XLSX; the pages: one per group.
    assert len([u for u in found if "/tabellen/" in u]) == 2 * len(tables.BUILDERS)
    assert len([u for u in found if "/tabellen/" not in u]) == len(tables.GROUPS)
    return sorted(set(found)) + [p.replace("{board_id}", str(board_id)) for p in api]


def test_no_report_names_a_person_or_a_small_department(
    app: FastAPI, client: TestClient, history: dict[str, Any], session: Session
) -> None:
    board = history["board"]
    schema = app.openapi()
    report_paths = [p for p in schema["paths"] if "/reports/" in p]
    assert len(report_paths) == 9
    for path in report_paths:
        names = {p["name"] for p in schema["paths"][path]["get"].get("parameters", [])}
        assert names <= {"board_id", "period", "from", "until", "meeting", "department", "tag"}
    # A tag to filter by, and a Lotsentreffen held a week ago to count from.
    card = next(c for c in session.exec(select(Card)) if c.title == "Digitaler Bauantrag")
    cards.update_card(
        session, card_id=card.id, data=CardUpdate(version=card.version, tags=["ozg"]), actor="T"
    )
    last_meeting = (ANCHOR - timedelta(days=7)).astimezone(get_settings().zone).date()
    meetings.set_series(
        session,
        board_id=board.id,
        data=SeriesSet(first_date=last_meeting - timedelta(days=14)),
        actor="T",
    )
    people = [lotse.name for lotse in history["people"]] + ["Test", "Kämmerei", "Ordnungsamt"]
    scopes = [
        "",
        "?department=weitere",
        "?period=year",
        "?period=quarter",
        f"?department={history['bau'].id}",
        "?tag=ozg",
        "?period=meeting",
        f"?period=meeting&meeting={last_meeting}&department=weitere",
        f"?period=custom&from={_days_ago(20)}&until={_days_ago(5)}&department=weitere",
    ]
    urls = _report_urls(client, board.id)
    assert len(urls) == len(tables.GROUPS) + 2 * len(tables.BUILDERS) + 9
    for path in urls:
        for query in scopes:
            response = client.get(path + query, headers=PAGE)
            assert response.status_code == 200, (path, query)
            text = _text(response)
            for name in people:
                assert name not in text, (path, query, name)
            if path.startswith(API):
                assert not _keys(response.json()) & {"lotse", "lotse_id", "actor", "raised_by_id"}
        # A merged department's own id is no group of the reports: refused, on every route.
        for small in (history["kaemmerei"], history["ordnung"]):
            for query in (f"?department={small.id}", f"?period=year&department={small.id}"):
                response = client.get(path + query, headers=PAGE)
                assert response.status_code == 422, (path, query)
                text = response.text
                assert "<table" not in text and "Hundesteuer" not in text, (path, query)
                for name in people:
                    assert name not in text, (path, query, name)


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


# --- the minimum of lotsen, the rules, the periods ---------------------------------------------

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_minimum_of_lotsen_per_department_is_the_one_configured(
    app_with: Callable[..., FastAPI],
    client: TestClient,
    history: dict[str, Any],
    session: Session,
) -> None:
    board = history["board"]
    # A fourth department of one lotse: with the Kämmerei's one, two lotsen in small ones.
    schule = make_department(session, name="Schulamt", code="SA")
    make_lotse(session, department_id=schule.id, name="Sina Schulz")
    doing = phases_of(session, board)[2]
    with back(3):
        make_card(
            session,
            board,
            title="Knöllchen online",
            phase_id=doing.id,
            department_id=history["ordnung"].id,
        )
    base = f"{API}/boards/{board.id}/reports"
    bau, ordnung = str(history["bau"].id), str(history["ordnung"].id)
    # By default (3) the Ordnungsamt's two lotsen are merged with the Kämmerei and the Schulamt.
    default = client.get(f"{base}/departments").json()
    assert default["scope"]["min_lotsen"] == 3
    assert [(g["key"], g["in_work"]) for g in default["departments"]] == [
        (bau, 0),
        ("weitere", 2),
        ("ohne", 0),
    ]
    page = client.get(f"/boards/{board.id}/auswertung/departments", headers=PAGE).text
    assert "Fachbereiche mit weniger als 3 Lotsen erscheinen nur zusammengefasst" in page
    assert "Ordnungsamt" not in page
    assert client.get(f"{base}/aging?department={ordnung}").status_code == 422

    # The app as started with LOTSENBOARD_REPORT_MIN_LOTSEN=2.
    two = TestClient(app_with(report_min_lotsen=2), headers=dict(client.headers))
    found = two.get(f"{base}/departments").json()
    assert found["scope"]["min_lotsen"] == 2
    # Now the Ordnungsamt stands alone; the Kämmerei and the Schulamt (1 + 1) are merged.
    assert [(g["key"], g["name"], g["in_work"]) for g in found["departments"]] == [
        (bau, "Bauamt", 0),
        (ordnung, "Ordnungsamt", 1),
        ("weitere", "Weitere Fachbereiche", 1),
        ("ohne", "Ohne Fachbereich", 0),
    ]
    page = two.get(f"/boards/{board.id}/auswertung/departments", headers=PAGE).text
    assert "Fachbereiche mit weniger als 2 Lotsen erscheinen nur zusammengefasst" in page
    assert '<th scope="row">Ordnungsamt</th>' in page
    alone = two.get(f"{base}/aging?department={ordnung}").json()["measures"]
    assert [(m["title"], m["department"]) for m in alone] == [("Knöllchen online", ordnung)]


def test_each_page_says_how_archived_and_reopened_measures_count(
    client: TestClient, history: dict[str, Any]
) -> None:
    for group in tables.GROUPS:
        suffix = "" if group == "flow" else f"/{group}"
        page = client.get(url(history, "/boards/{board}/auswertung") + suffix, headers=PAGE).text
        section = re.search(r'<section class="report-rules".*?</section>', page, re.S)
        assert section is not None, group
        rules = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", section.group(0))).split())
        assert rules.startswith("So wird gezählt "), group
        for sentence in (
            "Eine Maßnahme ist erledigt, solange sie in einer Erledigt-Phase steht. Dort "
            "archiviert, bleibt sie erledigt; aus einer anderen Phase archiviert, verlässt sie "
            "den Fluss.",
            "Eine Maßnahme, die Erledigt verlassen hat und zurückkam, zählt einmal – wann sie "
            "zuletzt erledigt wurde; ist sie am Ende des Zeitraums nicht erledigt, zählt eine "
            "frühere Erledigung nicht.",
            "Perzentile: „85 % in höchstens 34 Tagen“ heißt: mindestens 85 % der Maßnahmen "
            "brauchten 34 Tage oder weniger.",
        ):
            assert sentence in rules, (group, sentence)


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


NOVEMBER_18 = datetime(2026, 11, 18, 10, 0, tzinfo=BERLIN)
# Half past midnight on New Year's Day in Berlin: still 31 December in UTC.
NEW_YEAR = datetime(2027, 1, 1, 0, 30, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("now", "period", "first"),
    [
        (NOVEMBER_18, "4w", date(2026, 10, 22)),
        (NOVEMBER_18, "quarter", date(2026, 10, 1)),
        (NOVEMBER_18, "year", date(2026, 1, 1)),
        (NEW_YEAR, "4w", date(2026, 12, 5)),
        (NEW_YEAR, "quarter", date(2027, 1, 1)),
        (NEW_YEAR, "year", date(2027, 1, 1)),
        (datetime(2026, 7, 1, 0, 15, tzinfo=BERLIN), "quarter", date(2026, 7, 1)),
    ],
)
def test_a_preset_period_runs_up_to_today_in_the_boards_time_zone(
    client: TestClient, session: Session, now: datetime, period: str, first: date
) -> None:
    with clock.frozen_at(now - timedelta(days=400)):
        board = make_board(session)
    today = now.date()
    with clock.frozen_at(now):
        answer = client.get(f"{API}/boards/{board.id}/reports/flow?period={period}").json()
        page = client.get(f"/boards/{board.id}/auswertung?period={period}", headers=PAGE).text
    found = answer["scope"]
    assert (found["period"], found["first_day"], found["last_day"]) == (
        period,
        first.isoformat(),
        today.isoformat(),
    )
    # From midnight of its first day in Berlin up to now.
    assert _moment(found["start"]) == datetime.combine(first, time(), BERLIN)
    assert _moment(found["end"]) == now
    assert [day["day"] for day in answer["days"]] == _days(first, today)
    assert f"Zeitraum: {first:%d.%m.%Y} bis {today:%d.%m.%Y}." in page


def test_custom_dates_are_whole_days_in_the_boards_time_zone(
    client: TestClient, session: Session
) -> None:
    with clock.frozen_at(datetime(2026, 8, 3, 9, 0, tzinfo=BERLIN)):
        board = make_board(session)
        card = make_card(session, board, title="Hundesteuer online")
    done = phases_of(session, board)[3]
    with clock.frozen_at(datetime(2026, 10, 31, 23, 30, tzinfo=BERLIN)):
        current = session.get(Card, card.id)
        assert current is not None
        data = CardMove(phase_id=done.id, position=0, version=current.version)
        cards.move_card(session, card_id=card.id, move=data, actor="Test")
    base = f"{API}/boards/{board.id}/reports"
    with clock.frozen_at(NOVEMBER_18):
        autumn = client.get(f"{base}/lead-time?period=custom&from=2026-09-01&until=2026-10-31")
        open_ended = client.get(f"{base}/lead-time?period=custom&from=2026-11-01").json()
        page = client.get(
            f"/boards/{board.id}/auswertung?period=custom&from=2026-09-01&until=2026-10-31",
            headers=PAGE,
        ).text
    found = autumn.json()
    assert (found["scope"]["first_day"], found["scope"]["last_day"]) == ("2026-09-01", "2026-10-31")
    # 1 September 00:00 summer time to 1 November 00:00 winter time.
    assert _moment(found["scope"]["start"]) == datetime(2026, 8, 31, 22, 0, tzinfo=UTC)
    assert _moment(found["scope"]["end"]) == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
    # Done at 23:30 on the last day: within it.
    assert found["count"] == 1
    assert (open_ended["scope"]["first_day"], open_ended["scope"]["last_day"]) == (
        "2026-11-01",
        "2026-11-18",
    )
    assert _moment(open_ended["scope"]["end"]) == NOVEMBER_18
    assert open_ended["count"] == 0
    assert "Zeitraum: 01.09.2026 bis 31.10.2026." in page


def _lead(created: datetime, done: datetime) -> float:
    return (done.astimezone(UTC) - created.astimezone(UTC)).total_seconds() / 86_400


def test_since_a_lotsentreffen_counts_from_the_day_of_that_meeting(
    client: TestClient, session: Session
) -> None:
    created = datetime(2026, 10, 13, 11, 0, tzinfo=BERLIN)
    with clock.frozen_at(created):
        board = make_board(session)
        # Tuesdays at 10:00 every two weeks: 20 October, 3 and 17 November, 1 December.
        meetings.set_series(
            session, board_id=board.id, data=SeriesSet(first_date=date(2026, 10, 20)), actor="T"
        )
        doing, done = phases_of(session, board)[2:]
        made = {
            title: make_card(session, board, title=title, phase_id=doing.id)
            for title in ("Vorher", "Danach", "Zuletzt")
        }
    finished = {
        "Vorher": datetime(2026, 11, 2, 11, 0, tzinfo=BERLIN),
        "Danach": datetime(2026, 11, 5, 11, 0, tzinfo=BERLIN),
        "Zuletzt": datetime(2026, 11, 17, 15, 0, tzinfo=BERLIN),
    }
    for title, moment in finished.items():
        with clock.frozen_at(moment):
            current = session.get(Card, made[title].id)
            assert current is not None
            data = CardMove(phase_id=done.id, position=0, version=current.version)
            cards.move_card(session, card_id=current.id, move=data, actor="Test")
    lead = {title: _lead(created, moment) for title, moment in finished.items()}
    base = f"{API}/boards/{board.id}/reports/lead-time?period=meeting"
    with clock.frozen_at(datetime(2026, 11, 18, 12, 0, tzinfo=BERLIN)):
        last = client.get(base).json()
        third = client.get(f"{base}&meeting=2026-11-03").json()
        first = client.get(f"{base}&meeting=2026-10-20").json()
        page = client.get(
            f"/boards/{board.id}/auswertung/times?period=meeting&meeting=2026-11-03",
            headers=PAGE,
        ).text
        no_meeting = client.get(
            f"/boards/{board.id}/auswertung?period=meeting&meeting=2026-11-04", headers=PAGE
        )
        not_yet = client.get(f"{base}&meeting=2026-12-01")
    # Without a day: the last Lotsentreffen that took place, 17 November.
    assert (last["scope"]["period"], last["scope"]["first_day"]) == ("meeting", "2026-11-17")
    assert last["days"] == [pytest.approx(lead["Zuletzt"])]
    assert third["scope"]["first_day"] == "2026-11-03"
    assert third["scope"]["last_day"] == "2026-11-18"
    # "Vorher" was done on 2 November, before that meeting.
    assert third["days"] == [pytest.approx(lead["Danach"]), pytest.approx(lead["Zuletzt"])]
    assert first["count"] == 3
    assert "Zeitraum: 03.11.2026 bis 18.11.2026." in page
    assert '<option value="2026-11-03" selected>' in page
    assert no_meeting.status_code == 422
    assert "an diesem Tag fand kein Lotsentreffen statt" in no_meeting.text
    assert not_yet.status_code == 422


def test_time_in_phase_and_annotations_per_week_through_the_api(client: TestClient) -> None:
    def at(day: int, hour: int = 11) -> Any:
        return clock.frozen_at(datetime(2026, 11, day, hour, 0, tzinfo=BERLIN))

    def to(card: dict[str, Any], phase: int, day: int, hour: int = 11) -> None:
        with at(day, hour):
            ok(builders.move(client, get_card(client, card["id"]), phase, 0))

    def raised(card: dict[str, Any], day: int, category: int | None) -> dict[str, Any]:
        body = {"kind": "concern", "text": f"Bedenken vom {day}.", "category_id": category}
        with at(day):
            return ok(client.post(f"{API}/cards/{card['id']}/annotations", json=body), 201)

    def resolved(annotation: dict[str, Any], day: int, hour: int = 11) -> None:
        body = {"version": annotation["version"], "status": "resolved", "resolution": "geklärt"}
        with at(day, hour):
            ok(client.patch(f"{API}/annotations/{annotation['id']}", json=body))

    with clock.frozen_at(datetime(2026, 10, 30, 11, 0, tzinfo=BERLIN)):
        board = new_board(client)
        ideas, ranked, doing, done = (phase["id"] for phase in board["phases"])
        privacy = ok(client.post(f"{API}/annotation-categories", json={"name": "Datenschutz"}), 201)
        council = ok(client.post(f"{API}/annotation-categories", json={"name": "Personalrat"}), 201)
        a, b = privacy["id"], council["id"]
        # S and its concern come before the period; the concern is resolved within it.
        s = new_card(client, board["id"], ideas, "Schulportal")
        early = ok(
            client.post(
                f"{API}/cards/{s['id']}/annotations",
                json={"kind": "concern", "text": "Vorab", "category_id": b},
            ),
            201,
        )
    with clock.frozen_at(datetime(2026, 10, 31, 11, 0, tzinfo=BERLIN)):
        # A stay that ended before the period: not counted.
        ok(builders.move(client, get_card(client, s["id"]), ranked, 0))
    resolved(early, 2, 23)  # 3.5 days
    # P: Ideenspeicher 2 days, Priorisiert 1, In Umsetzung 4.5, then done.
    with at(2):
        p = new_card(client, board["id"], ideas, "Parkausweis online")
        r = new_card(client, board["id"], ranked, "Rentenberatung")
    to(p, ranked, 4)
    to(p, doing, 5)
    to(p, done, 9, 23)
    # Q: Ideenspeicher 4 days, In Umsetzung 1, back in the Ideenspeicher 2, In Umsetzung
    # again, done only after the period (that stay does not count).
    with at(3):
        q = new_card(client, board["id"], ideas, "Quartiersapp")
    to(q, doing, 7)
    to(q, ideas, 8)
    to(q, doing, 10)
    to(q, done, 17)
    # R: 4 days in Priorisiert, then archived (which ends its stay).
    with at(6):
        card = get_card(client, r["id"])
        ok(client.post(f"{API}/cards/{r['id']}/archive", json={"version": card["version"]}))
    alpha = raised(p, 3, a)
    resolved(alpha, 5)  # 2 days
    beta = raised(q, 4, b)
    raised(q, 5, None)  # stays open
    resolved(beta, 11)  # 7 days
    delta = raised(p, 9, a)
    resolved(delta, 13)  # 4 days
    epsilon = raised(q, 12, a)
    resolved(epsilon, 17)  # after the period: not counted

    scope = "period=custom&from=2026-11-02&until=2026-11-15"
    base = f"{API}/boards/{board['id']}/reports"
    with at(20):
        phases = client.get(f"{base}/time-in-phase?{scope}").json()["phases"]
        weekly = client.get(f"{base}/annotations?{scope}").json()
    # Nearest rank: Ideenspeicher 2, 2, 4; Priorisiert 1, 4; In Umsetzung 1, 4.5.
    assert [(x["id"], x["stays"], x["p50"], x["p85"], x["p95"]) for x in phases] == [
        (ideas, 3, 2, 4, 4),
        (ranked, 2, 1, 4, 4),
        (doing, 2, 1, 4.5, 4.5),
        (done, 0, None, None, None),
    ]
    assert [x["name"] for x in phases] == [
        "Ideenspeicher",
        "Priorisiert",
        "In Umsetzung",
        "Erledigt",
    ]
    a_, b_ = str(a), str(b)
    assert [
        (w["week_start"], w["calendar_week"], w["raised"], w["resolved"]) for w in weekly["weeks"]
    ] == [
        ("2026-11-02", 45, {a_: 1, b_: 1, "": 1}, {a_: 1, b_: 1}),
        ("2026-11-09", 46, {a_: 2}, {a_: 1, b_: 1}),
    ]
    # Resolved within the period: Datenschutz after 2 and 4 days, Personalrat 3.5 and 7.
    medians = {t["category_id"]: t["median_days"] for t in weekly["time_to_resolve"]}
    assert medians == {a: pytest.approx(3), b: pytest.approx(5.25)}
