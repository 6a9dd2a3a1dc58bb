"""Accounts of people who log in through the town hall (OpenID Connect or LDAP): found by the
provider's subject or directory entry, else by e-mail address; created at the first login
when allowed; name, address and role taken from the provider at every login."""

from dataclasses import dataclass

from sqlmodel import Session, select

from app.accounts import service
from app.accounts.models import AuthSource, Role, User
from app.errors import Conflict, DomainError
from app.events import service as events

# Never a valid argon2 hash: an account of the town hall has no password here.
NO_PASSWORD = "!"


class NoAccount(DomainError):
    code = "no_account"


@dataclass(frozen=True)
class Identity:
    """What the provider says about a person at this login."""

    source: AuthSource
    external_id: str
    email: str
    name: str
    role: Role
    # False when the provider says it has not checked the address: it then finds no account.
    email_verified: bool = True


def sign_in(session: Session, *, identity: Identity, create: bool, ip: str) -> User:
    """The account for this identity, brought up to date; refused when deactivated,
    anonymised, unknown (and `create` is off), when its address belongs to another account, or
    when it would find an account by an unverified address or take the last admin's password
    account without admin rights."""
    user = session.exec(
        select(User).where(
            User.auth_source == identity.source, User.external_id == identity.external_id
        )
    ).first()
    by_email = service.find_user(session, email=identity.email)
    if user is None and by_email is not None:
        # An admin created the account beforehand, or it logged in another way until now;
        # a second person of the same provider must never take it over.
        if by_email.auth_source == identity.source and by_email.external_id:
            raise NoAccount(
                "This e-mail address belongs to another account. Please ask an administrator."
            )
        if not identity.email_verified:
            raise NoAccount(
                "The login service has not confirmed your e-mail address %(email)s, so the "
                "account with this address is not opened. Please ask the IT department.",
                values={"email": identity.email},
            )
        if by_email.auth_source == AuthSource.local and identity.role != Role.admin:
            _keep_an_admin(session, by_email)
        user = by_email
    elif user is not None and by_email is not None and by_email.id != user.id:
        raise NoAccount(
            "This e-mail address belongs to another account. Please ask an administrator."
        )
    if user is None:
        if not create:
            raise NoAccount(
                "There is no account for %(email)s. Please ask an administrator.",
                values={"email": identity.email},
            )
        return _create(session, identity, ip)
    if not user.active or user.anonymised_at is not None:
        raise NoAccount("This account is deactivated.")
    before = service.user_json(user)
    user.auth_source = identity.source
    user.external_id = identity.external_id
    user.email = identity.email
    user.name = identity.name
    user.role = identity.role
    user.password_hash = NO_PASSWORD
    events.record_update(
        session,
        user,
        before,
        service.user_json(user),
        board_id=None,
        type=service.USER_UPDATED,
        actor=identity.name,
        extra={"ip": ip, "by": identity.source.value},
    )
    return user


def _keep_an_admin(session: Session, user: User) -> None:
    """The last admin's password account is not handed to a login without admin rights: it
    would lose its password and its role, and the board its last admin."""
    try:
        service.keep_an_admin(session, user)
    except Conflict as error:
        raise NoAccount(
            "This is the last administrator account, and the login service does not make you "
            "an administrator. Log in with your password, or ask the IT department for the "
            "administrators' group."
        ) from error


def _create(session: Session, identity: Identity, ip: str) -> User:
    user = User(
        email=identity.email,
        name=identity.name,
        role=identity.role,
        password_hash=NO_PASSWORD,
        auth_source=identity.source,
        external_id=identity.external_id,
    )
    # The lotse record of the same person, as for accounts an admin creates.
    user.lotse_id = service.free_lotse_for(session, email=identity.email)
    session.add(user)
    session.flush()
    events.append(
        session,
        board_id=None,
        type=service.USER_CREATED,
        actor=identity.name,
        payload={"after": service.user_json(user), "ip": ip, "by": identity.source.value},
    )
    return user
