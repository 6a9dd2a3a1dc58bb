"""The Auswertung and the board as it was, in Chromium: accessible, usable by keyboard,
printable on A4, and as people see them on the demo Kommune."""

import io
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from app import clock
from app.accounts import tokens
from app.db import Database
from app.demo import load_demo
from app.reports import tables
from app.settings import get_settings
from tests.browser.conftest import OUTPUT, LiveServer, logged_in_context, run_axe


def _group_url(server: LiveServer, group: str) -> str:
    return f"{server.url}/boards/1/auswertung" + ("" if group == "flow" else f"/{group}")


def test_report_pages_are_accessible_and_the_scope_is_chosen_by_keyboard(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    assert load_demo(db)
    for group in tables.GROUPS:
        page.goto(_group_url(live_server, group))
        expect(page.locator(".report-figure").first).to_be_visible()
        assert run_axe(page) == [], group
    page.goto(_group_url(live_server, "times"))
    page.locator("select[name=period]").focus()
    page.keyboard.press("End")  # the last option: custom dates
    page.get_by_role("textbox", name="Von").fill("2026-09-01")
    page.get_by_role("textbox", name="Bis").fill("2026-10-31")
    page.get_by_role("textbox", name="Bis").press("Enter")
    expect(page).to_have_url(
        f"{live_server.url}/boards/1/auswertung/times?period=custom&meeting=&from=2026-09-01&until=2026-10-31&department=&tag="
    )
    expect(page.locator(".report-scope")).to_contain_text("Zeitraum: 01.09.2026 bis 31.10.2026")
    # The tabs keep the scope.
    page.get_by_role("link", name="Fluss").click()
    expect(page.locator(".report-scope")).to_contain_text("01.09.2026 bis 31.10.2026")


def test_a_report_prints_on_a4_without_controls(
    browser: Browser, live_server: LiveServer, db: Database
) -> None:
    assert load_demo(db)
    context = logged_in_context(browser, live_server, db, width=794, height=1123)
    page = context.new_page()
    page.goto(f"{live_server.url}/boards/1/auswertung/times")
    page.emulate_media(media="print")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "report-times-print-a4.png"), full_page=True)
    document = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    text = "\n".join(sheet.extract_text() for sheet in document.pages)
    assert "Durchlaufzeit: vom Anlegen bis erledigt" in text
    assert "So wird gezählt" in text
    for control in ("Anzeigen", "Herunterladen", "Abmelden"):
        assert control not in text
    context.close()


def test_the_board_as_it_was_is_picked_by_date(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    assert load_demo(db)
    zone = get_settings().zone
    then = (clock.now() - timedelta(days=28)).astimezone(zone).date()
    page.goto(f"{live_server.url}/boards/1/treffen")
    page.get_by_role("link", name="Board zu Beginn").first.click()
    expect(page.locator(".past-banner")).to_contain_text("Das Board am")
    expect(page.locator(".phase")).to_have_count(6)
    assert run_axe(page) == []
    page.get_by_label("Board zeigen, wie es war am").fill(then.isoformat())
    page.get_by_role("button", name="Anzeigen").click()
    expect(page).to_have_url(f"{live_server.url}/boards/1?am={then.isoformat()}")
    expect(page.locator(".past-banner")).to_contain_text(f"{then:%d.%m.%y}")
    # Four weeks ago fewer measures were done than today.
    done_then = page.locator(".phase--done .card-item").count()
    page.get_by_role("link", name="Zurück zum aktuellen Board").click()
    expect(page.locator("#card-counter")).to_be_visible()
    assert page.locator(".phase--done .card-item").count() > done_then


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1366, 768)])
def test_report_screenshots(
    browser: Browser, live_server: LiveServer, db: Database, width: int, height: int
) -> None:
    assert load_demo(db)
    context = logged_in_context(browser, live_server, db, width=width, height=height)
    page = context.new_page()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for group in tables.GROUPS:
        page.goto(_group_url(live_server, group) + "?period=quarter")
        expect(page.locator(".report-figure").first).to_be_visible()
        page.screenshot(path=str(OUTPUT / f"report-{group}-{width}x{height}.png"), full_page=True)
    day = (clock.now() - timedelta(days=21)).astimezone(get_settings().zone).date()
    page.goto(f"{live_server.url}/boards/1?am={day.isoformat()}")
    page.screenshot(path=str(OUTPUT / f"board-as-it-was-{width}x{height}.png"))
    context.close()


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (3840, 2160)])
def test_the_wall_screen_as_it_was(
    browser: Browser, live_server: LiveServer, db: Database, width: int, height: int
) -> None:
    assert load_demo(db)
    with db.session(write=True) as session:
        plain, _link = tokens.create_screen_link(session, board_id=1, name="Wand", actor="Test")
    day = (clock.now() - timedelta(days=14)).astimezone(get_settings().zone).date()
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{live_server.url}/screen/{plain}?am={day.isoformat()}")
    expect(page.locator(".screen__past")).to_contain_text(f"Stand vom {day:%d.%m.%y}")
    title = page.locator(".card__title").first
    size = float(title.evaluate("element => getComputedStyle(element).fontSize")[:-2])
    # Legible from five metres: the same large type as the live wall.
    assert size >= 40 * width / 1920 - 0.5
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"screen-as-it-was-{width}x{height}.png"))
    context.close()


def test_the_wall_screen_as_it_was_is_accessible(
    browser: Browser, live_server: LiveServer, db: Database
) -> None:
    assert load_demo(db)
    with db.session(write=True) as session:
        plain, _link = tokens.create_screen_link(session, board_id=1, name="Wand", actor="Test")
    day = (clock.now() - timedelta(days=14)).astimezone(get_settings().zone).date()
    # No login: the screen link is the key. bypass_csp only lets the test inject axe-core.
    context = browser.new_context(
        locale="de-DE", viewport={"width": 1920, "height": 1080}, bypass_csp=True
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/screen/{plain}?am={day.isoformat()}")
    expect(page.locator(".screen__past")).to_contain_text(f"Stand vom {day:%d.%m.%y}")
    expect(page.locator(".card__title").first).to_be_visible()
    assert run_axe(page) == []
    assert problems == []
    context.close()
