"""Catching up: the current state of a few cards, for a page that missed or filters events."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from app.accounts.access import Reader
from app.boards.presentation import BoardFilters
from app.db import SessionDep
from app.meetings import service as meetings
from app.realtime.live import card_states, tally_html
from app.types import MAX_ID
from app.web.deps import BoardDep

router = APIRouter(include_in_schema=False)

Ids = Annotated[list[Annotated[int, Query(ge=1, le=MAX_ID)]], Query(max_length=200)]


@router.get("/boards/{board_id}/live", name="live_cards")
def live_cards(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Reader,
    card: Ids,
    in_phase: Ids = [],  # noqa: B006 (FastAPI copies defaults)
) -> dict[str, Any]:
    """The named cards as the board renders them (`visible` under the page's own filters),
    with the order and WIP count of the phases they touch (all phases if none are named)."""
    assert board.id is not None
    filters = BoardFilters.from_query(request.query_params)
    screen = principal.via == "screen"
    since = meetings.last_start(session, board_id=board.id) if filters.since_meeting else None
    states = card_states(
        session,
        board_id=board.id,
        card_ids=card,
        phase_ids=in_phase or None,
        readonly=screen,
        filters=filters.card_filter(since=since) if filters.active else None,
    )
    if screen:
        states["tally_html"] = tally_html(session, board_id=board.id)
    return states
