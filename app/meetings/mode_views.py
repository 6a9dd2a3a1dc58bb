"""Pages of a Lotsentreffen as it is held: arranging the agenda, meeting mode, the minutes."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter
from sqlmodel import Session

from app.accounts import service as accounts
from app.accounts.access import Admin, Editor, Principal, Reader
from app.accounts.models import Role
from app.annotations import queries as annotation_queries
from app.boards.models import Board
from app.boards.service import list_phases
from app.cards.models import Card
from app.db import SessionDep, ident
from app.errors import InvalidInput
from app.meetings import minutes as protocol
from app.meetings import sitting
from app.meetings.models import POINT_KEY, EntryKind
from app.people import service as people
from app.types import Id, PathId
from app.web.deps import BoardDep
from app.web.forms import run_form
from app.web.htmx import render
from app.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)

Key = Annotated[str, Form(pattern=POINT_KEY, max_length=12)]
Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=20)]
Version = Annotated[int, Form(ge=0, le=1_000_000)]
_ID = TypeAdapter(Id)
_DAY = TypeAdapter(date)


def _optional_id(value: str, field: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return _ID.validate_python(value)
    except ValueError:
        raise InvalidInput(field, "number %(id)s does not exist", id=value) from None


def _optional_day(value: str, field: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return _DAY.validate_python(value)
    except ValueError:
        raise InvalidInput(field, "not a date: %(value)s", value=value) from None


def _text(value: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput("text", "cannot be empty")
    if any(ord(c) < 32 and c not in "\n\t\r" for c in value):
        raise InvalidInput("text", "contains control characters")
    return value


def _page(
    request: Request,
    session: Session,
    board: Board,
    day: date,
    principal: Principal,
    *,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    found = sitting.plan(session, board=board, day=day)
    board_id = ident(board)
    runner = sitting.may_run(session, principal, board_id=board_id, day=day)
    departments = {d.id: d for d in people.list_departments(session)}
    lotsen = [x for x in people.list_lotsen(session) if x.active]
    context: dict[str, Any] = {
        "plan": found,
        "board": board,
        "runner": runner,
        "departments": departments,
        "lotsen": lotsen,
        "lotsen_by_id": {x.id: x for x in people.list_lotsen(session)},
        "phases": list_phases(session, board_id=board_id),
        "moderators": [
            u
            for u in accounts.list_users(session)
            if u.active and u.role in (Role.admin, Role.lotse)
        ],
        "open_annotations": annotation_queries.open_for_cards(
            session, card_ids=[i for p in found.points for i in p.card_ids]
        ),
        "error": error,
        "typed": typed or {},
        "kind_label": protocol.kind_label,
        "measures": [session.get(Card, i) for i in found.current.card_ids] if found.current else [],
    }
    return render(request, "meetings/session.html", context, block="session", status_code=status)


@dataclass
class MeetingPost:
    """A form post to a Lotsentreffen: run the change, then back to meeting mode, or meeting
    mode again with the reason."""

    request: Request
    session: Session
    board: Board
    day: date
    principal: Principal

    @property
    def actor(self) -> str:
        return self.principal.name

    def run(
        self,
        action: Callable[[], object],
        *,
        runner: bool = True,
        typed: dict[str, str] | None = None,
        anchor: str = "",
        done: str | None = None,
    ) -> Response:
        """`runner`: only admins and the meeting's moderator may do this."""

        def checked() -> object:
            if runner:
                sitting.check_runner(
                    self.session, self.principal, board_id=ident(self.board), day=self.day
                )
            return action()

        here = f"/boards/{ident(self.board)}/treffen/{self.day.isoformat()}"
        return run_form(
            self.session,
            checked,
            done=done or f"{here}/sitzung{anchor}",
            refused=lambda error, status: _page(
                self.request,
                self.session,
                self.board,
                self.day,
                self.principal,
                error=error,
                status=status,
                typed=typed,
            ),
        )


def _form(
    request: Request, board: BoardDep, session: SessionDep, principal: Editor, day: date
) -> MeetingPost:
    return MeetingPost(request, session, board, day, principal)


Posted = Annotated[MeetingPost, Depends(_form)]


@router.get("/boards/{board_id}/treffen/{day}/sitzung", response_class=HTMLResponse)
def session_page(
    request: Request, board: BoardDep, session: SessionDep, principal: Reader, day: date
) -> HTMLResponse:
    """Meeting mode: the agenda in order, the current point, attendance and the minutes'
    entries; admins and the moderator arrange, begin, step and close."""
    return _page(request, session, board, day, principal)


