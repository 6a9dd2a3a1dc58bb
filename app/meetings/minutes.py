"""The minutes (Protokoll) of a Lotsentreffen: who came, and per point its notes, decisions and
action items; final when the meeting is closed, each later correction a new version."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.boards.models import Board
from app.events import names
from app.events.models import Event
from app.meetings import sitting
from app.meetings.models import EntryKind, ItemKind, MeetingEntry, MeetingRun
from app.meetings.sitting import Plan
from app.people.models import Department, Lotse
from app.settings import ROOT_DIR
from app.web.i18n import date_format, datetime_format, when_format
from app.web.i18n import gettext as _

STATIC_DIR = ROOT_DIR / "static"
CORRECTIONS = (
    names.MEETING_ENTRY_ADDED,
    names.MEETING_ENTRY_CORRECTED,
    names.MEETING_ENTRY_REMOVED,
    names.MEETING_ATTENDANCE,
)


@dataclass
class Minutes:
    plan: Plan
    run: MeetingRun
    present: list[Lotse]
    moderator: str | None
    lotsen: dict[int, Lotse]
    departments: dict[int, Department]
    corrections: list[Event] = field(default_factory=list)  # after closing, oldest first

    @property
    def final(self) -> bool:
        return self.run.minutes_version > 0

    def who(self, entry: MeetingEntry) -> str:
        lotse = self.lotsen.get(entry.lotse_id or 0)
        return lotse.name if lotse else "–"


def build(session: Session, *, board: Board, day: date) -> Minutes | None:
    """The minutes of a Lotsentreffen held in meeting mode (None if it was not)."""
    found = sitting.plan(session, board=board, day=day)
    run = found.run
    if run is None or run.started_at is None:
        return None
    lotsen = {x.id: x for x in session.exec(select(Lotse)).all() if x.id is not None}
    departments = {d.id: d for d in session.exec(select(Department)).all() if d.id is not None}
    present = sorted((lotsen[i] for i in run.present if i in lotsen), key=lambda x: x.name)
    moderator = session.get(User, run.moderator_id) if run.moderator_id else None
    corrections: list[Event] = []
    if run.closed_at is not None:
        logged = session.exec(
            select(Event)
            .where(Event.board_id == board.id, col(Event.type).in_(CORRECTIONS))
            .where(col(Event.created_at) > run.closed_at)
            .order_by(col(Event.seq))
        ).all()
        corrections = [e for e in logged if (e.payload or {}).get("day") == day.isoformat()]
    return Minutes(
        found,
        run,
        present,
        moderator.name if moderator else None,
        lotsen,
        departments,
        corrections,
    )


def correction_text(minutes: Minutes, event: Event) -> str:
    """One correction after closing, as a sentence."""
    payload = event.payload or {}
    version = payload.get("minutes_version")
    if event.type == names.MEETING_ATTENDANCE:
        lotse = minutes.lotsen.get(payload.get("lotse_id") or 0)
        name = lotse.name if lotse else "–"
        what = (
            _("%(name)s added as present", name=name)
            if payload.get("present")
            else _("%(name)s taken off the attendance", name=name)
        )
    elif event.type == names.MEETING_ENTRY_ADDED:
        what = _("Entry added: %(text)s", text=(payload.get("entry") or {}).get("text", ""))
    elif event.type == names.MEETING_ENTRY_REMOVED:
        what = _("Entry taken out: %(text)s", text=(payload.get("entry") or {}).get("text", ""))
    else:
        what = _(
            "Corrected from “%(before)s” to “%(after)s”",
            before=(payload.get("before") or {}).get("text", ""),
            after=(payload.get("entry") or {}).get("text", ""),
        )
    return _(
        "Version %(version)s, %(when)s, %(actor)s: %(what)s",
        version=version,
        when=datetime_format(event.created_at, "short"),
        actor=event.actor,
        what=what,
    )


def kind_label(kind: EntryKind | str) -> str:
    return {
        "note": _("Note"),
        "decision": _("Decision"),
        "action": _("Action item"),
    }.get(str(kind), str(kind))


def as_markdown(minutes: Minutes, *, kommune: str, base_url: str) -> str:
    found, run = minutes.plan, minutes.run
    base = base_url.rstrip("/")
    lines = [
        "# "
        + _("Minutes of the Lotsentreffen on %(when)s", when=when_format(found.meeting.starts_at))
    ]
    lines += ["", " · ".join(x for x in (kommune, found.board.name) if x)]
    if minutes.final:
        assert run.closed_at is not None
        lines += [
            "",
            _(
                "Version %(version)s. Closed on %(when)s by %(name)s.",
                version=run.minutes_version,
                when=datetime_format(run.closed_at, "short"),
                name=run.closed_by or "",
            ),
        ]
    else:
        lines += ["", _("The meeting is in progress: these minutes are not final.")]
    lines += ["", f"## {_('Present')}", ""]
    lines += [
        f"- {x.name} ({minutes.departments[x.department_id].name})"
        if x.department_id in minutes.departments
        else f"- {x.name}"
        for x in minutes.present
    ] or [_("Nobody was ticked present.")]
    if minutes.moderator:
        lines += ["", f"{_('Moderator')}: {minutes.moderator}"]
    lines += ["", f"## {_('Agenda')}"]
    for number, point in enumerate(found.points, start=1):
        head = f"### {number}. {point.title}"
        if point.item.minutes:
            head += f" ({point.item.minutes} {_('min.')})"
        lines += ["", head]
        for merged in point.merged:
            lines.append(f"- {_('Also')}: {merged.title}")
        if minutes.final and not point.item.reached:
            carried = point.item.kind in (ItemKind.topic, ItemKind.carried)
            lines.append(
                _("Not reached; carried over to the next Lotsentreffen.")
                if carried
                else _("Not reached.")
            )
        for entry in point.entries:
            text = entry.text.replace("\n", " ")
            line = f"- **{kind_label(entry.kind)}:** {text}"
            if entry.kind == EntryKind.action:
                line += " – " + _(
                    "%(name)s, by %(date)s",
                    name=minutes.who(entry),
                    date=date_format(entry.due_date, "medium") if entry.due_date else "–",
                )
                if entry.result_card_id:
                    line += f" ({base}/cards/{entry.result_card_id})"
            lines.append(line)
    if minutes.corrections:
        lines += ["", f"## {_('Corrections after closing')}", ""]
        lines += [f"- {correction_text(minutes, e)}" for e in minutes.corrections]
    return "\n".join(lines) + "\n"


def _local(url: str) -> str | None:
    """The file an address of the app's own static files names (None for anything else)."""
    path = urlsplit(url).path
    marker = "/static/"
    if not path.startswith(marker):
        return None
    found = (STATIC_DIR / unquote(path[len(marker) :])).resolve()
    return found.as_uri() if STATIC_DIR.resolve() in found.parents and found.is_file() else None


def as_pdf(html: str) -> bytes:
    """The minutes page, printed to A4 on the server (for filing in the e-Akte)."""
    # Imported on use: it loads its system libraries (Pango) when first needed.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class StaticOnly(URLFetcher):
        """The PDF may load the app's own stylesheets and icons, nothing from anywhere else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            local = _local(url)
            if local is None:
                raise ValueError(f"not loaded into the minutes: {url}")
            return super().fetch(local, headers)

    pdf = HTML(string=html, base_url=STATIC_DIR.parent.as_uri() + "/", url_fetcher=StaticOnly())
    return bytes(pdf.write_pdf())
