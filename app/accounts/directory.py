"""Login against the town hall's directory (LDAP / Active Directory) by binding as the person.

Synchronous (python-ldap): called from sync routes, which run in the threadpool.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import ldap
import ldap.dn
import ldap.filter

from app.accounts.models import Role
from app.errors import DomainError
from app.settings import Settings

log = logging.getLogger("lotsenboard")

Attrs = dict[str, list[bytes]]  # an entry's attributes as python-ldap returns them


@dataclass(frozen=True)
class DirectoryPerson:
    dn: str
    email: str  # lower-cased; "" if the entry has none
    name: str
    groups: frozenset[str]  # lower-cased CNs and DNs of the person's groups


class DirectoryUnavailable(DomainError):
    """Server down, TLS failure, timeout, service account refused: not the person's fault."""

    code = "directory_unavailable"


class DirectoryRefused(DomainError):
    """Unknown login, wrong or empty password, or a login that matches several entries."""

    code = "invalid_credentials"


# The messages reach the client: no server detail in them (the log has it). One call each, so
# the translation extraction (keywords DirectoryUnavailable, DirectoryRefused) finds them.
def _unavailable() -> DirectoryUnavailable:
    return DirectoryUnavailable("the directory server does not answer, please try again later")


def _refused() -> DirectoryRefused:
    return DirectoryRefused("login or password is wrong")


def authenticate(login: str, password: str, settings: Settings) -> DirectoryPerson:
    """The directory entry of `login` if `password` is hers; groups read for the role."""
    # An empty password is an "unauthenticated bind", which many servers accept as success.
    if not login.strip() or not password:
        raise _refused()
    _check_transport(settings)
    return _watchdog.run(lambda: _authenticate(login, password, settings), settings)


def role_for(groups: frozenset[str], settings: Settings) -> Role:
    """Admin group before lotse group; anyone else in the directory may read."""
    if _normal(settings.ldap_admin_group) in groups:
        return Role.admin
    if _normal(settings.ldap_lotse_group) in groups:
        return Role.lotse
    return Role.viewer


