"""Taking a change back: a move, an archiving, a phase removal — as a new change of its own.

An undo goes through the same rules as any change (locks, versions, WIP limits), so it is live,
logged (naming the change it takes back) and safe when someone else acted in between: then it
is refused, and the board shows the state as it is.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app import clock
from app.boards.models import Phase, PhaseRead
from app.boards.service import list_phases, lock_board
from app.cards import positions, service
from app.cards.models import Card, CardMove
from app.errors import Conflict, NotFound
from app.events import names
from app.events import service as events
from app.events.models import Event

# How long after a change it may still be taken back (the page offers it for seconds).
WINDOW = timedelta(minutes=10)
UNDOABLE = (names.CARD_MOVED, names.CARD_ARCHIVED, names.PHASE_REMOVED)


def undoable(session: Session, *, board_id: int, seq: int, actor: str) -> Event:
    """The change at `seq`, if `actor` made it, it can be undone, and it is recent enough."""
    event = session.exec(select(Event).where(Event.board_id == board_id, Event.seq == seq)).first()
    if event is None:
        raise NotFound("event", seq)
    if event.type not in UNDOABLE:
        raise Conflict("this change cannot be undone", seq=seq)
    if event.actor != actor:
        raise Conflict("only who made a change can undo it", seq=seq)
    if clock.now() - event.created_at > WINDOW:
        raise Conflict("this change is too old to be undone", seq=seq)
    return event


def undo(session: Session, *, board_id: int, seq: int, actor: str) -> Event:
    """Take back the change at `seq`; returns it. A card changed since makes it refuse."""
    event = undoable(session, board_id=board_id, seq=seq, actor=actor)
    payload = event.payload
    if event.type == names.CARD_MOVED:
        before = payload["before"]
        move = CardMove(
            phase_id=before["phase_id"], position=before["position"], version=payload["version"]
        )
        entered = payload.get("phase_since_before")
        service.move_card(
            session,
            card_id=event.card_id or 0,
            move=move,
            actor=actor,
            undo_of=event.seq,
            phase_since=datetime.fromisoformat(entered) if entered else None,
        )
    elif event.type == names.CARD_ARCHIVED:
        service.restore_card(
            session,
            card_id=event.card_id or 0,
            version=payload["version"],
            actor=actor,
            position=(payload.get("before") or {}).get("position"),
            undo_of=event.seq,
        )
    else:
        _restore_phase(session, board_id=board_id, event=event, actor=actor)
    return event


def _restore_phase(session: Session, *, board_id: int, event: Event, actor: str) -> None:
    """Bring a removed phase back where it was, with its cards where they stood."""
    lock_board(session, board_id)
    before: dict[str, Any] = event.payload["before"]
    places: list[dict[str, Any]] = event.payload.get("cards") or []
    phases = list_phases(session, board_id=board_id)
    if any(phase.name == before["name"] for phase in phases):
        raise Conflict(
            "the board has a phase named “%(name)s” again",
            values={"name": before["name"]},
            field="name",
        )
    cards = {
        card.id: card
        for card in session.exec(select(Card).where(col(Card.id).in_([p["id"] for p in places])))
    }
    target = event.payload.get("target_phase_id")
    for place in places:
        card = cards.get(place["id"])
        if card is None or card.version != place["version"] or card.phase_id != target:
            raise Conflict("a card of the removed phase was changed since; undo is not possible")
    phase = Phase(
        board_id=board_id,
        name=before["name"],
        wip_limit=before["wip_limit"],
        wip_mode=before["wip_mode"],
        is_done=before["is_done"],
    )
    phases.insert(min(before["position"], len(phases)), phase)
    session.add(phase)
    for index, item in enumerate(phases):
        item.position = index
    session.flush()
    now = clock.now()
    # Out of the target first (highest position first keeps the gaps right), then back in.
    for place in sorted(places, key=lambda p: -cards[p["id"]].position):
        card = cards[place["id"]]
        if not card.archived:
            positions.close_gap(session, phase_id=card.phase_id, position=card.position)
        card.phase_id = phase.id  # type: ignore[assignment]
        card.position = place["position"]
        if place.get("phase_since"):
            card.phase_since = datetime.fromisoformat(place["phase_since"])
        card.version += 1
        card.updated_at = now
    session.flush()
    events.append(
        session,
        board_id=board_id,
        type=names.PHASE_CREATED,
        actor=actor,
        payload={
            "after": PhaseRead.model_validate(phase).model_dump(mode="json"),
            "card_ids": [place["id"] for place in places],
            "undo_of": event.seq,
        },
    )
    events.commit(session)
