"""Annotation rules: raise, edit, discuss, resolve, withdraw, reopen — versioned and logged.

Every change is an event on the card's board, in the same transaction; nothing is deleted.
"""

from typing import Any

from sqlmodel import Session, col, select

from app import clock
from app.annotations.models import (
    TRANSITIONS,
    Annotation,
    AnnotationCategory,
    AnnotationCreate,
    AnnotationNote,
    AnnotationRead,
    AnnotationStatus,
    AnnotationUpdate,
    CategoryCreate,
    CategoryRead,
    CategoryUpdate,
    NoteCreate,
    NoteRead,
)
from app.annotations.queries import get_annotation, notes_of
from app.boards.service import lock_board
from app.cards.models import Card
from app.cards.queries import get_card
from app.db import end_unchanged, ident
from app.errors import Conflict, InvalidInput, NotFound, VersionConflict
from app.events import names
from app.events import service as events
from app.people.models import Department, Lotse
from app.references import check_active

# The event each status change is logged as.
STATUS_EVENTS = {
    AnnotationStatus.discussing: names.ANNOTATION_DISCUSSING,
    AnnotationStatus.resolved: names.ANNOTATION_RESOLVED,
    AnnotationStatus.withdrawn: names.ANNOTATION_WITHDRAWN,
    AnnotationStatus.open: names.ANNOTATION_REOPENED,
}
REFERENCES = {
    "department_id": Department,
    "raised_by_id": Lotse,
    "next_step_lotse_id": Lotse,
    "category_id": AnnotationCategory,
}
NOT_NULL = ("kind", "text", "severity", "blocks_card", "next_step", "status")
# Parts of an update that are not fields of the annotation.
_NOT_FIELDS = ("version", "status", "resolution", "reason")
# What the log records of a change (bookkeeping fields are left out).
_LOGGED = {"version", "created_by", "created_at", "updated_at", "closed_at", "notes"}


def annotation_json(annotation: Annotation) -> dict[str, Any]:
    return AnnotationRead.model_validate(annotation).model_dump(mode="json", exclude=_LOGGED)


def snapshot(annotation: Annotation) -> dict[str, Any]:
    """What figures need of an annotation at each event: replayed, the log tells its state."""
    return {
        "id": annotation.id,
        "kind": str(annotation.kind),
        "status": str(annotation.status),
        "severity": str(annotation.severity),
        "blocks_card": annotation.blocks_card,
        "department_id": annotation.department_id,
        "category_id": annotation.category_id,
    }


def read(session: Session, annotation: Annotation) -> AnnotationRead:
    """The annotation with its discussion."""
    return read_many(session, [annotation])[0]


def read_many(session: Session, annotations: list[Annotation]) -> list[AnnotationRead]:
    """Annotations with their discussions (one query for all notes)."""
    notes = notes_of(session, annotation_ids=[ident(a) for a in annotations])
    return [
        AnnotationRead.model_validate(a).model_copy(
            update={"notes": [NoteRead.model_validate(n) for n in notes[ident(a)]]}
        )
        for a in annotations
    ]


# --- the annotation's life -------------------------------------------------------------------


def raise_annotation(
    session: Session, *, card_id: int, data: AnnotationCreate, actor: str
) -> Annotation:
    """A new concern or resistance on an active card; logs annotation.raised."""
    board_id = get_card(session, card_id=card_id).board_id
    lock_board(session, board_id)
    card = session.get(Card, card_id, populate_existing=True)
    if card is None:
        raise NotFound("card", card_id)
    if card.archived:
        raise Conflict("the card is archived; restore it first", card_id=card_id)
    values = data.model_dump()
    if values["department_id"] is None:
        values["department_id"] = card.department_id
    check_active(session, values, None, REFERENCES)
    annotation = Annotation(card_id=card_id, created_by=actor, **values)
    session.add(annotation)
    session.flush()
    payload = {"after": annotation_json(annotation)}
    _log(session, annotation, board_id, names.ANNOTATION_RAISED, actor, payload)
    return annotation


