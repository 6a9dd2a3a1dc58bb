"""The "Bedenken & Widerstände" page of a board: all annotations, grouped, with figures."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session, col, select
from starlette.datastructures import QueryParams

from app import clock
from app.annotations import figures, queries, service
from app.annotations.models import (
    Annotation,
    AnnotationFilter,
    AnnotationKind,
    AnnotationStatus,
    Severity,
)
from app.boards.models import Board
from app.cards.models import Card
from app.db import ident
from app.people import service as people
from app.web.i18n import gettext as _

WEEKS = 12


class GroupBy(StrEnum):
    department = "department"
    category = "category"


@dataclass
class Choice:
    """What the CDO filtered and grouped by; carried in the URL, so it can be bookmarked."""

    kind: list[AnnotationKind] = field(default_factory=list)
    department: list[int] = field(default_factory=list)
    category: list[int] = field(default_factory=list)
    severity: list[Severity] = field(default_factory=list)
    status: list[AnnotationStatus] = field(default_factory=list)
    group: GroupBy = GroupBy.department

    @classmethod
    def from_query(cls, params: QueryParams) -> "Choice":
        """Tolerant parsing: a bookmarked address with an odd value still opens the page."""
        return cls(
            kind=_members(AnnotationKind, params.getlist("kind")),
            department=_ids(params.getlist("department")),
            category=_ids(params.getlist("category")),
            severity=_members(Severity, params.getlist("severity")),
            status=_members(AnnotationStatus, params.getlist("status")),
            group=GroupBy(params["group"])
            if params.get("group") in set(GroupBy)
            else GroupBy.department,
        )

    def annotation_filter(self) -> AnnotationFilter:
        return AnnotationFilter(
            kind=self.kind,
            department=self.department,
            category=self.category,
            severity=self.severity,
            status=self.status,
        )

    def query_string(self) -> str:
        pairs: list[tuple[str, Any]] = [("kind", k.value) for k in self.kind]
        pairs += [("department", d) for d in self.department]
        pairs += [("category", c) for c in self.category]
        pairs += [("severity", s.value) for s in self.severity]
        pairs += [("status", s.value) for s in self.status]
        if self.group != GroupBy.department:
            pairs.append(("group", self.group.value))
        return urlencode(pairs)


def _members(kind: Any, values: list[str]) -> list[Any]:
    return [kind(value) for value in dict.fromkeys(values) if value in set(kind)]


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit() and len(value) < 10][:50]


@dataclass
class Row:
    annotation: Annotation
    card: Card
    # Open: days since it was raised. Closed: days it was open.
    days: int


@dataclass
class Group:
    key: int | None
    label: str
    colour: str | None = None
    code: str | None = None
    rows: list[Row] = field(default_factory=list)
    median_days: float | None = None

    @property
    def open_count(self) -> int:
        return sum(1 for row in self.rows if row.annotation.is_open)

    @property
    def closed_count(self) -> int:
        return len(self.rows) - self.open_count


def context(session: Session, *, board: Board, choice: Choice) -> dict[str, Any]:
    """Everything annotations/overview.html needs."""
    board_id = ident(board)
    now = clock.now()
    found = queries.list_for_board(session, board_id=board_id, filters=choice.annotation_filter())
    card_ids = {a.card_id for a in found}
    cards = (
        {ident(card): card for card in session.exec(select(Card).where(col(Card.id).in_(card_ids)))}
        if card_ids
        else {}
    )
    departments = {ident(d): d for d in people.list_departments(session)}
    categories = {ident(c): c for c in service.list_categories(session)}
    groups = _groups(found, cards, choice.group, departments, categories, now)
    by = "department_id" if choice.group == GroupBy.department else "category_id"
    log = figures.load(session, board_id=board_id)
    medians = figures.median_time_to_resolve(log, by=by)
    for group in groups:
        if group.key in medians:
            group.median_days = medians[group.key] / timedelta(days=1)
    weeks = figures.weeks(log, by="department_id", count=WEEKS, now=now)
    return {
        "board": board,
        "choice": choice,
        "groups": groups,
        "open_total": sum(group.open_count for group in groups),
        "closed_total": sum(group.closed_count for group in groups),
        "departments": departments,
        "categories": categories,
        "chart": _chart(weeks, departments),
    }


def _groups(
    found: list[Annotation],
    cards: dict[int, Card],
    group_by: GroupBy,
    departments: dict[int, Any],
    categories: dict[int, Any],
    now: datetime,
) -> list[Group]:
    groups: dict[int | None, Group] = {}
    for annotation in found:  # open first, oldest first: the query's order
        key = annotation.department_id if group_by == GroupBy.department else annotation.category_id
        if key not in groups:
            groups[key] = _group(key, group_by, departments, categories)
        end = now if annotation.is_open else (annotation.closed_at or now)
        days = (end - annotation.created_at) // timedelta(days=1)
        groups[key].rows.append(Row(annotation, cards[annotation.card_id], days))

    def order(group: Group) -> tuple[int, Any]:
        if group.key is None:
            return (1, "")
        if group_by == GroupBy.category:
            return (0, (categories[group.key].position, group.label.lower()))
        return (0, (0, group.label.lower()))

    return sorted(groups.values(), key=order)


def _group(
    key: int | None, group_by: GroupBy, departments: dict[int, Any], categories: dict[int, Any]
) -> Group:
    if group_by == GroupBy.department:
        department = departments.get(key) if key is not None else None
        if department is None:
            return Group(None, _("No department"))
        return Group(key, department.name, department.colour, department.code)
    category = categories.get(key) if key is not None else None
    return Group(key, category.name if category else _("No category"))


@dataclass
class ChartRow:
    label: str
    code: str | None
    colour: str | None
    counts: list[int]


@dataclass
class Chart:
    """Open annotations per department at the end of each of the last weeks (a table)."""

    weeks: list[figures.Week]
    rows: list[ChartRow]
    totals: list[int]

    @property
    def peak(self) -> int:
        return max([*self.totals, 1])


def _chart(weeks: list[figures.Week], departments: dict[int, Any]) -> Chart:
    keys: set[int | None] = set()
    for week in weeks:
        keys |= {key for key, count in week.open_at_end.items() if count}
    rows = []
    for key in sorted(
        keys, key=lambda k: (k is None, departments[k].name if k in departments else "")
    ):
        department = departments.get(key) if key is not None else None
        rows.append(
            ChartRow(
                label=department.name if department else _("No department"),
                code=department.code if department else None,
                colour=department.colour if department else None,
                counts=[week.open_at_end.get(key, 0) for week in weeks],
            )
        )
    totals = [sum(week.open_at_end.values()) for week in weeks]
    return Chart(weeks, rows, totals)
