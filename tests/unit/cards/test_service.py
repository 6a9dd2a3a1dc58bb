from datetime import date

import pytest
from sqlmodel import Session

from app.boards import service as boards
from app.boards.models import PhaseUpdate, WipMode
from app.cards import queries
from app.cards import service as cards
from app.cards.models import CardFilter, CardMove, CardUpdate, Priority
from app.errors import Conflict, InvalidInput, VersionConflict, WipLimitReached
from app.events import names
from app.events import service as events
from app.people import service as people
from app.people.models import DepartmentUpdate
from tests.factories import ACTOR, make_board, make_card, make_department, make_lotse, phases_of
from tests.helpers import assert_gapless_seqs, assert_valid_order


def ids_in(session: Session, board_id: int, phase_index: int) -> list[int]:
    view = queries.board_view(session, board_id=board_id)
    return [card.id for card in view.phases[phase_index].cards]


def move(session: Session, card, phase_id: int, position: int):  # type: ignore[no-untyped-def]
    return cards.move_card(
        session,
        card_id=card.id,
        move=CardMove(phase_id=phase_id, position=position, version=card.version),
        actor=ACTOR,
    )


def test_create_appends_at_end_or_inserts_at_position(session: Session) -> None:
    board = make_board(session)
    a, b = make_card(session, board), make_card(session, board)
    c = make_card(session, board, position=0)
    d = make_card(session, board, position=99)
    assert ids_in(session, board.id, 0) == [c.id, a.id, b.id, d.id]
    assert_valid_order(session, board.id)


def test_create_logs_the_full_card(session: Session) -> None:
    board = make_board(session)
    department = make_department(session, name="Bauamt", code="BA")
    lotse = make_lotse(session, name="Jana Kuhn", department_id=department.id)
    card = make_card(
        session,
        board,
        title="Digitaler Bauantrag",
        department_id=department.id,
        lotse_id=lotse.id,
        priority=Priority.high,
        due_date=date(2026, 12, 1),
        tags=["OZG", "Bürgerservice", "OZG"],
    )
    assert card.tags == ["Bürgerservice", "OZG"]
    event = events.list_events(session, board_id=board.id)[-1]
    assert (event.type, event.card_id) == (names.CARD_CREATED, card.id)
    assert event.payload["after"]["title"] == "Digitaler Bauantrag"
    assert event.payload["after"]["due_date"] == "2026-12-01"


def test_inactive_or_unknown_department_and_lotse_are_refused(session: Session) -> None:
    board = make_board(session)
    department = make_department(session)
    people.update_department(
        session, department_id=department.id, data=DepartmentUpdate(active=False), actor=ACTOR
    )
    for overrides in ({"department_id": department.id}, {"department_id": 999}, {"lotse_id": 999}):
        with pytest.raises(InvalidInput):
            make_card(session, board, **overrides)
        session.rollback()
    assert queries.list_cards(session, board_id=board.id) == []


def test_card_keeps_a_department_that_was_deactivated_later(session: Session) -> None:
    board = make_board(session)
    department = make_department(session)
    card = make_card(session, board, department_id=department.id)
    people.update_department(
        session, department_id=department.id, data=DepartmentUpdate(active=False), actor=ACTOR
    )
    # Editing something else must not trip over the old assignment.
    edited = cards.update_card(
        session, card_id=card.id, data=CardUpdate(version=card.version, title="Neu"), actor=ACTOR
    )
    assert (edited.department_id, edited.title) == (department.id, "Neu")


def test_update_bumps_version_and_logs_only_changed_fields(session: Session) -> None:
    board = make_board(session)
    card = make_card(session, board, title="Alt", tags=["a"])
    updated = cards.update_card(
        session,
        card_id=card.id,
        data=CardUpdate(version=1, title="Neu", tags=["a", "b"]),
        actor="Jana Kuhn",
    )
    assert (updated.version, updated.title, updated.tags) == (2, "Neu", ["a", "b"])
    event = events.list_events(session, board_id=board.id)[-1]
    assert event.actor == "Jana Kuhn"
    assert event.payload["before"] == {"title": "Alt", "tags": ["a"]}
    assert event.payload["after"] == {"title": "Neu", "tags": ["a", "b"]}


def test_stale_version_fails_with_current_card_and_changes_nothing(session: Session) -> None:
    board = make_board(session)
    card = make_card(session, board)
    cards.update_card(
        session, card_id=card.id, data=CardUpdate(version=1, title="Erste"), actor="Anna"
    )
    seq = boards.get_board(session, board_id=board.id).last_seq
    with pytest.raises(VersionConflict) as raised:
        cards.update_card(
            session, card_id=card.id, data=CardUpdate(version=1, title="Zweite"), actor="Ben"
        )
    session.rollback()
    assert raised.value.extra["current"]["title"] == "Erste"
    assert raised.value.extra["current"]["version"] == 2
    assert raised.value.extra["changed_by"]["actor"] == "Anna"
    assert queries.get_card(session, card_id=card.id).title == "Erste"
    assert boards.get_board(session, board_id=board.id).last_seq == seq


