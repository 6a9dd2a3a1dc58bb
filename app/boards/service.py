"""Board and phase rules: create, rename, archive; add, edit, reorder, remove phases."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import clock
from app.boards.models import (
    Board,
    BoardCreate,
    BoardRead,
    BoardUpdate,
    Phase,
    PhaseCreate,
    PhaseRead,
    PhaseUpdate,
)
from app.cards.models import Card
from app.db import end_unchanged
from app.errors import Conflict, InvalidInput, NotFound
from app.events import names
from app.events import service as events

DEFAULT_PHASES = (
    PhaseCreate(name="Ideenspeicher"),
    PhaseCreate(name="Priorisiert"),
    PhaseCreate(name="In Umsetzung"),
    PhaseCreate(name="Erledigt", is_done=True),
)


def _board_json(board: Board) -> dict[str, object]:
    return BoardRead.model_validate(board).model_dump(mode="json", exclude={"last_seq"})


def _phase_json(phase: Phase) -> dict[str, object]:
    return PhaseRead.model_validate(phase).model_dump(mode="json")


def lock_board(session: Session, board_id: int, *, writable: bool = True) -> Board:
    """Lock the board row for this transaction: all writes to one board queue here."""
    board = session.get(Board, board_id, with_for_update=True, populate_existing=True)
    if board is None:
        raise NotFound("board", board_id)
    if writable and board.archived:
        raise Conflict("the board is archived; restore it first", board_id=board_id)
    return board


def get_board(session: Session, *, board_id: int) -> Board:
    """The board, or NotFound."""
    board = session.get(Board, board_id)
    if board is None:
        raise NotFound("board", board_id)
    return board


def list_boards(session: Session, *, include_archived: bool = False) -> list[Board]:
    """Boards by name."""
    statement = select(Board).order_by(col(Board.name), col(Board.id))
    if not include_archived:
        statement = statement.where(col(Board.archived).is_(False))
    return list(session.exec(statement))


def list_phases(session: Session, *, board_id: int) -> list[Phase]:
    """A board's phases in board order."""
    statement = select(Phase).where(Phase.board_id == board_id).order_by(col(Phase.position))
    return list(session.exec(statement))


def get_phase(session: Session, *, phase_id: int, board_id: int | None = None) -> Phase:
    """The phase (of that board, when given), or NotFound."""
    phase = session.get(Phase, phase_id)
    if phase is None or (board_id is not None and phase.board_id != board_id):
        raise NotFound("phase", phase_id)
    return phase


def create_board(
    session: Session,
    *,
    data: BoardCreate,
    actor: str,
    phases: tuple[PhaseCreate, ...] | list[PhaseCreate] = DEFAULT_PHASES,
) -> Board:
    """A new board with its phases; logs board.created."""
    if len({phase.name for phase in phases}) != len(phases):
        raise InvalidInput("phases", "phase names must be unique within a board")
    board = Board(name=data.name, description=data.description)
    session.add(board)
    session.flush()
    assert board.id is not None
    created = [
        Phase(
            board_id=board.id,
            name=spec.name,
            position=index,
            wip_limit=spec.wip_limit,
            wip_mode=spec.wip_mode,
            is_done=spec.is_done,
        )
        for index, spec in enumerate(phases)
    ]
    session.add_all(created)
    session.flush()
    events.append(
        session,
        board_id=board.id,
        type=names.BOARD_CREATED,
        actor=actor,
        payload={"after": _board_json(board), "phases": [_phase_json(p) for p in created]},
    )
    events.commit(session)
    return board


