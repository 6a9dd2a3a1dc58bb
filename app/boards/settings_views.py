"""HTML settings of a board: its phases (add, rename, WIP limit, reorder, remove)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.accounts import members, tokens
from app.accounts import service as accounts
from app.accounts.access import Admin, Editor, client_ip
from app.accounts.models import ScreenLinkSettings
from app.boards import service
from app.boards.models import Board, BoardCreate, BoardUpdate, PhaseCreate, PhaseUpdate
from app.boards.presentation import BoardFilters
from app.boards.views import render_board
from app.cards import undo
from app.cards.texts import error_message, validation_message
from app.db import SessionDep, ident
from app.errors import DomainError
from app.events.models import Event
from app.people import service as people
from app.types import MAX_ID, PathId
from app.web.deps import BoardDep
from app.web.errors import status_for
from app.web.forms import run_form
from app.web.htmx import is_fragment_request, render, see_other
from app.web.i18n import gettext as _
from app.web.templating import principal_of

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=1000)]


def _page(
    request: Request,
    session: Session,
    board: Board,
    *,
    error: str | None = None,
    status: int = 200,
    new_screen_url: str | None = None,
    confirm_removal: dict[str, Any] | None = None,
    confirm_archive: dict[str, Any] | None = None,
) -> HTMLResponse:
    board_id = ident(board)
    phases = service.list_phases(session, board_id=board_id)
    context: dict[str, Any] = {
        "board": board,
        "phases": phases,
        "default_started": service.started_phase(phases, None),
        "cards_in": service.cards_per_phase(session, board_id=board_id),
        "shown_in": service.cards_per_phase(session, board_id=board_id, active_only=True),
        "error": error,
        "users": accounts.list_users(session),
        "member_ids": members.member_ids(session, board_id=board_id),
        "screen_links": tokens.list_screen_links(session, board_id=board_id),
        "departments": [d for d in people.list_departments(session) if d.active],
        "new_screen_url": new_screen_url,
        "confirm_removal": confirm_removal,
        "confirm_archive": confirm_archive,
        "removed": _removed(request, session, board_id),
    }
    return render(request, "boards/settings.html", context, status_code=status)


def _removed(request: Request, session: Session, board_id: int) -> Event | None:
    """The phase removal just made here (`?removed=SEQ`), while it can still be undone."""
    seq = request.query_params.get("removed", "")
    principal = principal_of(request)
    if not seq.isdigit() or len(seq) > 9 or principal is None:
        return None
    try:
        return undo.undoable(session, board_id=board_id, seq=int(seq), actor=principal.name)
    except DomainError:
        return None


def _apply(
    request: Request, session: Session, board: Board, action: Callable[[], object]
) -> Response:
    """Run one settings change; on success back to the page, else the page with the reason."""
    return run_form(
        session,
        action,
        done=f"/boards/{board.id}/settings",
        refused=lambda error, status: _page(request, session, board, error=error, status=status),
    )


def _limit(value: str) -> str | None:
    # Empty means no limit; anything else is the schema's to accept or refuse (never dropped).
    return value.strip() or None


@router.post("/boards")
def board_create_form(
    request: Request,
    session: SessionDep,
    principal: Admin,
    name: Annotated[str, Form(max_length=1000)],
    description: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """A new board with the standard phases; on to its settings."""
    try:
        data = BoardCreate.model_validate({"name": name, "description": description})
        board = service.create_board(session, data=data, actor=principal.name)
    except (ValidationError, DomainError) as error:
        session.rollback()
        message = (
            validation_message(error)
            if isinstance(error, ValidationError)
            else error_message(error)
        )
        boards = service.list_boards(session)
        context = {"boards": boards, "archived": [], "error": message}
        return render(request, "boards/index.html", context, status_code=422)
    return see_other(f"/boards/{board.id}/settings")


@router.post("/boards/{board_id}/details")
def board_details_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Admin,
    name: Annotated[str, Form(max_length=1000)],
    description: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Rename the board or change its description."""
    board_id = ident(board)
    return _apply(
        request,
        session,
        board,
        lambda: service.update_board(
            session,
            board_id=board_id,
            data=BoardUpdate.model_validate({"name": name, "description": description}),
            actor=principal.name,
        ),
    )


