"""JSON routes for the event log."""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.accounts.access import Admin, hides_actors
from app.db import SessionDep
from app.events import service
from app.events.models import Event, EventRead
from app.types import MAX_ID
from app.web.deps import BoardDep

router = APIRouter(tags=["events"])

After = Annotated[
    int, Query(ge=0, le=MAX_ID, description="Return events with seq greater than this.")
]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get(
    "/boards/{board_id}/events",
    response_model=list[EventRead],
    responses={304: {"description": "Nothing new since the `ETag` sent in `If-None-Match`."}},
)
def board_events(
    request: Request,
    response: Response,
    board: BoardDep,
    session: SessionDep,
    after: After = 0,
    limit: Limit = 500,
) -> object:
    """The board's events after a seq, in seq order (gap recovery, history, polling).

    The log only grows, so the board's last seq pins the answer: pollers send the `ETag` back
    in `If-None-Match` and get an empty 304 until something happens.
    """
    assert board.id is not None
    etag = f'"{board.id}.{board.last_seq}.{after}.{limit}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    found = service.list_events(session, board_id=board.id, after=after, limit=limit)
    return without_actors(found, request)


def without_actors(found: Sequence[Event], request: Request) -> list[EventRead] | Sequence[Event]:
    """The events, without who made them where the reader may not see that."""
    settings = request.app.state.settings
    if not hides_actors(getattr(request.state, "principal", None), settings):
        return found
    return [EventRead.model_validate(e).model_copy(update={"actor": ""}) for e in found]


@router.get("/events", response_model=list[EventRead])
def global_events(
    session: SessionDep, _principal: Admin, after: After = 0, limit: Limit = 500
) -> object:
    """Instance-wide events (departments, lotsen, accounts: the audit trail) after a seq."""
    return service.list_global_events(session, after=after, limit=limit)
