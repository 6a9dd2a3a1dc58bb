"""HTML routes for concerns and resistances: the card dialog's section, the board overview, and
the categories an admin keeps."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.accounts.access import Admin, Editor
from app.annotations import overview, service
from app.annotations.models import (
    Annotation,
    AnnotationCreate,
    AnnotationStatus,
    AnnotationUpdate,
    CategoryCreate,
    CategoryUpdate,
    NoteCreate,
)
from app.annotations.texts import kind_label
from app.cards import queries as cards
from app.cards import views as card_views
from app.cards.models import Card
from app.cards.texts import error_message, validation_message
from app.db import SessionDep, ident
from app.errors import DomainError, InvalidInput
from app.types import PathId
from app.web.deps import AnnotationDep, BoardDep, CardDep
from app.web.errors import status_for
from app.web.forms import run_form
from app.web.htmx import is_fragment_request, render, see_other
from app.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=40_000)]
Choice = Annotated[str, Form(max_length=40)]


class AnnotationForm:
    """The annotation fields of the dialog's forms, as typed (kept when a change is refused)."""

    def __init__(
        self,
        kind: Choice = "concern",
        text: FormText = "",
        department_id: Choice = "",
        raised_by_id: Choice = "",
        category_id: Choice = "",
        severity: Choice = "medium",
        blocks_card: Choice = "",
        next_step: Annotated[str, Form(max_length=2000)] = "",
        next_step_lotse_id: Choice = "",
        next_step_date: Choice = "",
    ) -> None:
        self.raw = {
            "kind": kind,
            "text": text.replace("\r\n", "\n"),
            "department_id": department_id,
            "raised_by_id": raised_by_id,
            "category_id": category_id,
            "severity": severity,
            "blocks_card": blocks_card,
            "next_step": next_step,
            "next_step_lotse_id": next_step_lotse_id,
            "next_step_date": next_step_date,
        }

    def values(self) -> dict[str, Any]:
        """The fields for the schemas: empty choices are None, ids numbers, the flag a bool."""
        values: dict[str, Any] = dict(self.raw)
        for field in ("department_id", "raised_by_id", "category_id", "next_step_lotse_id"):
            values[field] = int(values[field]) if values[field].strip().isdigit() else None
        values["blocks_card"] = self.raw["blocks_card"] in ("true", "on", "1")
        values["next_step_date"] = _date(self.raw["next_step_date"])
        return values


def _date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("next_step_date", "not a date") from None


# --- the card dialog's section -----------------------------------------------------------------


def _panel(
    request: Request,
    session: Session,
    card: Card,
    *,
    draft: dict[str, Any] | None = None,
    status_code: int = 200,
    announce: str = "",
    focus: str = "",
) -> HTMLResponse:
    """The section for htmx (with the tab's count out of band), else the whole card page."""
    context = card_views.detail_context(request, session, card, draft=draft)
    context["oob"] = True
    trigger = {"lotsenboard:announce": {"message": announce, "focus": focus}}
    return render(
        request,
        "cards/detail.html",
        context,
        block="annotations",
        status_code=status_code,
        trigger=trigger if announce or focus else None,
    )


@router.get("/cards/{card_id}/annotations", response_class=HTMLResponse)
def card_annotations_panel(request: Request, card: CardDep, session: SessionDep) -> HTMLResponse:
    """The card's concerns and resistances as its dialog shows them (an open dialog follows
    changes made elsewhere with this)."""
    return _panel(request, session, card)


def _respond(
    request: Request,
    session: Session,
    card: Card,
    action: Callable[[], Annotation],
    *,
    draft: dict[str, Any],
    done: Callable[[Annotation], str],
) -> Response:
    """Run one change: htmx gets the section again (the typed text kept on refusal), forms a
    redirect back to the card."""
    try:
        annotation = action()
    except (ValidationError, DomainError) as error:
        session.rollback()
        if isinstance(error, ValidationError):
            message, status = validation_message(error), 422
        else:
            message, status = error_message(error), status_for(error)
        fresh = cards.get_card(session, card_id=ident(card))
        return _panel(
            request,
            session,
            fresh,
            draft=draft | {"error": message},
            status_code=status,
            announce=message,
            focus=draft["focus"],
        )
    if not is_fragment_request(request):
        return see_other(f"/cards/{card.id}#annotation-{annotation.id}")
    return _panel(
        request, session, card, announce=done(annotation), focus=f"annotation-{annotation.id}-title"
    )


def _card_of(session: Session, annotation: Annotation) -> Card:
    return cards.get_card(session, card_id=annotation.card_id)


@router.post("/cards/{card_id}/annotations", response_class=HTMLResponse)
def raise_form(
    request: Request,
    card: CardDep,
    session: SessionDep,
    principal: Editor,
    form: Annotated[AnnotationForm, Depends()],
) -> Response:
    """Raise a concern or resistance on the card."""
    card_id = ident(card)

    def action() -> Annotation:
        data = AnnotationCreate.model_validate(form.values())
        return service.raise_annotation(session, card_id=card_id, data=data, actor=principal.name)

    draft = {"form": "raise", "typed": form.raw, "focus": f"card-{card_id}-raise-text"}
    return _respond(
        request,
        session,
        card,
        action,
        draft=draft,
        done=lambda a: _("%(kind)s raised.", kind=kind_label(a.kind)),
    )


