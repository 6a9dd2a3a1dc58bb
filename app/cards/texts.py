"""What the board tells a person when a change fails, in their language."""

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from app.errors import DomainError, InvalidInput, NotFound, VersionConflict, WipLimitReached
from app.web.i18n import datetime_format
from app.web.i18n import gettext as _


def priority_label(priority: str) -> str:
    """A priority as the forms name it."""
    labels = {"low": _("low"), "normal": _("normal"), "high": _("high"), "urgent": _("urgent")}
    return labels.get(priority, priority)


def field_label(field: str) -> str:
    """A field as the forms name it."""
    labels = {
        "title": _("Title"),
        "period": _("Period"),
        "from": _("From"),
        "until": _("Until"),
        "am": _("As of"),
        "file": _("File"),
        "mapping": _("Mapping"),
        "meeting": _("Lotsentreffen"),
        "department": _("Department"),
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
        "email": _("Email"),
        "password": _("Password"),
        "current_password": _("Current password"),
        "new_password": _("New password"),
        "role": _("Role"),
        "member_ids": _("Members"),
        "phase_ids": _("Phases"),
        "phases": _("Phases"),
        "stuck_after_days": _("Days until a measure counts as stuck"),
        "body": _("Text"),
        "message": _("Message"),
        "contact": _("Contact"),
        "help_contact": _("Contact"),
        "first_date": _("First date"),
        "start_time": _("Time"),
        "interval_weeks": _("Every … weeks"),
        "duration_minutes": _("Duration (minutes)"),
        "location": _("Place"),
        "starts_at": _("Date and time"),
        "version": _("Version"),
        "key": _("Agenda point"),
        "into": _("Merge into"),
        "order": _("Order"),
        "minutes": _("Time-box (minutes)"),
        "step": _("Step"),
        "moderator_id": _("Moderator"),
        "entry_id": _("Entry"),
        "annotation_id": _("Concern or resistance"),
        "present": _("Present"),
        "done": _("Done"),
        "day": _("Date"),
        "mode": _("Mode"),
        "department_ids": _("Departments"),
        "page_seconds": _("Seconds per page"),
        "week": _("Calendar week"),
        "board_ids": _("Boards"),
        "language": _("Language"),
        "to": _("Address"),
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
    reason = _(error.template, **error.values)
    if isinstance(error, InvalidInput):
        return _("%(field)s: %(message)s", field=field_label(error.field), message=reason)
    return _("The change was not saved: %(reason)s", reason=reason)


def validation_message(error: ValidationError) -> str:
    """The first invalid field, named as the form names it, and what is wrong with it."""
    first = error.errors()[0]
    field = str(first["loc"][-1]) if first.get("loc") else ""
    return _("%(field)s: %(message)s", field=field_label(field), message=_problem(first, field))


def _problem(item: Any, field: str) -> str:
    """Pydantic's English reason, said by the catalogue (by error type, not by its text)."""
    kind, ctx = item.get("type", ""), item.get("ctx") or {}
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return _("cannot be empty")
    if kind == "string_pattern_mismatch":
        return _pattern_problem(field)
    if kind == "value_error":
        return _(str(ctx.get("error", "")) or "is invalid")
    simple = {
        "missing": _("is required"),
        "string_too_short": _("at least %(count)s characters", count=ctx.get("min_length")),
        "string_too_long": _("at most %(count)s characters", count=ctx.get("max_length")),
        "too_long": _("at most %(count)s entries", count=ctx.get("max_length")),
        "too_short": _("at least %(count)s entries", count=ctx.get("min_length")),
        "greater_than_equal": _("at least %(limit)s", limit=ctx.get("ge")),
        "less_than_equal": _("at most %(limit)s", limit=ctx.get("le")),
        "int_parsing": _("must be a whole number"),
        "int_from_float": _("must be a whole number"),
        "int_type": _("must be a whole number"),
        "date_parsing": _("not a date"),
        "date_from_datetime_parsing": _("not a date"),
        "time_parsing": _("not a time (HH:MM)"),
        "time_type": _("not a time (HH:MM)"),
        "datetime_parsing": _("not a date with time"),
        "datetime_from_date_parsing": _("not a date with time"),
        "bool_parsing": _("must be yes or no"),
        "enum": _("is not one of the choices"),
        "literal_error": _("is not one of the choices"),
        "extra_forbidden": _("is not a field of this form"),
    }
    return simple.get(kind, _("is invalid"))


def _pattern_problem(field: str) -> str:
    if field == "email":
        return _("is not an email address")
    if field == "colour":
        return _("must be a colour such as #1F6FB2")
    if field == "code":
        return _("one to ten letters or digits")
    return _("has the wrong form")
