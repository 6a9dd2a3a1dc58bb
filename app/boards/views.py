"""HTML pages: the list of boards and the board itself (page or htmx fragment)."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app.accounts import preferences
from app.accounts import service as accounts
from app.accounts.access import Reader, can_read_board
from app.annotations import queries as annotations
from app.boards import presentation, service
from app.boards.models import Board
from app.boards.presentation import BoardFilters
from app.cards import export, queries
from app.db import DatabaseDep, SessionDep, ident
from app.errors import NotFound
from app.meetings import service as meetings
from app.meetings import sitting
from app.people import service as people
from app.reports import views as reports
from app.web import downloads
from app.web.answers import answers, board_state, request_view
from app.web.deps import BoardDep
from app.web.htmx import render, see_other
from app.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, session: SessionDep, principal: Reader) -> HTMLResponse:
    """The boards of this Kommune that the caller may read (admins: also the archived ones)."""
    boards = [b for b in service.list_boards(session) if can_read_board(session, principal, b)]
    archived = (
        [b for b in service.list_boards(session, include_archived=True) if b.archived]
        if principal.is_admin
        else []
    )
    me = accounts.lotse_of(session, user_id=principal.user_id)
    mine = queries.count_by_board(session, lotse_id=me.id or 0) if me else {}
    context = {"boards": boards, "archived": archived, "me": me, "mine": mine}
    return render(request, "boards/index.html", context)


@router.get("/boards/{board_id}", response_class=HTMLResponse)
def board_page(
    request: Request, board: BoardDep, session: SessionDep, db: DatabaseDep, principal: Reader
) -> Response:
    """A board: phases as columns, optionally filtered and in swimlanes. The bare address opens
    the view the person last had (a lotse first sees their own measures)."""
    if "am" in request.query_params:
        return reports.past_board(request, session, board)
    filters = BoardFilters.from_query(request.query_params)
    board_id = ident(board)
    restoring = request.headers.get("HX-History-Restore-Request") == "true"
    if principal.user_id is not None and not restoring:
        if not request.query_params:
            start = preferences.start_view(session, user_id=principal.user_id, board_id=board_id)
            if start:
                return see_other(f"/boards/{board_id}?{start}")
        else:
            view = filters.query_string() or preferences.WHOLE_BOARD
            mine = {"user_id": principal.user_id, "board_id": board_id}
            if preferences.changed(session, **mine, query=view):
                with db.session(write=True) as writer:
                    preferences.remember(writer, **mine, query=view)
    key = ("board", board_state(session, board), request_view(request))
    return answers.answer(key, lambda: render_board(request, session, board, filters))


def _since(session: Session, board_id: int, filters: BoardFilters) -> datetime | None:
    """The start of the last Lotsentreffen, when the view asks for what changed since."""
    return meetings.last_start(session, board_id=board_id) if filters.since_meeting else None


def board_context(session: Session, board: Board, filters: BoardFilters) -> dict[str, Any]:
    """Everything board.html needs."""
    assert board.id is not None
    marks = annotations.card_marks(session, board_id=board.id)
    view = queries.board_view(
        session,
        board_id=board.id,
        filters=filters.card_filter(since=_since(session, board.id, filters)),
        blocked=annotations.blocked_in(marks),
    )
    departments = {d.id: d for d in people.list_departments(session) if d.id is not None}
    lotsen = {lotse.id: lotse for lotse in people.list_lotsen(session) if lotse.id is not None}
    shown = sum(len(column.cards) for column in view.phases)
    return {
        "board": board,
        "view": view,
        "filters": filters,
        "lanes": presentation.lanes(view, filters.group, departments, lotsen, _("Not assigned")),
        "departments": departments,
        "lotsen": lotsen,
        "tags": queries.board_tags(session, board_id=board.id),
        "marks": marks,
        "stuck_after": board.stuck_after_days,
        "shown": shown,
        "total": sum(column.total for column in view.phases),
        "next_meeting": meetings.next_meeting(session, board_id=board.id),
        "meeting_running": sitting.running(session, board_id=board.id),
    }


def render_board(
    request: Request,
    session: Session,
    board: Board,
    filters: BoardFilters,
    *,
    status_code: int = 200,
    toast: str | None = None,
    announce: str | None = None,
    focus: str | None = None,
    undo: int | None = None,
) -> HTMLResponse:
    """The board page, or its board block for htmx, with an optional toast and announcement;
    `undo`: the seq of a change just made that the person may take back."""
    context = board_context(session, board, filters)
    principal = getattr(request.state, "principal", None)
    context["me"] = accounts.lotse_of(session, user_id=principal.user_id if principal else None)
    context["toast"] = toast
    context["undo"] = {"seq": undo, "text": announce} if undo else None
    trigger: dict[str, Any] = {}
    if announce or focus:
        trigger["lotsenboard:announce"] = {"message": announce or "", "focus": focus or ""}
    return render(
        request,
        "boards/board.html",
        context,
        block="board",
        status_code=status_code,
        trigger=trigger or None,
    )


@router.get("/boards/{board_id}/export.{extension}")
def board_export(
    request: Request, board: BoardDep, session: SessionDep, extension: str
) -> Response:
    """The measures of the board as the filters show them, as German Excel CSV or XLSX."""
    if extension not in downloads.MEDIA_TYPES:
        raise NotFound("export", extension)
    filters = BoardFilters.from_query(request.query_params)
    since = _since(session, ident(board), filters)
    table = export.board_table(session, board=board, filters=filters.card_filter(since=since))
    name = downloads.filename(table, board_name=board.name, extension=extension, prefix="export")
    return downloads.response(table, extension=extension, name=name)
