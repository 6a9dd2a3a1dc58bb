"""The meeting-room screen legible from five metres: large titles, never cut, paged not shrunk;
each screen link's own mode, departments and phases."""

import random
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from app.accounts import tokens
from app.accounts.models import ScreenLinkSettings
from app.boards import service as boards
from app.db import Database
from app.demo.kommune import load_demo
from tests.browser.conftest import OUTPUT, LiveServer
from tests.browser.test_live import LIVE, screen_link
from tests.factories import make_board, make_card, make_department

# Titles as the wall has them: long German compounds, some very long.
WORDS = (
    "Digitalisierung", "Antragsverfahren", "Bürgerservice", "Schnittstelle", "Fachverfahren",
    "Rechnungseingangsbearbeitung", "Online", "Portal", "für", "und", "E-Akte", "Bauamt",
    "Personalverwaltungssystem", "Einführung", "der", "Wohngeld", "Kita-Platzvergabe",
)  # fmt: skip
LEGIBLE = {1920: 40, 3840: 80}  # px of a title at 1920×1080 and 3840×2160


def measure(page: Page) -> dict[str, Any]:
    """What the screen shows now: visible titles, their smallest size, anything cut or out."""
    return page.evaluate(
        """() => {
          const shown = e => e.offsetParent !== null && e.getClientRects().length > 0;
          const titles = [...document.querySelectorAll('.card__title')].filter(shown);
          const out = [];
          for (const card of [...document.querySelectorAll('.card-item')].filter(shown)) {
            const list = card.closest('.phase__cards').getBoundingClientRect();
            const box = card.getBoundingClientRect();
            const outside = box.bottom > list.bottom + 1 || box.right > list.right + 1;
            if (outside) out.push(card.dataset.cardId);
          }
          const cut = titles.filter(t => t.scrollWidth > t.clientWidth + 1
            || getComputedStyle(t).textOverflow === 'ellipsis'
            || getComputedStyle(t).webkitLineClamp !== 'none');
          const id = c => c.dataset.cardId;
          return {
            ids: [...document.querySelectorAll('.card-item')].filter(shown).map(id),
            all: [...document.querySelectorAll('.phase:not([data-off]) .card-item')].map(id),
            smallest: Math.min(...titles.map(t => parseFloat(getComputedStyle(t).fontSize))),
            cut: cut.map(t => t.textContent),
            out: out,
            page: document.getElementById('screen-page').textContent,
            paged: !document.getElementById('screen-page').hidden,
            overflowing: document.body.scrollHeight > window.innerHeight + 1
              || document.body.scrollWidth > window.innerWidth + 1,
          };
        }"""
    )


def every_page(page: Page, width: int) -> set[str]:
    """Step through all pages (as a remote at the screen would); check each; the cards seen."""
    first = measure(page)
    count = int(first["page"].split()[-1]) if first["paged"] else 1
    seen: set[str] = set()
    for index in range(count):
        shown = measure(page)
        assert shown["ids"], f"page {index + 1} shows no card"
        assert shown["smallest"] >= LEGIBLE[width], shown["smallest"]
        assert shown["cut"] == [] and shown["out"] == [], (shown["cut"], shown["out"])
        assert not shown["overflowing"]
        if count > 1:
            assert shown["page"] == f"Seite {index + 1} von {count}"
        seen |= set(shown["ids"])
        page.keyboard.press("ArrowRight")
    assert seen == set(first["all"]), "every card comes on some page"
    return seen


@pytest.fixture
def screens(browser: Browser) -> Iterator[dict[int, Page]]:
    pages = {
        width: browser.new_page(viewport={"width": width, "height": width * 9 // 16})
        for width in LEGIBLE
    }
    yield pages
    for page in pages.values():
        page.close()


def test_the_demo_board_is_legible_from_five_metres_on_every_page(
    screens: dict[int, Page], live_server: LiveServer, db: Database
) -> None:
    assert load_demo(db)
    plain = screen_link(db, 1)
    for width, page in screens.items():
        page.goto(f"{live_server.url}/screen/{plain}")
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        seen = every_page(page, width)
        assert len(seen) >= 90
        OUTPUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUTPUT / f"demo-screen-{width}x{width * 9 // 16}.png"))


def test_a_board_of_500_cards_pages_instead_of_shrinking(
    screens: dict[int, Page], live_server: LiveServer, db: Database
) -> None:
    rng = random.Random(500)
    with db.session(write=True) as session:
        board = make_board(session, name="500 Maßnahmen")
        phases = boards.list_phases(session, board_id=board.id)
        departments = [
            make_department(session, name=f"Fachbereich {n}", code=f"F{n}") for n in range(8)
        ]
        for _ in range(500):
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
            make_card(
                session,
                board,
                title=title[:200],
                phase_id=rng.choice(phases).id,
                department_id=rng.choice(departments).id,
            )
    plain = screen_link(db, board.id)
    for width, page in screens.items():
        page.goto(f"{live_server.url}/screen/{plain}")
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        assert len(every_page(page, width)) == 500
    screens[1920].screenshot(path=str(OUTPUT / "screen-500-cards-1920x1080.png"))


def test_each_screen_shows_its_departments_phases_and_mode(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    with db.session(write=True) as session:
        board = make_board(session, name="Maßnahmen 2026")
        ideas, prioritised, doing, done = boards.list_phases(session, board_id=board.id)
        bau = make_department(session, name="Bauamt", code="BA")
        amt = make_department(session, name="Ordnungsamt", code="OA")
        mine = make_card(session, board, title="Bauantrag online", department_id=bau.id)
        make_card(session, board, title="Gewerbeanmeldung", department_id=amt.id)
        make_card(session, board, title="Fertig", department_id=bau.id, phase_id=done.id)
        plain, link = tokens.create_screen_link(
            session, board_id=board.id, name="Bauamt-Flur", actor="Test"
        )
        tokens.update_screen_link(
            session,
            board_id=board.id,
            link_id=link.id or 0,
            data=ScreenLinkSettings(
                department_ids=[bau.id], phase_ids=[ideas.id, prioritised.id, doing.id]
            ),
            actor="Test",
        )
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/screen/{plain}")
    shown = page.locator(".phase:not([hidden]) .card-item")
    expect(shown).to_have_count(1)
    expect(page.locator(f"#card-{mine.id}")).to_be_visible()
    expect(page.locator(f"#phase-{done.id}")).to_be_hidden()

    # A measure of another department moved at a desk does not come onto this screen.
    with db.session(write=True) as session:
        make_card(session, board, title="Baumkataster", department_id=bau.id)
        make_card(session, board, title="Parkausweis", department_id=amt.id)
    expect(shown).to_have_count(2, timeout=LIVE)
    expect(page.get_by_text("Parkausweis")).to_have_count(0)

    # Switched to the overview, the screen re-renders itself as the matrix.
    with db.session(write=True) as session:
        tokens.update_screen_link(
            session,
            board_id=board.id,
            link_id=link.id or 0,
            data=ScreenLinkSettings(mode="overview", phase_ids=[ideas.id, done.id]),
            actor="Test",
        )
    matrix = page.locator(".overview-matrix")
    expect(matrix).to_be_visible(timeout=LIVE)
    expect(matrix.locator("tbody tr")).to_have_count(2)
    expect(matrix.locator("thead th")).to_have_count(1 + 2 + 4)
    size = matrix.locator("tbody td").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 30
