"""Measures from a spreadsheet into a board: all or nothing, and a dry run that is the real run
taken back, so its report is exactly what the import will do.

A row updates the measure with the same number (a "Nummer" column, as the export writes it) or
else the same title on the board; otherwise it creates one. Yes/no columns say whether a
measure is done (it goes to the done phase) or archived. Departments, lotsen and phases are
matched by name (or short code, or email), ignoring case and umlaut spelling; unknown ones are
listed and, when asked, created. One refused row refuses the whole import."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from app.boards import service as boards
from app.boards.models import Board, Phase, PhaseCreate
from app.cards import service as cards
from app.cards.models import Card, CardCreate, CardMove, CardUpdate
from app.cards.texts import error_message, validation_message
from app.errors import DomainError, InvalidInput
from app.events import names
from app.events import service as events
from app.imports.mapping import fold
from app.imports.reading import Sheet
from app.people import service as people
from app.people.models import DepartmentCreate, LotseCreate
from app.web.i18n import gettext as _

PRIORITIES = {
    "niedrig": "low",
    "gering": "low",
    "low": "low",
    "normal": "normal",
    "mittel": "normal",
    "medium": "normal",
    "hoch": "high",
    "high": "high",
    "dringend": "urgent",
    "sehr hoch": "urgent",
    "kritisch": "urgent",
    "urgent": "urgent",
}
SIZES = {"s": "S", "m": "M", "l": "L", "xl": "XL"}
# A yes/no column as lists write it: "ja", "x" in a tick column, "wahr" from a checkbox.
YES = {"ja", "j", "yes", "y", "x", "wahr", "true", "1"}
NO = {"nein", "n", "no", "-", "falsch", "false", "0"}
CARD_FIELDS = ("title", "description", "department_id", "lotse_id", "priority", "due_date", "size")


@dataclass
class Outcome:
    """What happens to one row: create, update, unchanged, or refused (with the reason)."""

    row: int
    title: str
    action: str
    reason: str = ""
    card_id: int | None = None
    changed: list[str] = field(default_factory=list)


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    missing: dict[str, list[str]] = field(
        default_factory=lambda: {"department": [], "lotse": [], "phase": []}
    )
    applied: bool = False

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def refused(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.action == "refused"]


class _Refused(Exception):
    """One row cannot be imported: the reason, as the report says it."""


class _TakeBack(Exception):
    """Ends a dry run, or an import with a refused row: nothing stays."""


def run(
    session: Session,
    *,
    board: Board,
    sheet: Sheet,
    mapping: dict[int, str],
    create_missing: bool,
    dry_run: bool,
    actor: str,
    filename: str = "",
) -> Report:
    """Import the sheet's rows (or only try, with `dry_run`) and report row by row."""
    if "title" not in mapping.values():
        raise InvalidInput("mapping", "one column must hold the title")
    if len(set(mapping.values())) != len(mapping):
        raise InvalidInput("mapping", "each field can come from one column only")
    report = Report()
    try:
        with events.one_transaction(session):
            _Import(session, board, mapping, create_missing, actor, report).rows(sheet)
            if not dry_run and not report.refused:
                events.append(
                    session,
                    board_id=board.id,
                    type=names.BOARD_IMPORTED,
                    actor=actor,
                    payload={
                        "file": filename[:200],
                        "created": report.count("create"),
                        "updated": report.count("update"),
                    },
                )
            else:
                raise _TakeBack
    except _TakeBack:
        session.rollback()
        return report
    except Exception:
        session.rollback()
        raise
    report.applied = True
    return report


