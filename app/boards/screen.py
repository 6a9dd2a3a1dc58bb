"""The meeting-room screen: one board, read-only, opened by a screen link without login."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from app import clock
from app.accounts import tokens
from app.annotations import queries as annotations
from app.boards import service
from app.boards.presentation import BoardFilters
from app.boards.views import board_context
from app.cards.models import Card
from app.db import SessionDep
from app.meetings import minutes, sitting
from app.web.htmx import render

router = APIRouter(include_in_schema=False)

WALL_CARDS = 4  # measures shown enlarged for the current point; more would not be legible


@router.get("/screen/{token}", response_class=HTMLResponse)
def screen_page(
    request: Request, session: SessionDep, token: Annotated[str, Path(max_length=100)]
) -> HTMLResponse:
    """The board of this screen link; 401 once the link is revoked."""
    link = tokens.resolve_screen_link(session, plain=token)
    if link is None:
        return render(request, "boards/screen_gone.html", {}, status_code=401)
    board = service.get_board(session, board_id=link.board_id)
    context = board_context(session, board, BoardFilters())
    context["tally"] = annotations.open_tally(session, board_id=link.board_id)
    context["token"] = token
    context["now"] = clock.now().astimezone(request.app.state.settings.zone)
    held = sitting.running(session, board_id=link.board_id)
    if held is not None:
        # A Lotsentreffen is being held: the screen follows its current point.
        wall = sitting.plan(session, board=board, day=held.day)
        card_ids = wall.current.card_ids[:WALL_CARDS] if wall.current else []
        context |= {
            "wall": wall,
            "wall_cards": [session.get(Card, card_id) for card_id in card_ids],
            "wall_annotations": annotations.open_for_cards(session, card_ids=card_ids),
            "phase_names": {
                column.phase.id: column.phase.name for column in context["view"].phases
            },
            "kind_label": minutes.kind_label,
        }
    response = render(request, "boards/screen.html", context, block="board")
    # The token is in the address: keep it out of Referer headers and caches.
    response.headers["Cache-Control"] = "no-store"
    return response
