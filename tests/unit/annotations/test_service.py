"""Annotation rules: the lifecycle, versions, references, notes, and blocked cards and WIP."""

from typing import Any

import pytest
from sqlmodel import Session, select

from app.annotations import queries
from app.annotations import service as annotations
from app.annotations.models import (
    Annotation,
    AnnotationStatus,
    AnnotationUpdate,
    CategoryCreate,
    CategoryUpdate,
    NoteCreate,
)
from app.boards import service as boards
from app.boards.models import BoardUpdate, PhaseCreate, PhaseUpdate, WipMode
from app.cards import queries as cards_queries
from app.cards import service as cards
from app.cards.models import CardFilter, CardMove, OpenAnnotations
from app.db import Database
from app.errors import Conflict, InvalidInput, VersionConflict, WipLimitReached
from app.events import names
from app.events.models import Event
from tests.factories import (
    ACTOR,
    make_annotation,
    make_board,
    make_card,
    make_category,
    make_department,
    make_lotse,
)
from tests.helpers import assert_gapless_seqs, dump

S = AnnotationStatus


def change(session: Session, annotation: Annotation, **values: Any) -> Annotation:
    data = AnnotationUpdate(version=annotation.version, **values)
    return annotations.update_annotation(
        session, annotation_id=annotation.id, data=data, actor="Jana Kuhn"
    )


def events_of(session: Session, annotation: Annotation) -> list[Event]:
    found = session.exec(select(Event).where(Event.card_id == annotation.card_id)).all()
    return [e for e in found if (e.payload.get("annotation") or {}).get("id") == annotation.id]


def into(session: Session, annotation: Annotation, status: AnnotationStatus) -> Annotation:
    """Bring an annotation into a status the normal way."""
    if status == S.discussing:
        return change(session, annotation, status=S.discussing)
    if status == S.resolved:
        return change(session, annotation, status=S.resolved, resolution="Geklärt.")
    if status == S.withdrawn:
        return change(session, annotation, status=S.withdrawn, reason="Doppelt erfasst.")
    return annotation


def test_raising_takes_the_cards_department_and_logs_the_whole_annotation(
    session: Session,
) -> None:
    board = make_board(session)
    department = make_department(session, name="Bauamt", code="BA")
    lotse = make_lotse(session, name="Jana Kuhn", department_id=department.id)
    card = make_card(session, board, department_id=department.id)
    annotation = make_annotation(
        session, card, kind="resistance", severity="high", raised_by_id=lotse.id
    )
    assert (annotation.department_id, annotation.status, annotation.version) == (
        department.id,
        S.open,
        1,
    )
    [event] = events_of(session, annotation)
    assert event.type == names.ANNOTATION_RAISED and event.board_id == board.id
    assert event.payload["annotation"] == {
        "id": annotation.id,
        "kind": "resistance",
        "status": "open",
        "severity": "high",
        "blocks_card": False,
        "department_id": department.id,
        "category_id": None,
    }
    assert event.payload["after"]["raised_by_id"] == lotse.id
    assert_gapless_seqs(session, board.id)


ALLOWED = [
    (S.open, S.discussing, names.ANNOTATION_DISCUSSING),
    (S.open, S.resolved, names.ANNOTATION_RESOLVED),
    (S.open, S.withdrawn, names.ANNOTATION_WITHDRAWN),
    (S.discussing, S.resolved, names.ANNOTATION_RESOLVED),
    (S.discussing, S.withdrawn, names.ANNOTATION_WITHDRAWN),
    (S.resolved, S.open, names.ANNOTATION_REOPENED),
    (S.withdrawn, S.open, names.ANNOTATION_REOPENED),
]


@pytest.mark.parametrize(("start", "target", "kind"), ALLOWED)
def test_every_allowed_transition_is_versioned_and_logged(
    session: Session, start: AnnotationStatus, target: AnnotationStatus, kind: str
) -> None:
    card = make_card(session, make_board(session))
    annotation = into(session, make_annotation(session, card), start)
    version = annotation.version
    extra = {"resolution": "Mit dem Personalrat geklärt."} if target == S.resolved else {}
    extra |= {"reason": "Hat sich erledigt."} if target == S.withdrawn else {}
    changed = change(session, annotation, status=target, **extra)
    assert (changed.status, changed.version) == (target, version + 1)
    last = events_of(session, annotation)[-1]
    assert last.type == kind and last.actor == "Jana Kuhn"
    assert last.payload["before"]["status"] == start
    assert last.payload["after"]["status"] == target
    assert last.payload["annotation"]["status"] == target
    stored = session.get(Annotation, annotation.id)
    assert stored is not None
    if target in (S.resolved, S.withdrawn):
        assert stored.closed_at is not None
        assert (stored.resolution or stored.withdrawal_reason) in extra.values()
    else:
        assert stored.closed_at is None
        assert stored.resolution == stored.withdrawal_reason == ""