class _Import:
    def __init__(
        self,
        session: Session,
        board: Board,
        mapping: dict[int, str],
        create_missing: bool,
        actor: str,
        report: Report,
    ) -> None:
        assert board.id is not None
        self.session, self.board_id, self.mapping = session, board.id, mapping
        self.create_missing, self.actor, self.report = create_missing, actor, report
        # Deactivated ones too: a measure may still name one (the card service refuses to
        # give one to a measure anew).
        self.departments: dict[str, int | None] = {}
        self.codes: set[str] = set()
        for department in people.list_departments(session):
            self.departments[fold(department.name)] = department.id
            self.departments.setdefault(fold(department.code), department.id)
            self.codes.add(fold(department.code))
        self.lotsen: dict[str, list[int]] = {}
        for lotse in people.list_lotsen(session):
            assert lotse.id is not None
            self.lotsen.setdefault(fold(lotse.name), []).append(lotse.id)
            if lotse.email:
                self.lotsen.setdefault(fold(lotse.email), []).append(lotse.id)
        self.pending: list[str] = []
        phases = boards.list_phases(session, board_id=board.id)
        self.phases = {fold(p.name): p.id for p in phases}
        self.first_phase = phases[0].id
        self.done_phases = [p.id for p in phases if p.is_done]
        existing = session.exec(select(Card).where(Card.board_id == board.id)).all()
        self.by_id = {card.id: card for card in existing}
        self.by_title: dict[str, list[Card]] = {}
        for card in existing:
            self.by_title.setdefault(fold(card.title), []).append(card)
        # The row that changes each measure, the row that makes each new title.
        self.claimed: dict[int, int] = {}
        self.new_titles: dict[str, int] = {}

    def rows(self, sheet: Sheet) -> None:
        for number, cells in sheet.rows:
            raw = {self.mapping[i]: cells[i].strip() for i in self.mapping if i < len(cells)}
            outcome = Outcome(number, raw.get("title", ""), "refused")
            try:
                self._no_formula(sheet, number)
                self._row(raw, outcome)
            except _Refused as refusal:
                outcome.action, outcome.reason = "refused", str(refusal)
            except ValidationError as error:
                outcome.action, outcome.reason = "refused", validation_message(error)
            except DomainError as error:
                outcome.action, outcome.reason = "refused", error_message(error)
            self.report.outcomes.append(outcome)

    def _no_formula(self, sheet: Sheet, number: int) -> None:
        for index in sorted(self.mapping):
            found = sheet.formulas.get((number, index))
            if found is None:
                continue
            if found.in_csv:
                raise _Refused(
                    _(
                        "cell %(cell)s begins like a formula; if it is text, put an apostrophe "
                        "before it ('=…)",
                        cell=found.cell,
                    )
                )
            raise _Refused(
                _(
                    "cell %(cell)s holds a formula; paste the list as values (copy, paste "
                    "special → values) and upload it again",
                    cell=found.cell,
                )
            )

    def _row(self, raw: dict[str, str], outcome: Outcome) -> None:
        title = raw.get("title", "")
        if not title:
            raise _Refused(_("the title is empty"))
        number = raw.get("key", "")
        values: dict[str, Any] = {"title": title}
        if "description" in raw:
            values["description"] = raw["description"]
        # Every unknown name of the row is listed before the row is refused.
        self.pending = []
        if "department" in raw:
            values["department_id"] = self._department(raw["department"])
        if "lotse" in raw:
            values["lotse_id"] = self._lotse(raw["lotse"], values.get("department_id"))
        phase_id = self._phase(raw["phase"]) if raw.get("phase") else None
        if self.pending:
            raise _Refused("; ".join(self.pending))
        if "priority" in raw:
            values["priority"] = _priority(raw["priority"])
        if "due_date" in raw:
            values["due_date"] = _date(raw["due_date"])
        if "size" in raw:
            values["size"] = _size(raw["size"])
        if "tags" in raw:
            values["tags"] = sorted(
                {t.strip() for t in re.split(r"[,;]", raw["tags"]) if t.strip()}
            )
        archived = _yes_no(raw["archived"]) if "archived" in raw else None
        card = self._existing(number, title)
        self._once(card, title, outcome.row)
        if "done" in raw:
            phase_id = self._done(_yes_no(raw["done"]), phase_id, card)
        if card is None:
            data = CardCreate(phase_id=phase_id or self.first_phase, **values)
            card = cards.create_card(
                self.session, board_id=self.board_id, data=data, actor=self.actor
            )
            outcome.action, outcome.card_id = "create", card.id
            if archived:
                self._archive(card)
            return
        outcome.card_id = card.id
        # Back on the board before it is moved, off it after.
        restore = archived is False and card.archived
        take_off = archived is True and not card.archived
        if restore:
            cards.restore_card(
                self.session, card_id=card.id or 0, version=card.version, actor=self.actor
            )
        self._update(card, values, phase_id, outcome)
        if take_off:
            self._archive(card)
        if restore or take_off:
            outcome.changed.append("archived")
            outcome.action = "update"

    def _archive(self, card: Card) -> None:
        cards.archive_card(
            self.session, card_id=card.id or 0, version=card.version, actor=self.actor
        )

    def _once(self, card: Card | None, title: str, row: int) -> None:
        """One row per measure: of two rows for the same one (by number, "5" and "05", or by
        title) only the last would stay; of two new ones of one title, which is which?"""
        if card is not None:
            first = self.claimed.setdefault(card.id or 0, row)
            if first != row:
                raise _Refused(_("row %(row)s already changes this measure", row=first))
            return
        first = self.new_titles.setdefault(fold(title), row)
        if first != row:
            raise _Refused(_("the same title is in row %(row)s already", row=first))

    def _done(self, done: bool | None, phase_id: int | None, card: Card | None) -> int | None:
        """The phase a row goes to when it says whether the measure is done."""
        if done is None:
            return phase_id
        if phase_id is not None:
            if done != (phase_id in self.done_phases):
                raise _Refused(_("the phase and the column “done” say different things"))
            return phase_id
        if not done:
            if card is not None and card.phase_id in self.done_phases:
                raise _Refused(
                    _("the measure is done on the board; name the phase it goes back to")
                )
            return None
        if not self.done_phases:
            raise _Refused(_("this board has no phase for done measures"))
        if card is not None and card.phase_id in self.done_phases:
            return card.phase_id
        return self.done_phases[0]

    def _existing(self, key: str, title: str) -> Card | None:
        if key:
            if not re.fullmatch(r"[0-9]{1,10}", key) or int(key) not in self.by_id:
                raise _Refused(_("there is no measure number %(key)s on this board", key=key))
            return self.by_id[int(key)]
        found = self.by_title.get(fold(title), [])
        if len(found) > 1:
            raise _Refused(_("several measures on the board have this title; add their numbers"))
        return found[0] if found else None

    def _update(
        self, card: Card, values: dict[str, Any], phase_id: int | None, outcome: Outcome
    ) -> None:
        current = cards.card_json(card)
        changed = {
            name: value
            for name, value in values.items()
            if _plain(value) != (sorted(current["tags"]) if name == "tags" else current.get(name))
        }
        outcome.changed = sorted(changed)
        if changed:
            data = CardUpdate(version=card.version, **changed)
            cards.update_card(self.session, card_id=card.id or 0, data=data, actor=self.actor)
        if phase_id is not None and phase_id != card.phase_id:
            move = CardMove(phase_id=phase_id, position=100_000, version=card.version)
            cards.move_card(self.session, card_id=card.id or 0, move=move, actor=self.actor)
            outcome.changed.append("phase")
        outcome.action = "update" if outcome.changed else "unchanged"

    def _department(self, name: str) -> int | None:
        if not name:
            return None
        found = self.departments.get(fold(name))
        if found is not None:
            return found
        if not self._missing("department", name):
            return None
        data = DepartmentCreate(name=name, code=self._code(name))
        created = people.create_department(self.session, data=data, actor=self.actor)
        self.departments[fold(name)] = created.id
        self.codes.add(fold(created.code))
        return created.id

    def _code(self, name: str) -> str:
        """A short code no department has: the name's first letters, else with a number."""
        letters = re.sub(r"[^A-Za-zÄÖÜäöü0-9]", "", name).upper() or "FB"
        for length in range(2, 11):
            if fold(letters[:length]) not in self.codes:
                return letters[:length]
        number = 2
        while fold(f"{letters[:7]}{number}") in self.codes:
            number += 1
        return f"{letters[:7]}{number}"

    def _lotse(self, name: str, department_id: int | None) -> int | None:
        if not name:
            return None
        found = self.lotsen.get(fold(name), [])
        if len(found) > 1:
            self.pending.append(_("several lotsen are named “%(name)s”", name=name))
            return None
        if found:
            return found[0]
        if not self._missing("lotse", name):
            return None
        if department_id is None:
            self.pending.append(
                _(
                    "the lotse “%(name)s” is unknown; without a department it cannot be created",
                    name=name,
                )
            )
            return None
        data = LotseCreate(name=name, department_id=department_id)
        created = people.create_lotse(self.session, data=data, actor=self.actor)
        assert created.id is not None
        self.lotsen[fold(name)] = [created.id]
        return created.id

    def _phase(self, name: str) -> int | None:
        found = self.phases.get(fold(name))
        if found is not None:
            return found
        if not self._missing("phase", name):
            return None
        phases = boards.list_phases(self.session, board_id=self.board_id)
        done = [index for index, phase in enumerate(phases) if phase.is_done]
        data = PhaseCreate(name=name, position=done[0] if done else None)
        created: Phase = boards.add_phase(
            self.session, board_id=self.board_id, data=data, actor=self.actor
        )
        assert created.id is not None
        self.phases[fold(name)] = created.id
        return created.id

    def _missing(self, kind: str, name: str) -> bool:
        """List an unknown name; whether to create it (else the row will be refused)."""
        listed = self.report.missing[kind]
        if name not in listed:
            listed.append(name)
        if not self.create_missing:
            labels = {
                "department": _("unknown department “%(name)s”", name=name),
                "lotse": _("unknown lotse “%(name)s”", name=name),
                "phase": _("unknown phase “%(name)s”", name=name),
            }
            self.pending.append(labels[kind])
        return self.create_missing


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _priority(text: str) -> str:
    if not text:
        return "normal"
    found = PRIORITIES.get(fold(text))
    if found is None:
        raise _Refused(_("unknown priority “%(value)s”", value=text))
    return found


def _size(text: str) -> str | None:
    if not text:
        return None
    found = SIZES.get(text.strip().lower())
    if found is None:
        raise _Refused(_("unknown size “%(value)s” (S, M, L or XL)", value=text))
    return found


def _yes_no(text: str) -> bool | None:
    """Yes, no, or nothing said (an empty cell)."""
    if not text:
        return None
    folded = fold(text) or text.strip()
    if folded in YES:
        return True
    if folded in NO:
        return False
    raise _Refused(_("“%(value)s” is neither yes (ja, x) nor no (nein)", value=text))


def _date(text: str) -> date | None:
    if not text:
        return None
    for pattern in ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise _Refused(_("“%(value)s” is not a date (DD.MM.YYYY)", value=text))
