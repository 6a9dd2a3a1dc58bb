"""One person: her account and her lotse record, whichever of the two was named."""

from sqlmodel import Session, select

from app.accounts.models import User
from app.errors import InvalidInput, NotFound
from app.people.models import Lotse


def person_of(
    session: Session, *, user_id: int | None, lotse_id: int | None
) -> tuple[User | None, Lotse | None]:
    """The account and the lotse record of one person, whichever was named."""
    if user_id is None and lotse_id is None:
        raise InvalidInput("user_id", "name an account or a lotse")
    user = session.get(User, user_id) if user_id is not None else None
    if user_id is not None and user is None:
        raise NotFound("user", user_id)
    lotse = session.get(Lotse, lotse_id) if lotse_id is not None else None
    if lotse_id is not None and lotse is None:
        raise NotFound("lotse", lotse_id)
    if user is not None and lotse is not None and user.lotse_id != lotse.id:
        raise InvalidInput("lotse_id", "is not the lotse record of this account")
    if user is None and lotse is not None:
        user = session.exec(select(User).where(User.lotse_id == lotse.id)).first()
    if lotse is None and user is not None and user.lotse_id is not None:
        lotse = session.get(Lotse, user.lotse_id)
    return user, lotse