REFUSED = [
    (S.discussing, S.open),
    (S.resolved, S.discussing),
    (S.resolved, S.withdrawn),
    (S.withdrawn, S.discussing),
    (S.withdrawn, S.resolved),
]


@pytest.mark.parametrize(("start", "target"), REFUSED)
def test_a_transition_the_lifecycle_does_not_allow_is_refused_and_changes_nothing(
    session: Session, db: Database, start: AnnotationStatus, target: AnnotationStatus
) -> None:
    card = make_card(session, make_board(session))
    annotation = into(session, make_annotation(session, card), start)
    extra = {"resolution": "x"} if target == S.resolved else {}
    extra |= {"reason": "x"} if target == S.withdrawn else {}
    before = dump(db)
    with pytest.raises(Conflict) as refused:
        change(session, annotation, status=target, **extra)
    session.rollback()
    assert refused.value.extra["field"] == "status"
    message = str(refused.value)
    assert "reopen it first" in message or "resolved or withdrawn" in message
    assert dump(db) == before


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"status": S.resolved}, "resolution"),
        ({"status": S.resolved, "resolution": "   "}, "resolution"),
        ({"status": S.withdrawn}, "reason"),
        ({"status": S.discussing, "resolution": "Geklärt."}, "resolution"),
        ({"severity": "high", "reason": "Warum nicht"}, "reason"),
        ({"text": None}, "text"),
        ({"status": None}, "status"),
    ],
)
def test_a_closing_needs_its_note_and_bad_values_name_their_field(
    session: Session, db: Database, values: dict[str, Any], field: str
) -> None:
    card = make_card(session, make_board(session))
    annotation = make_annotation(session, card)
    before = dump(db)
    with pytest.raises(InvalidInput) as refused:
        change(session, annotation, **values)
    session.rollback()
    assert refused.value.field == field
    assert dump(db) == before


def test_a_stale_version_is_refused_with_the_current_state_and_who_changed_it(
    session: Session,
) -> None:
    card = make_card(session, make_board(session))
    annotation = make_annotation(session, card)
    seen = annotation.version
    change(session, annotation, severity="high")
    with pytest.raises(VersionConflict) as stale:
        annotations.update_annotation(
            session,
            annotation_id=annotation.id,
            data=AnnotationUpdate(version=seen, text="Meine Fassung"),
            actor=ACTOR,
        )
    session.rollback()
    assert stale.value.extra["current"]["severity"] == "high"
    assert stale.value.extra["current"]["version"] == seen + 1
    assert stale.value.extra["changed_by"]["actor"] == "Jana Kuhn"
    assert stale.value.extra["entity"] == "annotation"
    kept = queries.get_annotation(session, annotation_id=annotation.id)
    assert kept.text != "Meine Fassung"


def test_an_edit_logs_old_and_new_values_and_an_empty_edit_logs_nothing(
    session: Session,
) -> None:
    card = make_card(session, make_board(session))
    category = make_category(session, name="Datenschutz")
    annotation = make_annotation(session, card)
    changed = change(session, annotation, category_id=category.id, blocks_card=True)
    last = events_of(session, annotation)[-1]
    assert last.type == names.ANNOTATION_UPDATED
    assert last.payload["before"] == {"category_id": None, "blocks_card": False}
    assert last.payload["after"] == {"category_id": category.id, "blocks_card": True}
    count = len(events_of(session, annotation))
    same = change(session, changed, blocks_card=True)
    assert same.version == changed.version
    assert len(events_of(session, annotation)) == count


