"""The demo's Lotsentreffen held so far: each begun at its time, stepped through point by point
with notes, decisions and action items, attendance ticked, closed; minutes for every one."""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session

from app.boards.models import Board
from app.boards.service import get_board
from app.meetings import service as meetings
from app.meetings import sitting
from app.meetings.models import EntryKind, ItemKind
from app.people import service as people

CDO = "Dana Weber (CDO)"
STEP = timedelta(minutes=9)
POINTS = 6  # the meeting runs out of time after six points: the rest carries over or comes anew

NOTES = (
    "Stand vorgestellt; keine Einwände.",
    "Rückfragen zur Finanzierung geklärt.",
    "Fachbereich meldet Engpass bei den Stellen bis März.",
    "Der Hersteller liefert das Update erst im nächsten Quartal.",
    "Erste Rückmeldungen aus dem Bürgerbüro sind positiv.",
)
DECISIONS = (
    "Der Pilot wird bis zum Ende des Quartals verlängert.",
    "Vor dem Start wird eine Datenschutz-Folgenabschätzung eingeholt.",
    "Schulungen für alle Sachbearbeitenden finden im Januar statt.",
    "Die Maßnahme wird im nächsten Lotsentreffen erneut vorgestellt.",
    "Die Kosten trägt das Budget der Digitalisierung.",
)
ACTIONS = (
    "Termin mit dem Personalrat vereinbaren",
    "Kosten beim Rechenzentrum erfragen",
    "Entwurf der Dienstanweisung abstimmen",
    "Rückmeldung des Fachverfahrensherstellers einholen",
    "Schulungstermine mit der Fortbildung planen",
)


@dataclass
class Held:
    """One past Lotsentreffen as a timeline: begun, up to six points, closed, each step at its
    own time, so the log stays in time order with what the lotsen did meanwhile."""

    board_id: int
    day: date
    starts_at: datetime
    rng: random.Random
    steps: list[tuple[float, str]] = field(default_factory=list)
    version: int = 0
    noted: bool = False

    def act(self, session: Session, step: int) -> None:
        board = get_board(session, board_id=self.board_id)
        action = self.steps[step][1]
        if action == "begin":
            found = sitting.start(session, board=board, day=self.day, actor=CDO)
            for lotse in people.list_lotsen(session):
                if lotse.active and self.rng.random() < 0.8:
                    sitting.attend(
                        session, board=board, day=self.day, lotse_id=lotse.id or 0,
                        present=True, actor=CDO,
                    )  # fmt: skip
            if found.current is not None:
                self._record(session, board, found.current)
        elif action == "close":
            sitting.close(
                session, board=board, day=self.day, version=self._version(session), actor=CDO
            )
        else:
            points = sitting.plan(session, board=board, day=self.day).points
            index = int(action)
            if index >= len(points):
                return
            sitting.step(
                session, board=board, day=self.day, key=points[index].key,
                version=self._version(session), actor=CDO,
            )  # fmt: skip
            self._record(session, board, points[index])

    def _version(self, session: Session) -> int:
        run = sitting.get_run(session, board_id=self.board_id, day=self.day)
        assert run is not None
        return run.version

    def _record(self, session: Session, board: Board, point: sitting.Point) -> None:
        if point.item.kind == ItemKind.actions:
            for entry in point.actions:
                if self.rng.random() < 0.7:
                    sitting.action_done(
                        session, board=board, entry_id=entry.id or 0, done=True, actor=CDO
                    )
            return

        def add(kind: EntryKind, text: str, lotse_id: int | None = None) -> None:
            due = self.day + timedelta(days=14) if kind == EntryKind.action else None
            sitting.add_entry(
                session, board=board, day=self.day, key=point.key, kind=kind, text=text,
                lotse_id=lotse_id, due_date=due, actor=CDO,
            )  # fmt: skip

        # Every sitting's minutes hold at least one note: its first point discussed gets one.
        if self.rng.random() < 0.7 or not self.noted:
            add(EntryKind.note, self.rng.choice(NOTES))
            self.noted = True
        if self.rng.random() < 0.4:
            add(EntryKind.decision, self.rng.choice(DECISIONS))
        lotsen = [x for x in people.list_lotsen(session) if x.active]
        here = [x.id for x in lotsen if x.department_id == point.item.department_id]
        candidates = here or [x.id for x in lotsen]
        if candidates and self.rng.random() < 0.35:
            add(EntryKind.action, self.rng.choice(ACTIONS), self.rng.choice(candidates))


def past_meetings(
    session: Session,
    *,
    board_id: int,
    since: date,
    now: datetime,
    share_of: Callable[[datetime], float],
) -> list[Held]:
    """The Lotsentreffen of the rhythm between `since` and now, each at its place in time."""
    found = []
    for occurrence in meetings.occurrences(session, board_id=board_id, start=since, end=now.date()):
        ends = occurrence.starts_at + timedelta(hours=2)
        if occurrence.cancelled or ends > now:
            continue
        rng = random.Random(f"treffen-{occurrence.day.isoformat()}")
        held = Held(board_id, occurrence.day, occurrence.starts_at, rng)
        moments = [occurrence.starts_at + STEP * k for k in range(POINTS + 1)]
        held.steps = [
            (share_of(moments[0]), "begin"),
            *[(share_of(moments[k]), str(k)) for k in range(1, POINTS)],
            (share_of(moments[POINTS]), "close"),
        ]
        found.append(held)
    return found
