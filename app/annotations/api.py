"""JSON routes for concerns and resistances and their categories."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.accounts.access import Admin, Editor, Reader
from app.annotations import queries, service
from app.annotations.models import (
    AnnotationCreate,
    AnnotationFilter,
    AnnotationKind,
    AnnotationRead,
    AnnotationStatus,
    AnnotationUpdate,
    CategoryCreate,
    CategoryRead,
    CategoryUpdate,
    NoteCreate,
    Severity,
)
from app.db import SessionDep, ident
from app.types import MAX_ID, PathId
from app.web.deps import AnnotationDep, BoardDep, CardDep

router = APIRouter(tags=["annotations"])

Ids = Annotated[list[Annotated[int, Query(ge=1, le=MAX_ID)]], Query(max_length=50)]

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The `version` is stale (the body holds the current annotation), or the "
        "status change is not allowed from the current status."
    }
}


@router.get("/cards/{card_id}/annotations", response_model=list[AnnotationRead])
def card_annotations(card: CardDep, session: SessionDep) -> object:
    """The card's concerns and resistances with their discussions: open ones first."""
    found = queries.list_for_card(session, card_id=ident(card))
    return service.read_many(session, found)


@router.post(
    "/cards/{card_id}/annotations",
    response_model=AnnotationRead,
    status_code=201,
    responses={409: {"description": "The card is archived."}},
)
def raise_annotation(
    card: CardDep, data: AnnotationCreate, session: SessionDep, principal: Editor
) -> object:
    """Raise a concern or resistance on a card (the department defaults to the card's)."""
    annotation = service.raise_annotation(
        session, card_id=ident(card), data=data, actor=principal.name
    )
    return service.read(session, annotation)


@router.get("/annotations/{annotation_id}", response_model=AnnotationRead)
def read_annotation(annotation: AnnotationDep, session: SessionDep) -> object:
    """One concern or resistance with its discussion."""
    return service.read(session, annotation)


@router.patch("/annotations/{annotation_id}", response_model=AnnotationRead, responses=CONFLICT)
def update_annotation(
    annotation: AnnotationDep, data: AnnotationUpdate, session: SessionDep, principal: Editor
) -> object:
    """Edit fields and/or change the status: `open → discussing → resolved | withdrawn`, and
    `resolved | withdrawn → open` to reopen. Resolving needs `resolution`, withdrawing `reason`
    (422 naming the field when missing)."""
    changed = service.update_annotation(
        session, annotation_id=ident(annotation), data=data, actor=principal.name
    )
    return service.read(session, changed)


@router.post("/annotations/{annotation_id}/notes", response_model=AnnotationRead, status_code=201)
def add_note(
    annotation: AnnotationDep, data: NoteCreate, session: SessionDep, principal: Editor
) -> object:
    """Add a note to the discussion (an `open` annotation becomes `discussing`)."""
    service.add_note(session, annotation_id=ident(annotation), data=data, actor=principal.name)
    return service.read(session, queries.get_annotation(session, annotation_id=ident(annotation)))


@router.get("/boards/{board_id}/annotations", response_model=list[AnnotationRead])
def board_annotations(
    board: BoardDep,
    session: SessionDep,
    kind: Annotated[list[AnnotationKind], Query(max_length=2)] = [],  # noqa: B006 - FastAPI copies defaults
    department: Ids = [],  # noqa: B006
    category: Ids = [],  # noqa: B006
    severity: Annotated[list[Severity], Query(max_length=3)] = [],  # noqa: B006
    status: Annotated[list[AnnotationStatus], Query(max_length=4)] = [],  # noqa: B006
    card: Ids = [],  # noqa: B006
) -> object:
    """The board's concerns and resistances matching all given filters (repeat a filter for
    "any of"): open ones first, oldest first."""
    filters = AnnotationFilter(
        kind=kind,
        department=department,
        category=category,
        severity=severity,
        status=status,
        card=card,
    )
    found = queries.list_for_board(session, board_id=ident(board), filters=filters)
    return service.read_many(session, found)


@router.get("/annotation-categories", response_model=list[CategoryRead])
def list_categories(session: SessionDep, _principal: Reader) -> object:
    """The categories annotations are clustered by, in order (inactive ones too)."""
    return service.list_categories(session)


@router.post("/annotation-categories", response_model=CategoryRead, status_code=201)
def create_category(data: CategoryCreate, session: SessionDep, principal: Admin) -> object:
    """Add a category (admins)."""
    return service.create_category(session, data=data, actor=principal.name)


@router.patch("/annotation-categories/{category_id}", response_model=CategoryRead)
def update_category(
    category_id: PathId, data: CategoryUpdate, session: SessionDep, principal: Admin
) -> object:
    """Rename, reorder, deactivate or reactivate a category (admins)."""
    return service.update_category(
        session, category_id=category_id, data=data, actor=principal.name
    )
