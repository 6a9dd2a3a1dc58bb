"""The digest's text part: plain text a mail program shows as it is (Markdown-like)."""

from app.digest.content import Digest
from app.meetings.agenda import department_markdown
from app.reports.presentation import summary_text
from app.web.i18n import date_format, ngettext, when_format
from app.web.i18n import gettext as _


def subject(digest: Digest) -> str:
    """E.g. "Wochenübersicht KW 48: 3 neue Maßnahmen, 2 offene Widerstände"."""
    head = _("Weekly summary, week %(number)s", number=digest.week.number)
    if digest.empty:
        return head + ": " + _("nothing new")
    counts = [
        ngettext("%(num)s new measure", "%(num)s new measures", digest.new_measures),
        ngettext("%(num)s open resistance", "%(num)s open resistances", digest.open_resistances),
    ]
    return head + ": " + ", ".join(counts)


def as_text(digest: Digest, *, base_url: str, settings_url: str) -> str:
    base = base_url.rstrip("/")
    week = digest.week
    period = _(
        "week %(number)s, %(start)s to %(end)s",
        number=week.number,
        start=date_format(week.monday, "medium"),
        end=date_format(week.sunday, "medium"),
    )
    lines = [
        _("Hello %(name)s,", name=digest.name),
        "",
        _("here is the weekly summary of Lotsenboard for %(period)s.", period=period),
    ]
    if digest.empty:
        lines += ["", _("Nothing new happened on your boards this week.")]
    for part in digest.boards:
        lines += ["", "", f"# {part.board.name}", f"{base}/boards/{part.board.id}"]
        if part.next_meeting is not None:
            when = when_format(part.next_meeting.starts_at)
            lines.append(_("Next Lotsentreffen: %(when)s", when=when))
        if part.flow is not None:
            lines.append(_("On the whole board: %(flow)s", flow=summary_text(part.flow)))
        if part.empty:
            lines += ["", _("Nothing new on this board this week.")]
        for department in part.departments:
            lines += department_markdown(
                department,
                base_url=base,
                end=week.end,
                stuck_after_days=part.board.stuck_after_days,
            )
    lines += [
        "",
        "-- ",
        _("You receive this summary because you subscribed to it."),
        _("Change or end it here: %(url)s", url=settings_url),
    ]
    return "\n".join(lines) + "\n"
