"""JSON routes for the Lotsentreffen dates of a board and its calendar feed."""

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from app import clock
from app.accounts.access import Admin, Editor
from app.db import SessionDep, ident
from app.errors import InvalidInput
from app.meetings import agenda, service
from app.meetings.models import (
    AgendaItemCreate,
    AgendaItemRead,
    FeedCreated,
    MeetingAdd,
    MeetingChange,
    MeetingRead,
    MeetingsRead,
    SeriesRead,
    SeriesSet,
)
from app.settings import get_settings
from app.types import PathId
from app.web.deps import BoardDep

router = APIRouter(tags=["meetings"])

STALE: dict[int | str, dict[str, Any]] = {
    409: {"description": "The `version` is stale; `current` holds the date as it is now."}
}
MAX_SPAN = timedelta(days=800)


@router.get("/boards/{board_id}/meetings", response_model=MeetingsRead)
def list_meetings(
    board: BoardDep,
    session: SessionDep,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> object:
    """The rhythm and the dates from `from` to `to` (default: today and the next 180 days),
    cancelled ones included and marked."""
    today = clock.now().astimezone(get_settings().zone).date()
    first = start or today
    last = end or first + timedelta(days=180)
    if last < first or last - first > MAX_SPAN:
        raise InvalidInput("to", "the period must end after it starts, within 800 days")
    series = service.get_series(session, board_id=ident(board))
    found = service.occurrences(session, board_id=ident(board), start=first, end=last)
    return MeetingsRead(
        series=SeriesRead.model_validate(series) if series else None,
        meetings=[occurrence.read() for occurrence in found],
    )


@router.put("/boards/{board_id}/meeting-series", response_model=SeriesRead, responses=STALE)
def set_series(board: BoardDep, data: SeriesSet, session: SessionDep, principal: Admin) -> object:
    """Set the rhythm: from `first_date` every `interval_weeks` weeks (its weekday) at
    `start_time`, board-local time. Changed single dates off the new rhythm are dropped."""
    return service.set_series(session, board_id=ident(board), data=data, actor=principal.name)


@router.post("/boards/{board_id}/meetings", response_model=MeetingRead, status_code=201)
def add_meeting(board: BoardDep, data: MeetingAdd, session: SessionDep, principal: Admin) -> object:
    """An extra date besides the rhythm (a time without offset is board-local)."""
    added = service.add_meeting(session, board_id=ident(board), data=data, actor=principal.name)
    return added.read()


@router.patch("/boards/{board_id}/meetings/{day}", response_model=MeetingRead, responses=STALE)
def change_meeting(
    board: BoardDep, day: date, data: MeetingChange, session: SessionDep, principal: Admin
) -> object:
    """Move the date planned for `day`, cancel it, or take the cancellation back."""
    changed = service.change_meeting(
        session, board_id=ident(board), day=day, data=data, actor=principal.name
    )
    return changed.read()


@router.get("/boards/{board_id}/meetings/{day}/agenda")
def meeting_agenda(board: BoardDep, day: date, session: SessionDep) -> dict[str, Any]:
    """The agenda of the Lotsentreffen planned for `day`, from the event log since the one
    before: per department new, moved (every phase passed) and done measures; concerns and
    resistances raised, still open (oldest first) and resolved; blocked and stuck measures;
    moves past a WIP limit."""
    return agenda.as_json(agenda.for_day(session, board=board, day=day))


@router.get("/boards/{board_id}/meetings/{day}/items", response_model=list[AgendaItemRead])
def list_items(board: BoardDep, day: date, session: SessionDep) -> object:
    """The topics brought to the Lotsentreffen planned for `day`."""
    service.find(session, board_id=ident(board), day=day)
    return service.list_items(session, board_id=ident(board), day=day)


@router.post(
    "/boards/{board_id}/meetings/{day}/items",
    response_model=AgendaItemRead,
    status_code=201,
    responses={409: {"description": "The Lotsentreffen is cancelled or has begun."}},
)
def add_item(
    board: BoardDep, day: date, data: AgendaItemCreate, session: SessionDep, principal: Editor
) -> object:
    """Bring a topic (a measure of this board and a department, both optional) to a
    Lotsentreffen that has not begun; lotsen and admins."""
    return service.add_item(
        session, board_id=ident(board), day=day, data=data, actor=principal.name
    )


@router.delete("/boards/{board_id}/agenda-items/{item_id}", status_code=204)
def remove_item(
    board: BoardDep, item_id: PathId, session: SessionDep, principal: Admin
) -> Response:
    """Take a topic off the agenda before the Lotsentreffen begins (it stays in the log)."""
    service.remove_item(session, board_id=ident(board), item_id=item_id, actor=principal.name)
    return Response(status_code=204)


@router.post("/boards/{board_id}/meeting-feed", response_model=FeedCreated, status_code=201)
def create_feed(board: BoardDep, request: Request, session: SessionDep, principal: Admin) -> object:
    """A new secret calendar address (shown once); an earlier one stops working."""
    plain = service.create_feed(session, board_id=ident(board), actor=principal.name)
    return FeedCreated(url=feed_url(request, plain))


@router.delete("/boards/{board_id}/meeting-feed", status_code=204)
def revoke_feed(board: BoardDep, session: SessionDep, principal: Admin) -> Response:
    """The calendar address stops working."""
    service.revoke_feed(session, board_id=ident(board), actor=principal.name)
    return Response(status_code=204)


def feed_url(request: Request, plain: str) -> str:
    return f"{request.app.state.settings.base_url.rstrip('/')}/kalender/{plain}.ics"
