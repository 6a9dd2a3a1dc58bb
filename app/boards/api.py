"""JSON routes for boards and phases."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from app.boards import service
from app.boards.models import (
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
from app.db import SessionDep
from app.web.deps import Actor, BoardDep

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
def list_boards(session: SessionDep, include_archived: bool = False) -> object:
    """All boards by name."""
    return service.list_boards(session, include_archived=include_archived)


@router.post("/boards", response_model=BoardRead, status_code=201)
def create_board(data: BoardCreateWithPhases, session: SessionDep, actor: Actor) -> object:
    """Create a board with its phases (default: the standard ones)."""
    base = BoardCreate(name=data.name, description=data.description)
    if data.phases is None:
        return service.create_board(session, data=base, actor=actor)
    return service.create_board(session, data=base, actor=actor, phases=data.phases)


@router.get("/boards/{board_id}", response_model=BoardDetail)
def read_board(board: BoardDep, session: SessionDep) -> object:
    """The board with its phases and their active cards in order."""
    assert board.id is not None
    view = queries.board_view(session, board_id=board.id)
    phases = [
        PhaseWithCards(
            **PhaseRead.model_validate(item.phase).model_dump(),
            card_count=item.total,
            over_limit=item.over_limit,
            cards=[CardRead.model_validate(card) for card in item.cards],
        )
        for item in view.phases
    ]
    return BoardDetail(**BoardRead.model_validate(board).model_dump(), phases=phases)


@router.patch("/boards/{board_id}", response_model=BoardRead)
def update_board(board_id: int, data: BoardUpdate, session: SessionDep, actor: Actor) -> object:
    """Rename a board or change its description."""
    return service.update_board(session, board_id=board_id, data=data, actor=actor)


@router.put("/boards/{board_id}/archived", response_model=BoardRead)
def archive_board(board_id: int, data: ArchiveState, session: SessionDep, actor: Actor) -> object:
    """Archive (read-only, hidden from the list) or restore a board."""
    return service.set_board_archived(
        session, board_id=board_id, archived=data.archived, actor=actor
    )


@router.get("/boards/{board_id}/phases", response_model=list[PhaseRead])
def list_phases(board: BoardDep, session: SessionDep) -> object:
    """The board's phases in order."""
    assert board.id is not None
    return service.list_phases(session, board_id=board.id)


@router.post("/boards/{board_id}/phases", response_model=PhaseRead, status_code=201)
def add_phase(board_id: int, data: PhaseCreate, session: SessionDep, actor: Actor) -> object:
    """Add a phase (default: last)."""
    return service.add_phase(session, board_id=board_id, data=data, actor=actor)


@router.put("/boards/{board_id}/phases/order", response_model=list[PhaseRead])
def reorder_phases(board_id: int, data: PhaseOrder, session: SessionDep, actor: Actor) -> object:
    """Reorder all phases of the board."""
    return service.reorder_phases(session, board_id=board_id, phase_ids=data.phase_ids, actor=actor)


@router.patch("/boards/{board_id}/phases/{phase_id}", response_model=PhaseRead)
def update_phase(
    board_id: int, phase_id: int, data: PhaseUpdate, session: SessionDep, actor: Actor
) -> object:
    """Rename a phase, set its WIP limit and mode or its done flag."""
    return service.update_phase(
        session, board_id=board_id, phase_id=phase_id, data=data, actor=actor
    )


@router.delete("/boards/{board_id}/phases/{phase_id}", status_code=204)
def remove_phase(
    board_id: int,
    phase_id: int,
    session: SessionDep,
    actor: Actor,
    target_phase_id: Annotated[int | None, Query(description="Where its cards go.")] = None,
) -> Response:
    """Remove a phase; a phase holding cards needs a target phase for them."""
    service.remove_phase(
        session, board_id=board_id, phase_id=phase_id, target_phase_id=target_phase_id, actor=actor
    )
    return Response(status_code=204)
