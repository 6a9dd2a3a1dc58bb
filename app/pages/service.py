"""The accessibility statement (Erklärung zur Barrierefreiheit) and its feedback channel."""

from sqlmodel import Session, col, select

from app import clock
from app.errors import InvalidInput
from app.events import service as events
from app.pages.models import Feedback, SiteText

STATEMENT = "accessibility_statement"
STATEMENT_UPDATED = "statement.updated"
FEEDBACK_RECEIVED = "feedback.received"


def get_statement(session: Session) -> str | None:
    """The admin's statement text, or None for the built-in default."""
    text = session.get(SiteText, STATEMENT)
    return text.body if text is not None and text.body.strip() else None


def update_statement(session: Session, *, body: str, actor: str) -> None:
    """Replace the statement text; an empty text brings back the default."""
    if len(body) > 50_000:
        raise InvalidInput("body", "at most %(count)s characters", count=50_000)
    text = session.get(SiteText, STATEMENT)
    if text is None:
        text = SiteText(key=STATEMENT, body=body)
        session.add(text)
    else:
        text.body = body
        text.updated_at = clock.now()
    events.append(
        session, board_id=None, type=STATEMENT_UPDATED, actor=actor, payload={"length": len(body)}
    )
    events.commit(session)


def submit_feedback(session: Session, *, message: str, contact: str, page: str) -> Feedback:
    """Record a report of a barrier; the contact is optional."""
    message = message.strip()
    if not message:
        raise InvalidInput("message", "please describe the barrier")
    if len(message) > 5_000:
        raise InvalidInput("message", "at most %(count)s characters", count=5_000)
    if len(contact) > 254:
        raise InvalidInput("contact", "at most %(count)s characters", count=254)
    feedback = Feedback(message=message, contact=contact.strip(), page=page[:500])
    session.add(feedback)
    session.flush()
    events.append(
        session,
        board_id=None,
        type=FEEDBACK_RECEIVED,
        actor="feedback",
        payload={"feedback_id": feedback.id},
    )
    events.commit(session)
    return feedback


def list_feedback(session: Session) -> list[Feedback]:
    """Feedback, newest first."""
    return list(session.exec(select(Feedback).order_by(col(Feedback.created_at).desc())))