def update_annotation(
    session: Session, *, annotation_id: int, data: AnnotationUpdate, actor: str
) -> Annotation:
    """Edit fields and/or change the status; a stale version fails with the current state."""
    annotation, board_id = _locked(session, annotation_id, data.version)
    given = data.model_dump(exclude_unset=True)
    for field in NOT_NULL:
        if field in given and given[field] is None:
            raise InvalidInput(field, "cannot be empty")
    target = _transition(annotation, data)
    values = {key: value for key, value in given.items() if key not in _NOT_FIELDS}
    check_active(session, values, annotation, REFERENCES)
    before = annotation_json(annotation)
    for field, value in values.items():
        setattr(annotation, field, value)
    if target is not None:
        _apply_status(annotation, target, data)
    diff = events.changes(before, annotation_json(annotation))
    if not diff["after"]:
        end_unchanged(session, annotation)
        return annotation
    kind = STATUS_EVENTS[target] if target is not None else names.ANNOTATION_UPDATED
    annotation.version += 1
    _log(session, annotation, board_id, kind, actor, diff)
    return annotation


def add_note(
    session: Session, *, annotation_id: int, data: NoteCreate, actor: str
) -> AnnotationNote:
    """Add a note to the discussion; an open annotation is now being discussed."""
    annotation, board_id = _locked(session, annotation_id, None)
    note = AnnotationNote(annotation_id=annotation_id, text=data.text, author=actor)
    session.add(note)
    session.flush()
    payload: dict[str, Any] = {"note": {"id": note.id, "text": note.text}}
    if annotation.status == AnnotationStatus.open:
        annotation.status = AnnotationStatus.discussing
        annotation.version += 1
        payload |= {"before": {"status": "open"}, "after": {"status": "discussing"}}
    _log(session, annotation, board_id, names.ANNOTATION_NOTED, actor, payload)
    return note


def _locked(session: Session, annotation_id: int, version: int | None) -> tuple[Annotation, int]:
    """Lock the annotation's board, reload the annotation, check the version the caller saw."""
    found = get_annotation(session, annotation_id=annotation_id)
    board_id = get_card(session, card_id=found.card_id).board_id
    lock_board(session, board_id)
    annotation = session.get(Annotation, annotation_id, populate_existing=True)
    if annotation is None:
        raise NotFound("annotation", annotation_id)
    if version is not None and annotation.version != version:
        current = AnnotationRead.model_validate(annotation).model_dump(mode="json")
        raise VersionConflict(
            current, version, _last_change(session, annotation), entity="annotation"
        )
    return annotation, board_id


def _last_change(session: Session, annotation: Annotation) -> dict[str, Any] | None:
    """Who changed the annotation last, and how: for the conflict message."""
    for event in reversed(events.list_card_events(session, card_id=annotation.card_id)):
        if (event.payload.get("annotation") or {}).get("id") == annotation.id:
            return {"actor": event.actor, "type": event.type, "at": event.created_at.isoformat()}
    return None


def _transition(annotation: Annotation, data: AnnotationUpdate) -> AnnotationStatus | None:
    """The status asked for, if it changes anything; refuses what the lifecycle does not allow."""
    target = data.status if data.status != annotation.status else None
    if target is not None and target not in TRANSITIONS[annotation.status]:
        if annotation.is_open:
            raise Conflict(
                "an annotation under discussion is resolved or withdrawn, not set back to open",
                field="status",
                status=str(annotation.status),
            )
        raise Conflict(
            "the annotation is closed; reopen it first",
            field="status",
            status=str(annotation.status),
        )
    if data.resolution is not None and target != AnnotationStatus.resolved:
        raise InvalidInput("resolution", "a resolution is given only when resolving")
    if data.reason is not None and target != AnnotationStatus.withdrawn:
        raise InvalidInput("reason", "a reason is given only when withdrawing")
    if target == AnnotationStatus.resolved and not data.resolution:
        raise InvalidInput("resolution", "resolving needs a note on how it was resolved")
    if target == AnnotationStatus.withdrawn and not data.reason:
        raise InvalidInput("reason", "withdrawing needs a reason")
    return target


