"""A person at the provider's own login form, driven over HTTP (the browser tests use Chromium)."""

import time
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.sso.oidc_provider import OidcProvider


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
