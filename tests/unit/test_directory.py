"""LDAP login against a real OpenLDAP slapd: binds, groups, roles, injection, TLS, outages."""

import socket
import time
from collections.abc import Iterator
from typing import Any

import ldap
import pytest
from pydantic import ValidationError

from app.accounts import directory as directory_module
from app.accounts.directory import (
    DirectoryPerson,
    DirectoryRefused,
    DirectoryUnavailable,
    authenticate,
    role_for,
)
from app.accounts.models import Role
from app.settings import Settings
from tests.sso.slapd import (
    PASSWORD,
    SERVICE_DN,
    SERVICE_PASSWORD,
    SUFFIX,
    Directory,
    free_port,
    group_dn,
    person_dn,
    settings_for,
    start_slapd,
    write_ca,
)


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Directory]:
    with start_slapd(tmp_path_factory.mktemp("slapd")) as running:
        yield running


def settings(directory: Directory, **overrides: Any) -> Settings:
    return Settings(**settings_for(directory, **overrides))


@pytest.fixture
def binds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The DNs every bind of the test used ("" for anonymous)."""
    seen: list[str] = []
    original = ldap.ldapobject.SimpleLDAPObject.simple_bind_s

    def spy(self: Any, who: str = "", cred: str = "", *args: Any, **kwargs: Any) -> Any:
        seen.append(who)
        return original(self, who, cred, *args, **kwargs)

    monkeypatch.setattr(ldap.ldapobject.SimpleLDAPObject, "simple_bind_s", spy)
    return seen


@pytest.mark.parametrize("starttls", [False, True], ids=["ldaps", "starttls"])
@pytest.mark.parametrize("group_base", [True, False], ids=["group-search", "memberof-only"])
def test_people_log_in_with_their_groups_and_roles(
    directory: Directory, starttls: bool, group_base: bool
) -> None:
    config = settings(
        directory,
        starttls=starttls,
        ldap_group_base_dn=directory.group_base_dn if group_base else "",
    )

    jana = authenticate("jana", PASSWORD, config)
    dana = authenticate("dana", PASSWORD, config)
    otto = authenticate("otto", PASSWORD, config)

    lotse_group = group_dn("lotsenboard-lotse")
    assert jana == DirectoryPerson(
        dn=person_dn("jana"),
        email="jana.kuhn@musterstadt.de",
        name="Jana Kuhn",
        groups=frozenset({"lotsenboard-lotse", lotse_group}),
    )
    assert (dana.email, dana.name) == ("dana.weber@musterstadt.de", "Dana Weber")
    assert otto.groups == frozenset()
    roles = [role_for(person.groups, config) for person in (jana, dana, otto)]
    assert roles == [Role.lotse, Role.admin, Role.viewer]


def test_login_by_mail_address_in_any_case(directory: Directory) -> None:
    person = authenticate("Jana.Kuhn@Musterstadt.de", PASSWORD, settings(directory))

    assert person.dn == person_dn("jana")


def test_service_account_searches(directory: Directory, binds: list[str]) -> None:
    config = settings(directory, ldap_bind_dn=SERVICE_DN, ldap_bind_password=SERVICE_PASSWORD)

    assert authenticate("jana", PASSWORD, config).email == "jana.kuhn@musterstadt.de"
    assert binds == [SERVICE_DN, person_dn("jana")]


def test_refused_service_account_is_an_outage_not_a_wrong_password(
    directory: Directory,
) -> None:
    config = settings(directory, ldap_bind_dn=SERVICE_DN, ldap_bind_password="falsch")

    with pytest.raises(DirectoryUnavailable):
        authenticate("jana", PASSWORD, config)


@pytest.mark.parametrize("password", ["verzeichnis-passwort-1", "Verzeichnis-Passwort-", "\x00"])
def test_wrong_password_is_refused(directory: Directory, password: str) -> None:
    with pytest.raises(DirectoryRefused):
        authenticate("jana", password, settings(directory))


@pytest.mark.parametrize(("login", "password"), [("jana", ""), ("", PASSWORD), ("  ", PASSWORD)])
def test_empty_login_or_password_is_refused_before_asking_the_server(
    login: str, password: str
) -> None:
    # Nothing listens there: contacting it would be DirectoryUnavailable.
    config = Settings(ldap_url=f"ldaps://127.0.0.1:{free_port()}", ldap_timeout_seconds=1)

    with pytest.raises(DirectoryRefused):
        authenticate(login, password, config)


def test_person_outside_the_search_base_is_refused(directory: Directory) -> None:
    with pytest.raises(DirectoryRefused):
        authenticate("fremd", PASSWORD, settings(directory))
    # The password is right: from the whole tree she is found and let in.
    assert authenticate("fremd", PASSWORD, settings(directory, ldap_base_dn=SUFFIX)).name == (
        "Fremde Person"
    )


@pytest.mark.parametrize("login", ["*", "jana)(uid=*", "*)(|(uid=*", "\\00", "jana\x00", "j*"])
def test_filter_characters_in_the_login_match_nobody(
    directory: Directory, binds: list[str], login: str
) -> None:
    with pytest.raises(DirectoryRefused):
        authenticate(login, PASSWORD, settings(directory))
    # Only the anonymous search bind: no entry was found to bind as.
    assert binds == [""]


def test_unescaped_wildcards_would_have_matched(directory: Directory) -> None:
    """What the escaping prevents: "*" finds everyone, "j*" finds exactly jana."""
    conn = ldap.initialize(directory.ldap_url)
    try:
        found = {
            pattern: [dn for dn, _ in conn.search_s(directory.base_dn, ldap.SCOPE_SUBTREE, query)]
            for pattern, query in [("*", "(uid=*)"), ("j*", "(uid=j*)")]
        }
    finally:
        conn.unbind_s()
    assert len(found["*"]) == 3
    assert found["j*"] == [person_dn("jana")]


def test_server_down_is_unavailable_quickly() -> None:
    config = Settings(ldap_url=f"ldaps://127.0.0.1:{free_port()}", ldap_timeout_seconds=1)
    started = time.monotonic()

    with pytest.raises(DirectoryUnavailable):
        authenticate("jana", PASSWORD, config)
    assert time.monotonic() - started < 3


@pytest.fixture
def hung_port() -> Iterator[int]:
    """A port whose kernel accepts connections that nobody ever answers (a hung server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield int(listener.getsockname()[1])
    # Closing it resets the waiting connections: the abandoned login threads end.


@pytest.mark.parametrize("scheme", ["ldaps", "ldap"])
def test_hung_server_is_unavailable_after_the_timeout(hung_port: int, scheme: str) -> None:
    config = Settings(
        ldap_url=f"{scheme}://127.0.0.1:{hung_port}",
        ldap_starttls=scheme == "ldap",
        ldap_timeout_seconds=0.5,
    )
    started = time.monotonic()

    with pytest.raises(DirectoryUnavailable):
        authenticate("jana", PASSWORD, config)
    assert time.monotonic() - started < 2


def test_hanging_logins_do_not_pile_up(
    directory: Directory, hung_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    watchdog = directory_module._Watchdog(limit=2)
    monkeypatch.setattr(directory_module, "_watchdog", watchdog)
    hung = Settings(ldap_url=f"ldaps://127.0.0.1:{hung_port}", ldap_timeout_seconds=0.3)
    for _ in range(2):
        with pytest.raises(DirectoryUnavailable):
            authenticate("jana", PASSWORD, hung)
    started = time.monotonic()

    # Two threads hang: the next login does not start a third, not even to a healthy server.
    with pytest.raises(DirectoryUnavailable):
        authenticate("jana", PASSWORD, settings(directory))
    assert time.monotonic() - started < 0.1
    assert watchdog.hanging == 2


@pytest.mark.parametrize("starttls", [False, True], ids=["ldaps", "starttls"])
@pytest.mark.parametrize("trust", ["other-ca", "system-cas"])
def test_untrusted_certificate_is_unavailable(
    directory: Directory, tmp_path: Any, starttls: bool, trust: str
) -> None:
    ca_file = str(write_ca(tmp_path, "Fremde CA")[0]) if trust == "other-ca" else ""
    config = settings(directory, starttls=starttls, ldap_ca_file=ca_file)

    with pytest.raises(DirectoryUnavailable):
        authenticate("jana", PASSWORD, config)
    # The same server is trusted again with its own CA (each connection has its own context).
    assert authenticate("jana", PASSWORD, settings(directory, starttls=starttls)).name


def test_unreadable_ca_file_is_unavailable(directory: Directory, tmp_path: Any) -> None:
    config = settings(directory, ldap_ca_file=str(tmp_path / "missing.pem"))

    with pytest.raises(DirectoryUnavailable):
        authenticate("jana", PASSWORD, config)


def test_plain_ldap_without_starttls_is_refused(directory: Directory) -> None:
    with pytest.raises(ValidationError, match="clear text"):
        settings(directory, ldap_url=directory.ldap_url)
    # Settings changed without validation are still checked before a password is sent.
    unchecked = settings(directory).model_copy(update={"ldap_url": directory.ldap_url})
    with pytest.raises(DirectoryUnavailable):
        authenticate("jana", PASSWORD, unchecked)
    # Labs and tests may ask for it.
    lab = settings(directory, ldap_url=directory.ldap_url, ldap_allow_plain=True)
    assert authenticate("jana", PASSWORD, lab).email == "jana.kuhn@musterstadt.de"


def test_ldap_url_needs_an_ldap_scheme() -> None:
    with pytest.raises(ValidationError, match="ldaps://"):
        Settings(ldap_url="https://dc1.rathaus.local")
    assert not Settings().ldap_enabled
    assert Settings(ldap_url="ldaps://dc1.rathaus.local").ldap_enabled


def test_group_settings_match_by_cn_or_dn_in_any_case() -> None:
    groups = frozenset({"lotsenboard-admin", group_dn("lotsenboard-admin")})
    by_dn = Settings(ldap_admin_group="CN=Lotsenboard-Admin, OU=Groups,DC=Musterstadt,DC=de")
    by_cn = Settings(ldap_admin_group="LotsenBoard-Admin")
    nobody = Settings(ldap_admin_group="rathaus-admins", ldap_lotse_group="rathaus-lotsen")

    assert role_for(groups, by_dn) == Role.admin
    assert role_for(groups, by_cn) == Role.admin
    assert role_for(groups, nobody) == Role.viewer
