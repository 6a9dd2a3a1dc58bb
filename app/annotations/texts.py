"""What the pages call kinds, severities and statuses of annotations, in the person's language."""

from app.web.i18n import gettext as _


def kind_label(kind: str) -> str:
    return {"concern": _("Concern"), "resistance": _("Resistance")}.get(str(kind), str(kind))


def kinds_label(kind: str) -> str:
    """The plural, for headings and filters."""
    return {"concern": _("Concerns"), "resistance": _("Resistances")}.get(str(kind), str(kind))


def severity_label(severity: str | None) -> str:
    labels = {"low": _("low"), "medium": _("medium"), "high": _("high")}
    return labels.get(str(severity), "")


def status_label(status: str) -> str:
    labels = {
        "open": _("open"),
        "discussing": _("under discussion"),
        "resolved": _("resolved"),
        "withdrawn": _("withdrawn"),
    }
    return labels.get(str(status), str(status))
