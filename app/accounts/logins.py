"""The password form: an account kept here, or the town hall's directory (LDAP / Active
Directory) for everyone else."""

from sqlmodel import Session

from app.accounts import directory, service, sso
from app.accounts.models import AuthSource, Role, User
from app.errors import DomainError
from app.settings import Settings


class LocalLoginOff(DomainError):
    code = "local_login_off"


def password_login(
    session: Session, *, login: str, password: str, ip: str, settings: Settings
) -> User:
    """The account these credentials open; failures count against account and address alike.

    An account kept here is checked here without asking the directory, so the first admin can
    still log in while the directory is down."""
    login = login.strip().lower()
    known = service.find_user(session, email=login)
    local = known is not None and known.auth_source == AuthSource.local
    # An account an admin made beforehand for a directory user moves over at her first login.
    if not settings.ldap_enabled or (local and service.password_matches(known, password)):
        user = service.authenticate(
            session, email=login, password=password, ip=ip, settings=settings
        )
        if settings.local_login == "admins" and user.role != Role.admin:
            session.rollback()
            raise LocalLoginOff("Please log in with your town hall account.")
        return user
    service.throttle(session, email=login, ip=ip, settings=settings)
    try:
        person = directory.authenticate(login, password, settings)
    except directory.DirectoryRefused:
        service.record_failure(session, email=login, ip=ip)
    if not person.email:
        raise sso.NoAccount(
            "The directory holds no e-mail address for this login. Please ask the IT department."
        )
    identity = sso.Identity(
        source=AuthSource.ldap,
        external_id=person.dn,
        email=person.email,
        name=person.name or person.email,
        role=directory.role_for(person.groups, settings),
    )
    user = sso.sign_in(session, identity=identity, create=settings.ldap_create_accounts, ip=ip)
    service.clear_failures(session, email=login, ip=ip)
    return user
