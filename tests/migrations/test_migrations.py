"""Migrations reach head and come back down on both engines, and match the models."""

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import select

from app import handlers, migrate
from app.boards import service as boards
from app.cards.models import Card
from app.db import Database, make_engine
from app.demo import load_demo
from app.models import metadata
from tests.conftest import DatabaseFactory

TABLES = {
    "annotation",
    "annotation_category",
    "annotation_note",
    "board",
    "phase",
    "department",
    "lotse",
    "card",
    "card_tag",
    "event",
    "feedback",
    "instance",
    "site_text",
    "user",
    "login_session",
    "login_failure",
    "password_reset",
    "saved_view",
    "api_token",
    "screen_link",
    "board_member",
    "meeting",
    "meeting_series",
    "meeting_feed",
    "agenda_item",
    "meeting_run",
    "meeting_entry",
    "digest_subscription",
    "digest_delivery",
    "job_lease",
}


SEEDED_CATEGORIES = [
    "Datenschutz",
    "Personalrat/Mitbestimmung",
    "Recht/Vergabe",
    "Technik/Schnittstellen",
    "Ressourcen/Zeit",
    "Akzeptanz/Gewohnheit",
    "Finanzierung/Fördermittel",
    "Sonstiges",
]


def _category_names(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = text("SELECT name FROM annotation_category ORDER BY position")
            return list(connection.execute(query).scalars())
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(database_factory: DatabaseFactory) -> None:
    url = database_factory.create()
    migrate.upgrade(url)
    assert _tables(url) == TABLES
    assert _category_names(url) == SEEDED_CATEGORIES
    migrate.downgrade(url, "base")
    assert _tables(url) == set()
    migrate.upgrade(url)
    db = Database(url)
    try:
        assert migrate.at_head(db.engine, db.url)
    finally:
        db.dispose()


def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ; autogenerate a migration: {diff}"


def test_fresh_database_is_not_ready_until_migrated(database_factory: DatabaseFactory) -> None:
    url = database_factory.create()
    db = Database(url)
    try:
        db.ping()
        assert not migrate.at_head(db.engine, db.url)
    finally:
        db.dispose()


def test_boards_that_exist_before_the_annotations_keep_blocked_cards_out_of_wip(
    database_factory: DatabaseFactory,
) -> None:
    url = database_factory.create()
    migrate.upgrade(url, "9ce389f81496")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO board (name, description, archived, restricted, last_seq,"
                    " created_at, updated_at) VALUES ('Alt', '', false, false, 0,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        migrate.upgrade(url)
        with engine.connect() as connection:
            value = connection.execute(text("SELECT wip_counts_blocked FROM board")).scalar_one()
    finally:
        engine.dispose()
    assert value in (False, 0)


def test_when_cards_entered_their_phase_is_read_back_from_the_log(
    database_factory: DatabaseFactory,
) -> None:
    url = database_factory.create()
    migrate.upgrade(url)
    handlers.install()
    db = Database(url)
    try:
        assert load_demo(db, now=datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        with db.session(write=True) as session:
            board = boards.list_boards(session)[0]
            phases = boards.list_phases(session, board_id=board.id)
            # A removed phase moves its cards: they entered the target then.
            boards.remove_phase(
                session, board_id=board.id, phase_id=phases[2].id,
                target_phase_id=phases[1].id, actor="Test",
            )  # fmt: skip
        with db.session() as session:
            live = {c.id: c.phase_since for c in session.exec(select(Card)).all()}
        migrate.downgrade(url, "90739db5ab86")  # before cards knew it
        migrate.upgrade(url)
        with db.session() as session:
            filled = {c.id: c.phase_since for c in session.exec(select(Card)).all()}
    finally:
        db.dispose()
    assert len(filled) == len(live) > 90
    assert filled == live
