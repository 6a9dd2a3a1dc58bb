"""An import's report in words: one summary line, then a line per row that is not unchanged."""

from app.cards.texts import field_label
from app.imports.service import Report
from app.web.i18n import gettext as _
from app.web.i18n import ngettext


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
    found = []
    for outcome in report.outcomes:
        if outcome.action == "refused":
            found.append(
                _("Row %(row)s: refused – %(reason)s", row=outcome.row, reason=outcome.reason)
            )
        elif outcome.action == "create":
            found.append(_("Row %(row)s: new – %(title)s", row=outcome.row, title=outcome.title))
        elif outcome.action == "update":
            fields = ", ".join(
                field_label("phase_id" if name == "phase" else name) for name in outcome.changed
            )
            found.append(
                _(
                    "Row %(row)s: updated (%(fields)s) – %(title)s",
                    row=outcome.row,
                    fields=fields,
                    title=outcome.title,
                )
            )
    return found
