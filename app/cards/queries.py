"""Reading cards: one card, filtered lists, and a board with its phases in order."""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import exists, func, or_
from sqlmodel import Session, col, select

from app.annotations import queries as annotations
from app.annotations.models import AnnotationKind
from app.boards.models import Board, Phase
from app.boards.service import get_board, list_phases
from app.cards.models import Card, CardFilter, CardTag
from app.db import ident
from app.errors import NotFound
from app.events.models import Event


def get_card(session: Session, *, card_id: int, board_id: int | None = None) -> Card:
    """The card (of that board, when given), or NotFound."""
    card = session.get(Card, card_id)
    if card is None or (board_id is not None and card.board_id != board_id):
        raise NotFound("card", card_id)
    return card


@dataclass(slots=True)
class CardRow:
    """A card as lists read it: its columns and tags, as plain values. Building ORM objects and a
    tag collection per card took a third of a 500-card board page; nothing here is changed."""

    id: int
    board_id: int
    phase_id: int
    position: int
    title: str
    description: str
    department_id: int | None
    lotse_id: int | None
    priority: str
    size: str | None
    due_date: date | None
    archived: bool
    version: int
    created_at: datetime
    updated_at: datetime
    phase_since: datetime
    tags: list[str] = field(default_factory=list)


# In CardRow's order, so a row becomes one without a mapping per card.
_CARD_COLUMNS = [
    Card.__table__.c[name]  # type: ignore[attr-defined]
    for name in CardRow.__dataclass_fields__
    if name != "tags"
]


def list_cards(
    session: Session,
    *,
    board_id: int,
    filters: CardFilter | None = None,
    card_ids: list[int] | None = None,
) -> list[CardRow]:
    """The board's cards (of `card_ids`, when given) matching every given filter, in phase and
    position order; two queries whatever their number (the cards, then all their tags)."""
    filters = filters or CardFilter()
    statement = (
        select(*_CARD_COLUMNS)
        .join(Phase, col(Phase.id) == col(Card.phase_id))
        .where(Card.board_id == board_id, col(Card.archived).is_(filters.archived))
        .order_by(col(Phase.position), col(Card.position), col(Card.id))
    )
    if card_ids is not None:
        statement = statement.where(col(Card.id).in_(card_ids))
    if filters.department:
        statement = statement.where(col(Card.department_id).in_(filters.department))
    if filters.lotse:
        statement = statement.where(col(Card.lotse_id).in_(filters.lotse))
    if filters.phase:
        statement = statement.where(col(Card.phase_id).in_(filters.phase))
    if filters.tag:
        statement = statement.where(
            exists().where(col(CardTag.card_id) == col(Card.id), col(CardTag.tag).in_(filters.tag))
        )
    if filters.open_annotations is not None:
        kind = filters.open_annotations
        statement = statement.where(
            annotations.open_clause(None if kind == "any" else AnnotationKind(kind.value))
        )
    if filters.blocked:
        statement = statement.where(annotations.blocked_clause())
    if filters.changed_since is not None:
        statement = statement.where(
            exists().where(
                col(Event.card_id) == col(Card.id),
                col(Event.created_at) >= filters.changed_since,
            )
        )
    if filters.q:
        needle = filters.q.strip()
        statement = statement.where(
            or_(
                col(Card.title).icontains(needle, autoescape=True),
                col(Card.description).icontains(needle, autoescape=True),
            )
        )
    rows = [CardRow(*row) for row in session.execute(statement)]
    if not rows:
        return rows
    tags = select(CardTag.card_id, CardTag.tag).order_by(col(CardTag.tag))
    if card_ids is not None:
        tags = tags.where(col(CardTag.card_id).in_(card_ids))
    else:
        tags = tags.join(Card, col(Card.id) == col(CardTag.card_id)).where(
            Card.board_id == board_id, col(Card.archived).is_(filters.archived)
        )
    by_id = {row.id: row for row in rows}
    for card_id, tag in session.execute(tags):
        found = by_id.get(card_id)
        if found is not None:
            found.tags.append(tag)
    return rows


@dataclass
class PhaseView:
    phase: Phase
    cards: list[CardRow] = field(default_factory=list)
    # All active cards of the phase, filtered or not.
    total: int = 0
    # How many of them are blocked, and whether the board counts those toward the WIP limit.
    blocked: int = 0
    counts_blocked: bool = True

    @property
    def wip_count(self) -> int:
        """The cards that take a WIP slot."""
        return self.total if self.counts_blocked else self.total - self.blocked

    @property
    def over_limit(self) -> bool:
        return self.phase.wip_limit is not None and self.wip_count > self.phase.wip_limit


@dataclass
class BoardView:
    board: Board
    phases: list[PhaseView]


def phase_views(
    session: Session,
    *,
    board: Board,
    phases: list[Phase],
    totals: dict[int, int] | None = None,
    blocked: dict[int, int] | None = None,
) -> list[PhaseView]:
    """The phases with their WIP counts: active and blocked cards per phase, each counted here
    unless the caller knows them already."""
    views = [PhaseView(phase, counts_blocked=board.wip_counts_blocked) for phase in phases]
    by_id = {ident(view.phase): view for view in views}
    if totals is None:
        totals = dict(
            session.exec(
                select(Card.phase_id, func.count())
                .where(col(Card.phase_id).in_(by_id), col(Card.archived).is_(False))
                .group_by(col(Card.phase_id))
            ).all()
        )
    if blocked is None:
        blocked = annotations.blocked_per_phase(session, phase_ids=list(by_id))
    for phase_id, view in by_id.items():
        view.total = totals.get(phase_id, 0)
        view.blocked = blocked.get(phase_id, 0)
    return views


def board_view(
    session: Session,
    *,
    board_id: int,
    filters: CardFilter | None = None,
    blocked: dict[int, int] | None = None,
) -> BoardView:
    """The board with each phase's (filtered) active cards in order (`blocked`: blocked cards
    per phase, when the caller has counted them)."""
    board = get_board(session, board_id=board_id)
    phases = list_phases(session, board_id=board_id)
    views = phase_views(session, board=board, phases=phases, blocked=blocked)
    by_id = {view.phase.id: view for view in views}
    for card in list_cards(session, board_id=board_id, filters=filters):
        by_id[card.phase_id].cards.append(card)
    return BoardView(board=board, phases=views)


def board_tags(session: Session, *, board_id: int) -> list[str]:
    """The tags used on the board's active cards, alphabetically."""
    statement = (
        select(CardTag.tag)
        .join(Card, col(Card.id) == col(CardTag.card_id))
        .where(Card.board_id == board_id, col(Card.archived).is_(False))
        .distinct()
        .order_by(col(CardTag.tag))
    )
    return list(session.exec(statement))


def count_by_board(session: Session, *, lotse_id: int) -> dict[int, int]:
    """How many active cards one lotse has on each board."""
    rows = session.execute(
        select(Card.board_id, func.count())
        .where(Card.lotse_id == lotse_id, col(Card.archived).is_(False))
        .group_by(Card.board_id)  # type: ignore[arg-type]
    ).all()
    return {board_id: number for board_id, number in rows}