@router.post("/annotations/{annotation_id}", response_class=HTMLResponse)
def edit_form(
    request: Request,
    annotation: AnnotationDep,
    session: SessionDep,
    principal: Editor,
    version: Annotated[int, Form(ge=1)],
    form: Annotated[AnnotationForm, Depends()],
) -> Response:
    """Save the edited fields of a concern or resistance."""
    annotation_id = ident(annotation)

    def action() -> Annotation:
        data = AnnotationUpdate.model_validate({"version": version, **form.values()})
        return service.update_annotation(
            session, annotation_id=annotation_id, data=data, actor=principal.name
        )

    draft = {
        "form": "edit",
        "annotation_id": annotation_id,
        "typed": form.raw,
        "focus": f"annotation-{annotation_id}-edit-text",
    }
    return _respond(
        request,
        session,
        _card_of(session, annotation),
        action,
        draft=draft,
        done=lambda a: _("%(kind)s saved.", kind=kind_label(a.kind)),
    )


@router.post("/annotations/{annotation_id}/status", response_class=HTMLResponse)
def status_form(
    request: Request,
    annotation: AnnotationDep,
    session: SessionDep,
    principal: Editor,
    version: Annotated[int, Form(ge=1)],
    status: Annotated[AnnotationStatus, Form()],
    resolution: FormText = "",
    reason: FormText = "",
) -> Response:
    """Take up for discussion, resolve (with a note), withdraw (with a reason) or reopen."""
    annotation_id = ident(annotation)
    closing = {}
    if status == AnnotationStatus.resolved:
        closing["resolution"] = resolution.replace("\r\n", "\n")
    elif status == AnnotationStatus.withdrawn:
        closing["reason"] = reason.replace("\r\n", "\n")

    def action() -> Annotation:
        data = AnnotationUpdate.model_validate({"version": version, "status": status, **closing})
        return service.update_annotation(
            session, annotation_id=annotation_id, data=data, actor=principal.name
        )

    field = next(iter(closing), "")
    draft = {
        "form": status.value,
        "annotation_id": annotation_id,
        "typed": closing,
        "focus": f"annotation-{annotation_id}-{field}"
        if field
        else f"annotation-{annotation_id}-error",
    }
    done = {
        AnnotationStatus.discussing: _("%(kind)s taken up for discussion."),
        AnnotationStatus.resolved: _("%(kind)s resolved."),
        AnnotationStatus.withdrawn: _("%(kind)s withdrawn."),
        AnnotationStatus.open: _("%(kind)s reopened."),
    }[status]
    return _respond(
        request,
        session,
        _card_of(session, annotation),
        action,
        draft=draft,
        done=lambda a: done % {"kind": kind_label(a.kind)},
    )


@router.post("/annotations/{annotation_id}/notes", response_class=HTMLResponse)
def note_form(
    request: Request,
    annotation: AnnotationDep,
    session: SessionDep,
    principal: Editor,
    text: FormText = "",
) -> Response:
    """Add a note to the discussion."""
    annotation_id = ident(annotation)

    def action() -> Annotation:
        data = NoteCreate(text=text.replace("\r\n", "\n"))
        service.add_note(session, annotation_id=annotation_id, data=data, actor=principal.name)
        return annotation

    draft = {
        "form": "note",
        "annotation_id": annotation_id,
        "typed": {"text": text},
        "focus": f"annotation-{annotation_id}-note",
    }
    return _respond(
        request,
        session,
        _card_of(session, annotation),
        action,
        draft=draft,
        done=lambda _a: _("Note added."),
    )


# --- the board's overview ----------------------------------------------------------------------


@router.get("/boards/{board_id}/bedenken", response_class=HTMLResponse)
def annotations_overview(request: Request, board: BoardDep, session: SessionDep) -> HTMLResponse:
    """All concerns and resistances of the board: open first, grouped, filtered by the URL."""
    choice = overview.Choice.from_query(request.query_params)
    context = overview.context(session, board=board, choice=choice)
    return render(request, "annotations/overview.html", context, block="overview")


# --- categories --------------------------------------------------------------------------------


def _categories_page(
    request: Request, session: Session, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    context = {"categories": service.list_categories(session), "error": error}
    return render(request, "annotations/categories.html", context, status_code=status)


def _category_change(request: Request, session: Session, action: Callable[[], object]) -> Response:
    return run_form(
        session,
        action,
        done="/settings/annotation-categories",
        refused=lambda error, status: _categories_page(
            request, session, error=error, status=status
        ),
    )


@router.get("/settings/annotation-categories", response_class=HTMLResponse)
def categories_page(request: Request, session: SessionDep, principal: Admin) -> HTMLResponse:
    """The categories annotations are clustered by."""
    return _categories_page(request, session)


@router.post("/settings/annotation-categories")
def category_create_form(
    request: Request,
    session: SessionDep,
    principal: Admin,
    name: Annotated[str, Form(max_length=1000)],
) -> Response:
    """Add a category at the end of the list."""
    return _category_change(
        request,
        session,
        lambda: service.create_category(
            session, data=CategoryCreate(name=name), actor=principal.name
        ),
    )


@router.post("/settings/annotation-categories/{category_id}")
def category_update_form(
    request: Request,
    session: SessionDep,
    principal: Admin,
    category_id: PathId,
    name: Annotated[str, Form(max_length=1000)],
    position: Annotated[str, Form(max_length=10)] = "",
    active: Annotated[bool, Form()] = False,
) -> Response:
    """Rename, move or (de)activate a category."""
    values: dict[str, Any] = {"name": name, "active": active}
    if position.strip().isdigit():
        values["position"] = max(int(position) - 1, 0)  # the page counts from 1
    return _category_change(
        request,
        session,
        lambda: service.update_category(
            session,
            category_id=category_id,
            data=CategoryUpdate.model_validate(values),
            actor=principal.name,
        ),
    )
