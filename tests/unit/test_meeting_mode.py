"""A Lotsentreffen held in meeting mode: arranging the agenda, stepping, attendance, minutes
entries, action items taken on, corrections after closing, what carries over."""

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from app import clock
from app.accounts.access import Forbidden, Principal
from app.accounts.models import Role
from app.annotations.models import Annotation
from app.cards import queries
from app.cards.models import Card
from app.cards.timeline import card_timeline
from app.errors import Conflict, InvalidInput
from app.meetings import service, sitting
from app.meetings.models import AgendaItemCreate, EntryKind, ItemKind, RunState, SeriesSet
from tests.factories import (
    ACTOR,
    make_annotation,
    make_board,
    make_card,
    make_department,
    make_lotse,
    make_user,
)

BERLIN = ZoneInfo("Europe/Berlin")
FIRST = date(2026, 11, 3)
SECOND = date(2026, 11, 17)


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    """A board with two departments reporting, a topic with a measure, and a lotse each."""
    with clock.frozen_at(at(10, 20)):
        board = make_board(session, name="Maßnahmen")
        bau = make_department(session, name="Bauamt", code="BA")
        sozial = make_department(session, name="Sozialamt", code="SO")
        anna = make_lotse(session, name="Anna Berg", department_id=bau.id)
        ben = make_lotse(session, name="Ben Kurz", department_id=sozial.id)
        rhythm = SeriesSet(first_date=FIRST, start_time=time(10, 0))
        service.set_series(session, board_id=board.id, data=rhythm, actor=ACTOR)
    with clock.frozen_at(at(10, 28)):
        portal = make_card(session, board, title="Bauportal", department_id=bau.id)
        make_card(session, board, title="Wohngeld online", department_id=sozial.id)
        concern = make_annotation(session, portal, text="Datenschutz ungeklärt")
    with clock.frozen_at(at(11, 2)):
        topic = service.add_item(
            session,
            board_id=board.id,
            day=FIRST,
            data=AgendaItemCreate(title="Schnittstelle Fachverfahren", card_id=portal.id),
            actor="Anna Berg",
        )
    return {
        "board": board,
        "bau": bau,
        "sozial": sozial,
        "anna": anna,
        "ben": ben,
        "portal": portal,
        "concern": concern,
        "topic": topic,
    }


def keys(session: Session, board: Any, day: date = FIRST) -> list[str]:
    return [p.key for p in sitting.plan(session, board=board, day=day).points]


def test_the_agenda_lists_topics_then_one_point_per_department_until_arranged(
    session: Session, world: dict[str, Any]
) -> None:
    board, bau, sozial = world["board"], world["bau"], world["sozial"]
    with clock.frozen_at(at(11, 2, 12)):
        found = sitting.plan(session, board=board, day=FIRST)
        assert [p.key for p in found.points] == [
            f"t{world['topic'].id}",
            f"d{bau.id}",
            f"d{sozial.id}",
        ]
        assert [p.title for p in found.points] == [
            "Schnittstelle Fachverfahren",
            "Bauamt",
            "Sozialamt",
        ]
        # Nothing generated is stored before it is arranged: it follows the log.
        assert [p.item.id is None for p in found.points] == [False, True, True]
        assert found.points[1].card_ids == [world["portal"].id]

        moved = sitting.move(
            session, board=board, day=FIRST, key=f"d{sozial.id}", step=-2, actor=ACTOR
        )
        assert [p.key for p in moved.points] == [
            f"d{sozial.id}",
            f"t{world['topic'].id}",
            f"d{bau.id}",
        ]
        sitting.timebox(session, board=board, day=FIRST, key=f"d{bau.id}", minutes=15, actor=ACTOR)
        sitting.merge(
            session,
            board=board,
            day=FIRST,
            key=f"t{world['topic'].id}",
            into=f"d{bau.id}",
            actor=ACTOR,
        )
        merged = sitting.plan(session, board=board, day=FIRST)
        assert [p.key for p in merged.points] == [f"d{sozial.id}", f"d{bau.id}"]
        assert merged.points[1].item.minutes == 15
        assert [i.title for i in merged.points[1].merged] == ["Schnittstelle Fachverfahren"]
        assert merged.points[1].card_ids == [world["portal"].id]
        sitting.drop(session, board=board, day=FIRST, key=f"d{sozial.id}", actor=ACTOR)
        assert keys(session, board) == [f"d{bau.id}"]

        with pytest.raises(InvalidInput):
            sitting.arrange(session, board=board, day=FIRST, order=["d1", "x"], actor=ACTOR)
        with pytest.raises(InvalidInput):
            sitting.merge(
                session, board=board, day=FIRST, key=f"d{bau.id}", into=f"d{bau.id}", actor=ACTOR
            )


