"""A Lotsentreffen in Chromium: the CDO's laptop, a lotse's desk and the meeting-room screen."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import select

from app.accounts import service as accounts
from app.accounts.access import SESSION_COOKIE
from app.accounts.models import Role
from app.cards import service as cards
from app.cards.models import Card, CardUpdate
from app.db import Database
from app.meetings import service as meetings
from app.meetings.models import AgendaItem, AgendaItemCreate, MeetingAdd, MeetingEntry
from tests.browser.conftest import LiveServer
from tests.browser.test_board import column, drag, seed
from tests.browser.test_live import LIVE, screen_link
from tests.factories import make_user


@pytest.fixture
def desk(browser: Browser, live_server: LiveServer, db: Database) -> Iterator[BrowserContext]:
    """A lotse's browser at her desk."""
    with db.session() as session:
        user = make_user(session, role=Role.lotse, name="Jana Kuhn", email="jana@example.org")
        token, _login = accounts.start_session(session, user=user, ip="127.0.0.1")
    ctx = browser.new_context(locale="de-DE", viewport={"width": 1366, "height": 768})
    ctx.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": live_server.url}])
    yield ctx
    ctx.close()


def test_the_screen_follows_the_cdo_while_lotsen_keep_working(
    page: Page, desk: BrowserContext, browser: Browser, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    soon = datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(minutes=30)
    with db.session(write=True) as session:
        added = meetings.add_meeting(
            session,
            board_id=ids["board"],
            data=MeetingAdd(starts_at=soon.replace(tzinfo=None, second=0, microsecond=0)),
            actor="Dana Weber",
        )
        meetings.add_item(
            session,
            board_id=ids["board"],
            day=added.day,
            data=AgendaItemCreate(title="Schnittstelle zum Fachverfahren", card_id=ids["a"]),
            actor="Jana Kuhn",
        )
    day = added.day.isoformat()
    screen_ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    screen = screen_ctx.new_page()
    screen.goto(f"{live_server.url}/screen/{screen_link(db, ids['board'])}")
    expect(screen.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(screen.locator(".wall__title")).to_have_count(0)

    # The agenda page follows the board live: a topic brought in and taken off again.
    lotse = desk.new_page()
    lotse.goto(f"{live_server.url}/boards/{ids['board']}/treffen/{day}")
    expect(lotse.locator("#live-status")).to_have_attribute("data-state", "live")
    with db.session(write=True) as session:
        late = meetings.add_item(
            session,
            board_id=ids["board"],
            day=added.day,
            data=AgendaItemCreate(title="Fördermittel beantragen"),
            actor="Jana Kuhn",
        )
    expect(lotse.locator("#themen")).to_contain_text("Fördermittel beantragen", timeout=LIVE)
    with db.session(write=True) as session:
        meetings.remove_item(session, board_id=ids["board"], item_id=late.id, actor="Dana Weber")
    expect(lotse.locator("#themen")).not_to_contain_text("Fördermittel", timeout=LIVE)

    laptop = f"{live_server.url}/boards/{ids['board']}/treffen/{day}/sitzung"
    page.goto(laptop)
    expect(page.locator(".session__points li")).to_have_count(3)
    page.get_by_role("button", name="Treffen beginnen").click()
    expect(page.locator("#aktuell-title")).to_have_text("Schnittstelle zum Fachverfahren")

    # The screen turns to the meeting by itself, and follows each step taken on the laptop.
    title = screen.locator(".wall__title")
    expect(title).to_have_text("Schnittstelle zum Fachverfahren", timeout=LIVE)
    expect(screen.locator(".wall__card-title")).to_have_text("E-Akte Bauantrag")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#aktuell-title")).to_have_text("Bauamt")
    expect(title).to_have_text("Bauamt", timeout=LIVE)
    page.keyboard.press("3")
    expect(title).to_have_text("Kämmerei", timeout=LIVE)

    # A lotse moves a measure at her desk: the screen and the laptop show its new phase.
    lotse.goto(f"{live_server.url}/boards/{ids['board']}")
    expect(lotse.locator("#live-status")).to_have_attribute("data-state", "live")
    drag(lotse, ids["b"], ids["second"])
    expect(column(lotse, ids["second"]).locator(f"#card-{ids['b']}")).to_be_visible()
    expect(screen.locator(".wall__board")).to_contain_text("Prozessanalyse 1", timeout=LIVE)
    expect(page.locator(".session__measures")).to_contain_text(
        "E-Rechnung · Prozessanalyse", timeout=LIVE
    )

    # A lotse typing a note in meeting mode keeps her words while the CDO steps back to the
    # topic; the note goes to the point she was writing about.
    notes = desk.new_page()
    notes.goto(laptop)
    expect(notes.locator("#live-status")).to_have_attribute("data-state", "live")
    words = "Die Kämmerei braucht das Budget bis März."
    typing = notes.locator("form.entry-form textarea[name=text]")
    typing.fill(words)
    page.keyboard.press("1")
    expect(title).to_have_text("Schnittstelle zum Fachverfahren", timeout=LIVE)
    notes.wait_for_timeout(1500)  # a re-render would have come by now
    expect(typing).to_have_value(words)
    expect(notes.locator("#aktuell-title")).to_have_text("Kämmerei")
    notes.get_by_role("button", name="Hinzufügen").click()
    expect(notes.locator("#aktuell-title")).to_have_text("Schnittstelle zum Fachverfahren")
    with db.session() as session:
        noted = session.exec(select(MeetingEntry).where(MeetingEntry.text == words)).one()
        assert session.get(AgendaItem, noted.item_id).title == "Kämmerei"

    # Back on the topic: a decision on it lands in the measure's Verlauf, and on the screen.
    form = page.locator("form.entry-form")
    form.get_by_label("Beschluss").check()
    # A change at a desk re-renders the laptop's page, but never over her choice of kind.
    with db.session(write=True) as session:
        other = session.get(Card, ids["b"])
        assert other is not None
        cards.update_card(
            session,
            card_id=ids["b"],
            data=CardUpdate(description="Angebot liegt vor.", version=other.version),
            actor="Jana Kuhn",
        )
    expect(page.locator(".session__measures")).to_be_visible()
    page.wait_for_timeout(1500)  # a re-render would have come by now
    expect(form.get_by_label("Beschluss")).to_be_checked()
    form.get_by_label("Text", exact=True).fill("Die Schnittstelle wird 2027 ausgeschrieben.")
    form.get_by_role("button", name="Hinzufügen").click()
    expect(page.locator(".entries")).to_contain_text("Die Schnittstelle wird 2027 ausgeschrieben.")
    expect(screen.locator(".wall__decisions")).to_contain_text(
        "Beschluss: Die Schnittstelle wird 2027 ausgeschrieben.", timeout=LIVE
    )
    lotse.goto(f"{live_server.url}/cards/{ids['a']}/verlauf")
    expect(lotse.locator("body")).to_contain_text("Beschluss des Lotsentreffens am")
    expect(lotse.locator("body")).to_contain_text("Die Schnittstelle wird 2027 ausgeschrieben.")

    # Closing the meeting turns the screen back to the board.
    page.get_by_role("button", name="Treffen schließen").click()
    expect(page.locator(".minutes h1")).to_contain_text("Protokoll des Lotsentreffens")
    expect(screen.locator(".wall__title")).to_have_count(0, timeout=LIVE)
    expect(screen.locator(f"#card-{ids['b']}")).to_be_visible()
    screen_ctx.close()
