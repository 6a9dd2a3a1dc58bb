"""Saving over a change made meanwhile: a three-way merge of card fields against the log.

The version the person saw, the card as it is now, and what they typed: the fields they
changed that nobody else changed since are saved; a field both changed (to different values)
is a real conflict.
"""

from typing import Any

from sqlmodel import Session

from app.cards.models import Card, CardUpdate
from app.events import names
from app.events import service as events


def _comparable(key: str, value: Any) -> Any:
    return sorted(value) if key == "tags" and isinstance(value, list) else value


def rebase(
    session: Session, *, card: Card, data: CardUpdate, current: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The fields of `data` (written against `data.version`) to apply to the card as it is now,
    and the fields that clash with a change made since."""
    typed = data.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    later = [
        event
        for event in events.list_card_events(session, card_id=card.id or 0)
        if event.type == names.CARD_UPDATED and event.payload.get("version", 0) > data.version
    ]
    # Walk back from the card as it is to the card as it was seen.
    seen = dict(current)
    for event in reversed(later):
        seen.update(event.payload.get("before") or {})
    theirs = {key for event in later for key in event.payload.get("after") or {}}
    mine = {
        key
        for key, value in typed.items()
        if key in seen and _comparable(key, value) != _comparable(key, seen[key])
    }
    clash = sorted(
        key
        for key in mine & theirs
        if _comparable(key, typed[key]) != _comparable(key, current.get(key))
    )
    return {key: typed[key] for key in mine}, clash