def _apply_status(annotation: Annotation, target: AnnotationStatus, data: AnnotationUpdate) -> None:
    annotation.status = target
    if target == AnnotationStatus.resolved:
        annotation.resolution = data.resolution or ""
        annotation.closed_at = clock.now()
    elif target == AnnotationStatus.withdrawn:
        annotation.withdrawal_reason = data.reason or ""
        annotation.closed_at = clock.now()
    elif target == AnnotationStatus.open:
        # Reopened: the earlier outcome no longer holds (the log keeps it).
        annotation.resolution = ""
        annotation.withdrawal_reason = ""
        annotation.closed_at = None


def _log(
    session: Session,
    annotation: Annotation,
    board_id: int,
    kind: str,
    actor: str,
    payload: dict[str, Any],
) -> None:
    annotation.updated_at = clock.now()
    payload = {"annotation": snapshot(annotation), **payload, "version": annotation.version}
    events.append(
        session,
        board_id=board_id,
        type=kind,
        actor=actor,
        card_id=annotation.card_id,
        payload=payload,
    )
    events.commit(session)


# --- categories ------------------------------------------------------------------------------


def list_categories(session: Session, *, include_inactive: bool = True) -> list[AnnotationCategory]:
    """The categories in the admin's order."""
    statement = select(AnnotationCategory).order_by(
        col(AnnotationCategory.position), col(AnnotationCategory.name)
    )
    if not include_inactive:
        statement = statement.where(col(AnnotationCategory.active).is_(True))
    return list(session.exec(statement))


def get_category(session: Session, *, category_id: int) -> AnnotationCategory:
    category = session.get(AnnotationCategory, category_id)
    if category is None:
        raise NotFound("annotation category", category_id)
    return category


def _category_json(category: AnnotationCategory) -> dict[str, Any]:
    return CategoryRead.model_validate(category).model_dump(mode="json")


def _check_category_name(session: Session, name: str, category_id: int | None) -> None:
    statement = select(AnnotationCategory.id).where(AnnotationCategory.name == name)
    existing = session.exec(statement).first()
    if existing is not None and existing != category_id:
        raise Conflict(
            "a category named “%(name)s” exists already", values={"name": name}, field="name"
        )


def _place(
    others: list[AnnotationCategory], category: AnnotationCategory, position: int | None
) -> None:
    """Put the category at `position` (None: last) and number the list 0..n-1 again."""
    ordered = list(others)
    ordered.insert(len(ordered) if position is None else min(position, len(ordered)), category)
    for index, item in enumerate(ordered):
        if item.position != index:
            item.position = index


def create_category(session: Session, *, data: CategoryCreate, actor: str) -> AnnotationCategory:
    """A new category (default: last in the list); logs annotation_category.created."""
    _check_category_name(session, data.name, None)
    category = AnnotationCategory(name=data.name)
    _place(list_categories(session), category, data.position)
    session.add(category)
    session.flush()
    events.append(
        session,
        board_id=None,
        type=names.ANNOTATION_CATEGORY_CREATED,
        actor=actor,
        payload={"after": _category_json(category)},
    )
    events.commit(session)
    return category


def update_category(
    session: Session, *, category_id: int, data: CategoryUpdate, actor: str
) -> AnnotationCategory:
    """Rename, reorder, deactivate or reactivate; annotations keep their category."""
    category = get_category(session, category_id=category_id)
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None:
            raise InvalidInput(field, "cannot be empty")
    if "name" in changes:
        _check_category_name(session, changes["name"], category_id)
    before = _category_json(category)
    position = changes.pop("position", None)
    for field, value in changes.items():
        setattr(category, field, value)
    if position is not None:
        others = [c for c in list_categories(session) if c.id != category_id]
        _place(others, category, position)
    events.record_update(
        session,
        category,
        before,
        _category_json(category),
        board_id=None,
        type=names.ANNOTATION_CATEGORY_UPDATED,
        actor=actor,
    )
    return category
