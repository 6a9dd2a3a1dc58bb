"""The weekly digest in Chromium: the HTML part as a mail program shows it, 600 pixels wide, and
the admin page with its preview and delivery log."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from app import clock
from app.accounts.models import Role, User
from app.db import Database
from app.demo import load_demo
from app.demo.kommune import ensure_demo_accounts
from app.digest import content, sending, subscriptions
from app.settings import Settings
from tests.browser.conftest import OUTPUT, LiveServer, logged_in_context, run_axe
from tests.factories import make_card
from tests.mailserver import Inbox

HOSTILE = "<img src=x onerror=alert(1)> Bauantrag “online” & mehr\r\nBcc: alle@musterstadt.de"


@pytest.fixture
def demo_week(db: Database) -> content.Week:
    """The demo Kommune with its accounts, whose history runs up to now, and a hostile title
    in the last week."""
    assert load_demo(db)
    ensure_demo_accounts(db)
    week = content.week_of()
    with clock.frozen_at(week.start + timedelta(days=1, hours=9)), db.session() as session:
        make_card(session, _board(db), title=HOSTILE.replace("\r\n", " "))
    return week


def _board(db: Database):  # type: ignore[no-untyped-def]
    from app.boards.service import list_boards

    with db.session() as session:
        return list_boards(session)[0]


def _html_for_the_cdo(db: Database, week: content.Week, settings: Settings) -> str:
    with db.session() as session:
        cdo = session.exec(select(User).where(User.role == Role.admin)).first()
        assert cdo is not None
        recipient = subscriptions.recipient_of(session, f"u{cdo.id}")
        _digest, message = sending.message_for(session, recipient, week, settings)
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def test_the_mail_reads_well_600_pixels_wide_and_loads_nothing(
    browser: Browser, db: Database, mailing: Settings, demo_week: content.Week
) -> None:
    html = _html_for_the_cdo(db, demo_week, mailing)
    context = browser.new_context(viewport={"width": 600, "height": 900}, locale="de-DE")
    page = context.new_page()
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.set_content(html)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "digest-mail-600.png"), full_page=True)

    # No images, fonts or anything else from elsewhere; the hostile title is text.
    assert requests == [] and dialogs == []
    assert page.locator("img, script, svg, iframe").count() == 0
    expect(page.locator("body")).to_contain_text("<img src=x onerror=alert(1)> Bauantrag")
    expect(page.locator("body")).to_contain_text(f"Wochenübersicht KW {demo_week.number}")
    # 600 pixels: nothing sticks out sideways, nothing is smaller than 13 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 600
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('body *')]
            .filter(e => e.childElementCount === 0 && e.textContent.trim())
            .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
    )
    assert smallest >= 13
    # Colours are set on the sheet itself: a dark mode that only inverts the page's defaults
    # keeps dark text on white.
    sheet = page.evaluate(
        "(() => { const s = getComputedStyle(document.querySelector('.sheet'));"
        " return [s.backgroundColor, s.color]; })()"
    )
    assert sheet == ["rgb(255, 255, 255)", "rgb(28, 33, 39)"]
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(OUTPUT / "digest-mail-600-dark.png"), full_page=True)
    # A phone: the sheet narrows with the screen.
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(OUTPUT / "digest-mail-375.png"), full_page=True)
    context.close()


@pytest.fixture
def mailing_server(live_server: LiveServer, mailing: Settings) -> Iterator[Settings]:
    """The live server as one with a mail server set, for this test."""
    before = live_server.app.state.settings
    live_server.app.state.settings = mailing
    yield mailing
    live_server.app.state.settings = before


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_the_admin_page_previews_and_sends_again(
    browser: Browser,
    live_server: LiveServer,
    db: Database,
    mailing_server: Settings,
    inbox: Inbox,
    demo_week: content.Week,
    width: int,
    height: int,
) -> None:
    with db.session() as session:
        lotse = session.exec(select(User).where(User.role == Role.lotse)).first()
        assert lotse is not None
        refused = lotse.email
    inbox.refuse.add(refused)
    sending.send_week(
        db, week=demo_week, settings=mailing_server, mailer=sending.smtp_mailer(mailing_server)
    )
    context = logged_in_context(browser, live_server, db, width=width, height=height)
    page: Page = context.new_page()
    page.goto(f"{live_server.url}/settings/wochenuebersicht")
    expect(page.get_by_role("heading", name="Wochenübersicht", level=1)).to_be_visible()
    expect(page.locator("#versand ~ div .delivery--refused")).to_have_count(1)
    assert run_axe(page) == []
    page.screenshot(path=str(OUTPUT / f"digest-admin-{width}x{height}.png"), full_page=True)

    # Add the Bürgermeisterin, limited to one department.
    form = page.locator("form[action$='/extern']")
    form.get_by_label("Name").fill("Bürgermeisterin Roth")
    form.get_by_label("E-Mail").fill("buergermeisterin@musterstadt.de")
    form.locator("input[name=department_ids]").first.check()
    form.get_by_role("button", name="Hinzufügen").click()
    expect(page.locator("#extern ~ .settings-list .settings-item")).to_have_count(1)

    # Her preview: the mail as mailed, in a frame, and its text part.
    page.get_by_role("link", name="Vorschau").filter(has_text="Bürgermeisterin Roth").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Wochenübersicht für Bürgermeisterin Roth"
    )
    mail = page.frame_locator(".mail-frame").locator("body")
    expect(mail).to_contain_text(f"Wochenübersicht KW {demo_week.number}")
    expect(page.locator(".mail-text")).to_contain_text("Guten Tag Bürgermeisterin Roth,")
    page.screenshot(path=str(OUTPUT / f"digest-preview-{width}x{height}.png"), full_page=True)

    # The address works again: send the refused mail once more.
    inbox.refuse.clear()
    page.goto(f"{live_server.url}/settings/wochenuebersicht#versand")
    page.get_by_role("button", name="Erneut senden").filter(has_text=refused).click()
    expect(page.locator(".delivery--refused")).to_have_count(0)
    assert refused in inbox.to()
    context.close()