class _Watchdog:
    """Runs a login in a daemon thread of its own and stops waiting after the timeout.

    libldap 2.5 (Debian 12) waits without limit for a hung server's ldaps:// handshake, and
    name lookups have timeouts of their own: unguarded, a hung domain controller would hold one
    web worker thread per login attempt until the site stood still. Daemon threads, so a hung
    one does not hold up the process's exit either.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit  # hanging threads at most; beyond, logins fail at once
        self.hanging = 0
        self.lock = threading.Lock()

    def run(self, work: Callable[[], DirectoryPerson], settings: Settings) -> DirectoryPerson:
        with self.lock:
            if self.hanging >= self.limit:
                log.warning("directory %s: %d logins still hang", settings.ldap_url, self.hanging)
                raise _unavailable()
        outcome: list[DirectoryPerson | BaseException] = []
        finished, given_up = threading.Event(), threading.Event()

        def target() -> None:
            try:
                outcome.append(work())
            except BaseException as exc:  # re-raised in the waiting thread
                outcome.append(exc)
            with self.lock:
                finished.set()
                if given_up.is_set():
                    self.hanging -= 1

        threading.Thread(target=target, name="ldap-login", daemon=True).start()
        if not finished.wait(settings.ldap_timeout_seconds):
            with self.lock:
                if not finished.is_set():
                    given_up.set()
                    self.hanging += 1
                    log.warning("directory %s: no answer in time", settings.ldap_url)
                    raise _unavailable()
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]


_watchdog = _Watchdog(limit=8)


def _authenticate(login: str, password: str, settings: Settings) -> DirectoryPerson:
    try:
        with _connection(settings) as service:
            try:
                service.simple_bind_s(settings.ldap_bind_dn, settings.ldap_bind_password)
            except (ldap.INVALID_CREDENTIALS, ldap.UNWILLING_TO_PERFORM) as exc:
                log.error("directory: service account %r refused: %s", settings.ldap_bind_dn, exc)
                raise _unavailable() from exc
            dn, attrs = _find_person(service, login, settings)
            with _connection(settings) as own:
                try:
                    own.simple_bind_s(dn, password)
                except (ldap.INVALID_CREDENTIALS, ldap.UNWILLING_TO_PERFORM) as exc:
                    raise _refused() from exc
            groups = _groups(service, dn, attrs, settings)
    except ldap.LDAPError as exc:  # SERVER_DOWN, TIMEOUT, CONNECT_ERROR (TLS), and the rest
        log.warning("directory %s unavailable: %r", settings.ldap_url, exc)
        raise _unavailable() from exc
    return DirectoryPerson(
        dn=dn,
        email=_first(attrs, settings.ldap_email_attribute).lower(),
        name=_first(attrs, settings.ldap_name_attribute),
        groups=groups,
    )


def _check_transport(settings: Settings) -> None:
    # Repeats the settings check: model_copy(update=...) and model_construct skip validators.
    plain = any(url.lower().startswith("ldap://") for url in settings.ldap_url.split())
    if plain and not settings.ldap_starttls and not settings.ldap_allow_plain:
        log.error("directory: ldap:// without StartTLS refused (ldap_allow_plain is off)")
        raise _unavailable()


@contextmanager
def _connection(settings: Settings) -> Iterator[Any]:
    conn = ldap.initialize(settings.ldap_url)
    try:
        conn.set_option(ldap.OPT_PROTOCOL_VERSION, ldap.VERSION3)
        conn.set_option(ldap.OPT_REFERRALS, 0)  # AD's referrals would rebind anonymously
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, settings.ldap_timeout_seconds)
        conn.set_option(ldap.OPT_TIMEOUT, settings.ldap_timeout_seconds)
        if settings.ldap_ca_file:
            conn.set_option(ldap.OPT_X_TLS_CACERTFILE, settings.ldap_ca_file)
        conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
        try:  # last: the connection's own TLS context is built from the options set before
            conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
        except ValueError as exc:  # python-ldap's word for an unreadable CA file
            log.error("directory: no TLS context from ldap_ca_file %r", settings.ldap_ca_file)
            raise _unavailable() from exc
        if settings.ldap_starttls and settings.ldap_url.lower().startswith("ldap://"):
            conn.start_tls_s()
        yield conn
    finally:
        with suppress(ldap.LDAPError):
            conn.unbind_s()


def _find_person(conn: Any, login: str, settings: Settings) -> tuple[str, Attrs]:
    # Escaped: `*`, `)(` or NUL in a login must not widen the search (LDAP injection).
    query = settings.ldap_user_filter.replace("{login}", ldap.filter.escape_filter_chars(login))
    wanted = [settings.ldap_email_attribute, settings.ldap_name_attribute, "memberOf"]
    found = conn.search_s(settings.ldap_base_dn, ldap.SCOPE_SUBTREE, query, wanted)
    entries = [(dn, attrs) for dn, attrs in found if dn]  # AD adds referrals with dn None
    if len(entries) != 1:
        raise _refused()
    dn, attrs = entries[0]
    return dn, {key.lower(): values for key, values in attrs.items()}


def _groups(conn: Any, dn: str, attrs: Attrs, settings: Settings) -> frozenset[str]:
    dns = [value.decode("utf-8", "replace") for value in attrs.get("memberof", [])]
    names: list[str] = []
    if settings.ldap_group_base_dn:
        query = settings.ldap_group_filter.replace("{dn}", ldap.filter.escape_filter_chars(dn))
        found = conn.search_s(settings.ldap_group_base_dn, ldap.SCOPE_SUBTREE, query, ["cn"])
        for group_dn, group_attrs in found:
            if group_dn:
                dns.append(group_dn)
                names += [value.decode("utf-8", "replace") for value in group_attrs.get("cn", [])]
    names += [cn for cn in map(_cn, dns) if cn]
    return frozenset(_normal(name) for name in dns + names)


def _cn(dn: str) -> str:
    with suppress(ldap.DECODING_ERROR, IndexError):
        rdn = ldap.dn.str2dn(dn)[0][0]
        if rdn[0].lower() == "cn":
            return str(rdn[1])
    return ""


def _normal(name: str) -> str:
    """Lower-cased, and a DN without the spaces people put after its commas."""
    with suppress(ldap.DECODING_ERROR):
        if parts := ldap.dn.str2dn(name):
            return str(ldap.dn.dn2str(parts)).lower()
    return name.strip().lower()


def _first(attrs: Attrs, name: str) -> str:
    values = attrs.get(name.lower(), [])
    return values[0].decode("utf-8", "replace").strip() if values else ""
