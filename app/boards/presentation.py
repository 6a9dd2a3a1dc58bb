"""The board as the page shows it: filters from the URL, swimlanes, counters."""

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from app.cards.models import CardFilter, OpenAnnotations
from app.cards.queries import BoardView, CardRow, PhaseView
from app.people.models import Department, Lotse
from app.web.i18n import gettext as _


class Grouping(StrEnum):
    none = ""
    department = "department"
    lotse = "lotse"


@dataclass
class BoardFilters:
    """What the CDO filtered and grouped by; carried in the URL so views can be bookmarked."""

    department: list[int] = field(default_factory=list)
    lotse: list[int] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)
    q: str = ""
    open_annotations: OpenAnnotations | None = None
    blocked: bool = False
    since_meeting: bool = False  # changed since the last Lotsentreffen
    group: Grouping = Grouping.none

    @classmethod
    def from_query(cls, params: QueryParams) -> "BoardFilters":
        """Tolerant parsing: a bookmarked URL with an odd value still opens the board."""
        return cls(
            department=_ints(params.getlist("department")),
            lotse=_ints(params.getlist("lotse")),
            tag=[tag[:40] for tag in params.getlist("tag") if tag.strip()][:20],
            q=params.get("q", "").strip()[:200],
            open_annotations=OpenAnnotations(params["open_annotations"])
            if params.get("open_annotations") in set(OpenAnnotations)
            else None,
            blocked=params.get("blocked", "") in ("1", "true", "on"),
            since_meeting=params.get("since_meeting", "") in ("1", "true", "on"),
            group=Grouping(params["group"])
            if params.get("group") in set(Grouping)
            else Grouping.none,
        )

    @property
    def active(self) -> bool:
        return bool(
            self.department
            or self.lotse
            or self.tag
            or self.q
            or self.open_annotations
            or self.blocked
            or self.since_meeting
        )

    def describe(self, departments: dict[int, Department], lotsen: dict[int, Lotse]) -> list[str]:
        """The active filters in words, for the line above the board."""
        words = [departments[d].name for d in self.department if d in departments]
        words += [lotsen[lotse].name for lotse in self.lotse if lotse in lotsen]
        words += [_("tag %(tag)s", tag=tag) for tag in self.tag]
        if self.open_annotations:
            words.append(
                {
                    OpenAnnotations.any: _("open concerns or resistances"),
                    OpenAnnotations.concern: _("open concerns"),
                    OpenAnnotations.resistance: _("open resistances"),
                }[self.open_annotations]
            )
        if self.blocked:
            words.append(_("blocked only"))
        if self.since_meeting:
            words.append(_("changed since the last Lotsentreffen"))
        if self.q:
            words.append(_("search “%(text)s”", text=self.q))
        return words

    def card_filter(self, since: datetime | None = None) -> CardFilter:
        """`since`: when the last Lotsentreffen began, for the filter that asks for it."""
        return CardFilter(
            department=self.department,
            lotse=self.lotse,
            tag=self.tag,
            q=self.q or None,
            open_annotations=self.open_annotations,
            blocked=self.blocked,
            changed_since=since if self.since_meeting else None,
        )

    def query_string(self) -> str:
        pairs: list[tuple[str, str | int]] = [("department", d) for d in self.department]
        pairs += [("lotse", lotse) for lotse in self.lotse]
        pairs += [("tag", tag) for tag in self.tag]
        if self.q:
            pairs.append(("q", self.q))
        if self.open_annotations:
            pairs.append(("open_annotations", self.open_annotations.value))
        if self.blocked:
            pairs.append(("blocked", 1))
        if self.since_meeting:
            pairs.append(("since_meeting", 1))
        if self.group:
            pairs.append(("group", self.group.value))
        return urlencode(pairs)


def _ints(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit()][:50]


@dataclass
class Lane:
    key: str
    label: str
    colour: str | None
    code: str | None
    columns: list[PhaseView]
    department_id: int | None = None
    lotse_id: int | None = None

    @property
    def card_count(self) -> int:
        return sum(len(column.cards) for column in self.columns)


def lanes(
    view: BoardView,
    group: Grouping,
    departments: dict[int, Department],
    lotsen: dict[int, Lotse],
    unassigned_label: str,
) -> list[Lane]:
    """One lane for the whole board, or one per department / lotse that has cards."""
    if group == Grouping.none:
        return [Lane(key="all", label="", colour=None, code=None, columns=view.phases)]
    buckets: dict[int | None, list[CardRow]] = {}
    for column in view.phases:
        for card in column.cards:
            key = card.department_id if group == Grouping.department else card.lotse_id
            buckets.setdefault(key, []).append(card)
    result: list[Lane] = []
    for key in sorted(buckets, key=lambda k: _lane_sort_key(k, group, departments, lotsen)):
        cards = {card.id for card in buckets[key]}
        columns = [
            replace(column, cards=[card for card in column.cards if card.id in cards])
            for column in view.phases
        ]
        if group == Grouping.department:
            department = departments.get(key) if key is not None else None
            result.append(
                Lane(
                    key=f"d{key or 0}",
                    label=department.name if department else unassigned_label,
                    colour=department.colour if department else None,
                    code=department.code if department else None,
                    columns=columns,
                    department_id=key,
                )
            )
        else:
            lotse = lotsen.get(key) if key is not None else None
            result.append(
                Lane(
                    key=f"l{key or 0}",
                    label=lotse.name if lotse else unassigned_label,
                    colour=None,
                    code=None,
                    columns=columns,
                    lotse_id=key,
                )
            )
    return result


def _lane_sort_key(
    key: int | None,
    group: Grouping,
    departments: dict[int, Department],
    lotsen: dict[int, Lotse],
) -> tuple[int, str]:
    if key is None:
        return (1, "")
    named = departments.get(key) if group == Grouping.department else lotsen.get(key)
    return (0, named.name.lower() if named else "")