def test_meeting_mode_from_start_to_minutes_and_what_carries_over(
    session: Session, world: dict[str, Any]
) -> None:
    board, bau = world["board"], world["bau"]
    anna, ben, portal = world["anna"], world["ben"], world["portal"]
    topic_key = f"t{world['topic'].id}"
    with clock.frozen_at(at(11, 3, 7)), pytest.raises(Conflict, match="two hours"):
        sitting.start(session, board=board, day=FIRST, actor=ACTOR)
    with clock.frozen_at(at(11, 3, 9, 55)):
        found = sitting.start(session, board=board, day=FIRST, actor=ACTOR)
        assert found.state == RunState.running
        assert found.current is not None and found.current.key == topic_key
        # Begun early: the period ends now, and the agenda is fixed.
        assert found.agenda.end == at(11, 3, 9, 55)
        with pytest.raises(Conflict, match="fixed"):
            sitting.drop(session, board=board, day=FIRST, key=topic_key, actor=ACTOR)
        with pytest.raises(Conflict, match="begun"):
            service.add_item(
                session,
                board_id=board.id,
                day=FIRST,
                data=AgendaItemCreate(title="Zu spät"),
                actor=ACTOR,
            )
        version = found.run.version
    with clock.frozen_at(at(11, 3, 10, 5)):
        sitting.attend(session, board=board, day=FIRST, lotse_id=anna.id, present=True, actor=ACTOR)
        decision = sitting.add_entry(
            session,
            board=board,
            day=FIRST,
            key=topic_key,
            kind=EntryKind.decision,
            text="Die Schnittstelle wird 2027 ausgeschrieben.",
            lotse_id=None,
            due_date=None,
            actor=ACTOR,
        )
        assert decision.card_id == portal.id
        action = sitting.add_entry(
            session,
            board=board,
            day=FIRST,
            key=topic_key,
            kind=EntryKind.action,
            text="Datenschutzbeauftragte einbinden",
            lotse_id=anna.id,
            due_date=date(2026, 11, 14),
            actor=ACTOR,
        )
        with pytest.raises(InvalidInput, match="lotse"):
            sitting.add_entry(
                session,
                board=board,
                day=FIRST,
                key=topic_key,
                kind=EntryKind.action,
                text="Ohne wen",
                lotse_id=None,
                due_date=date(2026, 11, 14),
                actor=ACTOR,
            )
        # Stepping names the version seen: a second laptop's stale step is refused.
        run = sitting.step(
            session, board=board, day=FIRST, key=f"d{bau.id}", version=version, actor=ACTOR
        )
        with pytest.raises(Conflict, match="moved on"):
            sitting.step(
                session, board=board, day=FIRST, key=topic_key, version=version, actor=ACTOR
            )
        sitting.action_to_next_step(
            session,
            board=board,
            entry_id=action.id,
            annotation_id=world["concern"].id,
            actor=ACTOR,
        )
        concern = session.get(Annotation, world["concern"].id)
        session.refresh(concern)
        assert (concern.next_step, concern.next_step_lotse_id) == (
            "Datenschutzbeauftragte einbinden",
            anna.id,
        )
        assert concern.next_step_date == date(2026, 11, 14)
        second = sitting.add_entry(
            session,
            board=board,
            day=FIRST,
            key=f"d{bau.id}",
            kind=EntryKind.action,
            text="Bauantrag-Formular prüfen",
            lotse_id=ben.id,
            due_date=date(2026, 11, 30),
            actor=ACTOR,
        )
        card = sitting.action_to_card(
            session, board=board, entry_id=second.id, phase_id=None, actor=ACTOR
        )
        made = session.get(Card, card.id)
        assert (made.title, made.lotse_id, made.department_id) == (
            "Bauantrag-Formular prüfen",
            ben.id,
            bau.id,
        )
        assert made.due_date == date(2026, 11, 30)
        with pytest.raises(Conflict, match="taken on"):
            sitting.action_to_card(
                session, board=board, entry_id=second.id, phase_id=None, actor=ACTOR
            )
        run = sitting.close(session, board=board, day=FIRST, version=run.version, actor=ACTOR)
        assert (run.state, run.minutes_version, run.present) == (RunState.closed, 1, [anna.id])

    # The decision is in the measure's Verlauf.
    history = card_timeline(session, card=queries.get_card(session, card_id=portal.id))
    said = [(e.summary, e.quote) for e in history.entries]
    assert (
        "Beschluss des Lotsentreffens am 03.11.2026",
        "Die Schnittstelle wird 2027 ausgeschrieben.",
    ) in said, said

    with clock.frozen_at(at(11, 4)):
        # A correction after closing: a new version; the old wording is kept, superseded.
        fixed = sitting.correct_entry(
            session,
            board=board,
            entry_id=decision.id,
            text="Die Schnittstelle wird im ersten Quartal 2027 ausgeschrieben.",
            lotse_id=None,
            due_date=None,
            actor=ACTOR,
        )
        assert fixed.replaces_id == decision.id and fixed.minutes_version == 2
        run = sitting.get_run(session, board_id=board.id, day=FIRST)
        assert run.minutes_version == 2
        sitting.attend(session, board=board, day=FIRST, lotse_id=ben.id, present=True, actor=ACTOR)
        assert sitting.get_run(session, board_id=board.id, day=FIRST).minutes_version == 3
        with pytest.raises(Conflict, match="closed"):
            sitting.step(session, board=board, day=FIRST, key=topic_key, version=0, actor=ACTOR)

    with clock.frozen_at(at(11, 10)):
        following = sitting.plan(session, board=board, day=SECOND)
        # Both action items are open still (being taken on is not being done).
        assert following.points[0].key == "a"
        assert [e.text for e in following.points[0].actions] == [
            "Datenschutzbeauftragte einbinden",
            "Bauantrag-Formular prüfen",
        ]
        sitting.action_done(session, board=board, entry_id=action.id, done=True, actor=ACTOR)
        assert [
            e.text for e in sitting.plan(session, board=board, day=SECOND).points[0].actions
        ] == ["Bauantrag-Formular prüfen"]


