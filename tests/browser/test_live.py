"""The live board in Chromium: two desks, a filtered desk, concurrent drags, fallbacks."""

import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from datetime import time as dtime

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Request,
    Route,
    WebSocketRoute,
    expect,
)

from app.accounts import tokens
from app.boards import service as boards
from app.boards.models import PhaseUpdate, WipMode
from app.cards import queries
from app.cards import service as cards
from app.cards.models import CardCreate, CardMove, CardUpdate
from app.db import Database
from app.meetings import service as meetings
from app.meetings.models import MeetingChange, SeriesSet
from app.people import service as people
from app.people.models import DepartmentUpdate
from tests.browser.conftest import LiveServer, logged_in_context, server_settings
from tests.browser.test_board import column, drag, phase_of, seed

ACTOR = "Jana Kuhn"
LIVE = 10_000  # ms a change may take to show (it takes well under one)


@pytest.fixture
def second(browser: Browser, live_server: LiveServer, db: Database) -> Iterator[BrowserContext]:
    ctx = logged_in_context(browser, live_server, db)
    yield ctx
    ctx.close()


def open_board(page: Page, server: LiveServer, board_id: int, query: str = "") -> None:
    page.goto(f"{server.url}/boards/{board_id}{query}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    # Set once; a reload of the page would lose it.
    page.evaluate("window.notReloaded = true")


def requests_of(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(f"{request.method} {request.url}"))
    return seen


def two_desks(
    page: Page, second: BrowserContext, server: LiveServer, db: Database
) -> tuple[dict[str, int], Page]:
    """The seeded board open in two browsers (two people at their desks)."""
    ids = seed(db)
    other = second.new_page()
    open_board(page, server, ids["board"])
    open_board(other, server, ids["board"])
    return ids, other


def screen_link(db: Database, board_id: int) -> str:
    with db.session(write=True) as session:
        plain, _link = tokens.create_screen_link(
            session, board_id=board_id, name="Sitzungssaal", actor=ACTOR
        )
    return plain


def card_version(db: Database, card_id: int) -> int:
    with db.session() as session:
        return queries.get_card(session, card_id=card_id).version


def test_a_move_in_one_browser_appears_in_the_other_without_reload(
    page: Page, second: BrowserContext, live_server: LiveServer, db: Database
) -> None:
    ids, other = two_desks(page, second, live_server, db)
    mover_requests, watcher_requests = requests_of(page), requests_of(other)

    drag(page, ids["a"], ids["second"])
    expect(column(other, ids["second"]).locator(f"#card-{ids['a']}")).to_be_visible(timeout=LIVE)
    expect(column(other, ids["first"]).locator(f"#card-{ids['a']}")).to_have_count(0)
    expect(other.locator(f'[data-wip-phase="{ids["second"]}"]')).to_contain_text("1")
    assert other.evaluate("window.notReloaded") is True
    # The move came with the event itself: the watcher fetched nothing.
    assert watcher_requests == []
    # The mover's own answer showed the move; the echo was not applied again.
    assert [r for r in mover_requests if "/move" not in r] == []
    other.wait_for_timeout(300)
    assert mover_requests == [r for r in mover_requests if r.startswith("POST ")]


def test_new_edited_archived_and_restored_cards_and_wip_counts_show_live(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    open_board(page, live_server, ids["board"])
    with db.session(write=True) as session:
        # A phase change re-renders the board in place.
        boards.update_phase(
            session,
            board_id=ids["board"],
            phase_id=ids["third"],
            data=PhaseUpdate(name="Pilotbetrieb", wip_mode=WipMode.warn),
            actor=ACTOR,
        )
    expect(page.locator(f"#phase-{ids['third']}-name")).to_have_text("Pilotbetrieb", timeout=LIVE)
    with db.session(write=True) as session:
        new = cards.create_card(
            session,
            board_id=ids["board"],
            data=CardCreate(title="Digitale Sitzungsmappe", phase_id=ids["third"]),
            actor=ACTOR,
        )
    third = column(page, ids["third"])
    expect(third.get_by_role("link", name="Digitale Sitzungsmappe")).to_be_visible(timeout=LIVE)
    # The pilot phase has a WIP limit of 1 (now only a warning) and holds two cards.
    count = page.locator(f'[data-wip-phase="{ids["third"]}"]')
    expect(count).to_have_class("phase__count phase__count--over")
    expect(count).to_contain_text("2 / 1")
    expect(page.locator("#card-counter")).to_contain_text("4 von 4")

    with db.session(write=True) as session:
        cards.update_card(
            session,
            card_id=new.id,
            data=CardUpdate(version=new.version, title="Digitale Gremienarbeit"),
            actor=ACTOR,
        )
    expect(third.get_by_role("link", name="Digitale Gremienarbeit")).to_be_visible(timeout=LIVE)
    expect(page.locator(f"#card-{new.id}").locator("..")).to_have_class(
        "card-item card-item--changed"
    )

    with db.session(write=True) as session:
        cards.archive_card(session, card_id=new.id, version=new.version + 1, actor=ACTOR)
    expect(page.locator(f"#card-{new.id}")).to_have_count(0, timeout=LIVE)
    expect(count).to_have_class("phase__count")
    expect(page.locator("#card-counter")).to_contain_text("3 von 3")

    with db.session(write=True) as session:
        cards.restore_card(session, card_id=new.id, version=new.version + 2, actor=ACTOR)
    expect(third.locator(f"#card-{new.id}")).to_be_visible(timeout=LIVE)
    # Restored cards come back at the end of their phase.
    expect(third.locator(".card-item").last).to_have_attribute("data-card-id", str(new.id))
    assert page.evaluate("window.notReloaded") is True


def test_a_filtered_browser_sees_cards_enter_and_leave(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    open_board(page, live_server, ids["board"], f"?department={ids['bauamt']}")
    expect(page.locator(f"#card-{ids['b']}")).to_have_count(0)
    expect(page.locator("#card-counter")).to_contain_text("2 von 3")
    with db.session(write=True) as session:
        # E-Rechnung joins the Bauamt: it enters the view.
        cards.update_card(
            session,
            card_id=ids["b"],
            data=CardUpdate(version=card_version(db, ids["b"]), department_id=ids["bauamt"]),
            actor=ACTOR,
        )
    expect(column(page, ids["first"]).locator(f"#card-{ids['b']}")).to_be_visible(timeout=LIVE)
    expect(page.locator("#card-counter")).to_contain_text("3 von 3")
    with db.session(write=True) as session:
        # E-Akte Bauantrag leaves the Bauamt: it leaves the view.
        cards.update_card(
            session,
            card_id=ids["a"],
            data=CardUpdate(version=card_version(db, ids["a"]), department_id=None),
            actor=ACTOR,
        )
    expect(page.locator(f"#card-{ids['a']}")).to_have_count(0, timeout=LIVE)
    expect(page.locator("#card-counter")).to_contain_text("2 von 3")
    # A card moved within the filter keeps its filter in the dialog link.
    link = page.locator(f"#card-{ids['b']}-open")
    expect(link).to_have_attribute("href", f"/cards/{ids['b']}?department={ids['bauamt']}")
    assert page.evaluate("window.notReloaded") is True


def test_two_browsers_drag_the_same_card_at_once(
    page: Page, second: BrowserContext, live_server: LiveServer, db: Database
) -> None:
    ids, other = two_desks(page, second, live_server, db)
    held: list[Route] = []

    def hold(route: Route, request: Request) -> None:
        held.append(route)

    # Both moves leave their browsers before either reaches the server.
    for tab in (page, other):
        tab.route("**/cards/*/move*", hold)
    drag(page, ids["a"], ids["second"])
    drag(other, ids["a"], ids["third"])
    page.wait_for_timeout(100)
    other.wait_for_timeout(100)
    assert len(held) == 2
    held[0].continue_()
    page.wait_for_timeout(300)
    held[1].continue_()

    winner = phase_of(db, ids["a"])
    assert winner == ids["second"]
    for tab in (page, other):
        expect(column(tab, winner).locator(f"#card-{ids['a']}")).to_be_visible(timeout=LIVE)
        expect(column(tab, ids["third"]).locator(f"#card-{ids['a']}")).to_have_count(0)
    expect(other.locator(".toast")).to_contain_text("inzwischen von Dana Weber")
    assert card_version(db, ids["a"]) == 2


def test_a_proxy_without_websockets_falls_back_to_polling(
    browser: Browser, database_url: str, tmp_path_factory: pytest.TempPathFactory, db: Database
) -> None:
    server = LiveServer(server_settings(database_url, tmp_path_factory), ws="none")
    server.start()
    ctx = logged_in_context(browser, server, db)
    try:
        ids = seed(db)
        tab = ctx.new_page()
        answers: list[int] = []
        tab.on(
            "response",
            lambda response: answers.append(response.status) if "/events" in response.url else None,
        )
        tab.goto(f"{server.url}/boards/{ids['board']}")
        status = tab.locator("#live-status")
        expect(status).to_have_attribute("data-state", "polling", timeout=LIVE)
        expect(status).to_have_text("Keine Live-Verbindung – Aktualisierung alle 5 s")
        with db.session(write=True) as session:
            cards.move_card(
                session,
                card_id=ids["b"],
                move=CardMove(phase_id=ids["second"], position=0, version=1),
                actor=ACTOR,
            )
        expect(column(tab, ids["second"]).locator(f"#card-{ids['b']}")).to_be_visible(
            timeout=LIVE + 5000
        )
        # Polls after the catch-up: nothing new, so the server answers 304 without a body.
        deadline = time.monotonic() + 20
        while 304 not in answers:
            assert time.monotonic() < deadline, answers
            tab.wait_for_timeout(500)
        assert 200 in answers
    finally:
        ctx.close()
        server.stop()


def test_the_screen_catches_up_after_the_server_restarts(
    browser: Browser, database_url: str, tmp_path_factory: pytest.TempPathFactory, db: Database
) -> None:
    settings = server_settings(database_url, tmp_path_factory)
    ids = seed(db)
    plain = screen_link(db, ids["board"])
    server = LiveServer(settings)
    server.start()
    ctx = browser.new_context(locale="de-DE", viewport={"width": 1920, "height": 1080})
    restarted: LiveServer | None = None
    try:
        screen = ctx.new_page()
        screen.goto(f"{server.url}/screen/{plain}")
        status = screen.locator("#live-status")
        expect(status).to_have_attribute("data-state", "live")
        screen.evaluate("window.notReloaded = true")
        server.stop()
        expect(status).to_have_attribute("data-state", "retrying", timeout=LIVE)
        # Two openings refused: it polls, and would try the socket again in a minute.
        expect(status).to_have_attribute("data-state", "polling", timeout=LIVE)
        with db.session(write=True) as session:
            # Changes while no server runs: the screen has no way to hear of them.
            cards.move_card(
                session,
                card_id=ids["a"],
                move=CardMove(phase_id=ids["second"], position=0, version=1),
                actor=ACTOR,
            )
            cards.archive_card(session, card_id=ids["b"], version=1, actor=ACTOR)
        restarted = LiveServer(settings, port=server.port)
        restarted.start()
        board = screen.locator("#board-view")
        expect(
            board.locator(f'[data-phase-id="{ids["second"]}"] [data-card-id="{ids["a"]}"]')
        ).to_be_visible(timeout=40_000)
        expect(board.locator(f'[data-card-id="{ids["b"]}"]')).to_have_count(0)
        # The first poll answered again reopens the socket at once, not a minute later.
        expect(status).to_have_attribute("data-state", "live", timeout=LIVE)
        # And it is live again: a move through the restarted server shows at once.
        with db.session(write=True) as session:
            cards.move_card(
                session,
                card_id=ids["a"],
                move=CardMove(phase_id=ids["first"], position=0, version=2),
                actor=ACTOR,
            )
        moved = board.locator(f'[data-phase-id="{ids["first"]}"] [data-card-id="{ids["a"]}"]')
        expect(moved).to_be_visible(timeout=LIVE)
        expect(moved).to_have_class("card-item card-item--changed")
        assert screen.evaluate("window.notReloaded") is True
    finally:
        ctx.close()
        if restarted is not None:
            restarted.stop()


def phase_orders(db: Database, board_id: int) -> dict[int, list[int]]:
    with db.session() as session:
        view = queries.board_view(session, board_id=board_id)
        return {c.phase.id or 0: [card.id or 0 for card in c.cards] for c in view.phases}


def test_5000_events_leave_the_screen_dom_and_heap_bounded(
    browser: Browser, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    phases = [ids["first"], ids["second"], ids["third"]]
    plain = screen_link(db, ids["board"])
    with db.session(write=True) as session:
        boards.update_phase(  # no WIP limit in the way
            session,
            board_id=ids["board"],
            phase_id=ids["third"],
            data=PhaseUpdate(wip_limit=None),
            actor=ACTOR,
        )
    ctx = browser.new_context(locale="de-DE", viewport={"width": 1920, "height": 1080})
    try:
        screen = ctx.new_page()
        screen.goto(f"{live_server.url}/screen/{plain}")
        expect(screen.locator("#live-status")).to_have_attribute("data-state", "live")
        cdp = ctx.new_cdp_session(screen)

        def measure() -> tuple[int, int]:
            cdp.send("HeapProfiler.collectGarbage")
            used = cdp.send("Runtime.getHeapUsage")["usedSize"]
            return screen.evaluate("document.getElementsByTagName('*').length"), used

        nodes_before, heap_before = measure()
        card_ids = [ids["a"], ids["b"], ids["c"]]
        versions = {card_id: card_version(db, card_id) for card_id in card_ids}
        with db.session(write=True) as session:
            for step in range(5000):
                card_id = card_ids[step % 3]
                moved = cards.move_card(
                    session,
                    card_id=card_id,
                    move=CardMove(
                        phase_id=phases[(step // 3) % 3], position=0, version=versions[card_id]
                    ),
                    actor=ACTOR,
                )
                versions[card_id] = moved.version
        expected = phase_orders(db, ids["board"])

        def shown() -> dict[int, list[int]]:
            found = screen.evaluate(
                """() => Object.fromEntries([...document.querySelectorAll('.phase__cards')]
                    .map(list => [list.dataset.phaseId,
                        [...list.querySelectorAll('.card-item')].map(li => +li.dataset.cardId)]))"""
            )
            return {int(phase): order for phase, order in found.items()}

        deadline = time.monotonic() + 120
        while shown() != expected:
            assert time.monotonic() < deadline, (shown(), expected)
            screen.wait_for_timeout(250)
        nodes_after, heap_after = measure()
        assert shown() == expected
        assert nodes_after == nodes_before
        assert heap_after < heap_before + 2 * 1024 * 1024, (heap_before, heap_after)
    finally:
        ctx.close()


def filtered_socket(page: Page, drop: Callable[[str], bool]) -> None:
    """Pass the board socket through, except the server's messages `drop` says to lose."""

    def route(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()
        server.on_message(lambda message: None if drop(str(message)) else socket.send(message))
        socket.on_message(lambda message: server.send(message))

    page.route_web_socket(re.compile(r"/ws/boards/"), route)


def move_back_and_forth(db: Database, card_id: int, phases: list[int], times: int) -> None:
    with db.session(write=True) as session:
        version = queries.get_card(session, card_id=card_id).version
        for step in range(times):
            version = cards.move_card(
                session,
                card_id=card_id,
                move=CardMove(phase_id=phases[step % len(phases)], position=0, version=version),
                actor=ACTOR,
            ).version


def test_a_lost_event_is_fetched_from_the_event_log(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    lost: list[str] = []

    def drop_first_event(message: str) -> bool:
        if '"type":"event"' in message and not lost:
            lost.append(message)
            return True
        return False

    filtered_socket(page, drop_first_event)
    open_board(page, live_server, ids["board"])
    seen = requests_of(page)
    move_back_and_forth(db, ids["a"], [ids["second"]], 1)  # its event is lost on the way
    move_back_and_forth(db, ids["b"], [ids["second"]], 1)  # this one shows the gap
    expect(column(page, ids["second"]).locator(f"#card-{ids['a']}")).to_be_visible(timeout=LIVE)
    expect(column(page, ids["second"]).locator(f"#card-{ids['b']}")).to_be_visible()
    assert len(lost) == 1
    assert any(f"/api/v1/boards/{ids['board']}/events?after=" in url for url in seen), seen
    assert page.evaluate("window.notReloaded") is True


def test_a_page_too_far_behind_re_renders_the_board_in_place(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    with db.session() as session:
        start = boards.get_board(session, board_id=ids["board"]).last_seq
    missed = range(start + 1, start + 202)  # the seqs of the 201 moves below

    def deaf(message: str) -> bool:
        return '"type":"event"' in message and json.loads(message)["seq"] in missed

    filtered_socket(page, deaf)
    open_board(page, live_server, ids["board"])
    seen = requests_of(page)
    move_back_and_forth(db, ids["a"], [ids["second"], ids["first"]], 201)  # ends in "second"
    move_back_and_forth(db, ids["b"], [ids["second"]], 1)
    expect(column(page, ids["second"]).locator(f"#card-{ids['a']}")).to_be_visible(timeout=LIVE)
    expect(column(page, ids["second"]).locator(f"#card-{ids['b']}")).to_be_visible()
    # 202 missed events: more than a catch-up fetches, so the board was rendered afresh.
    assert f"GET {live_server.url}/boards/{ids['board']}" in seen, seen
    assert page.evaluate("window.notReloaded") is True


def test_a_renamed_department_shows_on_the_open_board(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    open_board(page, live_server, ids["board"])
    card = page.locator(f"#card-{ids['a']}")
    expect(card.locator(".dept")).to_have_text("BA")
    with db.session(write=True) as session:
        people.update_department(
            session,
            department_id=ids["bauamt"],
            data=DepartmentUpdate(code="BAU", colour="#225588"),
            actor=ACTOR,
        )
    expect(card.locator(".dept")).to_have_text("BAU", timeout=LIVE)
    assert page.evaluate("window.notReloaded") is True


def test_a_changed_lotsentreffen_shows_on_the_open_board_and_screen(
    page: Page, browser: Browser, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    today = date.today()
    first = today + timedelta(days=(1 - today.weekday()) % 7 or 7)  # the next Tuesday
    with db.session(write=True) as session:
        rhythm = SeriesSet(first_date=first, start_time=dtime(10, 0))
        meetings.set_series(session, board_id=ids["board"], data=rhythm, actor=ACTOR)
        plain, _link = tokens.create_screen_link(
            session, board_id=ids["board"], name="TV", actor=ACTOR
        )
    open_board(page, live_server, ids["board"])
    screen = browser.new_context(locale="de-DE").new_page()
    screen.goto(f"{live_server.url}/screen/{plain}")
    expect(screen.locator("#live-status")).to_have_attribute("data-state", "live")
    planned = f"Nächstes Lotsentreffen: Di., {first.day}."
    expect(page.locator(".next-meeting")).to_contain_text(planned)
    expect(screen.locator(".screen__meeting")).to_contain_text(planned)
    with db.session(write=True) as session:
        meetings.change_meeting(
            session,
            board_id=ids["board"],
            day=first,
            data=MeetingChange(version=0, starts_at=datetime.combine(first, dtime(14, 30))),
            actor=ACTOR,
        )
    expect(page.locator(".next-meeting")).to_contain_text("14:30", timeout=LIVE)
    expect(screen.locator(".screen__meeting")).to_contain_text("14:30", timeout=LIVE)
    assert page.evaluate("window.notReloaded") is True
    screen.context.close()
