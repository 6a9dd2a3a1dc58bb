"""JSON routes for a Lotsentreffen as it is held: agenda order, meeting mode, minutes entries.

Admins and the meeting's moderator arrange and run it; lotsen add notes; everyone who may read
the board reads it. Points are named by their key (see app.meetings.sitting)."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from sqlmodel import Session

from app.accounts.access import Admin, Editor, Principal
from app.boards.models import Board
from app.db import SessionDep, ident
from app.errors import NotFound
from app.meetings import sitting
from app.meetings.models import (
    POINT_KEY,
    ActionDone,
    ActionToCard,
    ActionToNextStep,
    AttendanceSet,
    EntryCorrect,
    EntryCreate,
    EntryRead,
    MeetingModeRead,
    ModeratorSet,
    PointChange,
    PointOrder,
    PointRead,
    RunState,
    RunVersion,
    StepTo,
)
from app.people.models import Lotse
from app.types import PathId
from app.web.deps import BoardDep

router = APIRouter(tags=["meetings"])

KeyPath = Annotated[str, Path(pattern=POINT_KEY, max_length=12)]
STALE: dict[int | str, dict[str, Any]] = {
    409: {"description": "The meeting moved on (stale `version`), or its state forbids this."}
}


def read(session: Session, board: Board, day: date) -> MeetingModeRead:
    found = sitting.plan(session, board=board, day=day)
    run = found.run

    def entries(items: list[Any]) -> list[EntryRead]:
        return [EntryRead.model_validate(e) for e in items]

    return MeetingModeRead(
        day=day,
        state=RunState(found.state),
        version=run.version if run else 0,
        moderator_id=run.moderator_id if run else None,
        started_at=run.started_at if run else None,
        closed_at=run.closed_at if run else None,
        current=found.current.key if found.current else None,
        present=list(run.present) if run else [],
        minutes_version=run.minutes_version if run else 0,
        points=[
            PointRead(
                key=p.key,
                kind=p.item.kind,
                title=p.title,
                minutes=p.item.minutes,
                merged=[m.title for m in p.merged],
                reached=p.item.reached,
                card_ids=p.card_ids,
                entries=entries(p.entries),
                open_actions=entries(p.actions),
            )
            for p in found.points
        ],
    )


def _runner(session: Session, principal: Principal, board: Board, day: date) -> None:
    sitting.check_runner(session, principal, board_id=ident(board), day=day)


@router.get("/boards/{board_id}/meetings/{day}/session", response_model=MeetingModeRead)
def meeting_mode(board: BoardDep, day: date, session: SessionDep) -> object:
    """The Lotsentreffen planned for `day` as it is held: points in order with their notes,
    decisions and action items; the current point; who is present; the minutes' version."""
    return read(session, board, day)


@router.put("/boards/{board_id}/meetings/{day}/order", response_model=MeetingModeRead)
def arrange(
    board: BoardDep, day: date, data: PointOrder, session: SessionDep, principal: Editor
) -> object:
    """Put the points in this order (every key once), before the meeting begins."""
    _runner(session, principal, board, day)
    sitting.arrange(session, board=board, day=day, order=data.order, actor=principal.name)
    return read(session, board, day)


@router.patch("/boards/{board_id}/meetings/{day}/points/{key}", response_model=MeetingModeRead)
def change_point(
    board: BoardDep,
    day: date,
    key: KeyPath,
    data: PointChange,
    session: SessionDep,
    principal: Editor,
) -> object:
    """Time-box a point (`minutes`, null for none) or merge it into another (`merge_into`)."""
    _runner(session, principal, board, day)
    if data.merge_into is not None:
        sitting.merge(
            session, board=board, day=day, key=key, into=data.merge_into, actor=principal.name
        )
    if "minutes" in data.model_fields_set:
        target = data.merge_into or key
        sitting.timebox(
            session, board=board, day=day, key=target, minutes=data.minutes, actor=principal.name
        )
    return read(session, board, day)


@router.delete("/boards/{board_id}/meetings/{day}/points/{key}", status_code=204)
def drop_point(
    board: BoardDep, day: date, key: KeyPath, session: SessionDep, principal: Editor
) -> Response:
    """Take a point off the agenda before the meeting begins (it stays in the log)."""
    _runner(session, principal, board, day)
    sitting.drop(session, board=board, day=day, key=key, actor=principal.name)
    return Response(status_code=204)


@router.put("/boards/{board_id}/meetings/{day}/moderator", response_model=MeetingModeRead)
def set_moderator(
    board: BoardDep, day: date, data: ModeratorSet, session: SessionDep, principal: Admin
) -> object:
    """Who besides the admins runs this Lotsentreffen (null: only the admins)."""
    sitting.set_moderator(session, board=board, day=day, user_id=data.user_id, actor=principal.name)
    return read(session, board, day)


@router.post(
    "/boards/{board_id}/meetings/{day}/start", response_model=MeetingModeRead, responses=STALE
)
def start(board: BoardDep, day: date, session: SessionDep, principal: Editor) -> object:
    """Begin the meeting (at most two hours early): the agenda is fixed, screens follow."""
    _runner(session, principal, board, day)
    sitting.start(session, board=board, day=day, actor=principal.name)
    return read(session, board, day)