@router.post("/boards/{board_id}/archived")
def board_archive_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Admin,
    archived: Annotated[bool, Form()],
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    """Archive a board (after confirming, naming its measures) or bring it back."""
    board_id = ident(board)
    if archived and not confirmed:
        shown = service.cards_per_phase(session, board_id=board_id, active_only=True)
        count = sum(shown.values())
        return _page(request, session, board, confirm_archive={"count": count})
    try:
        service.set_board_archived(
            session, board_id=board_id, archived=archived, actor=principal.name
        )
    except DomainError as error:
        session.rollback()
        return _page(request, session, board, error=error_message(error), status=status_for(error))
    return see_other("/" if archived else f"/boards/{board_id}")


@router.get("/boards/{board_id}/settings", response_class=HTMLResponse)
def board_settings(
    request: Request, board: BoardDep, session: SessionDep, principal: Admin
) -> HTMLResponse:
    """The board's phases with their settings."""
    return _page(request, session, board)


class PhaseForm:
    """The phase fields of the settings page, as one form dependency."""

    def __init__(
        self,
        name: Annotated[str, Form(max_length=1000)],
        wip_limit: Annotated[str, Form()] = "",
        wip_mode: Annotated[str, Form()] = "warn",
        is_done: Annotated[bool, Form()] = False,
    ) -> None:
        self.values = {
            "name": name,
            "wip_limit": _limit(wip_limit),
            "wip_mode": wip_mode,
            "is_done": is_done,
        }


