"""HTML pages: the list of boards and a board."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.boards import service
from app.cards import queries
from app.db import SessionDep
from app.people import service as people
from app.web.deps import BoardDep
from app.web.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, session: SessionDep) -> HTMLResponse:
    """The boards of this Kommune."""
    boards = service.list_boards(session)
    return templates.TemplateResponse(request, "boards/index.html", {"boards": boards})


@router.get("/boards/{board_id}", response_class=HTMLResponse)
def board_page(request: Request, board: BoardDep, session: SessionDep) -> HTMLResponse:
    """A board: its phases as columns, cards in order."""
    assert board.id is not None
    view = queries.board_view(session, board_id=board.id)
    departments = {d.id: d for d in people.list_departments(session)}
    lotsen = {lotse.id: lotse for lotse in people.list_lotsen(session)}
    context = {"view": view, "departments": departments, "lotsen": lotsen}
    return templates.TemplateResponse(request, "boards/board.html", context)