@router.post(
    "/boards/{board_id}/meetings/{day}/step", response_model=MeetingModeRead, responses=STALE
)
def step(
    board: BoardDep, day: date, data: StepTo, session: SessionDep, principal: Editor
) -> object:
    """Show the point `key`, naming the meeting's `version` seen."""
    _runner(session, principal, board, day)
    sitting.step(
        session, board=board, day=day, key=data.key, version=data.version, actor=principal.name
    )
    return read(session, board, day)


@router.post(
    "/boards/{board_id}/meetings/{day}/close", response_model=MeetingModeRead, responses=STALE
)
def close(
    board: BoardDep, day: date, data: RunVersion, session: SessionDep, principal: Editor
) -> object:
    """Close the meeting: its minutes are final (version 1)."""
    _runner(session, principal, board, day)
    sitting.close(session, board=board, day=day, version=data.version, actor=principal.name)
    return read(session, board, day)


@router.put(
    "/boards/{board_id}/meetings/{day}/attendance/{lotse_id}", response_model=MeetingModeRead
)
def attend(
    board: BoardDep,
    day: date,
    lotse_id: PathId,
    data: AttendanceSet,
    session: SessionDep,
    principal: Editor,
) -> object:
    """Tick a lotse present or not (after closing, a new version of the minutes)."""
    _runner(session, principal, board, day)
    if session.get(Lotse, lotse_id) is None:
        raise NotFound("lotse", lotse_id)
    sitting.attend(
        session,
        board=board,
        day=day,
        lotse_id=lotse_id,
        present=data.present,
        actor=principal.name,
    )
    return read(session, board, day)


@router.post("/boards/{board_id}/meetings/{day}/entries", response_model=EntryRead, status_code=201)
def add_entry(
    board: BoardDep, day: date, data: EntryCreate, session: SessionDep, principal: Editor
) -> object:
    """A note (lotsen too), a decision or an action item (who runs the meeting) on a point."""
    runner = sitting.may_run(session, principal, board_id=ident(board), day=day)
    if not sitting.may_record(data.kind, runner=runner):
        _runner(session, principal, board, day)
    return sitting.add_entry(
        session,
        board=board,
        day=day,
        key=data.key,
        kind=data.kind,
        text=data.text,
        lotse_id=data.lotse_id,
        due_date=data.due_date,
        actor=principal.name,
    )


def _entry_day(session: Session, board: Board, entry_id: int) -> date:
    return sitting.entry_of(session, board=board, entry_id=entry_id).day


@router.patch("/boards/{board_id}/meeting-entries/{entry_id}", response_model=EntryRead)
def correct_entry(
    board: BoardDep, entry_id: PathId, data: EntryCorrect, session: SessionDep, principal: Editor
) -> object:
    """Correct an entry: a new entry replaces it (the old one is kept); after closing the
    minutes get a new version."""
    _runner(session, principal, board, _entry_day(session, board, entry_id))
    return sitting.correct_entry(
        session,
        board=board,
        entry_id=entry_id,
        text=data.text,
        lotse_id=data.lotse_id,
        due_date=data.due_date,
        actor=principal.name,
    )


@router.delete("/boards/{board_id}/meeting-entries/{entry_id}", status_code=204)
def remove_entry(
    board: BoardDep, entry_id: PathId, session: SessionDep, principal: Editor
) -> Response:
    """Take an entry out of the minutes (kept in the log; after closing, a new version)."""
    _runner(session, principal, board, _entry_day(session, board, entry_id))
    sitting.remove_entry(session, board=board, entry_id=entry_id, actor=principal.name)
    return Response(status_code=204)


@router.post("/boards/{board_id}/meeting-entries/{entry_id}/card", status_code=201, responses=STALE)
def action_to_card(
    board: BoardDep, entry_id: PathId, data: ActionToCard, session: SessionDep, principal: Editor
) -> dict[str, int]:
    """The action item becomes a new measure (default: in the first phase)."""
    _runner(session, principal, board, _entry_day(session, board, entry_id))
    card = sitting.action_to_card(
        session, board=board, entry_id=entry_id, phase_id=data.phase_id, actor=principal.name
    )
    return {"card_id": ident(card)}


@router.post("/boards/{board_id}/meeting-entries/{entry_id}/next-step", responses=STALE)
def action_to_next_step(
    board: BoardDep,
    entry_id: PathId,
    data: ActionToNextStep,
    session: SessionDep,
    principal: Editor,
) -> dict[str, int]:
    """The action item becomes the next step of an open concern or resistance of this board."""
    _runner(session, principal, board, _entry_day(session, board, entry_id))
    sitting.action_to_next_step(
        session,
        board=board,
        entry_id=entry_id,
        annotation_id=data.annotation_id,
        actor=principal.name,
    )
    return {"annotation_id": data.annotation_id}


@router.put("/boards/{board_id}/meeting-entries/{entry_id}/done", response_model=EntryRead)
def action_done(
    board: BoardDep, entry_id: PathId, data: ActionDone, session: SessionDep, principal: Editor
) -> object:
    """Tick an action item done, or open again (open ones come to the next meeting)."""
    _runner(session, principal, board, _entry_day(session, board, entry_id))
    return sitting.action_done(
        session, board=board, entry_id=entry_id, done=data.done, actor=principal.name
    )
