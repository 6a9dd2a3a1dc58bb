"""Login through the town hall's OpenID Connect provider (Keycloak, openDesk, any other).

Authorization code flow with PKCE (S256); the provider's endpoints and keys come from its
discovery document. `state`, `nonce` and the PKCE verifier travel in a signed cookie that only
the callback reads, so nothing about a login in progress is stored server-side.
"""

import threading
import time
from dataclasses import dataclass, replace
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oidc.core import CodeIDToken
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError
from joserfc.errors import JoseError as JoseRfcError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from app.accounts.models import Role
from app.errors import DomainError
from app.settings import Settings

PENDING_SECONDS = 10 * 60  # time to type one's password at the provider
METADATA_SECONDS = 60 * 60
LEEWAY_SECONDS = 60  # clock difference tolerated between the provider and this server
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class SsoRefused(DomainError):
    """The provider's answer cannot be trusted or names no usable account."""

    code = "sso_refused"


class ProviderUnavailable(DomainError):
    code = "sso_unavailable"


@dataclass(frozen=True)
class Pending:
    """A login under way: what the callback must see again."""

    state: str
    nonce: str
    verifier: str
    next_url: str


@dataclass(frozen=True)
class SsoPerson:
    subject: str
    email: str
    name: str
    groups: frozenset[str]
    sid: str | None
    email_verified: bool = True
    id_token: str = ""  # as the provider signed it, for its logout


def role_for(groups: frozenset[str], *, admin_group: str, lotse_group: str) -> Role:
    """The role the groups give; a group matches by name, path (Keycloak `/a/b`) or DN."""

    def names(group: str) -> set[str]:
        group = group.strip().lower()
        found = {group, group.rsplit("/", 1)[-1]}
        if group.startswith("cn="):
            found.add(group.split(",", 1)[0][3:])
        return found

    held = set().union(*(names(g) for g in groups)) if groups else set()
    if admin_group.lower() in held:
        return Role.admin
    if lotse_group.lower() in held:
        return Role.lotse
    return Role.viewer


