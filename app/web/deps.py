"""Shared route dependencies: objects resolved from path ids, checked against who asks."""

from typing import Annotated

from fastapi import Depends, Path

from app.accounts.access import Reader, can_read_board
from app.annotations import queries as annotations
from app.annotations.models import Annotation
from app.boards import service as boards
from app.boards.models import Board
from app.cards import queries as cards
from app.cards.models import Card
from app.db import SessionDep
from app.errors import NotFound
from app.types import MAX_ID


def valid_board(
    session: SessionDep, principal: Reader, board_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Board:
    """The board, if the caller may read it; otherwise it does not exist for them (404)."""
    board = boards.get_board(session, board_id=board_id)
    if not can_read_board(session, principal, board):
        raise NotFound("board", board_id)
    return board


def valid_card(
    session: SessionDep, principal: Reader, card_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Card:
    """The card, if the caller may read its board."""
    card = cards.get_card(session, card_id=card_id)
    if not can_read_board(session, principal, boards.get_board(session, board_id=card.board_id)):
        raise NotFound("card", card_id)
    return card


def valid_annotation(
    session: SessionDep, principal: Reader, annotation_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Annotation:
    """The annotation, if the caller may read its card's board."""
    annotation = annotations.get_annotation(session, annotation_id=annotation_id)
    card = cards.get_card(session, card_id=annotation.card_id)
    if not can_read_board(session, principal, boards.get_board(session, board_id=card.board_id)):
        raise NotFound("annotation", annotation_id)
    return annotation


BoardDep = Annotated[Board, Depends(valid_board)]
CardDep = Annotated[Card, Depends(valid_card)]
AnnotationDep = Annotated[Annotation, Depends(valid_annotation)]
