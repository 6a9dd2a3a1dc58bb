"""A real OpenLDAP slapd (Debian's `slapd` package) on 127.0.0.1, with its own test CA.

People of "Musterstadt" are loaded with slapadd before the start; the groups are added once it
runs, so that the memberof overlay fills the people's memberOf (as Active Directory does).
"""

import datetime
import ipaddress
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ldap
import ldap.modlist
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.sso import stop

SUFFIX = "dc=musterstadt,dc=de"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "slapd-root-Passwort"
SERVICE_DN = f"cn=lotsenboard,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "Dienstkonto-Passwort-1"
PASSWORD = "Verzeichnis-Passwort-1"  # every person's
PEOPLE = {  # uid: (name, mail, ou)
    "jana": ("Jana Kuhn", "jana.kuhn@musterstadt.de", "people"),
    "dana": ("Dana Weber", "dana.weber@musterstadt.de", "people"),
    "otto": ("Otto Normal", "otto@musterstadt.de", "people"),
    "fremd": ("Fremde Person", "fremd@musterstadt.de", "extern"),  # outside the search base
}
GROUPS = {"lotsenboard-admin": "dana", "lotsenboard-lotse": "jana"}


def person_dn(uid: str) -> str:
    return f"uid={uid},ou={PEOPLE[uid][2]},{SUFFIX}"


def group_dn(cn: str) -> str:
    return f"cn={cn},ou=groups,{SUFFIX}"


@dataclass
class Directory:
    process: subprocess.Popen[bytes]
    ldap_url: str
    ldaps_url: str
    ca_file: str
    base_dn: str = f"ou=people,{SUFFIX}"
    group_base_dn: str = f"ou=groups,{SUFFIX}"

    def stop(self) -> None:
        stop(self.process)


def settings_for(
    directory: Directory, *, starttls: bool = False, **overrides: Any
) -> dict[str, Any]:
    """Settings field values for logging in against `directory` (LDAPS, or StartTLS)."""
    values: dict[str, Any] = {
        "ldap_url": directory.ldap_url if starttls else directory.ldaps_url,
        "ldap_starttls": starttls,
        "ldap_ca_file": directory.ca_file,
        "ldap_base_dn": directory.base_dn,
        "ldap_group_base_dn": directory.group_base_dn,
        "ldap_timeout_seconds": 5.0,
    }
    return values | overrides


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pem(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    path.chmod(0o600)
    return path


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[str, ec.EllipticCurvePrivateKey] | None = None,
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    issuer_name, _ = issuer or (subject, key)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
    )


def write_ca(directory: Path, name: str = "Musterstadt Test-CA") -> tuple[Path, Any]:
    """A self-signed CA certificate (PEM) in `directory`, and its (name, key) for signing."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _certificate(name, key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    path = _pem(directory / "ca.pem", cert.public_bytes(serialization.Encoding.PEM))
    return path, (name, key)


def _write_server_certificate(directory: Path, issuer: Any) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    cert = (
        _certificate("127.0.0.1", key, issuer)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(issuer[1], hashes.SHA256())
    )
    cert_file = _pem(directory / "server.pem", cert.public_bytes(serialization.Encoding.PEM))
    return cert_file, _pem(directory / "server.key", _key_pem(key))


def _ldif() -> str:
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: musterstadt\n"
        "o: Stadt Musterstadt",
        *(
            f"dn: ou={ou},{SUFFIX}\nobjectClass: organizationalUnit\nou: {ou}"
            for ou in ("people", "extern", "groups", "services")
        ),
        f"dn: {SERVICE_DN}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\n"
        f"cn: lotsenboard\nuserPassword: {SERVICE_PASSWORD}",
    ]
    for uid, (name, mail, _) in PEOPLE.items():
        entries.append(
            f"dn: {person_dn(uid)}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\n"
            f"sn: {name.split()[-1]}\nmail: {mail}\nuserPassword: {PASSWORD}"
        )
    return "\n\n".join(entries) + "\n"


def _config(tmp: Path, cert_file: Path, key_file: Path, ca_file: Path) -> str:
    schemas = "\n".join(
        f"include /etc/ldap/schema/{name}.schema"
        for name in ("core", "cosine", "nis", "inetorgperson")
    )
    return f"""{schemas}
pidfile {tmp}/slapd.pid
argsfile {tmp}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
TLSCACertificateFile {ca_file}
TLSCertificateFile {cert_file}
TLSCertificateKeyFile {key_file}

database mdb
maxsize 16777216
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {tmp}/db
access to attrs=userPassword by anonymous auth by * none
access to * by * read
overlay memberof
"""


def _wait_for(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited with {process.returncode}: {log.read_text()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"slapd did not answer on port {port} within 10 s: {log.read_text()}")


def _add_groups(url: str) -> None:
    conn = ldap.initialize(url)
    try:
        conn.simple_bind_s(ROOT_DN, ROOT_PASSWORD)
        for cn, uid in GROUPS.items():
            entry = {"objectClass": [b"groupOfNames"], "cn": [cn.encode()]}
            entry["member"] = [person_dn(uid).encode()]
            conn.add_s(group_dn(cn), ldap.modlist.addModlist(entry))
    finally:
        conn.unbind_s()


@contextmanager
def start_slapd(tmp: Path) -> Iterator[Directory]:
    """slapd in the foreground on two free ports (ldap:// and ldaps://); stopped at the end."""
    (tmp / "db").mkdir()
    ca_file, issuer = write_ca(tmp)
    cert_file, key_file = _write_server_certificate(tmp, issuer)
    conf = tmp / "slapd.conf"
    conf.write_text(_config(tmp, cert_file, key_file, ca_file))
    (tmp / "people.ldif").write_text(_ldif())
    subprocess.run(
        ["slapadd", "-q", "-f", str(conf), "-l", str(tmp / "people.ldif")],
        check=True,
        capture_output=True,
    )
    port, tls_port = free_port(), free_port()
    urls = f"ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/"
    log = tmp / "slapd.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["slapd", "-d", "0", "-f", str(conf), "-h", urls],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    directory = Directory(
        process, f"ldap://127.0.0.1:{port}", f"ldaps://127.0.0.1:{tls_port}", str(ca_file)
    )
    try:
        _wait_for(process, port, log)
        _wait_for(process, tls_port, log)
        _add_groups(directory.ldap_url)
        yield directory
    finally:
        directory.stop()
