"""Migrations reach head and come back down on both engines, and match the models."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from app import migrate
from app.db import Database, make_engine
from app.models import metadata
from tests.conftest import DatabaseFactory

TABLES = {
    "board",
    "phase",
    "department",
    "lotse",
    "card",
    "card_tag",
    "event",
    "feedback",
    "site_text",
    "user",
    "login_session",
    "login_failure",
    "api_token",
    "screen_link",
    "board_member",
}


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
