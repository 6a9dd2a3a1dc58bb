"""JSON routes for boards and phases."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from app.accounts.access import Admin, Reader, can_read_board
from app.boards import service
from app.boards.models import (
    Board,
    BoardCreate,
    BoardRead,
    BoardUpdate,
    PhaseCreate,
    PhaseOrder,
    PhaseRead,
    PhaseUpdate,
)
from app.cards import queries
from app.cards.models import CardRead
from app.db import SessionDep, ident
from app.types import MAX_ID, PathId
from app.web.answers import answers, board_state
from app.web.deps import BoardDep

router = APIRouter(tags=["boards"])


class BoardCreateWithPhases(BoardCreate):
    phases: list[PhaseCreate] | None = Field(
        default=None, min_length=1, max_length=50, description="Default: the standard phases."
    )


class PhaseWithCards(PhaseRead):
    card_count: int
    over_limit: bool
    cards: list[CardRead]


class BoardDetail(BoardRead):
    model_config = ConfigDict(from_attributes=True)
    phases: list[PhaseWithCards]


class ArchiveState(BaseModel):
    model_config = ConfigDict(extra="forbid")
    archived: bool


@router.get("/boards", response_model=list[BoardRead])
def list_boards(session: SessionDep, principal: Reader, include_archived: bool = False) -> object:
    """The boards the caller may read, by name."""
    boards = service.list_boards(session, include_archived=include_archived)
    return [board for board in boards if can_read_board(session, principal, board)]


@router.post("/boards", response_model=BoardRead, status_code=201)
def create_board(data: BoardCreateWithPhases, session: SessionDep, principal: Admin) -> object:
    """Create a board with its phases (default: the standard ones)."""
    base = BoardCreate(name=data.name, description=data.description)
    if data.phases is None:
        return service.create_board(session, data=base, actor=principal.name)
    return service.create_board(session, data=base, actor=principal.name, phases=data.phases)


@router.get("/boards/{board_id}", response_model=BoardDetail)
def read_board(board: BoardDep, session: SessionDep) -> Response:
    """The board with its phases and their active cards in order."""
    key = ("api-board", board_state(session, board))
    return answers.answer(key, lambda: _board_json(session, board))


def _board_json(session: Session, board: Board) -> Response:
    view = queries.board_view(session, board_id=ident(board))
    phases = [
        PhaseWithCards(
            **PhaseRead.model_validate(item.phase).model_dump(),
            card_count=item.total,
            over_limit=item.over_limit,
            cards=[CardRead.model_validate(card) for card in item.cards],
        )
        for item in view.phases
    ]
    detail = BoardDetail(**BoardRead.model_validate(board).model_dump(), phases=phases)
    return Response(detail.model_dump_json(), media_type="application/json")


@router.patch("/boards/{board_id}", response_model=BoardRead)
def update_board(
    board: BoardDep, data: BoardUpdate, session: SessionDep, principal: Admin
) -> object:
    """Rename a board or change its description."""
    return service.update_board(session, board_id=ident(board), data=data, actor=principal.name)


@router.put("/boards/{board_id}/archived", response_model=BoardRead)
def archive_board(
    board: BoardDep, data: ArchiveState, session: SessionDep, principal: Admin
) -> object:
    """Archive (read-only, hidden from the list) or restore a board."""
    return service.set_board_archived(
        session, board_id=ident(board), archived=data.archived, actor=principal.name
    )


@router.get("/boards/{board_id}/phases", response_model=list[PhaseRead])
def list_phases(board: BoardDep, session: SessionDep) -> object:
    """The board's phases in order."""
    assert board.id is not None
    return service.list_phases(session, board_id=ident(board))


@router.post("/boards/{board_id}/phases", response_model=PhaseRead, status_code=201)
def add_phase(board: BoardDep, data: PhaseCreate, session: SessionDep, principal: Admin) -> object:
    """Add a phase (default: last)."""
    return service.add_phase(session, board_id=ident(board), data=data, actor=principal.name)


@router.put("/boards/{board_id}/phases/order", response_model=list[PhaseRead])
def reorder_phases(
    board: BoardDep, data: PhaseOrder, session: SessionDep, principal: Admin
) -> object:
    """Reorder all phases of the board."""
    return service.reorder_phases(
        session, board_id=ident(board), phase_ids=data.phase_ids, actor=principal.name
    )


@router.patch("/boards/{board_id}/phases/{phase_id}", response_model=PhaseRead)
def update_phase(
    board: BoardDep, phase_id: PathId, data: PhaseUpdate, session: SessionDep, principal: Admin
) -> object:
    """Rename a phase, set its WIP limit and mode or its done flag."""
    return service.update_phase(
        session, board_id=ident(board), phase_id=phase_id, data=data, actor=principal.name
    )


@router.delete("/boards/{board_id}/phases/{phase_id}", status_code=204)
def remove_phase(
    board: BoardDep,
    phase_id: PathId,
    session: SessionDep,
    principal: Admin,
    target_phase_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Where its cards go.")
    ] = None,
) -> Response:
    """Remove a phase; a phase holding cards needs a target phase for them."""
    service.remove_phase(
        session,
        board_id=ident(board),
        phase_id=phase_id,
        target_phase_id=target_phase_id,
        actor=principal.name,
    )
    return Response(status_code=204)
