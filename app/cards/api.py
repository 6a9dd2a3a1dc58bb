"""JSON routes for cards."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter
from sqlmodel import Session

from app.accounts.access import Editor
from app.cards import queries, service
from app.cards.models import (
    CardCreate,
    CardFilter,
    CardMove,
    CardRead,
    CardUpdate,
    CardVersion,
    OpenAnnotations,
)
from app.db import SessionDep, ident
from app.events import service as events
from app.events.api import without_actors
from app.events.models import EventRead
from app.web.answers import answers, board_state
from app.web.deps import BoardDep, CardDep

router = APIRouter(tags=["cards"])


@router.get("/boards/{board_id}/cards", response_model=list[CardRead])
def list_cards(
    board: BoardDep,
    session: SessionDep,
    department: Annotated[list[int], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    lotse: Annotated[list[int], Query()] = [],  # noqa: B006
    phase: Annotated[list[int], Query()] = [],  # noqa: B006
    tag: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006
    q: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")] = None,
    open_annotations: Annotated[
        OpenAnnotations | None,
        Query(description="Only cards with open concerns, resistances, or `any` of them."),
    ] = None,
    blocked: Annotated[
        bool, Query(description="Only blocked cards (an open annotation blocks them).")
    ] = False,
    archived: bool = False,
) -> Response:
    """The board's cards matching all given filters (repeat a filter for "any of")."""
    assert board.id is not None
    filters = CardFilter(
        department=department,
        lotse=lotse,
        phase=phase,
        tag=tag,
        q=q,
        open_annotations=open_annotations,
        blocked=blocked,
        archived=archived,
    )
    key = ("api-cards", board_state(session, board), filters.model_dump_json())
    return answers.answer(key, lambda: _cards_json(session, ident(board), filters))


_CARD_LIST = TypeAdapter(list[CardRead])


def _cards_json(session: Session, board_id: int, filters: CardFilter) -> Response:
    found = queries.list_cards(session, board_id=board_id, filters=filters)
    cards = [CardRead.model_validate(card) for card in found]
    return Response(_CARD_LIST.dump_json(cards), media_type="application/json")


@router.post("/boards/{board_id}/cards", response_model=CardRead, status_code=201)
def create_card(
    board: BoardDep, data: CardCreate, session: SessionDep, principal: Editor
) -> object:
    """Create a card in a phase of the board."""
    return service.create_card(session, board_id=ident(board), data=data, actor=principal.name)


@router.get("/cards/{card_id}", response_model=CardRead)
def read_card(card: CardDep) -> object:
    """One card."""
    return card


@router.patch("/cards/{card_id}", response_model=CardRead)
def update_card(card: CardDep, data: CardUpdate, session: SessionDep, principal: Editor) -> object:
    """Edit a card; 409 with the current card when `version` is stale."""
    return service.update_card(session, card_id=ident(card), data=data, actor=principal.name)


@router.post("/cards/{card_id}/move", response_model=CardRead)
def move_card(card: CardDep, data: CardMove, session: SessionDep, principal: Editor) -> object:
    """Move a card to a phase and position; 409 when stale or the phase blocks."""
    return service.move_card(session, card_id=ident(card), move=data, actor=principal.name)


@router.post("/cards/{card_id}/archive", response_model=CardRead)
def archive_card(
    card: CardDep, data: CardVersion, session: SessionDep, principal: Editor
) -> object:
    """Archive a card."""
    return service.archive_card(
        session, card_id=ident(card), version=data.version, actor=principal.name
    )


@router.post("/cards/{card_id}/restore", response_model=CardRead)
def restore_card(
    card: CardDep, data: CardVersion, session: SessionDep, principal: Editor
) -> object:
    """Restore an archived card to the end of its phase."""
    return service.restore_card(
        session, card_id=ident(card), version=data.version, actor=principal.name
    )


@router.get("/cards/{card_id}/events", response_model=list[EventRead])
def card_history(request: Request, card: CardDep, session: SessionDep) -> object:
    """The card's history, oldest first."""
    return without_actors(events.list_card_events(session, card_id=ident(card)), request)
