"""Reading annotations: per card, per board, and what a card face and a phase count show."""

import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, exists, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.annotations.models import (
    OPEN_STATUSES,
    SEVERITY_RANK,
    Annotation,
    AnnotationFilter,
    AnnotationKind,
    AnnotationNote,
    Severity,
)
from app.cards.models import Card
from app.errors import NotFound

# How much of a blocking annotation's text the card face shows.
EXCERPT_CHARS = 160


def get_annotation(session: Session, *, annotation_id: int) -> Annotation:
    """The annotation, or NotFound."""
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFound("annotation", annotation_id)
    return annotation


def open_clause(kind: AnnotationKind | None = None) -> ColumnElement[bool]:
    """True for cards with an open annotation (of that kind)."""
    condition = exists().where(
        col(Annotation.card_id) == col(Card.id), col(Annotation.status).in_(OPEN_STATUSES)
    )
    if kind is not None:
        condition = condition.where(col(Annotation.kind) == kind)
    return condition


def blocked_clause() -> ColumnElement[bool]:
    """True for blocked cards: they have an open annotation that blocks them."""
    return exists().where(
        col(Annotation.card_id) == col(Card.id),
        col(Annotation.status).in_(OPEN_STATUSES),
        col(Annotation.blocks_card).is_(True),
    )


def is_blocked(session: Session, *, card_id: int) -> bool:
    statement = select(Annotation.id).where(
        Annotation.card_id == card_id,
        col(Annotation.status).in_(OPEN_STATUSES),
        col(Annotation.blocks_card).is_(True),
    )
    return session.exec(statement.limit(1)).first() is not None


def blocked_per_phase(session: Session, *, phase_ids: Iterable[int]) -> dict[int, int]:
    """How many active cards of each phase are blocked."""
    ids = list(phase_ids)
    if not ids:
        return {}
    statement = (
        select(Card.phase_id, func.count())
        .where(col(Card.phase_id).in_(ids), col(Card.archived).is_(False), blocked_clause())
        .group_by(col(Card.phase_id))
    )
    return dict(session.exec(statement).all())


@dataclass
class CardMarks:
    """What a card face shows of its open annotations."""

    phase_id: int = 0
    concerns: int = 0
    resistances: int = 0
    concern_severity: Severity | None = None
    resistance_severity: Severity | None = None
    # The oldest open annotation that blocks the card, as a short text.
    blocked_by: str | None = None
    blocking: int = 0

    @property
    def blocked(self) -> bool:
        return self.blocking > 0

    @property
    def signature(self) -> str:
        """Changes whenever the face would: lets a live page skip what it shows already."""
        reason = zlib.crc32((self.blocked_by or "").encode())
        return (
            f"{self.concerns}{self.concern_severity or ''}.{self.resistances}"
            f"{self.resistance_severity or ''}.{self.blocking}.{reason:x}"
        )

    def add(self, kind: str, severity: Severity, blocks: bool, text: str) -> None:
        if kind == AnnotationKind.concern:
            self.concerns += 1
            self.concern_severity = _higher(self.concern_severity, severity)
        else:
            self.resistances += 1
            self.resistance_severity = _higher(self.resistance_severity, severity)
        if blocks:
            self.blocking += 1
            if self.blocked_by is None:
                self.blocked_by = excerpt(text)


def _higher(current: Severity | None, other: Severity) -> Severity:
    if current is None or SEVERITY_RANK[other] > SEVERITY_RANK[current]:
        return other
    return current


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first words of a Markdown text as one plain line, cut at a word."""
    plain = " ".join(
        line.strip().lstrip("#>*-+ ").replace("**", "").replace("__", "").replace("`", "")
        for line in text.splitlines()
    )
    plain = " ".join(plain.split())
    if len(plain) <= limit:
        return plain
    cut = plain[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.–-") + " …"


def card_marks(
    session: Session, *, board_id: int, card_ids: Iterable[int] | None = None
) -> dict[int, CardMarks]:
    """The open annotations of the board's active cards (or of `card_ids`), per card: one query."""
    statement = (
        sa_select(
            col(Annotation.card_id),
            col(Card.phase_id),
            col(Annotation.kind),
            col(Annotation.severity),
            col(Annotation.blocks_card),
            func.substr(col(Annotation.text), 1, EXCERPT_CHARS * 2),
        )
        .join(Card, col(Card.id) == col(Annotation.card_id))
        .where(col(Card.board_id) == board_id, col(Annotation.status).in_(OPEN_STATUSES))
        .order_by(col(Annotation.created_at), col(Annotation.id))
    )
    if card_ids is None:
        statement = statement.where(col(Card.archived).is_(False))
    else:
        statement = statement.where(col(Annotation.card_id).in_(list(card_ids)))
    marks: dict[int, CardMarks] = {}
    for card_id, phase_id, kind, severity, blocks, text in session.execute(statement):
        found = marks.setdefault(card_id, CardMarks(phase_id))
        found.add(kind, Severity(severity), blocks, text)
    return marks