def test_a_note_starts_the_discussion_once(session: Session) -> None:
    card = make_card(session, make_board(session))
    annotation = make_annotation(session, card)
    annotations.add_note(
        session, annotation_id=annotation.id, data=NoteCreate(text="Termin am 3.12."), actor="A"
    )
    first = queries.get_annotation(session, annotation_id=annotation.id)
    assert (first.status, first.version) == (S.discussing, 2)
    annotations.add_note(
        session, annotation_id=annotation.id, data=NoteCreate(text="Termin steht."), actor="B"
    )
    second = queries.get_annotation(session, annotation_id=annotation.id)
    assert (second.status, second.version) == (S.discussing, 2)
    notes = queries.notes_of(session, annotation_ids=[annotation.id])[annotation.id]
    assert [(n.author, n.text) for n in notes] == [("A", "Termin am 3.12."), ("B", "Termin steht.")]
    noted = [e for e in events_of(session, annotation) if e.type == names.ANNOTATION_NOTED]
    assert [e.payload.get("after") for e in noted] == [{"status": "discussing"}, None]
    assert noted[1].payload["note"]["text"] == "Termin steht."


def test_references_must_exist_and_new_ones_be_active(session: Session, db: Database) -> None:
    card = make_card(session, make_board(session))
    old = make_category(session, name="Alt")
    annotation = make_annotation(session, card, category_id=old.id)
    annotations.update_category(
        session, category_id=old.id, data=CategoryUpdate(active=False), actor=ACTOR
    )
    # Keeping a reference to a category deactivated since is fine.
    kept = change(session, annotation, severity="low", category_id=old.id)
    assert kept.category_id == old.id
    other = make_card(session, make_board(session))
    before = dump(db)
    for values, field in [
        ({"category_id": 999_999}, "category_id"),
        ({"raised_by_id": 999_999}, "raised_by_id"),
        ({"next_step_lotse_id": 999_999}, "next_step_lotse_id"),
        ({"department_id": 999_999}, "department_id"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            make_annotation(session, card, **values)
        session.rollback()
        assert refused.value.field == field
    with pytest.raises(InvalidInput) as inactive:
        make_annotation(session, other, category_id=old.id)
    session.rollback()
    assert inactive.value.field == "category_id"
    assert dump(db) == before


def test_an_archived_card_takes_no_new_annotation(session: Session) -> None:
    card = make_card(session, make_board(session))
    cards.archive_card(session, card_id=card.id, version=card.version, actor=ACTOR)
    with pytest.raises(Conflict):
        make_annotation(session, card)
    session.rollback()
    assert queries.list_for_card(session, card_id=card.id) == []


def test_categories_are_unique_ordered_and_never_deleted(session: Session) -> None:
    first = make_category(session, name="Datenschutz")
    second = make_category(session, name="Technik")
    assert second.position == first.position + 1
    with pytest.raises(Conflict):
        annotations.create_category(session, data=CategoryCreate(name="Datenschutz"), actor=ACTOR)
    session.rollback()
    annotations.update_category(
        session, category_id=second.id, data=CategoryUpdate(position=0, active=False), actor=ACTOR
    )
    listed = annotations.list_categories(session)
    assert [(c.name, c.active) for c in listed] == [("Technik", False), ("Datenschutz", True)]
    assert [c.name for c in annotations.list_categories(session, include_inactive=False)] == [
        "Datenschutz"
    ]


# --- blocked cards ----------------------------------------------------------------------------


def wip_board(session: Session, limit: int = 2) -> tuple[Any, Any, Any]:
    board = make_board(
        session,
        phases=[
            PhaseCreate(name="Ideen"),
            PhaseCreate(name="Umsetzung", wip_limit=limit, wip_mode=WipMode.block),
        ],
    )
    ideas, doing = boards.list_phases(session, board_id=board.id)
    return board, ideas, doing


def move_to(session: Session, card: Any, phase_id: int) -> Any:
    fresh = cards_queries.get_card(session, card_id=card.id)
    move = CardMove(phase_id=phase_id, position=0, version=fresh.version)
    return cards.move_card(session, card_id=card.id, move=move, actor=ACTOR)


def test_a_blocked_card_takes_no_wip_slot_unless_the_board_counts_it(session: Session) -> None:
    board, ideas, doing = wip_board(session)
    inside = [make_card(session, board, phase_id=doing.id) for _ in range(2)]
    waiting = make_card(session, board, phase_id=ideas.id)
    with pytest.raises(WipLimitReached):
        move_to(session, waiting, doing.id)
    session.rollback()
    blocker = make_annotation(session, inside[0], kind="resistance", blocks_card=True)
    view = cards_queries.board_view(session, board_id=board.id)
    column = view.phases[1]
    assert (column.total, column.blocked, column.wip_count, column.over_limit) == (2, 1, 1, False)
    move_to(session, waiting, doing.id)  # the blocked card's slot is free
    boards.update_board(
        session, board_id=board.id, data=BoardUpdate(wip_counts_blocked=True), actor=ACTOR
    )
    column = cards_queries.board_view(session, board_id=board.id).phases[1]
    assert (column.wip_count, column.over_limit) == (3, True)
    another = make_card(session, board, phase_id=ideas.id)
    with pytest.raises(WipLimitReached):
        move_to(session, another, doing.id)
    session.rollback()
    # Resolved, the card counts again whatever the setting.
    into(session, blocker, S.resolved)
    boards.update_board(
        session, board_id=board.id, data=BoardUpdate(wip_counts_blocked=False), actor=ACTOR
    )
    column = cards_queries.board_view(session, board_id=board.id).phases[1]
    assert (column.blocked, column.wip_count) == (0, 3)


def test_a_blocked_card_arriving_in_a_full_phase_takes_no_slot(session: Session) -> None:
    board, ideas, doing = wip_board(session, limit=1)
    make_card(session, board, phase_id=doing.id)
    blocked = make_card(session, board, phase_id=ideas.id)
    make_annotation(session, blocked, blocks_card=True)
    moved = move_to(session, blocked, doing.id)
    assert moved.phase_id == doing.id


def test_only_open_blocking_annotations_block(session: Session) -> None:
    card = make_card(session, make_board(session))
    plain = make_annotation(session, card)
    assert not queries.is_blocked(session, card_id=card.id)
    blocking = make_annotation(session, card, blocks_card=True)
    assert queries.is_blocked(session, card_id=card.id)
    into(session, blocking, S.withdrawn)
    assert not queries.is_blocked(session, card_id=card.id)
    into(session, plain, S.discussing)
    marks = queries.card_marks(session, board_id=card.board_id)[card.id]
    assert (marks.concerns, marks.blocked, marks.blocked_by) == (1, False, None)


def test_card_marks_count_open_ones_per_kind_with_the_highest_severity(
    session: Session,
) -> None:
    card = make_card(session, make_board(session))
    make_annotation(session, card, kind="concern", severity="low")
    make_annotation(session, card, kind="concern", severity="high")
    make_annotation(session, card, kind="resistance", severity="medium")
    gone = make_annotation(session, card, kind="resistance", severity="high")
    into(session, gone, S.resolved)
    make_annotation(
        session,
        card,
        kind="resistance",
        text="**Personalrat** fürchtet Leistungskontrolle\n\nDetails folgen",
        blocks_card=True,
        severity="low",
    )
    marks = queries.card_marks(session, board_id=card.board_id)[card.id]
    assert (marks.concerns, marks.concern_severity) == (2, "high")
    assert (marks.resistances, marks.resistance_severity) == (2, "medium")
    assert marks.blocked_by == "Personalrat fürchtet Leistungskontrolle Details folgen"


def test_board_filters_for_open_annotations_and_blocked_cards(session: Session) -> None:
    board = make_board(session)
    calm, worried, resisted, blocked, settled = (make_card(session, board) for _ in range(5))
    make_annotation(session, worried, kind="concern")
    make_annotation(session, resisted, kind="resistance")
    make_annotation(session, blocked, kind="concern", blocks_card=True)
    into(session, make_annotation(session, settled, kind="resistance"), S.resolved)

    def found(**filters: Any) -> set[int]:
        listed = cards_queries.list_cards(session, board_id=board.id, filters=CardFilter(**filters))
        return {card.id for card in listed}

    assert found(open_annotations=OpenAnnotations.any) == {worried.id, resisted.id, blocked.id}
    assert found(open_annotations=OpenAnnotations.concern) == {worried.id, blocked.id}
    assert found(open_annotations=OpenAnnotations.resistance) == {resisted.id}
    assert found(blocked=True) == {blocked.id}
    assert calm.id not in found(open_annotations=OpenAnnotations.any)


def test_a_phase_or_board_change_leaves_annotations_alone(session: Session) -> None:
    board, ideas, doing = wip_board(session, limit=5)
    card = make_card(session, board, phase_id=ideas.id)
    annotation = make_annotation(session, card, blocks_card=True)
    boards.update_phase(
        session, board_id=board.id, phase_id=doing.id, data=PhaseUpdate(name="Pilot"), actor=ACTOR
    )
    move_to(session, card, doing.id)
    assert queries.get_annotation(session, annotation_id=annotation.id).version == 1
    assert queries.is_blocked(session, card_id=card.id)
