"""Concerns and resistances in Chromium: live on every open board, overview and screen; by
keyboard alone; without serious accessibility violations."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.annotations import queries
from app.annotations import service as annotations
from app.annotations.models import AnnotationUpdate, NoteCreate
from app.cards import queries as cards
from app.db import Database
from tests.browser.conftest import LiveServer, logged_in_context, run_axe
from tests.browser.test_board import seed
from tests.browser.test_live import LIVE, open_board, screen_link
from tests.factories import make_annotation, make_category


@pytest.fixture
def second(browser: Browser, live_server: LiveServer, db: Database) -> Iterator[BrowserContext]:
    ctx = logged_in_context(browser, live_server, db)
    yield ctx
    ctx.close()


def open_annotations_tab(page: Page, card_id: int) -> None:
    page.locator(f"#card-{card_id}-open").click()
    expect(page.locator("#card-dialog")).to_be_visible()
    page.get_by_role("tab", name="Bedenken & Widerstände").click()
    expect(page.locator(f"#card-{card_id}-annotations")).to_be_visible()


def test_a_resistance_raised_in_one_browser_shows_live_on_the_other_desk_overview_and_screen(
    page: Page, second: BrowserContext, browser: Browser, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    with db.session(write=True) as session:
        make_category(session, name="Personalrat/Mitbestimmung")
    board = ids["board"]
    other = second.new_page()
    overview = second.new_page()
    open_board(page, live_server, board)
    open_board(other, live_server, board)
    overview.goto(f"{live_server.url}/boards/{board}/bedenken")
    expect(overview.locator("#live-status")).to_have_attribute("data-state", "live")
    overview.evaluate("window.notReloaded = true")
    wall_context = browser.new_context(locale="de-DE", viewport={"width": 1920, "height": 1080})
    wall = wall_context.new_page()
    wall.goto(f"{live_server.url}/screen/{screen_link(db, board)}")
    expect(wall.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(wall.locator("#annotation-tally")).to_contain_text("Keine offenen")

    # The other desk has the same card open: its dialog follows too.
    open_annotations_tab(other, ids["a"])
    open_annotations_tab(page, ids["a"])
    page.get_by_text("Bedenken oder Widerstand erfassen").click()
    form = page.locator(f"#card-{ids['a']}-annotations form.annotation-form")
    form.get_by_label("Widerstand").check()
    form.get_by_label("Worum geht es?").fill("Der Personalrat befürchtet eine Leistungskontrolle.")
    form.get_by_label("Kategorie").select_option(label="Personalrat/Mitbestimmung")
    form.get_by_label("hoch").check()
    form.get_by_label("Blockiert die Maßnahme").check()
    form.get_by_role("button", name="Erfassen").click()
    expect(page.locator("#announcer")).to_have_text("Widerstand erfasst.")
    expect(page.locator(".annotation__title").first).to_be_focused()
    expect(page.locator(f"#card-{ids['a']}-annotation-count")).to_have_text("(1)")

    card = other.locator(f"#card-{ids['a']}")
    expect(card.locator(".mark--resistance")).to_contain_text("1 Widerstand · hoch", timeout=LIVE)
    expect(card.locator(".mark--blocked")).to_contain_text(
        "Blockiert: Der Personalrat befürchtet eine Leistungskontrolle."
    )
    expect(card).to_have_class("card card--normal card--blocked")
    assert other.evaluate("window.notReloaded") is True
    other_panel = other.locator(f"#card-{ids['a']}-annotations")
    expect(other_panel).to_contain_text("Der Personalrat befürchtet eine Leistungskontrolle.")
    expect(other.locator(f"#card-{ids['a']}-annotation-count")).to_have_text("(1)")
    expect(other.locator(f"#card-{ids['a']}-timeline")).to_contain_text("Widerstand erfasst")

    # Someone adds a note while the other desk is typing one: nothing typed is lost.
    other_panel.get_by_label("Notiz hinzufügen").fill("Ich kläre das mit dem Personalrat.")
    with db.session() as session:
        [raised] = queries.list_for_card(session, card_id=ids["a"])
    with db.session(write=True) as session:
        annotations.add_note(
            session,
            annotation_id=raised.id,
            data=NoteCreate(text="Der Personalrat tagt am Donnerstag."),
            actor="Jana Kuhn",
        )
    expect(other_panel.locator("[data-stale-notice]")).to_contain_text(
        "Inzwischen hat jemand hier etwas geändert", timeout=LIVE
    )
    expect(other_panel.get_by_label("Notiz hinzufügen")).to_have_value(
        "Ich kläre das mit dem Personalrat."
    )
    other_panel.get_by_role("button", name="Aktualisieren").click()
    expect(other_panel).to_contain_text("Der Personalrat tagt am Donnerstag.")

    expect(overview.locator("#board-view")).to_contain_text(
        "Der Personalrat befürchtet", timeout=LIVE
    )
    expect(overview.locator("#overview-counter")).to_contain_text("1 offen")
    assert overview.evaluate("window.notReloaded") is True

    wall_card = wall.locator(f"#card-{ids['a']}")
    expect(wall_card.locator(".mark--resistance")).to_have_attribute(
        "data-short", "1", timeout=LIVE
    )
    expect(wall.locator("#annotation-tally")).to_contain_text("BA")
    expect(wall.locator("#annotation-tally")).to_contain_text("1 Widerstand")

    # Resolved elsewhere: the markers go, the card is no longer blocked, everywhere.
    with db.session() as session:
        [raised] = queries.list_for_card(session, card_id=ids["a"])
    with db.session(write=True) as session:
        annotations.update_annotation(
            session,
            annotation_id=raised.id,
            data=AnnotationUpdate(
                version=raised.version, status="resolved", resolution="Dienstvereinbarung"
            ),
            actor="Jana Kuhn",
        )
    expect(card.locator(".card__marks")).to_have_count(0, timeout=LIVE)
    expect(card).to_have_class("card card--normal")
    expect(wall.locator("#annotation-tally")).to_contain_text("Keine offenen", timeout=LIVE)
    expect(overview.locator("#overview-counter")).to_contain_text("0 offen", timeout=LIVE)
    wall_context.close()


def test_raise_and_resolve_with_the_keyboard_alone(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}")
    page.locator(f"#card-{ids['b']}-open").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#card-dialog")).to_be_visible()
    page.keyboard.press("Tab")  # close
    page.keyboard.press("Tab")  # the selected tab: "Maßnahme"
    expect(page.get_by_role("tab", name="Maßnahme")).to_be_focused()
    page.keyboard.press("ArrowRight")
    tab = page.get_by_role("tab", name="Bedenken & Widerstände")
    expect(tab).to_be_focused()
    expect(tab).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Tab")  # into the panel: "Bedenken oder Widerstand erfassen"
    expect(page.get_by_text("Bedenken oder Widerstand erfassen")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # kind: Bedenken (checked)
    page.keyboard.press("ArrowRight")  # kind: Widerstand
    page.keyboard.press("Tab")
    page.keyboard.type("Die Kämmerei will die Papierrechnung beibehalten.")
    # Department, raised by, category, severity (radios), the block box: leave as they are.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # severity: mittel
    page.keyboard.press("ArrowRight")  # severity: hoch
    raise_button = page.get_by_role("button", name="Erfassen")
    # Blocks, next step, by whom, until when (a date field is a stop per part), then the button.
    for _ in range(10):
        page.keyboard.press("Tab")
        if raise_button.evaluate("b => b === document.activeElement"):
            break
    expect(raise_button).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#announcer")).to_have_text("Widerstand erfasst.")
    title = page.locator(".annotation__title").first
    expect(title).to_be_focused()
    expect(title).to_contain_text("offen")
    expect(page.locator(".annotation .severity")).to_have_text("hoch")

    resolve = page.locator(".annotation__action > summary", has_text="Lösen")
    resolve.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("Die E-Rechnung ist gesetzlich vorgeschrieben; die Kämmerei ist an Bord.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Als gelöst markieren")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#announcer")).to_have_text("Widerstand gelöst.")
    expect(page.locator(".annotation__title").first).to_contain_text("gelöst")
    expect(page.locator(".annotation__outcome")).to_contain_text("gesetzlich vorgeschrieben")


def test_dialog_and_overview_have_no_serious_accessibility_violations(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    with db.session(write=True) as session:
        category = make_category(session, name="Datenschutz")
        annotation = make_annotation(
            session,
            cards.get_card(session, card_id=ids["a"]),
            kind="resistance",
            severity="high",
            blocks_card=True,
            category_id=category.id,
            text="Der **Personalrat** hat Fragen.",
        )
        annotations.add_note(
            session,
            annotation_id=annotation.id,
            data=NoteCreate(text="Termin am 3.12."),
            actor="Jana Kuhn",
        )
    page.goto(f"{live_server.url}/boards/{ids['board']}")
    assert run_axe(page) == []
    open_annotations_tab(page, ids["a"])
    page.get_by_text("Bedenken oder Widerstand erfassen").click()
    page.locator(".annotation__action > summary", has_text="Lösen").click()
    assert run_axe(page) == []
    page.get_by_role("tab", name="Verlauf").click()
    expect(page.locator(".timeline")).to_contain_text("Widerstand erfasst")
    assert run_axe(page) == []
    page.goto(f"{live_server.url}/boards/{ids['board']}/bedenken")
    expect(page.locator(".overview__group")).to_have_count(1)
    assert run_axe(page) == []
    page.goto(f"{live_server.url}/settings/annotation-categories")
    assert run_axe(page) == []
