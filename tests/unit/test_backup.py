"""A backup restores rows that point to later rows of their own table, and sorts the same on
every engine."""

from datetime import date

from sqlmodel import Session, select

from app import migrate
from app.backup import service as backup
from app.db import Database
from app.meetings.models import AgendaItem
from tests.conftest import DatabaseFactory
from tests.factories import make_board, make_card

REVISION = "test"


def test_an_earlier_row_pointing_to_a_later_one_is_restored(
    session: Session, database_factory: DatabaseFactory
) -> None:
    board = make_board(session)
    card = make_card(session, board, tags=["intern", "OZG", "Ärger"])
    first = AgendaItem(board_id=board.id or 0, day=date(2026, 12, 1), title="A", proposed_by="T")
    second = AgendaItem(board_id=board.id or 0, day=date(2026, 12, 1), title="B", proposed_by="T")
    session.add_all([first, second])
    session.commit()
    first.merged_into_id = second.id
    second.carried_from_id = first.id
    session.commit()
    found = backup.export_all(session, revision=REVISION)
    # Sorted by code point, as on every engine: upper case, lower case, umlauts.
    tags = [row[1] for row in found["tables"]["card_tag"]["rows"] if row[0] == card.id]
    assert tags == ["OZG", "intern", "Ärger"]

    url = database_factory.create()
    migrate.upgrade(url)
    target = Database(url)
    try:
        with target.session(write=True) as fresh:
            counts = backup.import_all(fresh, backup=found, revision=REVISION)
            assert counts["agenda_item"] == 2
        with target.session() as fresh:
            items = {item.title: item for item in fresh.exec(select(AgendaItem))}
            assert items["A"].merged_into_id == items["B"].id
            assert items["B"].carried_from_id == items["A"].id
            again = backup.export_all(fresh, revision=REVISION)
        assert backup.dumps(again) == backup.dumps(found)
    finally:
        target.dispose()