@router.post("/boards/{board_id}/treffen/{day}/punkte/verschieben")
def move_form(form: Posted, key: Key, step: Annotated[int, Form(ge=-50, le=50)]) -> Response:
    """A point one place up or down (before the meeting)."""
    return form.run(
        lambda: sitting.move(
            form.session, board=form.board, day=form.day, key=key, step=step, actor=form.actor
        ),
        anchor="#ablauf",
    )


@router.post("/boards/{board_id}/treffen/{day}/punkte/zeit")
def timebox_form(form: Posted, key: Key, minutes: Short = "") -> Response:
    """How many minutes a point gets (empty: no limit)."""

    def action() -> object:
        given = minutes.strip()
        if given and (not given.isdigit() or not 1 <= int(given) <= 240):
            raise InvalidInput("minutes", "give between 1 and 240 minutes")
        return sitting.timebox(
            form.session,
            board=form.board,
            day=form.day,
            key=key,
            minutes=int(given) if given else None,
            actor=form.actor,
        )

    return form.run(action, anchor="#ablauf")


@router.post("/boards/{board_id}/treffen/{day}/punkte/zusammenfuehren")
def merge_form(form: Posted, key: Key, into: Key) -> Response:
    """Take one point into another."""
    return form.run(
        lambda: sitting.merge(
            form.session, board=form.board, day=form.day, key=key, into=into, actor=form.actor
        ),
        anchor="#ablauf",
    )


@router.post("/boards/{board_id}/treffen/{day}/punkte/entfernen")
def drop_form(form: Posted, key: Key) -> Response:
    """Take a point off the agenda."""
    return form.run(
        lambda: sitting.drop(
            form.session, board=form.board, day=form.day, key=key, actor=form.actor
        ),
        anchor="#ablauf",
    )


@router.post("/boards/{board_id}/treffen/{day}/moderation")
def moderator_form(form: Posted, _admin: Admin, moderator_id: Short = "") -> Response:
    """Who besides the admins runs this Lotsentreffen."""
    return form.run(
        lambda: sitting.set_moderator(
            form.session,
            board=form.board,
            day=form.day,
            user_id=_optional_id(moderator_id, "moderator_id"),
            actor=form.actor,
        )
    )


@router.post("/boards/{board_id}/treffen/{day}/beginnen")
def start_form(form: Posted) -> Response:
    """Begin the meeting: the agenda is fixed, the screen follows."""
    return form.run(
        lambda: sitting.start(form.session, board=form.board, day=form.day, actor=form.actor)
    )


@router.post("/boards/{board_id}/treffen/{day}/zeigen")
def step_form(form: Posted, key: Key, version: Version) -> Response:
    """Show this point (next, previous, or any other) on every screen."""
    return form.run(
        lambda: sitting.step(
            form.session,
            board=form.board,
            day=form.day,
            key=key,
            version=version,
            actor=form.actor,
        )
    )


@router.post("/boards/{board_id}/treffen/{day}/schliessen")
def close_form(form: Posted, version: Version) -> Response:
    """Close the meeting: the minutes are final."""
    return form.run(
        lambda: sitting.close(
            form.session, board=form.board, day=form.day, version=version, actor=form.actor
        ),
        done=f"/boards/{ident(form.board)}/treffen/{form.day.isoformat()}/protokoll",
    )


@router.post("/boards/{board_id}/treffen/{day}/anwesenheit")
def attendance_form(
    form: Posted, lotse_id: Annotated[int, Form(ge=1, le=2**31 - 1)], present: Short = ""
) -> Response:
    """Tick a lotse present, or not."""
    return form.run(
        lambda: sitting.attend(
            form.session,
            board=form.board,
            day=form.day,
            lotse_id=lotse_id,
            present=present == "true",
            actor=form.actor,
        ),
        anchor="#anwesenheit",
    )


@router.post("/boards/{board_id}/treffen/{day}/eintraege")
def entry_form(
    form: Posted,
    key: Key,
    kind: Annotated[EntryKind, Form()],
    text: Text,
    lotse_id: Short = "",
    due_date: Short = "",
) -> Response:
    """A note (lotsen and admins), a decision or an action item (who runs the meeting)."""
    typed = {"text": text, "kind": kind.value, "lotse_id": lotse_id, "due_date": due_date}
    runner = sitting.may_run(form.session, form.principal, board_id=ident(form.board), day=form.day)
    return form.run(
        lambda: sitting.add_entry(
            form.session,
            board=form.board,
            day=form.day,
            key=key,
            kind=kind,
            text=_text(text),
            lotse_id=_optional_id(lotse_id, "lotse_id"),
            due_date=_optional_day(due_date, "due_date"),
            actor=form.actor,
        ),
        runner=not sitting.may_record(kind, runner=runner),
        typed=typed,
        anchor="#eintraege",
    )


