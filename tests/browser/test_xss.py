"""Hostile input in every user string renders as text in Chromium: no dialog, no script runs."""

from urllib.parse import quote

from playwright.sync_api import Page, expect

from app.db import Database
from app.people import service as people
from app.people.models import DepartmentCreate, LotseCreate
from tests.browser.conftest import LiveServer
from tests.factories import ACTOR, make_board, make_card

TITLE = "<script>alert('title')</script>"
DESCRIPTION = (
    "<img src=x onerror=alert('img')>\n\n[klick](javascript:alert('link'))\n\n"
    "<a href=\"javascript:alert('raw')\">raw</a> **fett**"
)
DEPARTMENT = "\"><img src=x onerror=alert('dept')>"
LOTSE = "<svg onload=alert('lotse')>"
TAG = "'\"><script>alert('tag')</script>"
QUERY = "\"><script>alert('q')</script>"


def test_hostile_strings_are_inert(page: Page, live_server: LiveServer, db: Database) -> None:
    with db.session() as session:
        board = make_board(session, name="<b onmouseover=alert('board')>Board</b>")
        department = people.create_department(
            session,
            data=DepartmentCreate(name=DEPARTMENT, code="X1", colour="#123456"),
            actor=ACTOR,
        )
        lotse = people.create_lotse(
            session, data=LotseCreate(name=LOTSE, department_id=department.id), actor=ACTOR
        )
        card = make_card(
            session,
            board,
            title=TITLE,
            description=DESCRIPTION,
            department_id=department.id,
            lotse_id=lotse.id,
            tags=[TAG],
        )
    page.goto(f"{live_server.url}/boards/{board.id}?q={quote(QUERY)}")
    page.goto(f"{live_server.url}/boards/{board.id}?all=1")  # the whole board, not the last view
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    page.get_by_role("link", name=TITLE).click()
    dialog = page.locator("#card-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".markdown strong")).to_have_text("fett")
    # The Markdown link and the raw anchor lost their javascript: targets.
    hrefs = dialog.locator(".markdown a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert all(not (href or "").lower().startswith("javascript") for href in hrefs)
    for path in ("/", f"/boards/{board.id}/settings", "/settings/departments", "/settings/lotsen"):
        page.goto(live_server.url + path)
    # Nothing injected: only our own script tags, no inline handlers anywhere.
    page.goto(f"{live_server.url}/boards/{board.id}?q={quote(QUERY)}&tag={quote(TAG)}")
    scripts = page.locator("script:not([type='application/json'])").evaluate_all(
        "s => s.map(x => x.getAttribute('src'))"
    )
    assert scripts and all(src and src.startswith(f"{live_server.url}/static/") for src in scripts)
    # The page's texts for its script are data, JSON-escaped: no markup can break out.
    data_blocks = page.locator("script[type='application/json']")
    expect(data_blocks).to_have_count(1)
    assert "<" not in data_blocks.first.evaluate("s => s.textContent")
    handlers = page.evaluate(
        "() => [...document.querySelectorAll('*')]"
        ".filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length"
    )
    assert handlers == 0
    assert card.id
