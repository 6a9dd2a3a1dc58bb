"""HTML routes for cards: the dialog, inline create, edit, move, archive, restore."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.accounts.access import Editor, Principal
from app.annotations import figures
from app.annotations import presentation as annotations
from app.boards import service as boards
from app.boards.presentation import BoardFilters
from app.boards.views import render_board
from app.cards import positions, queries, service, timeline
from app.cards.models import Card, CardCreate, CardMove, CardUpdate
from app.cards.texts import clash_message, error_message, validation_message
from app.db import SessionDep, ident
from app.errors import DomainError, InvalidInput, VersionConflict
from app.people import service as people
from app.types import MAX_ID
from app.web.deps import BoardDep, CardDep
from app.web.errors import status_for
from app.web.htmx import is_fragment_request, render, see_other
from app.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)

OptionalInt = Annotated[str, Form()]


def _int_or_none(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _parse_date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("due_date", "not a date") from None


def _board_url(board_id: int, filters: BoardFilters) -> str:
    query = filters.query_string()
    return f"/boards/{board_id}" + (f"?{query}" if query else "")


def _respond(
    request: Request,
    session: Session,
    board_id: int,
    action: Callable[[], Card | None],
    announce: Callable[[Card], str],
    *,
    focus: str | None = None,
    undoable: bool = False,
) -> Response:
    """Run one change; htmx gets the board block (+ toast on failure), forms get a redirect.

    `focus`: the element that has the focus afterwards, refused or not (default: the card);
    `undoable`: offer to take the change back.
    """
    filters = BoardFilters.from_query(request.query_params)
    seq_before = boards.get_board(session, board_id=board_id).last_seq
    try:
        card = action()
    except ValidationError as error:
        session.rollback()
        return _failed(request, session, board_id, filters, validation_message(error), 422, focus)
    except DomainError as error:
        session.rollback()
        return _failed(
            request, session, board_id, filters, error_message(error), status_for(error), focus
        )
    if not is_fragment_request(request):
        return see_other(_board_url(board_id, filters))
    board = boards.get_board(session, board_id=board_id)
    if focus is None and card is not None and not card.archived:
        focus = f"card-{card.id}-open"
    said = announce(card) if card is not None else None
    # Only a change that happened (a move to the same place logs nothing) can be taken back.
    undo = board.last_seq if undoable and board.last_seq != seq_before else None
    return render_board(request, session, board, filters, announce=said, focus=focus, undo=undo)


def _failed(
    request: Request,
    session: Session,
    board_id: int,
    filters: BoardFilters,
    message: str,
    status_code: int,
    focus: str | None,
) -> HTMLResponse:
    board = boards.get_board(session, board_id=board_id)
    return render_board(
        request,
        session,
        board,
        filters,
        status_code=status_code,
        toast=message,
        announce=message,
        focus=focus,
    )


@router.post("/boards/{board_id}/cards", response_class=HTMLResponse)
def card_create_form(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Editor,
    title: Annotated[str, Form(max_length=20_000)],
    phase_id: Annotated[int, Form()],
    department_id: OptionalInt = "",
    lotse_id: OptionalInt = "",
    return_focus: Annotated[str, Form(max_length=80, pattern=r"^phase-\d+(-[dl]\d+)?-new$")] = "",
) -> Response:
    """Create a card inline at the top of a column (a swimlane or the filter presets its
    department and lotse); the field keeps the focus for the next title."""
    assert board.id is not None
    board_id = board.id

    def action() -> Card:
        data = CardCreate(
            title=title,
            phase_id=phase_id,
            position=0,  # under the field it was typed into
            department_id=_int_or_none(department_id),
            lotse_id=_int_or_none(lotse_id),
        )
        return service.create_card(session, board_id=board_id, data=data, actor=principal.name)

    return _respond(
        request,
        session,
        board_id,
        action,
        lambda c: _("Card “%(title)s” created.", title=c.title),
        focus=return_focus or None,
    )


@router.get("/cards/{card_id}", response_class=HTMLResponse)
def card_dialog(request: Request, card: CardDep, session: SessionDep) -> HTMLResponse:
    """The card's details, edit form, move control, concerns and resistances, and history."""
    return render(
        request, "cards/detail.html", detail_context(request, session, card), block="dialog"
    )


