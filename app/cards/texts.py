"""What the board tells a person when a change fails, in their language."""

from datetime import datetime

from pydantic import ValidationError

from app.errors import DomainError, InvalidInput, NotFound, VersionConflict, WipLimitReached
from app.web.i18n import datetime_format
from app.web.i18n import gettext as _


def field_label(field: str) -> str:
    """A field as the forms name it."""
    labels = {
        "title": _("Title"),
        "description": _("Description"),
        "department_id": _("Department"),
        "lotse_id": _("Lotse"),
        "priority": _("Priority"),
        "size": _("Size"),
        "due_date": _("Due date"),
        "tags": _("Tags"),
        "phase_id": _("Phase"),
        "position": _("Position"),
        "after_card_id": _("Position"),
        "name": _("Name"),
        "code": _("Short code"),
        "colour": _("Colour"),
        "wip_limit": _("WIP limit"),
        "target_phase_id": _("Target phase"),
        "kind": _("Kind"),
        "text": _("Text"),
        "severity": _("Severity"),
        "category_id": _("Category"),
        "raised_by_id": _("Raised by"),
        "blocks_card": _("Blocks the measure"),
        "status": _("Status"),
        "resolution": _("Resolution"),
        "reason": _("Reason"),
        "next_step": _("Next step"),
        "next_step_lotse_id": _("Next step by"),
        "next_step_date": _("Next step until"),
    }
    return labels.get(field, field)


def change_label(kind: str) -> str:
    """A card event as a past participle: "moved", "edited" …"""
    return {
        "card.moved": _("moved"),
        "card.updated": _("edited"),
        "card.archived": _("archived"),
        "card.restored": _("restored"),
        "card.created": _("created"),
        "phase.removed": _("moved (its phase was removed)"),
    }.get(kind, _("changed"))


def conflict_message(error: VersionConflict) -> str:
    """Who changed the card meanwhile, and that the board now shows the true state."""
    current = error.extra["current"]
    changed = error.extra.get("changed_by")
    if error.extra.get("entity") == "annotation":
        return _annotation_conflict(changed)
    if changed:
        return _(
            "“%(title)s” was %(change)s by %(actor)s meanwhile (%(when)s). "
            "The board now shows the current state; please check and try again.",
            title=current["title"],
            change=change_label(changed["type"]),
            actor=changed["actor"],
            when=datetime_format(datetime.fromisoformat(changed["at"]), "short"),
        )
    return _(
        "“%(title)s” was changed meanwhile. The board now shows the current state.",
        title=current["title"],
    )


def _annotation_conflict(changed: dict[str, str] | None) -> str:
    if changed:
        return _(
            "%(actor)s changed this entry meanwhile (%(when)s). It now shows the current state; "
            "what you typed is kept. Please check and send it again.",
            actor=changed["actor"],
            when=datetime_format(datetime.fromisoformat(changed["at"]), "short"),
        )
    return _("This entry was changed meanwhile. It now shows the current state.")


def clash_message(error: VersionConflict) -> str:
    """A save that clashes with a change made meanwhile: who, which fields, and that nothing
    typed is lost."""
    changed = error.extra.get("changed_by")
    fields = ", ".join(field_label(field) for field in error.extra.get("fields", []))
    if changed:
        return _(
            "%(actor)s changed %(fields)s meanwhile (%(when)s). What you typed is still in the "
            "form; the saved version is shown beside it. Check and save again.",
            actor=changed["actor"],
            fields=fields,
            when=datetime_format(datetime.fromisoformat(changed["at"]), "short"),
        )
    return _(
        "%(fields)s was changed meanwhile. What you typed is still in the form; the saved "
        "version is shown beside it. Check and save again.",
        fields=fields,
    )


def error_message(error: DomainError) -> str:
    """A sentence for any refused change."""
    if isinstance(error, VersionConflict):
        return conflict_message(error)
    if isinstance(error, WipLimitReached):
        return _(
            "The phase is full: its WIP limit of %(limit)s is reached. "
            "The card stays where it was.",
            limit=error.extra["wip_limit"],
        )
    if isinstance(error, NotFound):
        return _("This item no longer exists. The board now shows the current state.")
    if isinstance(error, InvalidInput):
        return _("%(field)s: %(message)s", field=field_label(error.field), message=error.message)
    return _("The change was not saved: %(reason)s", reason=error.message)


def validation_message(error: ValidationError) -> str:
    """The first invalid field, named as the form names it."""
    first = error.errors()[0]
    field = str(first["loc"][-1]) if first.get("loc") else ""
    return _("%(field)s: %(message)s", field=field_label(field), message=first.get("msg", ""))
