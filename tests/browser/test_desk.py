"""At the desk, on a laptop: honest counts, a board that keeps its bearings, quick-add that
follows the filter, the keyboard path and a visible focus."""

import re

from playwright.sync_api import Browser, Page, expect

from app.boards.models import PhaseCreate, WipMode
from app.cards import queries
from app.cards import service as cards
from app.cards.models import CardUpdate
from app.db import Database
from app.demo import load_demo
from tests.browser.conftest import OUTPUT, LiveServer, logged_in_context
from tests.browser.test_board import column, drag, seed
from tests.factories import make_board, make_card, make_department


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two `rgb(r, g, b)` colours."""

    def luminance(colour: str) -> float:
        channels = [int(value) / 255 for value in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_a_filtered_board_says_how_many_of_each_phase_it_shows(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}?department={ids['bauamt']}")
    # Ideenspeicher holds both cards of the board's first phase; one is the Bauamt's.
    first = page.locator(f'[data-wip-phase="{ids["first"]}"]')
    expect(first).to_contain_text("1 von 2")
    # The pilot phase's WIP limit still counts the whole phase, and says so.
    third = page.locator(f'[data-wip-phase="{ids["third"]}"]')
    expect(third).to_contain_text("1 von 1")
    expect(third).to_contain_text("WIP 1 / 1")


def test_swimlanes_count_their_own_cards_and_the_phase_once_above_them(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}?group=department")
    heads = page.locator(".board--heads")
    expect(heads.locator(f'[data-wip-phase="{ids["first"]}"]')).to_contain_text("2")
    bauamt = page.locator(".lane", has=page.get_by_role("heading", name=re.compile("Bauamt")))
    expect(bauamt.locator(f"#phase-{ids['first']}-d{ids['bauamt']}-count")).to_contain_text("1")
    # No lane repeats the whole phase's count.
    expect(page.locator(".lane [data-wip-phase]")).to_have_count(0)


def test_quick_add_sits_on_top_follows_the_filter_and_stays_ready(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}?department={ids['bauamt']}")
    phase = page.locator(f"#phase-{ids['first']}")
    new = page.locator(f"#phase-{ids['first']}-new")
    box, first_card = new.bounding_box(), phase.locator(".card").first.bounding_box()
    assert box is not None and first_card is not None and box["y"] < first_card["y"]
    new.fill("Digitale Baumkontrolle")
    new.press("Enter")
    added = phase.get_by_role("link", name="Digitale Baumkontrolle")
    expect(added).to_be_visible()  # it kept the filtered department, so it stays in view
    expect(page.locator(f"#phase-{ids['first']}-new")).to_be_focused()
    page.keyboard.type("Spielplatz-App")
    page.keyboard.press("Enter")
    expect(phase.get_by_role("link", name="Spielplatz-App")).to_be_visible()
    expect(page.locator(f"#phase-{ids['first']}-new")).to_be_focused()


def test_a_title_typed_the_moment_the_board_is_swapped_in_is_still_added_in_place(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    # htmx wires swapped-in content when it settles; on a busy machine that is late, and an
    # Enter before it used to submit the form natively: a full page load that lost the field.
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}")
    page.evaluate("htmx.config.defaultSettleDelay = 10000")
    page.evaluate("window.sameDocument = true")
    phase = page.locator(f"#phase-{ids['first']}")
    field = page.locator(f"#phase-{ids['first']}-new")
    field.fill("Online-Terminvergabe")
    field.press("Enter")
    expect(phase.get_by_role("link", name="Online-Terminvergabe")).to_be_visible()
    expect(field).to_be_focused()
    page.keyboard.type("E-Akte Standesamt")
    page.keyboard.press("Enter")  # long before the swapped board settles
    expect(phase.get_by_role("link", name="E-Akte Standesamt")).to_be_visible()
    expect(field).to_be_focused()
    assert page.evaluate("window.sameDocument") is True  # no page load in between


def test_the_board_starts_high_keeps_its_headers_and_every_phase_at_laptop_size(
    browser: Browser, live_server: LiveServer, db: Database
) -> None:
    assert load_demo(db)
    for width, height in ((1366, 768), (1280, 720)):
        context = logged_in_context(browser, live_server, db, width=width, height=height)
        page = context.new_page()
        page.goto(f"{live_server.url}/boards/1")
        header = page.locator(".phase__header").first
        top = header.bounding_box()
        assert top is not None and top["y"] < height / 4, top
        # Every phase is reachable: side by side within the window.
        boxes = [page.locator(".phase").nth(i).bounding_box() for i in range(6)]
        assert all(b is not None and b["x"] + b["width"] <= width for b in boxes), boxes
        # Scrolled far down the longest phase, its header is still in view.
        page.locator(".board-scroll").evaluate("e => e.scrollTop = 2000")
        page.wait_for_timeout(100)
        moved = header.bounding_box()
        area = page.locator(".board-scroll").bounding_box()
        assert moved is not None and area is not None
        assert abs(moved["y"] - area["y"]) <= 1, (area, moved)  # stuck to the top of the board
        OUTPUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUTPUT / f"desk-board-{width}x{height}.png"))
        context.close()


def test_from_the_skip_link_to_the_cards_and_between_them_by_arrow_keys(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Board springen")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#card-{ids['a']}-open")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator(f"#card-{ids['b']}-open")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.locator(f"#card-{ids['a']}-open")).to_be_focused()
    page.keyboard.press("ArrowRight")  # the next phase with cards
    expect(page.locator(f"#card-{ids['c']}-open")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(page.locator(f"#card-{ids['a']}-open")).to_be_focused()


def test_a_refused_move_leaves_the_focus_on_the_card(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}")
    drag(page, ids["b"], ids["third"])
    expect(page.locator(".toast")).to_contain_text("WIP")
    expect(column(page, ids["first"]).locator(f"#card-{ids['b']}")).to_be_visible()
    expect(page.locator(f"#card-{ids['b']}-open")).to_be_focused()


def test_the_focus_ring_stands_out_on_every_background(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}")
    for selector, background_of in [
        (f"#card-{ids['a']}-open", ".card"),
        (".brand", ".site-header"),
        (f"#phase-{ids['first']}-new", ".phase"),
    ]:
        element = page.locator(selector)
        element.focus()
        ring = element.evaluate(
            """e => { const s = getComputedStyle(e);
                      return [s.outlineColor, s.outlineStyle, s.boxShadow]; }"""
        )
        background = page.locator(background_of).first.evaluate(
            "e => getComputedStyle(e).backgroundColor"
        )
        outline, style, shadow = ring
        assert style != "none", selector
        colours = [outline, *re.findall(r"rgba?\([^)]*\)", shadow)]
        best = max(contrast(colour, background) for colour in colours)
        assert best >= 3, (selector, colours, background, best)


def test_the_card_page_without_a_dialog_closes_back_to_the_board(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/cards/{ids['a']}")
    page.get_by_role("link", name="Schließen").click()
    expect(page).to_have_url(f"{live_server.url}/boards/{ids['board']}")


def test_a_filtered_phase_header_counts_live(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    with db.session(write=True) as session:
        board = make_board(session, phases=[PhaseCreate(name="Umsetzung", wip_limit=5,
                                                          wip_mode=WipMode.warn)])  # fmt: skip
        bau = make_department(session, name="Bauamt", code="BA")
        make_card(session, board, title="Fremd")
        make_card(session, board, title="Eigen", department_id=bau.id)
    page.goto(f"{live_server.url}/boards/{board.id}?department={bau.id}")
    count = page.locator("[data-wip-phase]")
    expect(count).to_contain_text("1 von 2")
    with db.session(write=True) as session:
        make_card(session, board, title="Noch eins", department_id=bau.id)
    expect(count).to_contain_text("2 von 3", timeout=10_000)
    expect(count).to_contain_text("WIP 3 / 5")


def test_the_board_prints_on_a4_landscape_without_filters_and_with_every_phase(
    browser: Browser, live_server: LiveServer, db: Database
) -> None:
    assert load_demo(db)
    context = logged_in_context(browser, live_server, db, width=1123, height=794)
    page = context.new_page()
    page.goto(f"{live_server.url}/boards/1")
    page.emulate_media(media="print")
    assert not page.locator("#filters").is_visible()
    assert not page.locator(".site-footer").is_visible()
    boxes = [page.locator(".phase").nth(i).bounding_box() for i in range(6)]
    assert all(b is not None and b["x"] + b["width"] <= 1123 for b in boxes), boxes
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "desk-board-print-a4.png"), full_page=True)
    pdf = page.pdf(format="A4", landscape=True, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 3, pages  # 96 measures; the longest phase holds 29
    context.close()


def test_a_save_over_a_colleagues_change_merges_or_keeps_every_typed_word(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    page.goto(f"{live_server.url}/boards/{ids['board']}")
    dialog = page.locator("#card-dialog")

    # Different fields: both changes are kept.
    page.locator(f"#card-{ids['a']}-open").click()
    dialog.locator("#card-edit-description").fill("Mit dem Bauamt abgestimmt.")
    with db.session(write=True) as session:
        cards.update_card(
            session,
            card_id=ids["a"],
            data=CardUpdate(version=1, priority="high"),
            actor="Jana Kuhn",
        )
    dialog.get_by_role("button", name="Speichern").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#announcer")).to_contain_text("zusammen mit den Änderungen")
    with db.session() as session:
        saved = queries.get_card(session, card_id=ids["a"])
    assert (saved.description, saved.priority) == ("Mit dem Bauamt abgestimmt.", "high")

    # The same field: the dialog stays open, the typed text stays, the saved one beside it.
    page.locator(f"#card-{ids['a']}-open").click()
    dialog.locator("#card-edit-description").fill("Meine lange Fassung, die nicht verloren geht.")
    with db.session(write=True) as session:
        cards.update_card(
            session,
            card_id=ids["a"],
            data=CardUpdate(version=saved.version, description="Die Fassung der Kollegin."),
            actor="Jana Kuhn",
        )
    dialog.get_by_role("button", name="Speichern").click()
    alert = dialog.locator("#card-edit-error")
    expect(alert).to_contain_text("Jana Kuhn")
    expect(alert).to_contain_text("Beschreibung")
    expect(dialog.locator("#card-edit-description")).to_have_value(
        "Meine lange Fassung, die nicht verloren geht."
    )
    expect(dialog.locator(".field-clash")).to_contain_text("Die Fassung der Kollegin.")
    expect(dialog.locator("#card-edit-description")).to_be_focused()
    page.wait_for_timeout(13_000)  # longer than messages used to stay
    expect(alert).to_be_visible()
    dialog.get_by_role("button", name="Speichern").click()
    expect(dialog).to_be_hidden()
    with db.session() as session:
        final = queries.get_card(session, card_id=ids["a"])
    assert (final.description, final.priority) == (
        "Meine lange Fassung, die nicht verloren geht.",
        "high",
    )


def test_undo_of_a_move_an_archiving_and_a_phase_removal_restores_the_board_everywhere(
    page: Page, browser: Browser, live_server: LiveServer, db: Database
) -> None:
    ids = seed(db)
    board_url = f"{live_server.url}/boards/{ids['board']}"
    other_context = logged_in_context(browser, live_server, db)
    other = other_context.new_page()
    page.goto(board_url)
    other.goto(board_url)
    expect(other.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")

    def order(tab: Page, phase_id: int) -> list[str]:
        return (
            column(tab, phase_id)
            .locator(".card-item")
            .evaluate_all("items => items.map(i => i.dataset.cardId)")
        )

    first_before = order(page, ids["first"])
    drag(page, ids["b"], ids["second"])
    expect(column(other, ids["second"]).locator(f"#card-{ids['b']}")).to_be_visible(timeout=10_000)
    page.locator(".toast--undo").get_by_role("button", name="Rückgängig").click()
    expect(page.locator("#announcer")).to_have_text("Rückgängig gemacht.")
    expect(column(page, ids["first"]).locator(f"#card-{ids['b']}")).to_be_visible()
    expect(column(other, ids["first"]).locator(f"#card-{ids['b']}")).to_be_visible(timeout=10_000)
    assert order(page, ids["first"]) == first_before
    expect(page.locator(".toast--undo")).to_have_count(0)

    page.locator(f"#card-{ids['a']}-open").click()
    page.get_by_role("button", name="Maßnahme archivieren").click()
    expect(other.locator(f"#card-{ids['a']}")).to_have_count(0, timeout=10_000)
    page.locator(".toast--undo").get_by_role("button", name="Rückgängig").click()
    expect(column(other, ids["first"]).locator(f"#card-{ids['a']}")).to_be_visible(timeout=10_000)
    # The undoing page shows it back too once its own answer has arrived.
    expect(column(page, ids["first"]).locator(f"#card-{ids['a']}")).to_be_visible()
    assert order(page, ids["first"]) == first_before
    expect(other.locator(".card-item").first).to_have_attribute("data-card-id", first_before[0])

    # Removing a phase asks first, with the number of cards and where they go.
    page.goto(f"{board_url}/settings")
    row = page.locator(f"#phase-settings-{ids['third']}")
    expect(row.get_by_label("Die 1 Maßnahme der Phase verschieben nach")).to_have_value(
        str(ids["second"])  # the neighbour on the left
    )
    row.get_by_role("button", name="Phase entfernen …").click()
    confirm = page.locator(".confirm")
    expect(confirm).to_contain_text(
        "Phase „Test/Pilot“ entfernen? Die 1 Maßnahme kommt nach „Prozessanalyse“."
    )
    expect(confirm.get_by_role("button", name="Ja, entfernen")).to_be_focused()
    confirm.get_by_role("button", name="Ja, entfernen").click()
    expect(other.locator(f"#phase-{ids['third']}")).to_have_count(0, timeout=10_000)
    page.get_by_role("button", name="Rückgängig").click()
    expect(other.locator(".phase__name", has_text="Test/Pilot")).to_be_visible(timeout=10_000)
    pilot = other.locator(".phase", has=other.locator(".phase__name", has_text="Test/Pilot"))
    expect(pilot.locator(f"#card-{ids['c']}")).to_be_visible()
    other_context.close()
