"""An import's report in words: one summary line, then a line per row that is not unchanged."""

from app.cards.texts import field_label
from app.imports.service import Report
from app.web.i18n import gettext as _
from app.web.i18n import ngettext


def field_name(name: str) -> str:
    """A field a column can fill, as the mapping step names it."""
    own = {
        "lotse": _("Lotse"),
        "phase": _("Phase"),
        "done": _("Done (yes/no)"),
        "archived": _("Archived (yes/no)"),
        "key": _("Number (from an export)"),
    }
    return own.get(name) or field_label(name)


def match_rule(mapping: dict[int, str]) -> str:
    """How rows find the measures they update, for the columns chosen."""
    if "key" in mapping.values():
        return _(
            "A row with a number updates the measure with that number on this board; a row "
            "without one updates the measure with the same title, or makes a new one."
        )
    return _(
        "A row updates the measure with the same title on this board (whatever the case or "
        "umlaut spelling); otherwise it makes a new one."
    )


def summary(report: Report, *, dry_run: bool) -> str:
    counts = {
        "created": report.count("create"),
        "updated": report.count("update"),
        "unchanged": report.count("unchanged"),
        "refused": report.count("refused"),
    }
    if report.refused:
        return ngettext(
            "Nothing was imported: %(num)s row is refused (%(created)s would be new, "
            "%(updated)s updated, %(unchanged)s unchanged).",
            "Nothing was imported: %(num)s rows are refused (%(created)s would be new, "
            "%(updated)s updated, %(unchanged)s unchanged).",
            counts["refused"],
            created=counts["created"],
            updated=counts["updated"],
            unchanged=counts["unchanged"],
        )
    if dry_run:
        return _(
            "Dry run: %(created)s new, %(updated)s updated, %(unchanged)s unchanged. "
            "Nothing was changed.",
            **counts,
        )
    return _("Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.", **counts)


def lines(report: Report) -> list[str]:
    """Refused rows first (they are what must be fixed), then the others in file order."""
    found = []
    ordered = sorted(report.outcomes, key=lambda outcome: outcome.action != "refused")
    for outcome in ordered:
        if outcome.action == "refused":
            found.append(
                _("Row %(row)s: refused – %(reason)s", row=outcome.row, reason=outcome.reason)
            )
        elif outcome.action == "create":
            found.append(_("Row %(row)s: new – %(title)s", row=outcome.row, title=outcome.title))
        elif outcome.action == "update":
            fields = ", ".join(_changed(name) for name in outcome.changed)
            found.append(
                _(
                    "Row %(row)s: updated (%(fields)s) – %(title)s",
                    row=outcome.row,
                    fields=fields,
                    title=outcome.title,
                )
            )
    return found


def _changed(name: str) -> str:
    """A field an import changed, as the card's form names it."""
    own = {"phase": field_label("phase_id"), "archived": _("Archived")}
    return own.get(name) or field_label(name)
