"""Card rules: create, edit, move, archive, restore — each versioned and logged."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app import clock
from app.boards.service import get_phase, lock_board
from app.cards import merge as merge_fields
from app.cards import positions
from app.cards.models import Card, CardCreate, CardMove, CardRead, CardTag, CardUpdate
from app.cards.queries import get_card
from app.db import end_unchanged
from app.errors import Conflict, InvalidInput, NotFound, VersionConflict
from app.events import names
from app.events import service as events
from app.people.models import Department, Lotse
from app.references import check_active


def card_json(card: Card) -> dict[str, Any]:
    return CardRead.model_validate(card).model_dump(
        mode="json", exclude={"created_at", "updated_at", "phase_since"}
    )


def _locked_card(session: Session, card_id: int, version: int) -> Card:
    """Lock the card's board, reload the card, and check the version the caller saw."""
    board_id = get_card(session, card_id=card_id).board_id
    lock_board(session, board_id)
    card = session.get(Card, card_id, populate_existing=True)
    if card is None:
        raise NotFound("card", card_id)
    session.refresh(card, ["tag_links"])
    if card.version != version:
        raise VersionConflict(card_json(card), version, _last_change(session, card_id))
    return card


def _last_change(session: Session, card_id: int) -> dict[str, Any] | None:
    """Who changed the card last, and how: for the conflict message."""
    last = events.last_card_event(session, card_id=card_id)
    if last is None:
        return None
    return {"actor": last.actor, "type": last.type, "at": last.created_at.isoformat()}


def _phase_of_board(session: Session, board_id: int, phase_id: int) -> Any:
    try:
        return get_phase(session, phase_id=phase_id, board_id=board_id)
    except NotFound:
        raise InvalidInput(
            "phase_id", "phase %(phase)s is not on this board", phase=phase_id
        ) from None


def _check_references(session: Session, values: dict[str, Any], card: Card | None) -> None:
    """Department and lotse must exist and, when newly assigned, be active."""
    check_active(session, values, card, {"department_id": Department, "lotse_id": Lotse})


def _set_tags(card: Card, tags: list[str]) -> None:
    keep = set(tags)
    card.tag_links = [link for link in card.tag_links if link.tag in keep]
    present = {link.tag for link in card.tag_links}
    for tag in tags:
        if tag not in present:
            # card_id is filled in by the relationship when the card is flushed.
            card.tag_links.append(CardTag(tag=tag))  # type: ignore[call-arg]


def create_card(session: Session, *, board_id: int, data: CardCreate, actor: str) -> Card:
    """A new card in a phase (default: at the end); logs card.created."""
    lock_board(session, board_id)
    phase = _phase_of_board(session, board_id, data.phase_id)
    values = data.model_dump(exclude={"tags", "position"})
    _check_references(session, values, None)
    wip_exceeded = positions.check_wip(session, phase=phase)
    position = positions.open_gap(session, phase_id=data.phase_id, position=data.position)
    card = Card(board_id=board_id, position=position, **values)
    _set_tags(card, data.tags)
    session.add(card)
    session.flush()
    events.append(
        session,
        board_id=board_id,
        type=names.CARD_CREATED,
        actor=actor,
        card_id=card.id,
        payload={"after": card_json(card), "wip_exceeded": wip_exceeded},
    )
    events.commit(session)
    return card


def update_card(
    session: Session, *, card_id: int, data: CardUpdate, actor: str, merge: bool = False
) -> Card:
    """Change a card's fields; a stale version fails with the current card.

    With `merge`, a stale save keeps what it changed where nobody else changed the same field
    since (one event, naming the version it was merged from); only a field both changed fails.
    """
    merged_from: int | None = None
    try:
        card = _locked_card(session, card_id, data.version)
    except VersionConflict as stale:
        if not merge:
            raise
        # Locked and reloaded on the way to the conflict.
        card = get_card(session, card_id=card_id)
        changes, clash = merge_fields.rebase(
            session, card=card, data=data, current=stale.extra["current"]
        )
        if clash:
            # What the person changed (to keep it in their form) and where it clashes.
            stale.extra["fields"] = clash
            stale.extra["changes"] = changes
            raise
        merged_from = data.version
        data = CardUpdate.model_validate({"version": card.version, **changes})
    values = data.model_dump(exclude_unset=True, exclude={"version", "tags"})
    for field in ("title", "priority"):
        if field in values and values[field] is None:
            raise InvalidInput(field, "cannot be empty")
    _check_references(session, values, card)
    before = card_json(card)
    for field, value in values.items():
        setattr(card, field, value)
    if data.tags is not None:
        _set_tags(card, data.tags)
    diff: dict[str, Any] = events.changes(before, card_json(card))
    if not diff["after"]:
        end_unchanged(session, card)
        return card
    if merged_from is not None:
        diff["merged_from_version"] = merged_from
    _commit_card_change(session, card, names.CARD_UPDATED, actor, diff)
    return card