def update_board(session: Session, *, board_id: int, data: BoardUpdate, actor: str) -> Board:
    """Rename or describe a board; logs board.updated when something changed."""
    board = lock_board(session, board_id)
    before = _board_json(board)
    for field, value in data.model_dump(exclude_unset=True).items():
        # No started phase: the reports' default.
        if value is None and field != "started_phase_id":
            raise InvalidInput(field, "cannot be empty")
        if field == "started_phase_id" and value is not None:
            try:
                get_phase(session, phase_id=value, board_id=board_id)
            except NotFound:
                raise InvalidInput(field, "no such phase on this board") from None
        setattr(board, field, value)
    return _commit_board_change(session, board, before, names.BOARD_UPDATED, actor)


def set_board_archived(session: Session, *, board_id: int, archived: bool, actor: str) -> Board:
    """Archive a board (read-only, hidden from the list) or bring it back."""
    board = lock_board(session, board_id, writable=False)
    before = _board_json(board)
    board.archived = archived
    kind = names.BOARD_ARCHIVED if archived else names.BOARD_RESTORED
    return _commit_board_change(session, board, before, kind, actor)


def _commit_board_change(
    session: Session, board: Board, before: dict[str, object], kind: str, actor: str
) -> Board:
    events.record_update(
        session, board, before, _board_json(board), board_id=board.id, type=kind, actor=actor
    )
    return board


def _check_unique_name(session: Session, board_id: int, name: str, phase_id: int | None) -> None:
    statement = select(Phase.id).where(Phase.board_id == board_id, Phase.name == name)
    existing = session.exec(statement).first()
    if existing is not None and existing != phase_id:
        raise Conflict(
            "the board already has a phase named “%(name)s”", values={"name": name}, field="name"
        )


def add_phase(session: Session, *, board_id: int, data: PhaseCreate, actor: str) -> Phase:
    """Insert a phase at the given index (default: last); logs phase.created."""
    lock_board(session, board_id)
    _check_unique_name(session, board_id, data.name, None)
    phases = list_phases(session, board_id=board_id)
    index = len(phases) if data.position is None else min(data.position, len(phases))
    phase = Phase(
        board_id=board_id,
        name=data.name,
        wip_limit=data.wip_limit,
        wip_mode=data.wip_mode,
        is_done=data.is_done,
    )
    phases.insert(index, phase)
    session.add(phase)
    _renumber(phases)
    session.flush()
    events.append(
        session,
        board_id=board_id,
        type=names.PHASE_CREATED,
        actor=actor,
        payload={"after": _phase_json(phase)},
    )
    events.commit(session)
    return phase


def update_phase(
    session: Session, *, board_id: int, phase_id: int, data: PhaseUpdate, actor: str
) -> Phase:
    """Rename a phase or change its WIP limit, mode or done flag; logs phase.updated."""
    lock_board(session, board_id)
    phase = get_phase(session, phase_id=phase_id, board_id=board_id)
    changes = data.model_dump(exclude_unset=True)
    for field in ("name", "wip_mode", "is_done"):
        if changes.get(field, "") is None:
            raise InvalidInput(field, "cannot be empty")
    if "name" in changes:
        _check_unique_name(session, board_id, changes["name"], phase_id)
    before = _phase_json(phase)
    for field, value in changes.items():
        setattr(phase, field, value)
    events.record_update(
        session,
        phase,
        before,
        _phase_json(phase),
        board_id=board_id,
        type=names.PHASE_UPDATED,
        actor=actor,
        extra={"phase_id": phase_id},
    )
    return phase


def reorder_phases(
    session: Session, *, board_id: int, phase_ids: list[int], actor: str
) -> list[Phase]:
    """Put the board's phases in the given order (all of them, each once)."""
    lock_board(session, board_id)
    phases = list_phases(session, board_id=board_id)
    by_id: dict[int, Phase] = {phase.id: phase for phase in phases if phase.id is not None}
    if sorted(phase_ids) != sorted(by_id):
        raise InvalidInput("phase_ids", "must list every phase of the board exactly once")
    before = [phase.id for phase in phases]
    if before == phase_ids:
        end_unchanged(session, *phases)
        return phases
    ordered = [by_id[phase_id] for phase_id in phase_ids]
    _renumber(ordered)
    events.append(
        session,
        board_id=board_id,
        type=names.PHASES_REORDERED,
        actor=actor,
        payload={"before": before, "after": phase_ids},
    )
    events.commit(session)
    return ordered


