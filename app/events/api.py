"""JSON routes for the event log."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.accounts.access import Admin
from app.db import SessionDep
from app.events import service
from app.events.models import EventRead
from app.types import MAX_ID
from app.web.deps import BoardDep

router = APIRouter(tags=["events"])

After = Annotated[
    int, Query(ge=0, le=MAX_ID, description="Return events with seq greater than this.")
]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get("/boards/{board_id}/events", response_model=list[EventRead])
def board_events(
    board: BoardDep, session: SessionDep, after: After = 0, limit: Limit = 500
) -> object:
    """The board's events after a seq, in seq order (gap recovery, history)."""
    assert board.id is not None
    return service.list_events(session, board_id=board.id, after=after, limit=limit)


@router.get("/events", response_model=list[EventRead])
def global_events(
    session: SessionDep, _principal: Admin, after: After = 0, limit: Limit = 500
) -> object:
    """Instance-wide events (departments, lotsen, accounts: the audit trail) after a seq."""
    return service.list_global_events(session, after=after, limit=limit)
