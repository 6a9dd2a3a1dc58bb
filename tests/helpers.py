"""Assertions shared by several test layers."""

import csv
import io
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select, text
from sqlmodel import Session

from app.cards.models import Card
from app.db import Database
from app.events.models import Event
from app.models import metadata

# Bookkeeping of who was seen when, not data a request could corrupt.
_TOUCHED = {"last_used_at", "last_seen_at"}


def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: to prove a request changed nothing."""
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            columns = ", ".join(f'"{c.name}"' for c in table.columns if c.name not in _TOUCHED)
            rows = connection.execute(text(f'SELECT {columns} FROM "{table.name}"')).all()
            snapshot[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return snapshot


def assert_valid_order(session: Session, board_id: int) -> None:
    """Active cards of each phase hold positions 0..n-1, each once."""
    rows = session.execute(
        select(Card.phase_id, Card.position).where(
            Card.board_id == board_id,
            Card.archived.is_(False),  # type: ignore[attr-defined]
        )
    ).all()
    by_phase: dict[int, list[int]] = {}
    for phase_id, position in rows:
        by_phase.setdefault(phase_id, []).append(position)
    for phase_id, found in by_phase.items():
        assert sorted(found) == list(range(len(found))), f"phase {phase_id}: {sorted(found)}"


def assert_gapless_seqs(session: Session, board_id: int) -> list[int]:
    seqs = list(
        session.execute(
            select(Event.seq).where(Event.board_id == board_id).order_by(Event.seq)  # type: ignore[arg-type]
        ).scalars()
    )
    assert seqs == list(range(1, len(seqs) + 1))
    return seqs


def fresh(session: Session) -> Session:
    """Forget what the session read, so it sees what the app under test committed since."""
    session.rollback()
    session.expire_all()
    return session


def german_csv(response: Any) -> list[list[str]]:
    """A download's rows as a German Excel reads them: UTF-8 with BOM, `;` between cells."""
    assert response.status_code == 200, response.text[:300]
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def xlsx(*rows: list[Any]) -> bytes:
    """A workbook of one sheet with these rows, as openpyxl writes it (text starting with `=`
    becomes a formula, as in Excel)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
