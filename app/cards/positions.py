"""Order within a phase: active cards hold positions 0..n-1, kept so under any moves."""

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.annotations import queries as annotations
from app.boards.models import Board, Phase, WipMode
from app.cards.models import Card
from app.db import ident
from app.errors import InvalidInput, WipLimitReached


def active_count(session: Session, *, phase_id: int) -> int:
    """How many active (not archived) cards the phase holds."""
    statement = select(func.count()).where(Card.phase_id == phase_id, col(Card.archived).is_(False))
    return session.exec(statement).one()


def check_wip(session: Session, *, phase: Phase, card: Card | None = None) -> bool:
    """Raise WipLimitReached for a full blocking phase; True when a warning limit is exceeded.

    `card` is the card arriving (None: a new one). Unless its board says otherwise, blocked
    cards take no WIP slot: neither those in the phase nor the one arriving.
    """
    if phase.wip_limit is None:
        return False
    assert phase.id is not None
    after = active_count(session, phase_id=phase.id) + 1
    board = session.get(Board, phase.board_id)
    if board is not None and not board.wip_counts_blocked:
        after -= annotations.blocked_per_phase(session, phase_ids=[phase.id]).get(phase.id, 0)
        if card is not None and annotations.is_blocked(session, card_id=ident(card)):
            after -= 1
    if after <= phase.wip_limit:
        return False
    if phase.wip_mode == WipMode.block:
        raise WipLimitReached(phase)
    return True


def close_gap(session: Session, *, phase_id: int, position: int) -> None:
    """Shift the phase's active cards after `position` up by one."""
    session.execute(
        update(Card)
        .where(
            col(Card.phase_id) == phase_id,
            col(Card.archived).is_(False),
            col(Card.position) > position,
        )
        .values(position=col(Card.position) - 1)
    )


def open_gap(session: Session, *, phase_id: int, position: int | None) -> int:
    """Make room at `position` (clamped; None: the end); return the position used."""
    count = active_count(session, phase_id=phase_id)
    position = count if position is None else max(0, min(position, count))
    session.execute(
        update(Card)
        .where(
            col(Card.phase_id) == phase_id,
            col(Card.archived).is_(False),
            col(Card.position) >= position,
        )
        .values(position=col(Card.position) + 1)
    )
    return position


def position_after(
    session: Session, *, card: Card, phase_id: int, after_card_id: int | None
) -> int:
    """The position that puts `card` right behind `after_card_id` (None: at the top).

    A drop on a filtered board only knows its visible neighbour, not an index.
    """
    if after_card_id is None:
        return 0
    after = session.get(Card, after_card_id)
    if after is None or after.board_id != card.board_id or after.phase_id != phase_id:
        raise InvalidInput("after_card_id", "the neighbouring card is not in that phase")
    if after.archived or after.id == card.id:
        raise InvalidInput("after_card_id", "this card cannot be the neighbour")
    position = after.position + 1
    if card.phase_id == phase_id and not card.archived and card.position < after.position:
        position -= 1
    return position
