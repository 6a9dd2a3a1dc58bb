"""Who may see a restricted board."""

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.accounts.models import BoardMember, User
from app.boards.service import lock_board
from app.errors import InvalidInput
from app.events import service as events

BOARD_ACCESS_CHANGED = "board.access_changed"


def member_ids(session: Session, *, board_id: int) -> list[int]:
    rows = session.exec(select(BoardMember.user_id).where(BoardMember.board_id == board_id))
    return sorted(rows)


def set_board_access(
    session: Session, *, board_id: int, restricted: bool, members: list[int], actor: str
) -> None:
    """Open a board to every account, or restrict it to admins and the named members."""
    board = lock_board(session, board_id, writable=False)
    wanted = sorted(set(members))
    known = set(session.exec(select(User.id).where(col(User.id).in_(wanted))))
    unknown = [user_id for user_id in wanted if user_id not in known]
    if unknown:
        raise InvalidInput("member_ids", "no such accounts: %(ids)s", ids=unknown)
    before = {"restricted": board.restricted, "member_ids": member_ids(session, board_id=board_id)}
    session.execute(delete(BoardMember).where(col(BoardMember.board_id) == board_id))
    session.add_all(BoardMember(board_id=board_id, user_id=user_id) for user_id in wanted)
    board.restricted = restricted
    after = {"restricted": restricted, "member_ids": wanted}
    if before == after:
        session.rollback()
        return
    events.append(
        session,
        board_id=board_id,
        type=BOARD_ACCESS_CHANGED,
        actor=actor,
        payload={"before": before, "after": after},
    )
    events.commit(session)
