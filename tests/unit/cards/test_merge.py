"""Saving over a change made meanwhile: disjoint fields merge, a clash keeps everything."""

import pytest
from sqlmodel import Session

from app.cards import queries
from app.cards import service as cards
from app.cards.models import CardMove, CardUpdate
from app.db import Database
from app.errors import VersionConflict
from app.events import names
from app.events import service as events
from tests.factories import ACTOR, make_board, make_card, phases_of
from tests.helpers import dump


def edit(session: Session, card_id: int, version: int, merge: bool = True, **fields: object):
    data = CardUpdate(version=version, **fields)  # type: ignore[arg-type]
    return cards.update_card(session, card_id=card_id, data=data, actor="Dana", merge=merge)


def test_disjoint_changes_are_merged_into_one_logged_change(session: Session) -> None:
    card = make_card(session, make_board(session), description="alt")
    edit(session, card.id, 1, priority="high")  # a colleague, meanwhile: version 2
    merged = edit(session, card.id, 1, description="neu", priority="normal", title=card.title)
    # The colleague's priority stands: this save did not touch it (it still showed "normal").
    assert (merged.description, merged.priority, merged.version) == ("neu", "high", 3)
    last = events.list_card_events(session, card_id=card.id)[-1]
    assert last.type == names.CARD_UPDATED
    assert last.payload["after"] == {"description": "neu"}
    assert last.payload["merged_from_version"] == 1


def test_a_clash_names_its_fields_keeps_the_changes_and_saves_nothing(
    session: Session, db: Database
) -> None:
    card = make_card(session, make_board(session), description="alt")
    edit(session, card.id, 1, description="Fassung der Kollegin")
    before = dump(db)
    with pytest.raises(VersionConflict) as clash:
        edit(session, card.id, 1, description="meine Fassung", title="Neuer Titel")
    session.rollback()
    assert clash.value.extra["fields"] == ["description"]
    assert clash.value.extra["changes"] == {"description": "meine Fassung", "title": "Neuer Titel"}
    assert clash.value.extra["current"]["description"] == "Fassung der Kollegin"
    assert dump(db) == before


def test_the_same_change_twice_is_no_clash(session: Session) -> None:
    card = make_card(session, make_board(session))
    edit(session, card.id, 1, priority="urgent")
    same = edit(session, card.id, 1, priority="urgent", tags=["OZG"])
    assert (same.priority, same.tags) == ("urgent", ["OZG"])


def test_a_move_meanwhile_does_not_stand_in_the_way_of_an_edit(session: Session) -> None:
    board = make_board(session)
    card = make_card(session, board)
    target = phases_of(session, board)[1]
    cards.move_card(
        session, card_id=card.id, move=CardMove(phase_id=target.id, position=0, version=1),
        actor=ACTOR,
    )  # fmt: skip
    saved = edit(session, card.id, 1, title="Umbenannt")
    assert (saved.title, saved.phase_id) == ("Umbenannt", target.id)


def test_without_merge_a_stale_version_is_refused_as_before(session: Session) -> None:
    card = make_card(session, make_board(session))
    edit(session, card.id, 1, priority="high")
    with pytest.raises(VersionConflict):
        edit(session, card.id, 1, merge=False, description="x")
    session.rollback()
    assert queries.get_card(session, card_id=card.id).description == ""