class Provider:
    """One configured provider: its metadata and keys, cached and re-read when they change."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.issuer = settings.oidc_issuer.rstrip("/")
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._read_at = 0.0
        self._keys: dict[str, Any] | None = None
        self._signer = URLSafeTimedSerializer(settings.resolved_secret_key(), salt="oidc-login")

    # The provider's documents ------------------------------------------------------------

    def _get(self, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            response = requests.get(
                url, headers=headers, timeout=self.settings.oidc_timeout_seconds
            )
            response.raise_for_status()
            found = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ProviderUnavailable(
                "The town hall's login service does not answer. Please try again later."
            ) from error
        if not isinstance(found, dict):
            raise ProviderUnavailable(
                "The town hall's login service does not answer. Please try again later."
            )
        return found

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            fresh = time.monotonic() - self._read_at < METADATA_SECONDS
            if self._metadata is not None and fresh:
                return self._metadata
        found = self._get(f"{self.issuer}/.well-known/openid-configuration")
        # A document naming another issuer could hand out another provider's tokens.
        if str(found.get("issuer", "")).rstrip("/") != self.issuer:
            raise ProviderUnavailable(
                "The town hall's login service does not answer. Please try again later."
            )
        with self._lock:
            self._metadata, self._read_at, self._keys = found, time.monotonic(), None
        return found

    def key_set(self, *, force: bool = False) -> KeySet:
        with self._lock:
            keys = self._keys
        if keys is None or force:
            keys = self._get(self.metadata()["jwks_uri"])
            with self._lock:
                self._keys = keys
        return KeySet.import_key_set(keys)  # type: ignore[arg-type]

    def _decode(self, token: str) -> Any:
        algorithms = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        # "none" is never a signature, whatever the provider lists.
        registry = JWSRegistry(algorithms=[a for a in algorithms if a != "none"])
        try:
            try:
                return jwt.decode(token, self.key_set(), registry=registry)
            except InvalidKeyIdError:
                # The provider rolled its keys since we last read them.
                return jwt.decode(token, self.key_set(force=True), registry=registry)
        except (JoseRfcError, ValueError) as error:
            raise SsoRefused(
                "The identity provider's answer is not validly signed. You are not logged in."
            ) from error

    # The login ---------------------------------------------------------------------------

    def _client(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(
            self.settings.oidc_client_id,
            self.settings.oidc_client_secret,
            scope=self.settings.oidc_scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )

    def start(self, *, redirect_uri: str, next_url: str) -> tuple[str, str]:
        """The provider's login address, and the signed cookie value for the callback."""
        pending = Pending(generate_token(32), generate_token(32), generate_token(48), next_url)
        with self._client(redirect_uri) as client:
            url, _state = client.create_authorization_url(
                self.metadata()["authorization_endpoint"],
                state=pending.state,
                nonce=pending.nonce,
                code_verifier=pending.verifier,
            )
        cookie = self._signer.dumps(
            [pending.state, pending.nonce, pending.verifier, pending.next_url]
        )
        return url, cookie

    def pending(self, cookie: str | None) -> Pending:
        """The login under way, from the cookie; refused when missing, forged or too old."""
        if not cookie:
            raise SsoRefused(
                "The login took too long or was started in another window. Please try again."
            )
        try:
            state, nonce, verifier, next_url = self._signer.loads(cookie, max_age=PENDING_SECONDS)
        except (BadSignature, ValueError, TypeError) as error:
            raise SsoRefused(
                "The login took too long or was started in another window. Please try again."
            ) from error
        return Pending(str(state), str(nonce), str(verifier), str(next_url))

    def finish(self, *, code: str, pending: Pending, redirect_uri: str) -> SsoPerson:
        """Trade the code for tokens and check the ID token; the person it names."""
        token = self.exchange(code=code, verifier=pending.verifier, redirect_uri=redirect_uri)
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SsoRefused("The identity provider sent no ID token.")
        claims = self.id_token_claims(
            id_token, nonce=pending.nonce, access_token=token.get("access_token")
        )
        claims = {**self.userinfo(token, subject=claims["sub"]), **claims}
        return replace(self._person(claims), id_token=id_token)

    def exchange(self, *, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
        """The token endpoint's answer to the authorization code."""
        try:
            with self._client(redirect_uri) as client:
                found = client.fetch_token(
                    self.metadata()["token_endpoint"],
                    code=code,
                    code_verifier=verifier,
                    timeout=self.settings.oidc_timeout_seconds,
                )
        except OAuth2Error as error:
            raise SsoRefused("The identity provider refused the login.") from error
        except requests.RequestException as error:
            raise ProviderUnavailable(
                "The town hall's login service does not answer. Please try again later."
            ) from error
        return dict(found)

    def id_token_claims(
        self, id_token: str, *, nonce: str, access_token: str | None
    ) -> dict[str, Any]:
        """Signature, issuer, audience, expiry, nonce (and `at_hash`) checked."""
        decoded = self._decode(id_token)
        params: dict[str, Any] = {"nonce": nonce, "client_id": self.settings.oidc_client_id}
        if access_token:
            params["access_token"] = access_token
        options: dict[str, Any] = {
            "iss": {"essential": True, "values": [self.metadata()["issuer"]]},
            "aud": {"essential": True, "values": [self.settings.oidc_client_id]},
        }
        claims = CodeIDToken(decoded.claims, decoded.header, options, params)
        try:
            claims.validate(leeway=LEEWAY_SECONDS)
        except JoseRfcError as error:
            raise SsoRefused(
                "The identity provider's answer is not meant for this board or has expired. "
                "Please log in again."
            ) from error
        if not claims.get("sub"):
            raise SsoRefused("The identity provider's answer names no person.")
        return dict(claims)

    def userinfo(self, token: dict[str, Any], *, subject: str) -> dict[str, Any]:
        """Claims the provider keeps out of the ID token; empty when it has no such endpoint."""
        endpoint = self.metadata().get("userinfo_endpoint")
        if not endpoint or "access_token" not in token:
            return {}
        found = self._get(endpoint, {"Authorization": f"Bearer {token['access_token']}"})
        # Claims about another subject must never be mixed in (OIDC Core 5.3.2).
        if found.get("sub") != subject:
            raise SsoRefused("The identity provider's answer names no person.")
        return found

    def _person(self, claims: dict[str, Any]) -> SsoPerson:
        settings = self.settings
        email = str(claims.get(settings.oidc_email_claim) or "").strip().lower()
        if not email or "@" not in email:
            raise SsoRefused(
                "The identity provider gave no e-mail address for you. "
                "Please ask the IT department."
            )
        name = str(claims.get(settings.oidc_name_claim) or "").strip() or email
        raw = claims.get(settings.oidc_groups_claim) or []
        groups = frozenset(str(g) for g in (raw if isinstance(raw, list) else [raw]))
        sid = claims.get("sid")
        # Only an explicit "false" counts: many providers of a town hall never send the claim.
        verified = str(claims.get("email_verified", True)).lower() != "false"
        return SsoPerson(
            subject=str(claims["sub"]),
            email=email[:254],
            name=name[:120],
            groups=groups,
            sid=str(sid) if sid else None,
            email_verified=verified or settings.oidc_trust_unverified_email,
        )

    def role(self, person: SsoPerson) -> Role:
        return role_for(
            person.groups,
            admin_group=self.settings.oidc_admin_group,
            lotse_group=self.settings.oidc_lotse_group,
        )

    # Logging out -------------------------------------------------------------------------

    def logout_url(self, *, back_to: str, id_token: str | None = None) -> str | None:
        """The provider's end-session address (RP-initiated logout), if it offers one. With the
        login's ID token as hint the provider knows whom to log out and need not ask."""
        try:
            endpoint = self.metadata().get("end_session_endpoint")
        except ProviderUnavailable:
            return None
        if not endpoint:
            return None
        params = {"client_id": self.settings.oidc_client_id, "post_logout_redirect_uri": back_to}
        if id_token:
            params["id_token_hint"] = id_token
        return str(requests.Request("GET", endpoint, params=params).prepare().url)

    def logout_token(self, token: str) -> tuple[str | None, str | None]:
        """(subject, provider session) of a valid back-channel logout token."""
        decoded = self._decode(token)
        claims = decoded.claims
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        now = time.time()
        events = claims.get("events")
        valid = (
            str(claims.get("iss", "")).rstrip("/") == self.issuer
            and self.settings.oidc_client_id in audiences
            and isinstance(claims.get("iat"), int | float)
            and claims["iat"] <= now + LEEWAY_SECONDS
            and (not isinstance(claims.get("exp"), int | float) or claims["exp"] >= now)
            and isinstance(events, dict)
            and BACKCHANNEL_EVENT in events
            and "nonce" not in claims
            and bool(claims.get("sub") or claims.get("sid"))
        )
        if not valid:
            raise SsoRefused("The logout notice is not valid.")
        sub, sid = claims.get("sub"), claims.get("sid")
        return (str(sub) if sub else None, str(sid) if sid else None)


_providers: dict[tuple[str, str], Provider] = {}
_providers_lock = threading.Lock()


def provider(settings: Settings) -> Provider:
    """The provider of these settings, one per process (its documents are cached)."""
    key = (settings.oidc_issuer, settings.oidc_client_id)
    with _providers_lock:
        found = _providers.get(key)
        if found is None or found.settings is not settings:
            found = _providers[key] = Provider(settings)
        return found