def test_moves_keep_a_valid_order(session: Session) -> None:
    board = make_board(session)
    first, second = phases_of(session, board)[:2]
    made = [make_card(session, board) for _ in range(5)]
    moved = move(session, made[0], first.id, 3)
    assert ids_in(session, board.id, 0) == [
        made[1].id,
        made[2].id,
        made[3].id,
        made[0].id,
        made[4].id,
    ]
    assert moved.version == 2
    move(session, made[4], second.id, 0)
    move(session, made[2], second.id, 0)
    assert ids_in(session, board.id, 1) == [made[2].id, made[4].id]
    assert ids_in(session, board.id, 0) == [made[1].id, made[3].id, made[0].id]
    assert_valid_order(session, board.id)
    assert_gapless_seqs(session, board.id)


def test_move_position_is_clamped_and_noop_logs_nothing(session: Session) -> None:
    board = make_board(session)
    second = phases_of(session, board)[1]
    card = make_card(session, board)
    make_card(session, board, phase_id=second.id)
    card = move(session, card, second.id, 500)
    assert card.position == 1
    seq = boards.get_board(session, board_id=board.id).last_seq
    same = move(session, card, second.id, 1)
    assert same.version == card.version
    assert boards.get_board(session, board_id=board.id).last_seq == seq


def test_move_event_records_before_and_after(session: Session) -> None:
    board = make_board(session)
    second = phases_of(session, board)[1]
    card = make_card(session, board)
    source_id = card.phase_id
    move(session, card, second.id, 0)
    event = events.list_events(session, board_id=board.id)[-1]
    assert event.type == names.CARD_MOVED
    assert event.payload["before"] == {"phase_id": source_id, "position": 0}
    assert event.payload["after"] == {"phase_id": second.id, "position": 0}
    assert event.payload["version"] == 2


def test_blocking_wip_limit_refuses_and_warning_limit_allows(session: Session) -> None:
    board = make_board(session)
    first, second, third = phases_of(session, board)[:3]
    boards.update_phase(
        session,
        board_id=board.id,
        phase_id=second.id,
        data=PhaseUpdate(wip_limit=1, wip_mode=WipMode.block),
        actor=ACTOR,
    )
    boards.update_phase(
        session, board_id=board.id, phase_id=third.id, data=PhaseUpdate(wip_limit=1), actor=ACTOR
    )
    a, b = make_card(session, board), make_card(session, board)
    move(session, a, second.id, 0)
    with pytest.raises(WipLimitReached):
        move(session, b, second.id, 0)
    session.rollback()
    assert queries.get_card(session, card_id=b.id).phase_id == first.id
    with pytest.raises(WipLimitReached):
        make_card(session, board, phase_id=second.id)
    session.rollback()
    # Reordering inside a full blocking phase is fine.
    b = move(session, b, third.id, 0)
    c = make_card(session, board)
    c = move(session, c, third.id, 0)
    assert events.list_events(session, board_id=board.id)[-1].payload["wip_exceeded"] is True
    view = queries.board_view(session, board_id=board.id)
    assert (view.phases[2].total, view.phases[2].over_limit) == (2, True)


def test_archive_closes_gap_and_restore_appends(session: Session) -> None:
    board = make_board(session)
    a, b, c = (make_card(session, board) for _ in range(3))
    b = cards.archive_card(session, card_id=b.id, version=b.version, actor=ACTOR)
    assert ids_in(session, board.id, 0) == [a.id, c.id]
    assert_valid_order(session, board.id)
    with pytest.raises(Conflict):
        move(session, b, b.phase_id, 0)
    session.rollback()
    archived = queries.list_cards(session, board_id=board.id, filters=CardFilter(archived=True))
    assert [card.id for card in archived] == [b.id]
    b = cards.restore_card(session, card_id=b.id, version=b.version, actor=ACTOR)
    assert ids_in(session, board.id, 0) == [a.id, c.id, b.id]
    assert [e.type for e in events.list_card_events(session, card_id=b.id)] == [
        names.CARD_CREATED,
        names.CARD_ARCHIVED,
        names.CARD_RESTORED,
    ]


def test_filters_combine(session: Session) -> None:
    board = make_board(session)
    bauamt = make_department(session, name="Bauamt", code="BA")
    kaemmerei = make_department(session, name="Kämmerei", code="KÄ")
    lotse = make_lotse(session, department_id=bauamt.id)
    hit = make_card(
        session,
        board,
        title="E-Akte Bauantrag",
        department_id=bauamt.id,
        lotse_id=lotse.id,
        tags=["OZG"],
    )
    make_card(session, board, title="E-Rechnung", department_id=kaemmerei.id, tags=["OZG"])
    make_card(session, board, title="Sonstiges 100%", description="bauantrag im Text")

    def found(**filters):  # type: ignore[no-untyped-def]
        return {
            c.id
            for c in queries.list_cards(session, board_id=board.id, filters=CardFilter(**filters))
        }

    assert found(department=[bauamt.id]) == {hit.id}
    assert len(found(department=[bauamt.id, kaemmerei.id])) == 2
    assert found(lotse=[lotse.id]) == {hit.id}
    assert len(found(tag=["OZG"])) == 2
    assert found(tag=["OZG", "nirgends"]) == found(tag=["OZG"])  # repeated: any of them
    assert found(tag=["OZG"], department=[kaemmerei.id]) == found(q="rechnung")
    assert len(found(q="BAUANTRAG")) == 2
    assert len(found(q="100%")) == 1 and found(q="%") == found(q="100%")
    assert found(phase=[phases_of(session, board)[1].id]) == set()