def test_topics_the_meeting_did_not_reach_carry_over(
    session: Session, world: dict[str, Any]
) -> None:
    board = world["board"]
    with clock.frozen_at(at(11, 2, 14)):
        later = service.add_item(
            session,
            board_id=board.id,
            day=FIRST,
            data=AgendaItemCreate(title="Förderantrag"),
            actor="Ben Kurz",
        )
    with clock.frozen_at(at(11, 3, 10)):
        # Begun on the first topic and closed at once: "Förderantrag" was never reached.
        found = sitting.start(session, board=board, day=FIRST, actor=ACTOR)
        sitting.close(session, board=board, day=FIRST, version=found.run.version, actor=ACTOR)
    with clock.frozen_at(at(11, 10)):
        points = sitting.plan(session, board=board, day=SECOND).points
        carried = [p for p in points if p.item.kind == ItemKind.carried]
        assert [(p.key, p.title, p.item.proposed_by) for p in carried] == [
            (f"c{later.id}", "Förderantrag", "Ben Kurz")
        ]
        assert points[0].key == f"c{later.id}"


def test_only_admins_and_the_moderator_run_the_meeting(
    session: Session, world: dict[str, Any]
) -> None:
    board = world["board"]
    lotse_user = make_user(session, role=Role.lotse)
    other = make_user(session, role=Role.lotse, email="other@example.org")
    viewer = make_user(session, role=Role.viewer, email="viewer@example.org")

    def principal(user: Any) -> Principal:
        return Principal(name=user.name, role=user.role, via="session", user_id=user.id)

    with clock.frozen_at(at(11, 2)):
        with pytest.raises(Forbidden):
            sitting.check_runner(session, principal(lotse_user), board_id=board.id, day=FIRST)
        sitting.set_moderator(session, board=board, day=FIRST, user_id=lotse_user.id, actor=ACTOR)
        sitting.check_runner(session, principal(lotse_user), board_id=board.id, day=FIRST)
        with pytest.raises(Forbidden):
            sitting.check_runner(session, principal(other), board_id=board.id, day=FIRST)
        with pytest.raises(InvalidInput):
            sitting.set_moderator(session, board=board, day=FIRST, user_id=viewer.id, actor=ACTOR)
        assert not sitting.may_record(EntryKind.decision, runner=False)
        assert sitting.may_record(EntryKind.note, runner=False)


def test_an_action_item_that_repeats_the_next_step_is_taken_on_all_the_same(
    session: Session, world: dict[str, Any]
) -> None:
    board, anna, topic_key = world["board"], world["anna"], f"t{world['topic'].id}"
    with clock.frozen_at(at(11, 3, 10)):
        sitting.start(session, board=board, day=FIRST, actor=ACTOR)
        taken = []
        for _ in range(2):
            action = sitting.add_entry(
                session,
                board=board,
                day=FIRST,
                key=topic_key,
                kind=EntryKind.action,
                text="Datenschutzbeauftragte einbinden",
                lotse_id=anna.id,
                due_date=date(2026, 11, 14),
                actor=ACTOR,
            )
            sitting.action_to_next_step(
                session,
                board=board,
                entry_id=action.id,
                annotation_id=world["concern"].id,
                actor=ACTOR,
            )
            taken.append(action.id)
    for entry_id in taken:
        entry = sitting.entry_of(session, board=board, entry_id=entry_id)
        assert entry.result_annotation_id == world["concern"].id
    concern = session.get(Annotation, world["concern"].id)
    session.refresh(concern)
    assert concern.version == 2  # changed once: the second step said the same
