"""Concerns and resistances in the pages: the dialog's section and Verlauf, the overview, the
board's markers and filters, the wall screen, the categories page, and bounded queries."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session

from app import clock
from app.accounts import tokens
from app.accounts.models import Role
from app.annotations import service as annotations
from app.annotations.models import Annotation, AnnotationUpdate, NoteCreate
from app.boards import service as boards
from app.boards.models import PhaseCreate, WipMode
from app.cards import service as cards
from app.cards.models import Card, CardMove, CardUpdate
from app.db import Database
from tests.factories import (
    ACTOR,
    make_annotation,
    make_board,
    make_card,
    make_category,
    make_department,
    make_lotse,
    make_user,
)
from tests.helpers import dump
from tests.http.test_security import bearer

HX = {"HX-Request": "true"}


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    board = make_board(session, name="Maßnahmen 2026")
    bau = make_department(session, name="Bauamt", code="BA")
    jana = make_lotse(session, name="Jana Kuhn", department_id=bau.id)
    privacy = make_category(session, name="Datenschutz")
    card = make_card(session, board, title="Digitaler Bauantrag", department_id=bau.id)
    return {"board": board, "bau": bau, "jana": jana, "privacy": privacy, "card": card}


def trigger(response: Any) -> dict[str, str]:
    import json

    return json.loads(response.headers["hx-trigger"])["lotsenboard:announce"]


def test_raising_in_the_dialog_answers_the_section_announces_and_focuses(
    client: TestClient, world: dict[str, Any]
) -> None:
    card = world["card"]
    dialog = client.get(f"/cards/{card.id}", headers=HX)
    assert "data-tabs" in dialog.text and "Bedenken & Widerstände <span" in dialog.text
    assert "Zu dieser Maßnahme gibt es keine Bedenken oder Widerstände." in dialog.text
    response = client.post(
        f"/cards/{card.id}/annotations",
        data={
            "kind": "resistance",
            "text": "Der Personalrat befürchtet eine Leistungskontrolle.",
            "category_id": str(world["privacy"].id),
            "severity": "high",
            "blocks_card": "true",
            "raised_by_id": str(world["jana"].id),
        },
        headers=HX,
    )
    assert response.status_code == 200
    text = response.text
    assert text.lstrip().startswith(f'<div id="card-{card.id}-annotations"')
    assert f'<span id="card-{card.id}-annotation-count" hx-swap-oob="true">(1)</span>' in text
    assert "Widerstand" in text and "blockiert die Maßnahme" in text
    assert "eingebracht am" in text and "von Jana Kuhn" in text
    announced = trigger(response)
    assert announced["message"] == "Widerstand erfasst."
    assert re.fullmatch(r"annotation-\d+-title", announced["focus"])
    assert f'id="{announced["focus"]}"' in text


def test_a_refused_entry_keeps_what_was_typed_and_names_the_field(
    client: TestClient, db: Database, world: dict[str, Any]
) -> None:
    card = world["card"]
    before = dump(db)
    response = client.post(
        f"/cards/{card.id}/annotations",
        data={"kind": "concern", "text": "  ", "next_step": "Mit der DSB sprechen"},
        headers=HX,
    )
    assert response.status_code == 422
    assert 'class="form-error" role="alert">Text:' in response.text
    assert 'value="Mit der DSB sprechen"' in response.text
    assert '<details class="annotation-new" open>' in response.text
    assert trigger(response)["focus"] == f"card-{card.id}-raise-text"
    assert dump(db) == before


def test_resolving_without_a_note_and_a_stale_resolve_keep_the_typed_text(
    client: TestClient, session: Session, db: Database, world: dict[str, Any]
) -> None:
    annotation = make_annotation(session, world["card"], kind="resistance")
    url = f"/annotations/{annotation.id}/status"
    before = dump(db)
    empty = client.post(
        url, data={"version": 1, "status": "resolved", "resolution": ""}, headers=HX
    )
    assert empty.status_code == 422
    assert 'role="alert"' in empty.text and "Lösung:" in empty.text
    assert trigger(empty)["focus"] == f"annotation-{annotation.id}-resolution"
    assert dump(db) == before
    annotations.update_annotation(
        session,
        annotation_id=annotation.id,
        data=AnnotationUpdate(version=1, severity="high"),
        actor="Jana Kuhn",
    )
    before = dump(db)
    stale = client.post(
        url,
        data={"version": 1, "status": "resolved", "resolution": "Dienstvereinbarung steht."},
        headers=HX,
    )
    assert stale.status_code == 409
    assert "Jana Kuhn hat diesen Eintrag inzwischen geändert" in stale.text
    assert ">Dienstvereinbarung steht.</textarea>" in stale.text
    assert 'name="version" value="2"' in stale.text
    assert dump(db) == before
    done = client.post(
        url,
        data={"version": 2, "status": "resolved", "resolution": "Dienstvereinbarung steht."},
        headers=HX,
    )
    assert done.status_code == 200
    assert trigger(done)["message"] == "Widerstand gelöst."
    assert "Gelöst am" in done.text and "Dienstvereinbarung steht." in done.text


def test_notes_edits_and_reopening_through_the_forms(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    annotation = make_annotation(session, world["card"])
    noted = client.post(
        f"/annotations/{annotation.id}/notes", data={"text": "Termin am 3.12."}, headers=HX
    )
    assert noted.status_code == 200 and trigger(noted)["message"] == "Notiz hinzugefügt."
    assert "Termin am 3.12." in noted.text and "in Diskussion" in noted.text
    edited = client.post(
        f"/annotations/{annotation.id}",
        data={"version": 2, "kind": "concern", "text": "Neu gefasst", "severity": "low"},
        headers=HX,
    )
    assert edited.status_code == 200 and trigger(edited)["message"] == "Bedenken gespeichert."
    withdrawn = client.post(
        f"/annotations/{annotation.id}/status",
        data={"version": 3, "status": "withdrawn", "reason": "Doppelt"},
        headers=HX,
    )
    assert "Zurückgezogen am" in withdrawn.text and "Wieder öffnen" in withdrawn.text
    reopened = client.post(
        f"/annotations/{annotation.id}/status", data={"version": 4, "status": "open"}, headers=HX
    )
    assert trigger(reopened)["message"] == "Bedenken wieder geöffnet."


def test_plain_form_posts_redirect_to_the_annotation_on_the_card_page(
    client: TestClient, world: dict[str, Any]
) -> None:
    card = world["card"]
    response = client.post(
        f"/cards/{card.id}/annotations",
        data={"kind": "concern", "text": "Ohne Skript erfasst"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert re.fullmatch(rf"/cards/{card.id}#annotation-\d+", response.headers["location"])
    page = client.get(response.headers["location"].split("#")[0])
    assert "<html" in page.text and "Ohne Skript erfasst" in page.text


def test_viewers_see_the_section_without_forms_and_may_not_post(
    app: FastAPI, session: Session, db: Database, world: dict[str, Any]
) -> None:
    make_annotation(session, world["card"], text="Sichtbar für alle")
    viewer = bearer(app, db, make_user(session, role=Role.viewer))
    page = viewer.get(f"/cards/{world['card'].id}", headers=HX)
    assert "Sichtbar für alle" in page.text
    assert "/annotations" not in re.sub(r'href="[^"]*"', "", page.text).split("card-detail", 1)[1]
    before = dump(db)
    refused = viewer.post(
        f"/cards/{world['card'].id}/annotations", data={"kind": "concern", "text": "x"}
    )
    assert refused.status_code == 403
    assert dump(db) == before


def at(days: float) -> Any:
    return clock.frozen_at(datetime(2026, 11, 2, 9, 0, tzinfo=UTC) + timedelta(days=days))


def days_ago(days: float) -> Any:
    """The app answers in its own threads at the real time: write the past relative to it."""
    return clock.frozen_at(datetime.now(UTC) - timedelta(days=days))


def test_the_verlauf_reads_as_a_german_timeline_newest_first(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    board = world["board"]
    phases = boards.list_phases(session, board_id=board.id)
    with at(0):
        card = make_card(session, board, title="Mängelmelder", department_id=world["bau"].id)
    with at(1):
        moved = cards.move_card(
            session,
            card_id=card.id,
            move=CardMove(phase_id=phases[1].id, position=0, version=1),
            actor="Jana Kuhn",
        )
    with at(2):
        cards.update_card(
            session,
            card_id=card.id,
            data=CardUpdate(version=moved.version, priority="high", lotse_id=world["jana"].id),
            actor="Dana Weber",
        )
    with at(3):
        raised = make_annotation(
            session,
            card,
            kind="resistance",
            text="Der Bauhof will keine Meldungen am Wochenende bearbeiten.",
            severity="high",
            category_id=world["privacy"].id,
        )
    with at(4):
        annotations.add_note(
            session,
            annotation_id=raised.id,
            data=NoteCreate(text="Rufbereitschaft wird geprüft."),
            actor="Jana Kuhn",
        )
    with at(5):
        annotations.update_annotation(
            session,
            annotation_id=raised.id,
            data=AnnotationUpdate(
                version=2, status="resolved", resolution="Rufbereitschaft steht."
            ),
            actor="Dana Weber",
        )
    page = client.get(f"/cards/{card.id}/verlauf", headers=HX)
    entries = page.text.split('<li class="timeline__entry">')[1:]
    lines = [" ".join(re.sub(r"<[^>]+>", " ", entry).split()) for entry in entries]
    assert lines == [
        "07.11.26, 10:00 · Dana Weber Widerstand gelöst Rufbereitschaft steht.",
        "06.11.26, 10:00 · Jana Kuhn Notiz ergänzt (Widerstand) Rufbereitschaft wird geprüft.",
        "05.11.26, 10:00 · Test Widerstand erfasst Schwere: hoch Kategorie: Datenschutz "
        "Fachbereich: BA Der Bauhof will keine Meldungen am Wochenende bearbeiten.",
        "04.11.26, 10:00 · Dana Weber Bearbeitet Lotse: – → Jana Kuhn Priorität: normal → hoch",
        "03.11.26, 10:00 · Jana Kuhn Verschoben von „Ideenspeicher“ nach „Priorisiert“",
        "02.11.26, 10:00 · Test Angelegt in „Ideenspeicher“",
    ]


def test_a_long_verlauf_comes_in_pages(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    card = world["card"]
    version = card.version
    for number in range(30):
        changed = cards.update_card(
            session,
            card_id=card.id,
            data=CardUpdate(version=version, title=f"Fassung {number}"),
            actor=ACTOR,
        )
        version = changed.version
    first = client.get(f"/cards/{card.id}", headers=HX)
    assert first.text.count('class="timeline__entry"') == 25
    older = re.search(r'hx-get="(/cards/\d+/verlauf\?before=\d+)"', first.text)
    assert older is not None and "Ältere Einträge anzeigen" in first.text
    rest = client.get(older.group(1), headers=HX)
    assert rest.text.count('class="timeline__entry"') == 6  # five edits and the creation
    assert "Angelegt in" in rest.text and "Ältere Einträge" not in rest.text
    assert "„Fassung 3“ → „Fassung 4“" in rest.text


def test_the_overview_groups_filters_and_counts(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    board, card = world["board"], world["card"]
    sozial = make_department(session, name="Sozialamt", code="SO")
    other = make_card(session, board, title="Wohngeld online", department_id=sozial.id)
    with days_ago(10):
        make_annotation(session, card, text="Alter Punkt", category_id=world["privacy"].id)
    with days_ago(7):
        make_annotation(session, card, kind="resistance", text="Neuer Punkt")
        settled = make_annotation(session, other, text="Erledigter Punkt")
    with days_ago(5):
        annotations.update_annotation(
            session,
            annotation_id=settled.id,
            data=AnnotationUpdate(version=1, status="resolved", resolution="ok"),
            actor=ACTOR,
        )
    page = client.get(f"/boards/{board.id}/bedenken")
    text = page.text
    assert page.status_code == 200 and "2 offen, 1 gelöst oder zurückgezogen" in text
    # The department filter names each department beside its short code.
    assert re.search(r'<span class="dept"[^>]*>BA</span> Bauamt</label>', text)
    # Department groups by name; open first, oldest first within each.
    groups = text[text.index("2 offen, 1 gelöst") :]
    assert groups.index("Bauamt") < groups.index("Sozialamt")
    assert text.index("Alter Punkt") < text.index("Neuer Punkt")
    assert "seit 10 Tagen offen" in text and "seit 7 Tagen offen" in text
    assert "nach 2 Tagen" in text
    assert "Offene Bedenken und Widerstände je Fachbereich, letzte 12 Wochen" in text
    filtered = client.get(f"/boards/{board.id}/bedenken?kind=resistance&group=category")
    assert "Neuer Punkt" in filtered.text and "Alter Punkt" not in filtered.text
    assert "Ohne Kategorie" in filtered.text
    fragment = client.get(f"/boards/{board.id}/bedenken?status=resolved", headers=HX)
    assert fragment.text.lstrip().startswith('<div id="board-view" class="overview"')
    assert "Erledigter Punkt" in fragment.text and "Alter Punkt" not in fragment.text


def test_the_board_shows_markers_blocked_state_wip_and_filters(
    client: TestClient, session: Session
) -> None:
    board = make_board(
        session,
        phases=[PhaseCreate(name="Umsetzung", wip_limit=2, wip_mode=WipMode.block)],
    )
    calm = make_card(session, board, title="Ruhige Maßnahme")
    busy = make_card(session, board, title="Umstrittene Maßnahme")
    make_annotation(session, busy, kind="resistance", severity="medium")
    make_annotation(session, busy, kind="resistance", severity="high")
    make_annotation(
        session, busy, kind="concern", severity="low", blocks_card=True, text="Förderbescheid fehlt"
    )
    page = client.get(f"/boards/{board.id}")
    assert "2 Widerstände · hoch" in page.text
    assert "2 offene Widerstände, höchste Schwere: hoch" in page.text
    assert "1 Bedenken · niedrig" in page.text
    assert "Blockiert: Förderbescheid fehlt" in page.text
    assert "card--blocked" in page.text
    # One of the two cards is blocked: it takes no WIP slot.
    assert '<span aria-hidden="true">1 / 2</span>' in page.text
    assert "+1 blockiert (zählt nicht)" in page.text
    blocked = client.get(f"/boards/{board.id}?blocked=1")
    assert f'id="card-{busy.id}"' in blocked.text and f'id="card-{calm.id}"' not in blocked.text
    assert "1 von 2 Maßnahmen" in blocked.text
    resisting = client.get(f"/boards/{board.id}?open_annotations=resistance")
    assert f'id="card-{calm.id}"' not in resisting.text
    assert '<option value="resistance" selected>' in resisting.text


def test_the_wall_screen_shows_markers_and_the_tally_per_department(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    board, card = world["board"], world["card"]
    make_annotation(session, card, kind="resistance")
    make_annotation(session, card, kind="concern")
    plain, _link = tokens.create_screen_link(session, board_id=board.id, name="TV", actor=ACTOR)
    screen = TestClient(client.app).get(f"/screen/{plain}")
    assert screen.status_code == 200
    assert '<h2 class="tally__title">Offen: ' in screen.text
    tally = screen.text.split('id="annotation-tally"', 1)[1]
    assert 'title="Bauamt">BA</span>' in tally and "1 Widerstand" in tally and "1 Bedenken" in tally
    assert 'data-short="1"' in screen.text


def test_admins_keep_the_categories_lotsen_may_not(
    app: FastAPI, client: TestClient, session: Session, db: Database
) -> None:
    make_category(session, name="Datenschutz")
    page = client.get("/settings/annotation-categories")
    assert "Kategorien für Bedenken und Widerstände" in page.text
    added = client.post(
        "/settings/annotation-categories", data={"name": "Barrierefreiheit"}, follow_redirects=False
    )
    assert added.status_code == 303

    def names() -> list[str]:
        listed = client.get("/settings/annotation-categories").text
        return re.findall(r'name="name" value="([^"]+)"', listed)

    assert names() == ["Datenschutz", "Barrierefreiheit"]
    session.rollback()
    [new_id] = [c.id for c in annotations.list_categories(session) if c.name == "Barrierefreiheit"]
    session.rollback()  # end the read, so this session may write again below
    # Positions count from 1 on the page: 1 puts it first.
    moved = client.post(
        f"/settings/annotation-categories/{new_id}",
        data={"name": "Barrierefreiheit", "position": "1", "active": "true"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert names() == ["Barrierefreiheit", "Datenschutz"]
    lotse = bearer(app, db, make_user(session, role=Role.lotse))
    before = dump(db)
    assert lotse.get("/settings/annotation-categories").status_code == 403
    assert lotse.post("/settings/annotation-categories", data={"name": "X"}).status_code == 403
    assert dump(db) == before


def _count_queries(client: TestClient, url: str) -> int:
    """The SQL statements the app under test sends while answering `url`."""
    engine = client.app.state.db.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert statements, "no statement seen: listening on the wrong engine?"
    return len(statements)


def _fill(session: Session, board_id: int, phase_ids: list[int], cards_count: int) -> None:
    """Many cards, each with open and closed annotations of both kinds (rows written directly:
    the query count, not the service, is under test)."""
    category = make_category(session)
    rows = [
        Card(board_id=board_id, phase_id=phase_ids[i % len(phase_ids)], position=i, title=f"K{i}")
        for i in range(cards_count)
    ]
    session.add_all(rows)
    session.flush()
    for index, card in enumerate(rows):
        for kind, status in (
            ("concern", "open"),
            ("resistance", "discussing"),
            ("concern", "resolved"),
        ):
            session.add(
                Annotation(
                    card_id=card.id,
                    kind=kind,
                    text="Punkt",
                    status=status,
                    blocks_card=index % 3 == 0,
                    category_id=category.id,
                    created_by=ACTOR,
                )
            )
    session.commit()


def test_the_board_page_costs_the_same_queries_for_10_or_500_cards_with_annotations(
    client: TestClient, session: Session, db: Database
) -> None:
    small, large = make_board(session, name="Klein"), make_board(session, name="Groß")
    for board, count in ((small, 10), (large, 500)):
        phase_ids = [p.id for p in boards.list_phases(session, board_id=board.id)]
        _fill(session, board.id, phase_ids, count)
    client.get("/")  # the token's once-a-while bookkeeping is not the board's cost
    for path in ("/boards/{}", "/boards/{}?group=department", "/boards/{}?open_annotations=any"):
        queries = [_count_queries(client, path.format(board.id)) for board in (small, large)]
        assert queries[0] == queries[1], (path, queries)
    screens = []
    for board in (small, large):
        link, _l = tokens.create_screen_link(session, board_id=board.id, name="TV", actor=ACTOR)
        screens.append(_count_queries(client, f"/screen/{link}"))
    assert screens[0] == screens[1]
