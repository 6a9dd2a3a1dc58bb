"""The Lotsentreffen page of a board (dates, rhythm, calendar address) and the feed itself."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app.accounts.access import Admin, Editor, Reader
from app.boards.models import Board
from app.boards.service import get_board
from app.cards import queries
from app.cards.models import CardFilter
from app.db import SessionDep, ident
from app.meetings import agenda, calendar, service, sitting
from app.meetings.api import feed_url
from app.meetings.models import AgendaItemCreate, MeetingAdd, MeetingChange, SeriesSet
from app.people import service as people
from app.reports import service as reports
from app.settings import get_settings
from app.types import PathId
from app.web.deps import BoardDep
from app.web.forms import run_form
from app.web.htmx import render
from app.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=200)]


def _page(
    request: Request,
    session: Session,
    board: Board,
    principal: Any,
    *,
    error: str | None = None,
    status: int = 200,
    feed: str | None = None,
) -> HTMLResponse:
    board_id = ident(board)
    context: dict[str, Any] = {
        "board": board,
        "series": service.get_series(session, board_id=board_id),
        "dates": service.upcoming(session, board_id=board_id),
        "past": service.past(session, board_id=board_id),
        "runs": {run.day: run for run in sitting.runs(session, board_id=board_id)},
        "feed_active": principal.is_admin and service.feed_active(session, board_id=board_id),
        "new_feed_url": feed,
        "error": error,
    }
    return render(request, "meetings/meetings.html", context, status_code=status)


def _apply(
    request: Request,
    session: Session,
    board: Board,
    principal: Any,
    action: Callable[[], object],
) -> Response:
    return run_form(
        session,
        action,
        done=f"/boards/{ident(board)}/treffen",
        refused=lambda error, status: _page(
            request, session, board, principal, error=error, status=status
        ),
    )


@router.get("/boards/{board_id}/treffen", response_class=HTMLResponse)
def meetings_page(
    request: Request, board: BoardDep, session: SessionDep, principal: Reader
) -> HTMLResponse:
    """The coming Lotsentreffen; admins set the rhythm, move, cancel and add dates."""
    return _page(request, session, board, principal)


@router.get("/boards/{board_id}/treffen/{day}", response_class=HTMLResponse)
def agenda_page(
    request: Request, board: BoardDep, session: SessionDep, principal: Reader, day: date
) -> HTMLResponse:
    """The agenda of one Lotsentreffen, read off the event log, and the topics brought in."""
    return _agenda_page(request, session, board, day)


def _agenda_page(
    request: Request,
    session: Session,
    board: Board,
    day: date,
    *,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    found = agenda.for_day(session, board=board, day=day)
    departments = people.list_departments(session)
    zone = get_settings().zone
    context = {
        "agenda": found,
        "flow": reports.summary(
            session,
            board=board,
            first=found.start.astimezone(zone).date(),
            last=found.end.astimezone(zone).date(),
            start=found.start,
            end=found.end,
        ),
        "departments": departments,
        "by_id": {d.id: d for d in departments},
        "cards": queries.list_cards(session, board_id=ident(board), filters=CardFilter()),
        "error": error,
        "typed": typed or {},
    }
    return render(request, "meetings/agenda.html", context, block="agenda", status_code=status)


@router.post("/boards/{board_id}/treffen/{day}/themen")
def item_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Editor,
    day: date,
    title: Text,
    card_id: Text = "",
    department_id: Text = "",
) -> Response:
    """Bring a topic to the Lotsentreffen (lotsen and admins)."""
    typed = {"title": title, "card_id": card_id, "department_id": department_id}
    values = {
        "title": title,
        "card_id": card_id.strip() or None,
        "department_id": department_id.strip() or None,
    }
    return run_form(
        session,
        lambda: service.add_item(
            session,
            board_id=ident(board),
            day=day,
            data=AgendaItemCreate.model_validate(values),
            actor=principal.name,
        ),
        done=f"/boards/{ident(board)}/treffen/{day.isoformat()}#themen",
        refused=lambda error, status: _agenda_page(
            request, session, board, day, error=error, status=status, typed=typed
        ),
    )


@router.post("/boards/{board_id}/treffen/{day}/themen/{item_id}/entfernen")
def item_remove_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Admin,
    day: date,
    item_id: PathId,
) -> Response:
    """Take a topic off the agenda."""
    return run_form(
        session,
        lambda: service.remove_item(
            session, board_id=ident(board), item_id=item_id, actor=principal.name
        ),
        done=f"/boards/{ident(board)}/treffen/{day.isoformat()}#themen",
        refused=lambda error, status: _agenda_page(
            request, session, board, day, error=error, status=status
        ),
    )


@router.post("/boards/{board_id}/treffen/rhythmus")
def series_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Admin,
    first_date: Text,
    start_time: Text,
    interval_weeks: Text = "2",
    duration_minutes: Text = "90",
    location: Text = "",
    version: Text = "",
) -> Response:
    """Set the rhythm."""
    values = {
        "first_date": first_date.strip(),
        "start_time": start_time.strip(),
        "interval_weeks": interval_weeks.strip(),
        "duration_minutes": duration_minutes.strip(),
        "location": location.strip(),
        "version": version.strip() or None,
    }
    return _apply(
        request,
        session,
        board,
        principal,
        lambda: service.set_series(
            session,
            board_id=ident(board),
            data=SeriesSet.model_validate(values),
            actor=principal.name,
        ),
    )


@router.post("/boards/{board_id}/treffen")
def add_form(
    request: Request, board: BoardDep, session: SessionDep, principal: Admin, starts_at: Text
) -> Response:
    """Add a date besides the rhythm."""
    return _apply(
        request,
        session,
        board,
        principal,
        lambda: service.add_meeting(
            session,
            board_id=ident(board),
            data=MeetingAdd.model_validate({"starts_at": starts_at.strip()}),
            actor=principal.name,
        ),
    )


@router.post("/boards/{board_id}/treffen/{day}")
def change_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Admin,
    day: date,
    version: Text,
    starts_at: Text = "",
    cancelled: Text = "",
) -> Response:
    """Move one date, cancel it, or take the cancellation back."""
    values: dict[str, Any] = {"version": version.strip()}
    if starts_at.strip():
        values["starts_at"] = starts_at.strip()
    if cancelled:
        values["cancelled"] = cancelled == "true"
    return _apply(
        request,
        session,
        board,
        principal,
        lambda: service.change_meeting(
            session,
            board_id=ident(board),
            day=day,
            data=MeetingChange.model_validate(values),
            actor=principal.name,
        ),
    )


@router.post("/boards/{board_id}/treffen-kalender")
def feed_form(request: Request, board: BoardDep, session: SessionDep, principal: Admin) -> Response:
    """A new calendar address, shown once; an earlier one stops working."""
    plain = service.create_feed(session, board_id=ident(board), actor=principal.name)
    return _page(request, session, board, principal, feed=feed_url(request, plain))


@router.post("/boards/{board_id}/treffen-kalender/widerrufen")
def feed_revoke_form(
    request: Request, board: BoardDep, session: SessionDep, principal: Admin
) -> Response:
    """The calendar address stops working."""
    return _apply(
        request,
        session,
        board,
        principal,
        lambda: service.revoke_feed(session, board_id=ident(board), actor=principal.name),
    )


@router.get("/kalender/{token}.ics")
def calendar_feed(
    request: Request, session: SessionDep, token: Annotated[str, Path(max_length=100)]
) -> Response:
    """The board's Lotsentreffen for calendar programs; the secret address is the login."""
    board_id = service.board_of_feed(session, plain=token)
    board = get_board(session, board_id=board_id) if board_id is not None else None
    if board is None or board.archived:
        message = _("Unknown or revoked calendar address.") + "\n"
        return Response(message, status_code=404, media_type="text/plain; charset=utf-8")
    body = calendar.feed(session, board=board, base_url=request.app.state.settings.base_url)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": "inline; filename=treffen.ics",
        },
    )