def remove_phase(
    session: Session, *, board_id: int, phase_id: int, target_phase_id: int | None, actor: str
) -> Phase | None:
    """Remove a phase; its cards (archived ones too) go to the end of the target phase."""
    lock_board(session, board_id)
    phase = get_phase(session, phase_id=phase_id, board_id=board_id)
    phases = list_phases(session, board_id=board_id)
    if len(phases) == 1:
        raise Conflict("a board keeps at least one phase", field="phase_id")
    cards = list(
        session.exec(
            select(Card)
            .where(Card.phase_id == phase_id)
            .order_by(col(Card.archived), col(Card.position), col(Card.id))
        )
    )
    target: Phase | None = None
    if target_phase_id is not None:
        if target_phase_id == phase_id:
            raise InvalidInput("target_phase_id", "the target must be another phase")
        try:
            target = get_phase(session, phase_id=target_phase_id, board_id=board_id)
        except NotFound:
            raise InvalidInput("target_phase_id", "no such phase on this board") from None
    if cards and target is None:
        raise Conflict(
            "phase “%(name)s” holds %(count)s measures; name a target phase for them",
            values={"name": phase.name, "count": len(cards)},
            field="target_phase_id",
            card_count=len(cards),
        )
    moved: list[int] = []
    # Where each card stood, and the version the removal gives it: enough to undo it exactly.
    places: list[dict[str, Any]] = []
    now = clock.now()
    if target is not None:
        next_position = _active_count(session, target.id)
        for card in cards:
            place = {
                "id": card.id,
                "position": card.position,
                "archived": card.archived,
                "phase_since": card.phase_since.isoformat(),
            }
            card.phase_id = target.id  # type: ignore[assignment]
            card.phase_since = now
            if not card.archived:
                card.position = next_position
                next_position += 1
            card.version += 1
            card.updated_at = now
            moved.append(card.id)  # type: ignore[arg-type]
            places.append(place | {"version": card.version})
    session.flush()
    payload = {
        "before": _phase_json(phase),
        "target_phase_id": target.id if target else None,
        "card_ids": moved,
        "cards": places,
    }
    session.delete(phase)
    _renumber([p for p in phases if p.id != phase_id])
    events.append(
        session,
        board_id=board_id,
        type=names.PHASE_REMOVED,
        actor=actor,
        payload=payload,
        at=now,
    )
    events.commit(session)
    return target


def cards_per_phase(
    session: Session, *, board_id: int, active_only: bool = False
) -> dict[int, int]:
    """How many cards each phase of the board holds: archived ones too, or as the board shows."""
    statement = select(Card.phase_id, func.count()).where(Card.board_id == board_id)
    if active_only:
        statement = statement.where(col(Card.archived).is_(False))
    return dict(session.exec(statement.group_by(col(Card.phase_id))).all())


def _active_count(session: Session, phase_id: int | None) -> int:
    statement = select(func.count()).where(Card.phase_id == phase_id, col(Card.archived).is_(False))
    return session.exec(statement).one()


def _renumber(phases: list[Phase]) -> None:
    for index, phase in enumerate(phases):
        if phase.position != index:
            phase.position = index


def started_phase(phases: Sequence[Phase], chosen: int | None) -> Phase | None:
    """The phase in which work counts as started: the board's choice, else the third phase
    (after collecting and prioritising), else the last one that is not done."""
    found = [p for p in phases if p.id == chosen]
    if found:
        return found[0]
    open_ = [p for p in phases if not p.is_done]
    if len(phases) > 2 and not phases[2].is_done:
        return phases[2]
    return open_[-1] if open_ else None