@router.post("/boards/{board_id}/treffen/{day}/eintraege/{entry_id}/berichtigen")
def correct_form(
    form: Posted, entry_id: PathId, text: Text, lotse_id: Short = "", due_date: Short = ""
) -> Response:
    """Correct an entry; after closing, the minutes get a new version."""
    return form.run(
        lambda: sitting.correct_entry(
            form.session,
            board=form.board,
            entry_id=entry_id,
            text=_text(text),
            lotse_id=_optional_id(lotse_id, "lotse_id"),
            due_date=_optional_day(due_date, "due_date"),
            actor=form.actor,
        ),
        anchor="#eintraege",
    )


@router.post("/boards/{board_id}/treffen/{day}/eintraege/{entry_id}/entfernen")
def remove_entry_form(form: Posted, entry_id: PathId) -> Response:
    """Take an entry out of the minutes (kept in the log)."""
    return form.run(
        lambda: sitting.remove_entry(
            form.session, board=form.board, entry_id=entry_id, actor=form.actor
        ),
        anchor="#eintraege",
    )


@router.post("/boards/{board_id}/treffen/{day}/eintraege/{entry_id}/massnahme")
def action_card_form(form: Posted, entry_id: PathId, phase_id: Short = "") -> Response:
    """The action item becomes a new measure."""
    return form.run(
        lambda: sitting.action_to_card(
            form.session,
            board=form.board,
            entry_id=entry_id,
            phase_id=_optional_id(phase_id, "phase_id"),
            actor=form.actor,
        ),
        anchor="#eintraege",
    )


@router.post("/boards/{board_id}/treffen/{day}/eintraege/{entry_id}/naechster-schritt")
def action_step_form(
    form: Posted, entry_id: PathId, annotation_id: Annotated[int, Form(ge=1, le=2**31 - 1)]
) -> Response:
    """The action item becomes the next step of an open concern or resistance."""
    return form.run(
        lambda: sitting.action_to_next_step(
            form.session,
            board=form.board,
            entry_id=entry_id,
            annotation_id=annotation_id,
            actor=form.actor,
        ),
        anchor="#eintraege",
    )


@router.post("/boards/{board_id}/treffen/{day}/eintraege/{entry_id}/erledigt")
def action_done_form(form: Posted, entry_id: PathId, done: Short = "") -> Response:
    """Tick an action item of an earlier meeting done (or open again)."""
    return form.run(
        lambda: sitting.action_done(
            form.session, board=form.board, entry_id=entry_id, done=done == "true", actor=form.actor
        ),
        anchor="#ablauf",
    )


def _minutes_context(
    request: Request, session: Session, board: Board, day: date
) -> dict[str, Any] | None:
    found = protocol.build(session, board=board, day=day)
    if found is None:
        return None
    return {
        "minutes": found,
        "plan": found.plan,
        "board": board,
        "kommune": request.app.state.settings.kommune,
        "kind_label": protocol.kind_label,
        "correction_text": protocol.correction_text,
    }


def _not_held(request: Request, board: Board, day: date) -> HTMLResponse:
    context = {
        "board": board,
        "message": _("This Lotsentreffen was not held in meeting mode: it has no minutes."),
        "back": f"/boards/{ident(board)}/treffen/{day.isoformat()}/sitzung",
    }
    return render(request, "meetings/no_minutes.html", context, status_code=404)


@router.get("/boards/{board_id}/treffen/{day}/protokoll", response_class=HTMLResponse)
def minutes_page(
    request: Request, board: BoardDep, session: SessionDep, principal: Reader, day: date
) -> Response:
    """The minutes, to read and to print on A4."""
    context = _minutes_context(request, session, board, day)
    if context is None:
        return _not_held(request, board, day)
    return render(request, "meetings/minutes.html", context)


@router.get("/boards/{board_id}/treffen/{day}/protokoll.md")
def minutes_markdown(
    request: Request, board: BoardDep, session: SessionDep, principal: Reader, day: date
) -> Response:
    """The minutes as Markdown."""
    found = protocol.build(session, board=board, day=day)
    if found is None:
        return _not_held(request, board, day)
    settings = request.app.state.settings
    body = protocol.as_markdown(found, kommune=settings.kommune, base_url=settings.base_url)
    return Response(
        body,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="protokoll-{day.isoformat()}.md"'},
    )


@router.get("/boards/{board_id}/treffen/{day}/protokoll.pdf")
def minutes_pdf(
    request: Request, board: BoardDep, session: SessionDep, principal: Reader, day: date
) -> Response:
    """The minutes as PDF, for filing."""
    context = _minutes_context(request, session, board, day)
    if context is None:
        return _not_held(request, board, day)
    context["pdf"] = True
    page = render(request, "meetings/minutes.html", context)
    body = protocol.as_pdf(bytes(page.body).decode("utf-8"))
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="protokoll-{day.isoformat()}.pdf"'},
    )
