"""HTML routes of the Auswertung: a page per figure group, and each table as CSV or XLSX."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app import clock
from app.accounts.models import ScreenLink
from app.boards.models import Board
from app.cards import queries as cards
from app.cards.texts import field_label
from app.db import SessionDep, ident
from app.errors import InvalidInput, NotFound
from app.meetings import service as meetings
from app.people import service as people
from app.reports import past, presentation, service, tables
from app.settings import get_settings
from app.web import downloads
from app.web.deps import BoardDep
from app.web.htmx import render, see_other
from app.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)


def _context(session: Session, board: Board, request: Request, group: str) -> dict[str, Any]:
    board_id = ident(board)
    minimum = request.app.state.settings.report_min_lotsen
    departments = service.groups(session, minimum)
    context: dict[str, Any] = {
        "board": board,
        "group": group,
        "groups": tables.GROUPS,
        "group_title": tables.group_title,
        "departments": departments,
        "tags": cards.board_tags(session, board_id=board_id),
        "meetings": meetings.past(session, board_id=board_id, count=26),
        "min_lotsen": minimum,
        "query": request.url.query,
        "params": request.query_params,
        "error": "",
    }
    try:
        report = service.report_for(
            session, board, request.query_params, min_lotsen=minimum, groups_=departments
        )
    except InvalidInput as error:
        context["error"] = _error_text(error)
        return context
    context["report"] = report
    context["scope"] = report.scope
    context["started"] = report.started
    context["figures"] = [presentation.figure(report, slug) for slug in tables.GROUPS[group]]
    return context


@router.get("/boards/{board_id}/auswertung", response_class=HTMLResponse)
def report_page(request: Request, board: BoardDep, session: SessionDep) -> HTMLResponse:
    """The board's flow: cumulative flow and throughput."""
    return _page(request, board, session, "flow")


@router.get("/boards/{board_id}/auswertung/{group}", response_class=HTMLResponse)
def report_group_page(
    request: Request, board: BoardDep, session: SessionDep, group: str
) -> HTMLResponse:
    """One group of figures: times, work in progress, departments, or annotations."""
    if group not in tables.GROUPS:
        raise NotFound("report", group)
    return _page(request, board, session, group)


def _page(request: Request, board: Board, session: Session, group: str) -> HTMLResponse:
    context = _context(session, board, request, group)
    status = 422 if context["error"] else 200
    return render(request, "reports/report.html", context, status_code=status)


@router.get("/boards/{board_id}/auswertung/tabellen/{name}")
def report_download(request: Request, board: BoardDep, session: SessionDep, name: str) -> Response:
    """One table of figures as German Excel CSV or as XLSX."""
    slug, _dot, extension = name.rpartition(".")
    if slug not in tables.BUILDERS or extension not in downloads.MEDIA_TYPES:
        raise NotFound("table", name)
    minimum = request.app.state.settings.report_min_lotsen
    report = service.report_for(session, board, request.query_params, min_lotsen=minimum)
    table = tables.BUILDERS[slug](report)
    filename = downloads.filename(table, board_name=board.name, extension=extension)
    return downloads.response(table, extension=extension, name=filename)


# --- the board as it was ---------------------------------------------------------------------


def _people(session: Session) -> dict[str, Any]:
    return {
        "departments": {d.id: d for d in people.list_departments(session) if d.id is not None},
        "lotsen": {
            lotse.id: lotse for lotse in people.list_lotsen(session) if lotse.id is not None
        },
    }


def _error_text(error: InvalidInput) -> str:
    reason = _(error.template, **error.values)
    return _("%(field)s: %(message)s", field=field_label(error.field), message=reason)


def past_board(request: Request, session: Session, board: Board) -> Response:
    """`/boards/{id}?am=…`: the board as it stood then, read-only, with what happened since;
    `?am=` alone: as it stood when the last Lotsentreffen began."""
    raw = request.query_params.get("am", "")[:40]
    if not raw.strip():
        began = meetings.last_start(session, board_id=ident(board))
        local = began.astimezone(get_settings().zone).strftime("%Y-%m-%dT%H:%M")
        return see_other(f"/boards/{ident(board)}?am={local}")
    context: dict[str, Any] = {"board": board, "am": raw, "then": None, "error": ""}
    context |= _people(session)
    try:
        moment = past.parse_moment(raw)
    except InvalidInput as error:
        context["error"] = _error_text(error)
        return render(request, "reports/past.html", context, status_code=422)
    context["then"] = past.board_then(session, board=board, moment=moment)
    # Card faces count their days in the phase up to that moment, not up to today.
    with clock.frozen_at(moment):
        return render(request, "reports/past.html", context)


def past_screen(request: Request, session: Session, link: ScreenLink, board: Board) -> Response:
    """The wall screen as the board stood then (the link's departments only)."""
    try:
        moment = past.parse_moment(request.query_params.get("am", "")[:40])
    except InvalidInput as error:
        return Response(_error_text(error), status_code=422, media_type="text/plain")
    then = past.board_then(
        session,
        board=board,
        moment=moment,
        department_ids=link.department_ids,
        phase_ids=link.phase_ids,
    )
    context: dict[str, Any] = {"board": board, "then": then, "link": link} | _people(session)
    with clock.frozen_at(moment):
        response = render(request, "reports/past_screen.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response