@router.get("/cards/{card_id}/verlauf", response_class=HTMLResponse)
def card_timeline(
    request: Request,
    card: CardDep,
    session: SessionDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """The card's history, newest first, one page older than event `before` at a time."""
    context = detail_context(request, session, card, before=before)
    return render(request, "cards/detail.html", context, block="timeline")


def detail_context(
    request: Request,
    session: Session,
    card: Card,
    *,
    before: int | None = None,
    draft: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything cards/detail.html needs (`draft`: what the person typed into a refused form)."""
    board = boards.get_board(session, board_id=card.board_id)
    view = queries.board_view(session, board_id=card.board_id)
    departments = people.list_departments(session)
    lotsen = people.list_lotsen(session)
    context = annotations.panel_context(
        session, card=card, departments=departments, lotsen=lotsen, draft=draft
    )
    return context | {
        "board": board,
        "phases": view.phases,
        "filters": BoardFilters.from_query(request.query_params),
        "blocked_time": figures.blocked_time(session, board_id=card.board_id, card_id=ident(card)),
        "timeline": timeline.card_timeline(session, card=card, before=before),
    }


@router.post("/cards/{card_id}", response_class=HTMLResponse)
def edit_card(
    request: Request,
    card: CardDep,
    session: SessionDep,
    principal: Editor,
    version: Annotated[int, Form()],
    title: Annotated[str, Form(max_length=20_000)],
    description: Annotated[str, Form(max_length=40_000)] = "",
    department_id: OptionalInt = "",
    lotse_id: OptionalInt = "",
    priority: Annotated[str, Form()] = "normal",
    size: Annotated[str, Form()] = "",
    due_date: Annotated[str, Form()] = "",
    tags: Annotated[str, Form(max_length=2_000)] = "",
) -> Response:
    """Save the card's edit form. Saved over a change made meanwhile, it keeps both where they
    touch different fields; otherwise the dialog stays open with everything typed in it."""
    card_id = ident(card)
    typed = {
        "title": title,
        "description": description.replace("\r\n", "\n"),
        "department_id": department_id,
        "lotse_id": lotse_id,
        "priority": priority,
        "size": size,
        "due_date": due_date,
        "tags": tags,
    }
    filters = BoardFilters.from_query(request.query_params)
    try:
        data = CardUpdate(
            version=version,
            title=title,
            description=typed["description"],
            department_id=_int_or_none(department_id),
            lotse_id=_int_or_none(lotse_id),
            priority=priority,
            size=size or None,
            due_date=_parse_date(due_date),
            tags=[tag.strip() for tag in tags.split(",") if tag.strip()],
        )
        saved = service.update_card(
            session, card_id=card_id, data=data, actor=principal.name, merge=True
        )
    except (ValidationError, DomainError) as error:
        session.rollback()
        return _edit_refused(request, session, card_id, typed, error)
    if not is_fragment_request(request):
        return see_other(_board_url(saved.board_id, filters))
    board = boards.get_board(session, board_id=saved.board_id)
    said = _("Card “%(title)s” saved.", title=saved.title)
    if saved.version > version + 1:
        said = _(
            "Card “%(title)s” saved together with the changes made meanwhile.", title=saved.title
        )
    return render_board(
        request, session, board, filters, announce=said, focus=f"card-{card_id}-open"
    )


def _edit_refused(
    request: Request,
    session: Session,
    card_id: int,
    typed: dict[str, str],
    error: ValidationError | DomainError,
) -> Response:
    """The card dialog again, open, with what was typed; where a change made meanwhile clashes,
    the saved value stands beside it."""
    current = queries.get_card(session, card_id=card_id)
    clash: list[str] = []
    if isinstance(error, ValidationError):
        message, status, field = validation_message(error), 422, _first_field(error)
    else:
        message, status = error_message(error), status_for(error)
        field = error.field if isinstance(error, InvalidInput) else None
    if isinstance(error, VersionConflict):
        # Keep what the person changed; show the rest as it is now, so saving again loses
        # nobody's change.
        clash = list(error.extra.get("fields", []))
        changed = set(error.extra.get("changes", {})) | set(clash)
        typed = _form_values(current) | {key: typed[key] for key in changed}
        message = clash_message(error)
        field = clash[0] if clash else None
    draft = {"typed": typed, "clash": clash, "error": message}
    context = detail_context(request, session, current) | {"card_draft": draft}
    focus = f"card-edit-{field}" if field else "card-edit-error"
    response = render(
        request,
        "cards/detail.html",
        context,
        block="dialog",
        status_code=status,
        trigger={"lotsenboard:announce": {"message": message, "focus": focus}},
        retarget="#card-dialog-content",
        reswap="innerHTML",
    )
    return response


def _first_field(error: ValidationError) -> str | None:
    first = error.errors()[0] if error.errors() else None
    return str(first["loc"][-1]) if first and first.get("loc") else None


def _form_values(card: Card) -> dict[str, str]:
    """The card as its edit form shows it."""
    return {
        "title": card.title,
        "description": card.description,
        "department_id": str(card.department_id or ""),
        "lotse_id": str(card.lotse_id or ""),
        "priority": str(card.priority),
        "size": str(card.size or ""),
        "due_date": card.due_date.isoformat() if card.due_date else "",
        "tags": ", ".join(card.tags),
    }


@router.post("/cards/{card_id}/move", response_class=HTMLResponse)
def card_move_form(
    request: Request,
    card: CardDep,
    session: SessionDep,
    principal: Editor,
    version: Annotated[int, Form()],
    phase_id: Annotated[int, Form()],
    after_card_id: OptionalInt = "",
    position: OptionalInt = "",
) -> Response:
    """Move by drag and drop (neighbour card) or by the keyboard form (1-based position)."""
    assert card.id is not None
    card_id = card.id

    def action() -> Card:
        if position.strip():
            target = max(int(position) - 1, 0) if position.strip().isdigit() else 0
        else:
            target = positions.position_after(
                session, card=card, phase_id=phase_id, after_card_id=_int_or_none(after_card_id)
            )
        move = CardMove(phase_id=phase_id, position=target, version=version)
        return service.move_card(session, card_id=card_id, move=move, actor=principal.name)

    return _respond(
        request,
        session,
        card.board_id,
        action,
        lambda c: _moved_message(session, c),
        focus=f"card-{card_id}-open",  # a refused move too: the card stays where it was
        undoable=True,
    )


def _moved_message(session: Session, card: Card) -> str:
    phase = boards.get_phase(session, phase_id=card.phase_id)
    count = positions.active_count(session, phase_id=card.phase_id)
    return _(
        "“%(title)s” moved to %(phase)s, position %(position)s of %(count)s.",
        title=card.title,
        phase=phase.name,
        position=card.position + 1,
        count=count,
    )


def _archive_action(
    request: Request,
    card: Card,
    session: Session,
    principal: Principal,
    version: int,
    *,
    archive: bool,
) -> Response:
    assert card.id is not None
    card_id = card.id
    change = service.archive_card if archive else service.restore_card

    def announce(changed: Card) -> str:
        if archive:
            return _("Card “%(title)s” archived.", title=changed.title)
        return _("Card “%(title)s” restored.", title=changed.title)

    return _respond(
        request,
        session,
        card.board_id,
        lambda: change(session, card_id=card_id, version=version, actor=principal.name),
        announce,
        undoable=archive,
    )


@router.post("/cards/{card_id}/archive", response_class=HTMLResponse)
def card_archive_form(
    request: Request,
    card: CardDep,
    session: SessionDep,
    principal: Editor,
    version: Annotated[int, Form()],
) -> Response:
    """Archive a card; it can be restored from the board's archive."""
    return _archive_action(request, card, session, principal, version, archive=True)


@router.post("/cards/{card_id}/restore", response_class=HTMLResponse)
def card_restore_form(
    request: Request,
    card: CardDep,
    session: SessionDep,
    principal: Editor,
    version: Annotated[int, Form()],
) -> Response:
    """Bring an archived card back to the end of its phase."""
    return _archive_action(request, card, session, principal, version, archive=False)


@router.get("/boards/{board_id}/archive", response_class=HTMLResponse)
def archive_page(request: Request, board: BoardDep, session: SessionDep) -> HTMLResponse:
    """The board's archived cards, each with a restore button."""
    assert board.id is not None
    archived = queries.list_cards(
        session, board_id=board.id, filters=queries.CardFilter(archived=True)
    )
    context = {"board": board, "cards": archived, "filters": BoardFilters()}
    return render(request, "cards/archive.html", context)
