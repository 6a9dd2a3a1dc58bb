"""What an open board needs to apply an event without reloading: cards as rendered, phase order.

A worker renders this once per event and variant (desk or screen, language) and hands the same
text to all of its websockets; the event log stays the source of truth for gaps.
"""

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.annotations import queries as annotations
from app.boards.models import Phase
from app.boards.service import get_board
from app.cards.models import Card, CardFilter
from app.cards.queries import list_cards, phase_views
from app.db import ident
from app.events import names
from app.people.models import Department, Lotse
from app.web.templating import templates

# Events after which a page re-renders its board: phases, the board itself.
STRUCTURAL = frozenset(
    {
        names.BOARD_UPDATED,
        names.BOARD_ARCHIVED,
        names.BOARD_RESTORED,
        names.BOARD_IMPORTED,
        names.PHASE_CREATED,
        names.PHASE_UPDATED,
        names.PHASES_REORDERED,
        names.PHASE_REMOVED,
    }
)


def card_states(
    session: Session,
    *,
    board_id: int,
    card_ids: Iterable[int],
    phase_ids: Iterable[int] | None = None,
    readonly: bool = False,
    filters: CardFilter | None = None,
) -> dict[str, Any]:
    """The cards as the board shows them, the order and WIP count of the phases they touch.

    `phase_ids=None` means every phase of the board. With `filters`, each card also says
    whether the caller's filtered view shows it (the same query as the board page).
    """
    ids = sorted(set(card_ids))
    board = get_board(session, board_id=board_id)
    cards = list(session.exec(select(Card).where(Card.board_id == board_id, col(Card.id).in_(ids))))
    phases_query = select(Phase).where(Phase.board_id == board_id)
    if phase_ids is not None:
        wanted = {card.phase_id for card in cards} | set(phase_ids)
        phases_query = phases_query.where(col(Phase.id).in_(wanted))
    phases = {phase.id: phase for phase in session.exec(phases_query)}
    order: dict[int, list[int]] = {phase_id: [] for phase_id in phases if phase_id is not None}
    statement = (
        select(Card.id, Card.phase_id)
        .where(col(Card.phase_id).in_(order), col(Card.archived).is_(False))
        .order_by(col(Card.position), col(Card.id))
    )
    for card_id, phase_id in session.exec(statement):
        if card_id is not None:
            order[phase_id].append(card_id)
    visible: set[int | None] | None = None
    shown: Counter[int] | None = None
    if filters is not None:
        # The board page's own query decides what a filtered view shows: these cards, and how
        # many of each touched phase.
        matching = list_cards(session, board_id=board_id, filters=filters, card_ids=ids)
        visible = {card.id for card in matching}
        in_phases = filters.model_copy(update={"phase": list(order)})
        shown = Counter(
            card.phase_id for card in list_cards(session, board_id=board_id, filters=in_phases)
        )
    departments = _by_id(session, Department, {c.department_id for c in cards})
    lotsen = _by_id(session, Lotse, {c.lotse_id for c in cards})
    marks = annotations.card_marks(session, board_id=board_id, card_ids=ids)
    template = templates.get_template("cards/card.html")
    count_macro = templates.get_template("boards/_phase_count.html").module.phase_count  # type: ignore[attr-defined]
    total = session.exec(
        select(func.count())
        .select_from(Card)
        .where(Card.board_id == board_id, col(Card.archived).is_(False))
    ).one()
    result_cards = []
    for card in cards:
        phase = phases.get(card.phase_id)
        card_marks = marks.get(ident(card))
        state: dict[str, Any] = {
            "id": card.id,
            "phase_id": card.phase_id,
            "version": card.version,
            "marks": card_marks.signature if card_marks else "",
            "archived": card.archived,
            "department_id": card.department_id,
            "lotse_id": card.lotse_id,
            "html": template.render(
                card=card,
                departments=departments,
                lotsen=lotsen,
                marks=marks,
                stuck_after=board.stuck_after_days,
                qs="",
                done=bool(phase and phase.is_done),
                readonly=readonly,
            ),
        }
        if visible is not None:
            state["visible"] = card.id in visible
        result_cards.append(state)
    totals = {phase_id: len(ids_in_order) for phase_id, ids_in_order in order.items()}
    views = phase_views(
        session, board=board, phases=[phases[phase_id] for phase_id in order], totals=totals
    )
    result_phases = [
        {
            "id": view.phase.id,
            "order": order[ident(view.phase)],
            "over_limit": view.over_limit,
            "count_html": str(
                count_macro(view, None if shown is None else shown[ident(view.phase)])
            ),
        }
        for view in views
    ]
    return {"cards": result_cards, "phases": result_phases, "total": total}


def tally_html(session: Session, *, board_id: int) -> str:
    """The screen's tally of open concerns and resistances per department, as rendered."""
    tally = annotations.open_tally(session, board_id=board_id)
    ids = {item.department_id for item in tally.departments}
    macro = templates.get_template("annotations/_tally.html").module.open_tally  # type: ignore[attr-defined]
    return str(macro(tally, _by_id(session, Department, ids)))


def _by_id(session: Session, model: Any, ids: set[int | None]) -> dict[int, Any]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {row.id: row for row in session.exec(select(model).where(col(model.id).in_(wanted)))}


def touched_phases(event: dict[str, Any]) -> set[int]:
    """The phases a card event took cards out of or put cards into."""
    payload = event.get("payload") or {}
    found = set()
    for side in ("before", "after"):
        value = (payload.get(side) or {}).get("phase_id")
        if isinstance(value, int):
            found.add(value)
    return found
