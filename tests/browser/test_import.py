"""Importing the CDO's Excel list in Chromium: map a column by keyboard, dry run, import."""

from pathlib import Path

from playwright.sync_api import Page, expect

from app.db import Database
from tests.browser.conftest import OUTPUT, LiveServer, run_axe
from tests.factories import make_board, make_kommune

DATA = Path(__file__).resolve().parents[1] / "data"


def test_the_cdo_maps_tries_and_imports_her_list(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    with db.session(write=True) as session:
        board = make_board(session, name="Maßnahmen 2026")
        # The Kämmerei (and its lotse) is not on the board yet: the import creates them.
        make_kommune(session, leave_out=("Kämmerei",))
    page.goto(f"{live_server.url}/boards/{board.id}/settings")
    page.get_by_role("link", name="Maßnahmen aus Excel oder CSV importieren").click()
    assert run_axe(page) == []
    page.get_by_label("Datei").set_input_files(str(DATA / "massnahmen-excel.csv"))
    page.get_by_role("button", name="Hochladen und Spalten zuordnen").click()
    expect(page.get_by_text("Datei: massnahmen-excel.csv – 25 Zeilen.")).to_be_visible()
    # The guesses are shown; the description column is left out by keyboard.
    expect(page.get_by_label("Spalte „Maßnahme“ ist")).to_have_value("title")
    description = page.get_by_label("Spalte „Beschreibung“ ist")
    description.focus()
    page.keyboard.press("Home")
    expect(description).to_have_value("")
    assert run_axe(page) == []
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.get_by_role("button", name="Probelauf").click()
    expect(page.locator(".import-report [role=status]")).to_contain_text(
        "Nichts wurde importiert: 4 Zeilen werden abgelehnt"
    )
    expect(page.locator(".import-lines")).to_contain_text(
        "Zeile 15: abgelehnt – unbekannter Fachbereich „Kämmerei“; unbekannter Lotse „Markus "
        "Schulz“"
    )
    expect(page.locator(".import-lines")).to_contain_text(
        "Zeile 18: abgelehnt – unbekannter Fachbereich „Kämmerei“"
    )
    page.screenshot(path=str(OUTPUT / "import-refused-1366x768.png"), full_page=True)
    page.get_by_label("Unbekannte Fachbereiche, Lotsen und Phasen anlegen").check()
    page.get_by_role("button", name="Probelauf").click()
    expect(page.locator(".import-report [role=status]")).to_contain_text("Probelauf: 25 neu")
    expect(page.get_by_text("Mit dem Import angelegt: Kämmerei, Markus Schulz")).to_be_visible()
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.screenshot(path=str(OUTPUT / "import-dry-run-1920x1080.png"), full_page=True)
    page.get_by_role("button", name="Importieren").click()
    expect(page.locator(".import-report [role=status]")).to_contain_text("Importiert: 25 neu")
    page.get_by_role("link", name="Zum Board").click()
    expect(page.locator(".card__title")).to_have_count(25)
    expect(page.locator(".card__title", has_text="Mängelmelder")).to_be_visible()
