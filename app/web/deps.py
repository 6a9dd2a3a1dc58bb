"""Shared route dependencies: who acts, and objects resolved from path ids."""

from typing import Annotated

from fastapi import Depends, Path

from app.boards import service as boards
from app.boards.models import Board
from app.cards import queries as cards
from app.cards.models import Card
from app.db import SessionDep


def current_actor() -> str:
    """The name written into the event log for this request."""
    # Accounts come with the accounts issue; until then changes are made "via API".
    return "api"


def valid_board(session: SessionDep, board_id: Annotated[int, Path(ge=1)]) -> Board:
    return boards.get_board(session, board_id=board_id)


def valid_card(session: SessionDep, card_id: Annotated[int, Path(ge=1)]) -> Card:
    return cards.get_card(session, card_id=card_id)


Actor = Annotated[str, Depends(current_actor)]
BoardDep = Annotated[Board, Depends(valid_board)]
CardDep = Annotated[Card, Depends(valid_card)]
