"""The board in Chromium: drag and drop, keyboard moves, filters, editing, conflicts."""

import re

from playwright.sync_api import Page, expect

from app.boards import service as boards
from app.boards.models import PhaseCreate, WipMode
from app.cards import queries
from app.cards import service as cards
from app.cards.models import CardUpdate
from app.db import Database
from tests.browser.conftest import LiveServer, run_axe
from tests.factories import make_board, make_card, make_department, make_lotse

PHASES = [
    PhaseCreate(name="Ideenspeicher"),
    PhaseCreate(name="Prozessanalyse"),
    PhaseCreate(name="Test/Pilot", wip_limit=1, wip_mode=WipMode.block),
    PhaseCreate(name="Erledigt", is_done=True),
]


def seed(db: Database) -> dict[str, int]:
    with db.session(write=True) as session:
        board = make_board(session, name="Maßnahmen 2026", phases=PHASES)
        bauamt = make_department(session, name="Bauamt", code="BA", colour="#1f5f8b")
        kaemmerei = make_department(session, name="Kämmerei", code="KÄ", colour="#8b3a1f")
        lotse = make_lotse(session, name="Jana Kuhn", department_id=bauamt.id)
        first, second, third, _done = boards.list_phases(session, board_id=board.id)
        a = make_card(
            session,
            board,
            title="E-Akte Bauantrag",
            department_id=bauamt.id,
            lotse_id=lotse.id,
            tags=["OZG"],
        )
        b = make_card(session, board, title="E-Rechnung", department_id=kaemmerei.id)
        c = make_card(
            session, board, title="Mängelmelder", department_id=bauamt.id, phase_id=third.id
        )
        return {
            "board": board.id,
            "first": first.id,
            "second": second.id,
            "third": third.id,
            "a": a.id,
            "b": b.id,
            "c": c.id,
            "bauamt": bauamt.id,
        }


def column(page: Page, phase_id: int):  # type: ignore[no-untyped-def]
    return page.locator(f"#phase-{phase_id} .phase__cards")


def drag(page: Page, card_id: int, phase_id: int) -> None:
    source = page.locator(f"#card-{card_id}")
    target = column(page, phase_id)
    source.drag_to(target)


def phase_of(db: Database, card_id: int) -> int:
    with db.session() as session:
        return queries.get_card(session, card_id=card_id).phase_id


def test_drag_a_card_to_another_phase_and_find_it_there_after_reload(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}")
    drag(page, ids["a"], ids["second"])
    expect(column(page, ids["second"]).locator(f"#card-{ids['a']}")).to_be_visible()
    expect(page.locator("#announcer")).to_contain_text("E-Akte Bauantrag")
    page.reload()
    expect(column(page, ids["second"]).locator(f"#card-{ids['a']}")).to_be_visible()
    assert phase_of(db, ids["a"]) == ids["second"]


def test_move_a_card_with_the_keyboard_only(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}")
    page.locator(f"#card-{ids['b']}-open").focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#card-dialog")
    expect(dialog).to_be_visible()
    page.keyboard.press("Tab")  # close button
    page.keyboard.press("Tab")  # the dialog's first tab, "Maßnahme" (the one selected)
    page.keyboard.press("Tab")  # phase
    expect(page.locator("#move-phase")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # position
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(column(page, ids["second"]).locator(f"#card-{ids['b']}")).to_be_visible()
    expect(page.locator("#announcer")).to_contain_text("Prozessanalyse")
    expect(page.locator(f"#card-{ids['b']}-open")).to_be_focused()
    assert phase_of(db, ids["b"]) == ids["second"]


def test_filter_by_department_survives_a_reload_of_the_bookmark(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}")
    expect(page.locator("#card-counter")).to_contain_text("3")
    page.locator("#filter-panel > summary").click()  # the filters beyond the bar
    page.get_by_label("Bauamt").check()
    expect(page).to_have_url(re.compile(rf"department={ids['bauamt']}"))
    expect(page.locator(f"#card-{ids['b']}")).to_have_count(0)
    expect(page.locator("#card-counter")).to_contain_text("2")
    bookmark = page.url
    page.goto(bookmark)
    expect(page.locator(f"#card-{ids['a']}")).to_be_visible()
    expect(page.locator(f"#card-{ids['b']}")).to_have_count(0)
    expect(page.get_by_label("Bauamt")).to_be_checked()


def test_create_a_card_inline_and_edit_it_in_the_dialog(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}")
    new = page.locator(f"#phase-{ids['first']}-new")
    new.fill("Online-Buchung Sporthallen")
    new.press("Enter")
    card = column(page, ids["first"]).get_by_role("link", name="Online-Buchung Sporthallen")
    expect(card).to_be_visible()
    card.click()
    dialog = page.locator("#card-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("input[name=title]").fill("Online-Buchung Sporthallen und Räume")
    dialog.locator("input[name=tags]").fill("Bürgerservice, Schule")
    dialog.locator(".edit-form button[type=submit]").click()
    expect(dialog).to_be_hidden()
    edited = page.get_by_role("link", name="Online-Buchung Sporthallen und Räume")
    expect(edited).to_be_visible()
    expect(page.locator(".card", has=edited).locator(".card__tags")).to_contain_text("Schule")


def test_a_stale_drag_shows_who_changed_the_card_and_the_true_state(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    # The live update of the other change has not arrived yet (a socket that stays silent).
    page.route_web_socket(re.compile(r"/ws/boards/"), lambda socket: None)
    page.goto(f"{live_server.url}/boards/{ids['board']}")
    with db.session(write=True) as session:
        cards.update_card(
            session,
            card_id=ids["a"],
            data=CardUpdate(version=1, title="E-Akte Bauantrag (neu)"),
            actor="Jana Kuhn",
        )
    drag(page, ids["a"], ids["second"])
    expect(page.locator(".toast")).to_contain_text("Jana Kuhn")
    # The true state: the new title, still in the first phase.
    expect(
        column(page, ids["first"]).get_by_role("link", name="E-Akte Bauantrag (neu)")
    ).to_be_visible()
    assert phase_of(db, ids["a"]) == ids["first"]


def test_a_blocking_wip_limit_puts_the_card_back(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}")
    drag(page, ids["b"], ids["third"])
    expect(page.locator(".toast")).to_contain_text("WIP")
    expect(column(page, ids["first"]).locator(f"#card-{ids['b']}")).to_be_visible()
    expect(column(page, ids["third"]).locator(".card")).to_have_count(1)
    assert phase_of(db, ids["b"]) == ids["first"]


def test_no_serious_accessibility_violations(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}")
    assert run_axe(page) == []
    page.locator(f"#card-{ids['a']}-open").click()
    expect(page.locator("#card-dialog")).to_be_visible()
    assert run_axe(page) == []
    for path in (
        f"/boards/{ids['board']}/settings",
        "/settings/departments",
        "/settings/lotsen",
        "/barrierefreiheit",
    ):
        page.goto(live_server.url + path)
        assert run_axe(page) == [], path