def blocked_in(marks: dict[int, CardMarks]) -> dict[int, int]:
    """Blocked cards per phase, read off the board's card marks (no query of its own)."""
    return dict(Counter(m.phase_id for m in marks.values() if m.blocked))


@dataclass
class Tally:
    """Open annotations of one department, for the screen's footer."""

    department_id: int | None
    phase_id: int = 0
    concerns: int = 0
    resistances: int = 0

    @property
    def total(self) -> int:
        return self.concerns + self.resistances


@dataclass
class BoardTally:
    departments: list[Tally] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(tally.total for tally in self.departments)


def open_tally(session: Session, *, board_id: int) -> BoardTally:
    """Open annotations on the board's active cards, per department they come from."""
    statement = (
        select(Annotation.department_id, Annotation.kind, func.count())
        .join(Card, col(Card.id) == col(Annotation.card_id))
        .where(
            Card.board_id == board_id,
            col(Card.archived).is_(False),
            col(Annotation.status).in_(OPEN_STATUSES),
        )
        .group_by(col(Annotation.department_id), col(Annotation.kind))
    )
    by_department: dict[int | None, Tally] = {}
    for department_id, kind, count in session.exec(statement):
        tally = by_department.setdefault(department_id, Tally(department_id))
        if kind == AnnotationKind.concern:
            tally.concerns += count
        else:
            tally.resistances += count
    ordered = sorted(by_department.values(), key=lambda t: (-t.total, t.department_id or 0))
    return BoardTally(ordered)


def list_for_card(session: Session, *, card_id: int) -> list[Annotation]:
    """A card's annotations: open ones first, then by when they were raised."""
    statement = select(Annotation).where(Annotation.card_id == card_id)
    return _open_first(session.exec(statement.order_by(col(Annotation.id))))


def open_for_cards(session: Session, *, card_ids: list[int]) -> dict[int, list[Annotation]]:
    """The open concerns and resistances of these cards, by card, oldest first."""
    found: dict[int, list[Annotation]] = {card_id: [] for card_id in card_ids}
    if card_ids:
        rows = session.exec(
            select(Annotation)
            .where(col(Annotation.card_id).in_(card_ids))
            .where(col(Annotation.status).in_(OPEN_STATUSES))
            .order_by(col(Annotation.id))
        )
        for annotation in rows:
            found[annotation.card_id].append(annotation)
    return found


def list_for_board(
    session: Session, *, board_id: int, filters: AnnotationFilter | None = None
) -> list[Annotation]:
    """The board's annotations matching every given filter: open first, oldest first."""
    filters = filters or AnnotationFilter()
    statement = (
        select(Annotation)
        .join(Card, col(Card.id) == col(Annotation.card_id))
        .where(Card.board_id == board_id)
        .order_by(col(Annotation.created_at), col(Annotation.id))
    )
    for column, values in (
        (Annotation.kind, filters.kind),
        (Annotation.department_id, filters.department),
        (Annotation.category_id, filters.category),
        (Annotation.severity, filters.severity),
        (Annotation.status, filters.status),
        (Annotation.card_id, filters.card),
    ):
        if values:
            statement = statement.where(col(column).in_(values))
    return _open_first(session.exec(statement))


def _open_first(annotations: Iterable[Annotation]) -> list[Annotation]:
    rows = list(annotations)
    return [a for a in rows if a.is_open] + [a for a in rows if not a.is_open]


def notes_of(session: Session, *, annotation_ids: Iterable[int]) -> dict[int, list[AnnotationNote]]:
    """The discussion of each annotation, oldest note first: one query for all of them."""
    ids = list(annotation_ids)
    notes: dict[int, list[AnnotationNote]] = {annotation_id: [] for annotation_id in ids}
    if not ids:
        return notes
    statement = (
        select(AnnotationNote)
        .where(col(AnnotationNote.annotation_id).in_(ids))
        .order_by(col(AnnotationNote.id))
    )
    for note in session.exec(statement):
        notes[note.annotation_id].append(note)
    return notes
