"""Plain form posts: run the change, then back to the page, or the page again with the reason."""

from collections.abc import Callable

from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session

from app.cards.texts import error_message, validation_message
from app.errors import DomainError, InvalidInput
from app.web.errors import status_for
from app.web.htmx import see_other


def run_form(
    session: Session,
    action: Callable[[], object],
    *,
    done: str,
    refused: Callable[[str, int], Response],
) -> Response:
    """Post/redirect/get on success; on a refusal nothing is kept and `refused` shows the
    reason in the person's language with its status."""
    try:
        action()
    except ValidationError as error:
        session.rollback()
        return refused(validation_message(error), 422)
    except DomainError as error:
        session.rollback()
        return refused(error_message(error), status_for(error))
    return see_other(done)


def form_ids(values: list[str] | None, field: str, *, most: int = 100) -> list[int]:
    """Ticked checkboxes of record ids, as numbers; anything else names the field."""
    found = []
    for value in (values or [])[:most]:
        if not value.isdigit() or len(value) > 9:
            raise InvalidInput(field, "number %(id)s does not exist", id=value[:20])
        found.append(int(value))
    return found