def move_card(
    session: Session,
    *,
    card_id: int,
    move: CardMove,
    actor: str,
    undo_of: int | None = None,
    phase_since: datetime | None = None,
) -> Card:
    """Move a card to a phase and position; a stale version or a full blocking phase fails.

    `undo_of`: the seq of the change this move takes back (logged with it); `phase_since`:
    when the card entered the phase it goes back to."""
    card = _locked_card(session, card_id, move.version)
    if card.archived:
        raise Conflict("the card is archived; restore it first", card_id=card_id)
    target = _phase_of_board(session, card.board_id, move.phase_id)
    source_id, source_position = card.phase_id, card.position
    changing_phase = target.id != source_id
    wip_exceeded = (
        positions.check_wip(session, phase=target, card=card) if changing_phase else False
    )
    last = positions.active_count(session, phase_id=target.id) - (0 if changing_phase else 1)
    position = min(move.position, last)
    if not changing_phase and position == source_position:
        end_unchanged(session, card)
        return card
    # Take the card out of the order first, so the shifts below skip it.
    card.archived = True
    session.flush()
    positions.close_gap(session, phase_id=source_id, position=source_position)
    card.position = positions.open_gap(session, phase_id=target.id, position=position)
    entered, now = card.phase_since, clock.now()
    card.phase_id = target.id
    card.archived = False
    if changing_phase:
        card.phase_since = phase_since or now
    payload: dict[str, Any] = {
        "before": {"phase_id": source_id, "position": source_position},
        "after": {"phase_id": target.id, "position": card.position},
        "wip_exceeded": wip_exceeded,
    }
    if changing_phase:
        # When it had entered the phase it left: an undo puts that back too.
        payload["phase_since_before"] = entered.isoformat()
    if undo_of is not None:
        payload["undo_of"] = undo_of
    _commit_card_change(session, card, names.CARD_MOVED, actor, payload, now)
    return card


def archive_card(session: Session, *, card_id: int, version: int, actor: str) -> Card:
    """Take a card off the board (it keeps its phase); logs card.archived."""
    card = _locked_card(session, card_id, version)
    if card.archived:
        return card
    card.archived = True
    session.flush()
    positions.close_gap(session, phase_id=card.phase_id, position=card.position)
    # The position it left, so that an undo puts it back exactly there.
    payload = {
        "before": {"archived": False, "position": card.position},
        "after": {"archived": True},
    }
    _commit_card_change(session, card, names.CARD_ARCHIVED, actor, payload)
    return card


def restore_card(
    session: Session,
    *,
    card_id: int,
    version: int,
    actor: str,
    position: int | None = None,
    undo_of: int | None = None,
) -> Card:
    """Bring an archived card back to its phase (at `position`, default its end); logs
    card.restored."""
    card = _locked_card(session, card_id, version)
    if not card.archived:
        return card
    phase = get_phase(session, phase_id=card.phase_id)
    wip_exceeded = positions.check_wip(session, phase=phase, card=card)
    card.position = positions.open_gap(session, phase_id=card.phase_id, position=position)
    card.archived = False
    payload: dict[str, Any] = {
        "before": {"archived": True},
        "after": {"archived": False, "position": card.position},
        "wip_exceeded": wip_exceeded,
    }
    if undo_of is not None:
        payload["undo_of"] = undo_of
    _commit_card_change(session, card, names.CARD_RESTORED, actor, payload)
    return card


def _commit_card_change(
    session: Session,
    card: Card,
    kind: str,
    actor: str,
    payload: dict[str, Any],
    now: datetime | None = None,
) -> None:
    now = now or clock.now()
    card.version += 1
    card.updated_at = now
    payload["version"] = card.version
    events.append(
        session,
        board_id=card.board_id,
        type=kind,
        actor=actor,
        card_id=card.id,
        payload=payload,
        at=now,
    )
    events.commit(session)
