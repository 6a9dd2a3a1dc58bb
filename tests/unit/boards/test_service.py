import pytest
from sqlmodel import Session, select

from app.boards import service as boards
from app.boards.models import BoardUpdate, PhaseCreate, PhaseUpdate, WipMode
from app.cards import queries
from app.cards import service as cards
from app.cards.models import CardCreate
from app.errors import Conflict, InvalidInput, NotFound
from app.events import names
from app.events import service as events
from app.events.models import Event
from tests.factories import ACTOR, make_board, make_card, phases_of
from tests.helpers import assert_gapless_seqs, assert_valid_order


def test_new_board_gets_standard_phases_and_logs_creation(session: Session) -> None:
    board = make_board(session, name="Maßnahmen 2026")
    phases = phases_of(session, board)
    assert [p.name for p in phases] == ["Ideenspeicher", "Priorisiert", "In Umsetzung", "Erledigt"]
    assert [p.position for p in phases] == [0, 1, 2, 3]
    assert [p.is_done for p in phases] == [False, False, False, True]
    [event] = events.list_events(session, board_id=board.id)
    assert (event.seq, event.type, event.actor) == (1, names.BOARD_CREATED, ACTOR)
    assert event.payload["after"]["name"] == "Maßnahmen 2026"
    assert len(event.payload["phases"]) == 4


def test_board_with_duplicate_phase_names_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput):
        make_board(session, phases=[PhaseCreate(name="A"), PhaseCreate(name="A")])
    assert boards.list_boards(session) == []


def test_rename_logs_before_and_after(session: Session) -> None:
    board = make_board(session, name="Alt")
    boards.update_board(session, board_id=board.id, data=BoardUpdate(name="Neu"), actor=ACTOR)
    last = events.list_events(session, board_id=board.id)[-1]
    assert last.type == names.BOARD_UPDATED
    assert last.payload == {"before": {"name": "Alt"}, "after": {"name": "Neu"}}
    assert boards.get_board(session, board_id=board.id).name == "Neu"


def test_rename_to_same_name_logs_nothing(session: Session) -> None:
    board = make_board(session, name="Gleich")
    boards.update_board(session, board_id=board.id, data=BoardUpdate(name="Gleich"), actor=ACTOR)
    assert len(events.list_events(session, board_id=board.id)) == 1


def test_archived_board_refuses_card_changes_until_restored(session: Session) -> None:
    board = make_board(session)
    phase = phases_of(session, board)[0]
    boards.set_board_archived(session, board_id=board.id, archived=True, actor=ACTOR)
    assert boards.list_boards(session) == []
    with pytest.raises(Conflict):
        make_card(session, board, phase_id=phase.id)
    boards.set_board_archived(session, board_id=board.id, archived=False, actor=ACTOR)
    assert make_card(session, board, phase_id=phase.id).position == 0


def test_add_phase_at_index_renumbers(session: Session) -> None:
    board = make_board(session)
    boards.add_phase(
        session,
        board_id=board.id,
        data=PhaseCreate(name="Prozessanalyse", position=2, wip_limit=3, wip_mode=WipMode.block),
        actor=ACTOR,
    )
    phases = phases_of(session, board)
    assert [p.name for p in phases][:4] == [
        "Ideenspeicher",
        "Priorisiert",
        "Prozessanalyse",
        "In Umsetzung",
    ]
    assert [p.position for p in phases] == list(range(5))
    assert phases[2].wip_limit == 3 and phases[2].wip_mode == WipMode.block


def test_phase_names_are_unique_per_board(session: Session) -> None:
    board = make_board(session)
    other = make_board(session)
    with pytest.raises(Conflict):
        boards.add_phase(session, board_id=board.id, data=PhaseCreate(name="Erledigt"), actor=ACTOR)
    first = phases_of(session, board)[0]
    with pytest.raises(Conflict):
        boards.update_phase(
            session,
            board_id=board.id,
            phase_id=first.id,
            data=PhaseUpdate(name="Erledigt"),
            actor=ACTOR,
        )
    # Another board may use the name.
    boards.add_phase(session, board_id=other.id, data=PhaseCreate(name="Test/Pilot"), actor=ACTOR)
    boards.add_phase(session, board_id=board.id, data=PhaseCreate(name="Test/Pilot"), actor=ACTOR)


def test_update_phase_sets_wip_and_done_and_can_clear_limit(session: Session) -> None:
    board = make_board(session)
    phase = phases_of(session, board)[1]
    boards.update_phase(
        session,
        board_id=board.id,
        phase_id=phase.id,
        data=PhaseUpdate(wip_limit=4, wip_mode=WipMode.block, is_done=True),
        actor=ACTOR,
    )
    phase = boards.get_phase(session, phase_id=phase.id)
    assert (phase.wip_limit, phase.wip_mode, phase.is_done) == (4, WipMode.block, True)
    boards.update_phase(
        session, board_id=board.id, phase_id=phase.id, data=PhaseUpdate(wip_limit=None), actor=ACTOR
    )
    assert boards.get_phase(session, phase_id=phase.id).wip_limit is None


