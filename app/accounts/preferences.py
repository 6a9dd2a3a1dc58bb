"""Where a board opens for a person: the view they last had, or, for a lotse, their own cards."""

from sqlmodel import Session

from app import clock
from app.accounts import service
from app.accounts.models import SavedView

# The view of the whole board, said explicitly (an empty query means "where I left off").
WHOLE_BOARD = "all=1"


def start_view(session: Session, *, user_id: int, board_id: int) -> str | None:
    """The query a bare board address opens with for this person, if any."""
    saved = session.get(SavedView, (user_id, board_id))
    if saved is not None:
        return saved.query
    lotse = service.lotse_of(session, user_id=user_id)
    return f"lotse={lotse.id}" if lotse is not None else None


def changed(session: Session, *, user_id: int, board_id: int, query: str) -> bool:
    """Whether this view differs from the kept one (most page views do not change it: no write
    transaction for them)."""
    saved = session.get(SavedView, (user_id, board_id))
    return saved is None or saved.query != query


def remember(session: Session, *, user_id: int, board_id: int, query: str) -> None:
    """Keep the view this person has now of the board (nothing is written when unchanged).

    A preference, like the time of the last login: not a change of the board, so not logged."""
    saved = session.get(SavedView, (user_id, board_id))
    if saved is not None and saved.query == query:
        return
    if saved is None:
        saved = SavedView(user_id=user_id, board_id=board_id, query=query)
        session.add(saved)
    else:
        saved.query = query
        saved.updated_at = clock.now()
    session.commit()
