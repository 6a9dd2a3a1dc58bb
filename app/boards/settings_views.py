"""HTML settings of a board: its phases (add, rename, WIP limit, reorder, remove)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.boards import service
from app.boards.models import Board, PhaseCreate, PhaseUpdate
from app.cards.texts import error_message, validation_message
from app.db import SessionDep
from app.errors import DomainError
from app.web.deps import BoardDep, current_actor
from app.web.errors import status_for
from app.web.htmx import render, see_other

router = APIRouter(include_in_schema=False)


def _page(
    request: Request, session: Session, board: Board, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    assert board.id is not None
    context: dict[str, Any] = {
        "board": board,
        "phases": service.list_phases(session, board_id=board.id),
        "error": error,
    }
    return render(request, "boards/settings.html", context, status_code=status)


def _apply(
    request: Request, session: Session, board: Board, action: Callable[[], object]
) -> Response:
    """Run one settings change; on success back to the page, else the page with the reason."""
    try:
        action()
    except ValidationError as error:
        session.rollback()
        return _page(request, session, board, error=validation_message(error), status=422)
    except DomainError as error:
        session.rollback()
        return _page(request, session, board, error=error_message(error), status=status_for(error))
    return see_other(f"/boards/{board.id}/settings")


def _limit(value: str) -> int | None:
    return int(value) if value.strip().isdigit() and int(value) > 0 else None


@router.get("/boards/{board_id}/settings", response_class=HTMLResponse)
def board_settings(request: Request, board: BoardDep, session: SessionDep) -> HTMLResponse:
    """The board's phases with their settings."""
    return _page(request, session, board)


@router.post("/boards/{board_id}/phases")
def phase_add_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    name: Annotated[str, Form(max_length=1000)],
    wip_limit: Annotated[str, Form()] = "",
    wip_mode: Annotated[str, Form()] = "warn",
    is_done: Annotated[bool, Form()] = False,
) -> Response:
    """Add a phase at the end."""
    board_id = board.id
    assert board_id is not None

    def action() -> object:
        data = PhaseCreate(
            name=name, wip_limit=_limit(wip_limit), wip_mode=wip_mode, is_done=is_done
        )
        return service.add_phase(session, board_id=board_id, data=data, actor=current_actor())

    return _apply(request, session, board, action)


@router.post("/boards/{board_id}/phases/{phase_id}")
def phase_update_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    phase_id: int,
    name: Annotated[str, Form(max_length=1000)],
    wip_limit: Annotated[str, Form()] = "",
    wip_mode: Annotated[str, Form()] = "warn",
    is_done: Annotated[bool, Form()] = False,
) -> Response:
    """Rename a phase, set its WIP limit and mode and its done flag."""
    board_id = board.id
    assert board_id is not None

    def action() -> object:
        data = PhaseUpdate(
            name=name, wip_limit=_limit(wip_limit), wip_mode=wip_mode, is_done=is_done
        )
        return service.update_phase(
            session, board_id=board_id, phase_id=phase_id, data=data, actor=current_actor()
        )

    return _apply(request, session, board, action)


@router.post("/boards/{board_id}/phases/{phase_id}/shift")
def shift_phase(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    phase_id: int,
    direction: Annotated[str, Form(pattern="^(left|right)$")],
) -> Response:
    """Move a phase one place to the left or right."""
    board_id = board.id
    assert board_id is not None

    def action() -> object:
        ids = [p.id for p in service.list_phases(session, board_id=board_id) if p.id is not None]
        if phase_id not in ids:
            service.get_phase(session, phase_id=phase_id, board_id=board_id)
        index = ids.index(phase_id)
        other = index - 1 if direction == "left" else index + 1
        if 0 <= other < len(ids):
            ids[index], ids[other] = ids[other], ids[index]
        return service.reorder_phases(
            session, board_id=board_id, phase_ids=ids, actor=current_actor()
        )

    return _apply(request, session, board, action)


@router.post("/boards/{board_id}/phases/{phase_id}/remove")
def phase_remove_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    phase_id: int,
    target_phase_id: Annotated[str, Form()] = "",
) -> Response:
    """Remove a phase; its cards go to the chosen target phase."""
    board_id = board.id
    assert board_id is not None
    target = int(target_phase_id) if target_phase_id.isdigit() else None
    return _apply(
        request,
        session,
        board,
        lambda: service.remove_phase(
            session,
            board_id=board_id,
            phase_id=phase_id,
            target_phase_id=target,
            actor=current_actor(),
        ),
    )
