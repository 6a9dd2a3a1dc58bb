"""The meeting-room screen: one board, read-only, opened by a screen link without login."""

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app import clock
from app.accounts import tokens
from app.accounts.models import ScreenLink, ScreenMode
from app.annotations import queries as annotations
from app.boards import service
from app.boards.models import Board
from app.boards.presentation import BoardFilters
from app.boards.views import board_context
from app.cards.models import Card
from app.db import SessionDep
from app.meetings import minutes, sitting
from app.reports import views as reports
from app.settings import get_settings
from app.web.answers import answers, board_state, request_view
from app.web.htmx import render
from app.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)


@dataclass
class Row:
    """One department's line of the overview: cards per phase and what needs attention."""

    name: str
    code: str
    colour: str
    per_phase: dict[int, int] = field(default_factory=dict)
    concerns: int = 0
    resistances: int = 0
    blocked: int = 0
    overdue: int = 0


@dataclass
class Overview:
    phases: list[Any]  # the shown PhaseViews
    rows: list[Row]

    def total(self, attribute: str) -> int:
        return sum(getattr(row, attribute) for row in self.rows)


def overview(context: dict[str, Any]) -> Overview:
    """The department × phase matrix of the screen's cards (its filters applied)."""
    shown = [c for c in context["view"].phases if c.phase.id in context["shown_phases"]]
    departments = context["departments"]
    marks = context["marks"]
    today = clock.now().astimezone(get_settings().zone).date()
    rows: dict[int | None, Row] = {}
    for column in shown:
        for card in column.cards:
            department = departments.get(card.department_id)
            row = rows.setdefault(
                card.department_id,
                Row(department.name, department.code, department.colour)
                if department
                else Row(_("No department"), "–", "#5b6770"),
            )
            row.per_phase[column.phase.id] = row.per_phase.get(column.phase.id, 0) + 1
            mark = marks.get(card.id)
            if mark is not None:
                row.concerns += mark.concerns
                row.resistances += mark.resistances
                row.blocked += 1 if mark.blocked else 0
            if card.due_date and card.due_date < today and not column.phase.is_done:
                row.overdue += 1
    ordered = sorted(rows.items(), key=lambda item: (item[0] is None, item[1].name))
    return Overview(shown, [row for _id, row in ordered])


WALL_CARDS = 4  # measures shown enlarged for the current point; more would not be legible


@router.get("/screen/{token}", response_class=HTMLResponse)
def screen_page(
    request: Request, session: SessionDep, token: Annotated[str, Path(max_length=100)]
) -> Response:
    """The board of this screen link; 401 once the link is revoked."""
    link = tokens.resolve_screen_link(session, plain=token)
    if link is None:
        return render(request, "boards/screen_gone.html", {}, status_code=401)
    board = service.get_board(session, board_id=link.board_id)
    if "am" in request.query_params:
        return reports.past_screen(request, session, link, board)
    key = ("screen", board_state(session, board), request_view(request))
    return answers.answer(key, lambda: _screen(request, session, link, board, token))


def _screen(
    request: Request, session: Session, link: ScreenLink, board: Board, token: str
) -> HTMLResponse:
    filters = BoardFilters(department=list(link.department_ids))
    context = board_context(session, board, filters)
    context["tally"] = annotations.open_tally(session, board_id=link.board_id)
    context["token"] = token
    context["link"] = link
    context["query"] = urlencode([("department", d) for d in link.department_ids])
    context["shown_phases"] = set(link.phase_ids) or {
        column.phase.id for column in context["view"].phases
    }
    context["now"] = clock.now().astimezone(request.app.state.settings.zone)
    if link.mode == ScreenMode.overview:
        context["overview"] = overview(context)
    held = sitting.running(session, board_id=link.board_id) if link.follows_meetings else None
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
