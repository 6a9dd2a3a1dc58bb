"""A real OpenID Connect provider (npm's oidc-provider, run by Node.js) on 127.0.0.1.

tests/sso/oidc/provider.mjs configures the package for one client of ours: its own development
login form (field "login": a key of the accounts file, any password), no consent screen,
RP-initiated logout with its confirmation page, back-channel logout. The accounts file is read
again at every look-up, so `set_account` between two logins changes what the next one sees.

Install once: `npm ci --prefix tests/sso/oidc --no-audit --no-fund` (make test does it).
"""

import base64
import json
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.sso import stop

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_DIR = Path(__file__).resolve().parent / "oidc"
SCRIPT = PROVIDER_DIR / "provider.mjs"
CLIENT_ID = "lotsenboard"
START_TIMEOUT_SECONDS = 20.0


def _b64url(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def rsa_private_jwk(kid: str | None = None) -> dict[str, str]:
    """A fresh 2048-bit RSA key as a private JWK for RS256 signing."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_numbers()
    public = private.public_numbers
    return {
        "kty": "RSA",
        "kid": kid or secrets.token_hex(8),
        "alg": "RS256",
        "use": "sig",
        "n": _b64url(public.n),
        "e": _b64url(public.e),
        "d": _b64url(private.d),
        "p": _b64url(private.p),
        "q": _b64url(private.q),
        "dp": _b64url(private.dmp1),
        "dq": _b64url(private.dmq1),
        "qi": _b64url(private.iqmp),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class OidcProvider:
    issuer: str
    client_id: str
    client_secret: str
    jwk: dict[str, str]  # the provider's PRIVATE signing key (RSA, with kid)
    accounts_file: Path
    process: subprocess.Popen[bytes]
    log_file: Path  # the provider's stderr: warnings, errors, back-channel logout results

    def set_account(
        self,
        login: str,
        *,
        email: str,
        name: str,
        groups: list[str],
        disabled: bool = False,
        sub: str | None = None,
        email_verified: bool = True,
    ) -> None:
        """Add or replace the person who signs in as `login` (sub: "sub-<login>" unless given)."""
        accounts: dict[str, Any] = json.loads(self.accounts_file.read_text())
        accounts[login] = {
            "sub": sub or accounts.get(login, {}).get("sub") or f"sub-{login}",
            "email": email,
            "email_verified": email_verified,
            "name": name,
            "groups": list(groups),
            "disabled": disabled,
        }
        _write_json(self.accounts_file, accounts)

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def stop(self) -> None:
        stop(self.process)


def _write_json(path: Path, value: Any) -> None:
    """Replace the file at once: the provider may read it at any moment."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(value, indent=2))
    partial.replace(path)


def start_provider(
    tmp_path: Path,
    *,
    redirect_uri: str,
    post_logout_redirect_uri: str,
    backchannel_logout_uri: str | None = None,
    id_token_ttl: int | None = None,
) -> OidcProvider:
    """Start the provider for one client (CLIENT_ID) of ours; stop() it when done."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("Node.js is missing: the test OpenID provider runs on node (>= 20)")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError(
            f"{PROVIDER_DIR / 'node_modules'} is missing: run make test to install the test "
            "provider (npm ci --prefix tests/sso/oidc --no-audit --no-fund)"
        )
    work = tmp_path / "oidc-provider"
    work.mkdir(parents=True, exist_ok=True)
    accounts_file = work / "accounts.json"
    _write_json(accounts_file, {})
    jwk = rsa_private_jwk()
    client_secret = secrets.token_urlsafe(32)
    client: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": client_secret,
        "redirect_uris": [redirect_uri],
        "post_logout_redirect_uris": [post_logout_redirect_uri],
    }
    if backchannel_logout_uri is not None:
        client["backchannel_logout_uri"] = backchannel_logout_uri
        client["backchannel_logout_session_required"] = True

    errors = []
    for _attempt in range(3):  # another process may take the free port before node binds it
        port = _free_port()
        issuer = f"http://127.0.0.1:{port}"
        config: dict[str, Any] = {
            "port": port,
            "issuer": issuer,
            "clients": [client],
            "jwks": {"keys": [jwk]},
            "accounts_file": str(accounts_file),
        }
        if id_token_ttl is not None:
            config["id_token_ttl"] = id_token_ttl
        config_file = work / "config.json"
        _write_json(config_file, config)
        stdout_file = work / "stdout.log"
        log_file = work / "stderr.log"
        with stdout_file.open("wb") as stdout, log_file.open("wb") as stderr:
            process = subprocess.Popen(
                [node, str(SCRIPT), str(config_file)],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
            )
        provider = OidcProvider(
            issuer=issuer,
            client_id=CLIENT_ID,
            client_secret=client_secret,
            jwk=jwk,
            accounts_file=accounts_file,
            process=process,
            log_file=log_file,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if "ready" in stdout_file.read_text(errors="replace").splitlines():
                return provider
            if process.poll() is not None:
                break
            time.sleep(0.05)
        provider.stop()
        errors.append(provider.log())
        if "EADDRINUSE" not in errors[-1]:
            break
    raise RuntimeError(
        f"the test OpenID provider did not start within {START_TIMEOUT_SECONDS:.0f} s:\n"
        + "\n---\n".join(errors)
    )
