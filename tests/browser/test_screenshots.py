"""The demo board as people see it, at the two screen sizes a Rathaus has most."""

import pytest
from playwright.sync_api import Browser, expect

from app.db import Database
from app.demo import load_demo
from app.meetings import sitting
from tests.browser.conftest import OUTPUT, LiveServer, logged_in_context


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1366, 768)])
def test_demo_board_screenshots(
    browser: Browser, live_server: LiveServer, db: Database, width: int, height: int
) -> None:
    assert load_demo(db)
    context = logged_in_context(browser, live_server, db, width=width, height=height)
    page = context.new_page()
    page.goto(f"{live_server.url}/boards/1")
    expect(page.locator(".phase")).to_have_count(6)
    expect(page.locator("#card-counter")).to_contain_text("von 96 Maßnahmen")
    # Every phase is on screen side by side (columns, not a wrapped list).
    boxes = [page.locator(".phase").nth(i).bounding_box() for i in range(6)]
    assert all(box is not None and box["x"] + box["width"] <= width + 1 for box in boxes)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"demo-board-{width}x{height}.png"))
    page.goto(f"{live_server.url}/boards/1?group=department")
    page.screenshot(path=str(OUTPUT / f"demo-board-lanes-{width}x{height}.png"))
    page.goto(f"{live_server.url}/boards/1")
    page.locator(".card__title a").first.click()
    expect(page.locator("#card-dialog")).to_be_visible()
    page.screenshot(path=str(OUTPUT / f"demo-card-dialog-{width}x{height}.png"))
    # The demo's concerns and resistances: markers on the board, a card's section, the overview.
    page.goto(f"{live_server.url}/boards/1")
    expect(page.locator(".mark--blocked")).to_have_count(3)
    page.get_by_role("link", name="Elektronische Zeiterfassung").click()
    page.get_by_role("tab", name="Bedenken & Widerstände").click()
    expect(page.locator(".annotation")).to_have_count(1)
    page.screenshot(path=str(OUTPUT / f"demo-card-annotations-{width}x{height}.png"))
    page.get_by_role("tab", name="Verlauf").click()
    page.screenshot(path=str(OUTPUT / f"demo-card-history-{width}x{height}.png"))
    page.goto(f"{live_server.url}/boards/1/bedenken")
    expect(page.locator("#overview-counter")).to_contain_text(
        "12 offen, 13 gelöst oder zurückgezogen"
    )
    page.screenshot(path=str(OUTPUT / f"demo-annotations-{width}x{height}.png"), full_page=True)
    context.close()


def test_the_minutes_print_on_a4_without_navigation(
    browser: Browser, live_server: LiveServer, db: Database
) -> None:
    assert load_demo(db)
    with db.session() as session:
        held = max(sitting.runs(session, board_id=1), key=lambda run: run.day)
    # A4 at 96 dpi, as the browser lays out a printed page.
    context = logged_in_context(browser, live_server, db, width=794, height=1123)
    page = context.new_page()
    page.goto(f"{live_server.url}/boards/1/treffen/{held.day.isoformat()}/protokoll")
    page.emulate_media(media="print")
    expect(page.locator(".minutes h1")).to_contain_text("Protokoll des Lotsentreffens am")
    for hidden in (".site-header", ".site-footer", ".minutes__tools"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator(".minutes__facts")).to_contain_text("Anwesend")
    assert page.locator(".minutes__point").count() >= 6
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "demo-minutes-print-a4.png"), full_page=True)
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    context.close()