def test_phase_of_another_board_is_not_found(session: Session) -> None:
    board = make_board(session)
    other_phase = phases_of(session, make_board(session))[0]
    with pytest.raises(NotFound):
        boards.update_phase(
            session,
            board_id=board.id,
            phase_id=other_phase.id,
            data=PhaseUpdate(name="X"),
            actor=ACTOR,
        )


def test_reorder_needs_every_phase_once(session: Session) -> None:
    board = make_board(session)
    ids = [p.id for p in phases_of(session, board)]
    for bad in (ids[:-1], [*ids, ids[0]], [*ids[:-1], 999_999]):
        with pytest.raises(InvalidInput):
            boards.reorder_phases(session, board_id=board.id, phase_ids=bad, actor=ACTOR)
    assert [p.id for p in phases_of(session, board)] == ids
    boards.reorder_phases(session, board_id=board.id, phase_ids=ids[::-1], actor=ACTOR)
    assert [p.id for p in phases_of(session, board)] == ids[::-1]
    assert events.list_events(session, board_id=board.id)[-1].type == names.PHASES_REORDERED


def test_removing_a_phase_with_cards_and_no_target_fails_and_loses_nothing(
    session: Session,
) -> None:
    board = make_board(session)
    source = phases_of(session, board)[1]
    made = [make_card(session, board, phase_id=source.id) for _ in range(3)]
    seq_before = boards.get_board(session, board_id=board.id).last_seq
    with pytest.raises(Conflict) as raised:
        boards.remove_phase(
            session, board_id=board.id, phase_id=source.id, target_phase_id=None, actor=ACTOR
        )
    assert raised.value.extra["card_count"] == 3
    session.rollback()
    assert boards.get_phase(session, phase_id=source.id).name == source.name
    kept = queries.list_cards(session, board_id=board.id)
    assert [c.id for c in kept] == [c.id for c in made]
    assert all(c.phase_id == source.id for c in kept)
    assert boards.get_board(session, board_id=board.id).last_seq == seq_before


def test_removing_a_phase_moves_every_card_to_the_target(session: Session) -> None:
    board = make_board(session)
    source, target = phases_of(session, board)[1], phases_of(session, board)[2]
    existing = make_card(session, board, phase_id=target.id)
    moving = [make_card(session, board, phase_id=source.id) for _ in range(3)]
    archived = make_card(session, board, phase_id=source.id)
    cards.archive_card(session, card_id=archived.id, version=archived.version, actor=ACTOR)

    boards.remove_phase(
        session, board_id=board.id, phase_id=source.id, target_phase_id=target.id, actor=ACTOR
    )

    in_target = [c.id for c in queries.board_view(session, board_id=board.id).phases[1].cards]
    assert in_target == [existing.id, *[c.id for c in moving]]
    assert queries.get_card(session, card_id=archived.id).phase_id == target.id
    assert [p.position for p in phases_of(session, board)] == [0, 1, 2]
    removal = events.list_events(session, board_id=board.id)[-1]
    assert removal.type == names.PHASE_REMOVED
    assert sorted(removal.payload["card_ids"]) == sorted([*(c.id for c in moving), archived.id])
    assert_valid_order(session, board.id)
    assert_gapless_seqs(session, board.id)


def test_remove_phase_target_must_be_another_phase_of_the_board(session: Session) -> None:
    board = make_board(session)
    phase = phases_of(session, board)[0]
    foreign = phases_of(session, make_board(session))[0]
    make_card(session, board, phase_id=phase.id)
    for target in (phase.id, foreign.id, 424242):
        with pytest.raises(InvalidInput):
            boards.remove_phase(
                session, board_id=board.id, phase_id=phase.id, target_phase_id=target, actor=ACTOR
            )
        session.rollback()
    assert len(phases_of(session, board)) == 4


def test_last_phase_cannot_be_removed(session: Session) -> None:
    board = make_board(session, phases=[PhaseCreate(name="Einzige")])
    with pytest.raises(Conflict):
        boards.remove_phase(
            session,
            board_id=board.id,
            phase_id=phases_of(session, board)[0].id,
            target_phase_id=None,
            actor=ACTOR,
        )


def test_empty_phase_is_removed_without_target(session: Session) -> None:
    board = make_board(session)
    phase = phases_of(session, board)[0]
    boards.remove_phase(
        session, board_id=board.id, phase_id=phase.id, target_phase_id=None, actor=ACTOR
    )
    assert phase.id not in [p.id for p in phases_of(session, board)]
    # Events about the phase survive it.
    assert session.exec(select(Event).where(Event.type == names.PHASE_REMOVED)).one()


def test_card_create_in_foreign_phase_is_refused(session: Session) -> None:
    board = make_board(session)
    foreign = phases_of(session, make_board(session))[0]
    with pytest.raises(InvalidInput):
        cards.create_card(
            session, board_id=board.id, data=CardCreate(title="X", phase_id=foreign.id), actor=ACTOR
        )
