"""A person at the provider's own login form, driven over HTTP (the browser tests use Chromium)."""

import base64
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.sso.oidc_provider import OidcProvider, rsa_private_jwk


def provider_login(authorize_url: str, *, login: str, back_to: str) -> str:
    """Follow the provider from its authorization address through its login form until it
    sends the browser back to `back_to`; that address (with code and state)."""
    browser = requests.Session()
    url = authorize_url
    for _step in range(10):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["location"])
            if url.startswith(back_to):
                return url
            continue
        assert response.status_code == 200, response.text[:500]
        assert 'name="login"' in response.text, response.text[:500]
        action = response.text.split('action="', 1)[1].split('"', 1)[0]
        posted = browser.post(
            urljoin(url, action),
            data={"prompt": "login", "login": login, "password": "beliebig"},
            allow_redirects=False,
            timeout=10,
        )
        assert posted.status_code in (302, 303), posted.text[:500]
        url = urljoin(url, posted.headers["location"])
        if url.startswith(back_to):
            return url
    raise AssertionError(f"the provider never sent the browser back to {back_to}")


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def signed(claims: dict[str, Any], jwk: dict[str, str], **header: str) -> str:
    """A JWT signed with `jwk` (the provider's own key, or another one)."""
    key = RSAKey.import_key(jwk)
    return jwt.encode({"alg": "RS256", "kid": jwk["kid"], **header}, claims, key)


def id_token(provider: OidcProvider, *, nonce: str, **changes: Any) -> str:
    """An ID token as the provider would sign it for our client, with `changes` applied."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": provider.issuer,
        "aud": provider.client_id,
        "sub": "sub-jana",
        "email": "jana.kuhn@musterstadt.de",
        "name": "Jana Kuhn",
        "groups": ["lotsenboard-lotse"],
        "nonce": nonce,
        "iat": now,
        "exp": now + 300,
    }
    claims.update(changes)
    return signed({k: v for k, v in claims.items() if v is not None}, provider.jwk)


# ID tokens no relying party may accept, by what is wrong with them (nonce: the one sent).
BAD_TOKENS: dict[str, Callable[[OidcProvider, str], str]] = {
    "wrong nonce": lambda p, nonce: id_token(p, nonce="fremd"),
    "expired": lambda p, nonce: id_token(
        p, nonce=nonce, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600
    ),
    "wrong audience": lambda p, nonce: id_token(p, nonce=nonce, aud="anderes-verfahren"),
    "wrong issuer": lambda p, nonce: id_token(p, nonce=nonce, iss="http://127.0.0.1:9"),
    "signed by another key": lambda p, nonce: signed(
        {**_claims_of(id_token(p, nonce=nonce))}, rsa_private_jwk(kid=p.jwk["kid"])
    ),
    "signed by an unknown key": lambda p, nonce: signed(
        {**_claims_of(id_token(p, nonce=nonce))}, rsa_private_jwk()
    ),
    "not signed": lambda p, nonce: _unsigned(id_token(p, nonce=nonce)),
}


def _claims_of(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


def _unsigned(token: str) -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    return f"{header}.{token.split('.')[1]}."