@router.post("/boards/{board_id}/rules")
def board_rules_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Admin,
    stuck_after_days: Annotated[str, Form(max_length=10)],
    wip_counts_blocked: Annotated[bool, Form()] = False,
    started_phase_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Whether blocked cards count toward WIP limits; after how many days a card is stuck; in
    which phase work counts as started (for cycle time)."""
    board_id = ident(board)
    return _apply(
        request,
        session,
        board,
        lambda: service.update_board(
            session,
            board_id=board_id,
            data=BoardUpdate.model_validate(
                {
                    "wip_counts_blocked": wip_counts_blocked,
                    "stuck_after_days": stuck_after_days,
                    "started_phase_id": started_phase_id.strip() or None,
                }
            ),
            actor=principal.name,
        ),
    )


@router.post("/boards/{board_id}/phases")
def phase_add_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Admin,
    form: Annotated[PhaseForm, Depends()],
) -> Response:
    """Add a phase at the end."""
    board_id = ident(board)
    return _apply(
        request,
        session,
        board,
        lambda: service.add_phase(
            session,
            board_id=board_id,
            data=PhaseCreate.model_validate(form.values),
            actor=principal.name,
        ),
    )


@router.post("/boards/{board_id}/phases/{phase_id}")
def phase_update_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Admin,
    phase_id: PathId,
    form: Annotated[PhaseForm, Depends()],
) -> Response:
    """Rename a phase, set its WIP limit and mode and its done flag."""
    board_id = ident(board)
    return _apply(
        request,
        session,
        board,
        lambda: service.update_phase(
            session,
            board_id=board_id,
            phase_id=phase_id,
            data=PhaseUpdate.model_validate(form.values),
            actor=principal.name,
        ),
    )


@router.post("/boards/{board_id}/phases/{phase_id}/shift")
def shift_phase(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Admin,
    phase_id: PathId,
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
            session, board_id=board_id, phase_ids=ids, actor=principal.name
        )

    return _apply(request, session, board, action)


@router.post("/boards/{board_id}/phases/{phase_id}/remove")
def phase_remove_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Admin,
    phase_id: PathId,
    target_phase_id: Annotated[str, Form()] = "",
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    """Remove a phase after confirming how many cards go where; it can then be undone."""
    board_id = ident(board)
    target = int(target_phase_id) if target_phase_id.isdigit() else None
    if not confirmed:
        phase = service.get_phase(session, phase_id=phase_id, board_id=board_id)
        phases = {p.id: p for p in service.list_phases(session, board_id=board_id)}
        confirm = {
            "phase": phase,
            "target": phases.get(target),
            "count": service.cards_per_phase(session, board_id=board_id, active_only=True).get(
                phase_id, 0
            ),
        }
        return _page(request, session, board, confirm_removal=confirm)
    try:
        service.remove_phase(
            session,
            board_id=board_id,
            phase_id=phase_id,
            target_phase_id=target,
            actor=principal.name,
        )
    except DomainError as error:
        session.rollback()
        return _page(request, session, board, error=error_message(error), status=status_for(error))
    return see_other(f"/boards/{board_id}/settings?removed={board.last_seq}")


@router.post("/boards/{board_id}/undo")
def undo_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Editor,
    seq: Annotated[int, Form(ge=1, le=MAX_ID)],
    back: Annotated[str, Form(pattern="^(board|settings)$")] = "board",
) -> Response:
    """Take back a move, an archiving or a phase removal just made."""
    board_id = ident(board)
    filters = BoardFilters.from_query(request.query_params)
    try:
        done = undo.undo(session, board_id=board_id, seq=seq, actor=principal.name)
    except DomainError as error:
        session.rollback()
        message = error_message(error)
        if back == "settings":
            return _page(request, session, board, error=message, status=status_for(error))
        return render_board(
            request, session, board, filters, status_code=status_for(error), toast=message,
            announce=message,
        )  # fmt: skip
    if back == "settings":
        return see_other(f"/boards/{board_id}/settings")
    if not is_fragment_request(request):
        return see_other(
            f"/boards/{board_id}" + (f"?{filters.query_string()}" if filters.active else "")
        )
    focus = f"card-{done.card_id}-open" if done.card_id else None
    return render_board(request, session, board, filters, announce=_("Undone."), focus=focus)


@router.post("/boards/{board_id}/access")
def access_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Admin,
    restricted: Annotated[bool, Form()] = False,
    member: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    """Open the board to every account or restrict it to admins and the ticked members."""
    board_id = ident(board)
    return _apply(
        request,
        session,
        board,
        lambda: members.set_board_access(
            session, board_id=board_id, restricted=restricted, members=member, actor=principal.name
        ),
    )


@router.post("/boards/{board_id}/screen-links")
def screen_link_form(
    request: Request, board: BoardDep, session: SessionDep, principal: Admin, name: Text
) -> Response:
    """Create a screen link and show its address once."""
    plain, _link = tokens.create_screen_link(
        session,
        board_id=ident(board),
        name=name.strip()[:120] or "Bildschirm",
        actor=principal.name,
        ip=client_ip(request),
    )
    url = f"{request.app.state.settings.base_url.rstrip('/')}/screen/{plain}"
    return _page(request, session, board, new_screen_url=url)


@router.post("/boards/{board_id}/screen-links/{link_id}/settings")
def screen_link_settings_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Admin,
    link_id: PathId,
    mode: Annotated[str, Form(max_length=10)] = "board",
    department_ids: Annotated[list[str] | None, Form()] = None,
    phase_ids: Annotated[list[str] | None, Form()] = None,
    page_seconds: Annotated[str, Form(max_length=5)] = "15",
    follows_meetings: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """What one screen shows: mode, departments, phases, paging, Lotsentreffen."""
    values = {
        "mode": mode,
        "department_ids": (department_ids or [])[:100],
        "phase_ids": (phase_ids or [])[:100],
        "page_seconds": page_seconds.strip() or "15",
        "follows_meetings": follows_meetings == "true",
    }
    return _apply(
        request,
        session,
        board,
        lambda: tokens.update_screen_link(
            session,
            board_id=ident(board),
            link_id=link_id,
            data=ScreenLinkSettings.model_validate(values),
            actor=principal.name,
            ip=client_ip(request),
        ),
    )


@router.post("/boards/{board_id}/screen-links/{link_id}/revoke")
def screen_link_revoke_form(
    request: Request, board: BoardDep, session: SessionDep, principal: Admin, link_id: PathId
) -> Response:
    """Revoke a screen link."""
    board_id = ident(board)
    return _apply(
        request,
        session,
        board,
        lambda: tokens.revoke_screen_link(
            session, board_id=board_id, link_id=link_id, actor=principal.name, ip=client_ip(request)
        ),
    )
