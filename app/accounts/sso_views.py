"""Single sign-on pages: off to the town hall's identity provider and back, and the provider's
back-channel logout."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.responses import PlainTextResponse, RedirectResponse

from app.accounts import oidc, service, sso
from app.accounts.access import client_ip
from app.accounts.models import AuthSource
from app.accounts.views import logged_in, login_page_response, refusal, safe_next
from app.db import DatabaseDep
from app.errors import NotFound

router = APIRouter(include_in_schema=False)

PENDING_COOKIE = "lotsenboard_oidc"
CALLBACK_PATH = "/login/oidc/callback"


def _provider(request: Request) -> oidc.Provider:
    settings = request.app.state.settings
    if not settings.oidc_enabled:
        raise NotFound("page", request.url.path)
    return oidc.provider(settings)


def _callback_url(request: Request) -> str:
    # The address the provider has registered: the board's public one, not the request's.
    return request.app.state.settings.base_url.rstrip("/") + CALLBACK_PATH


@router.get("/login/oidc")
def oidc_start(request: Request, next: str = "/") -> Response:
    """Off to the identity provider, with a fresh state, nonce and PKCE verifier."""
    provider = _provider(request)
    try:
        url, pending = provider.start(redirect_uri=_callback_url(request), next_url=safe_next(next))
    except oidc.ProviderUnavailable as error:
        return login_page_response(
            request, next_url=safe_next(next), error=refusal(error), status=503
        )
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        PENDING_COOKIE,
        pending,
        max_age=oidc.PENDING_SECONDS,
        path="/login/oidc",
        httponly=True,
        # Lax: the provider sends the browser back with a top-level GET from its own site.
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
    )
    return response


@router.get(CALLBACK_PATH)
def oidc_callback(
    request: Request, db: DatabaseDep, code: str = "", state: str = "", error: str = ""
) -> Response:
    """Back from the provider: check everything it sent, then log in (or say why not)."""
    provider = _provider(request)
    settings = request.app.state.settings
    ip = client_ip(request)
    login = ""  # the address the provider named, for the password form if the login is refused
    try:
        pending = provider.pending(request.cookies.get(PENDING_COOKIE))
        if not state or not secrets.compare_digest(state, pending.state):
            raise oidc.SsoRefused(
                "The login took too long or was started in another window. Please try again."
            )
        if error or not code:
            raise oidc.SsoRefused("The identity provider refused the login.")
        person = provider.finish(code=code, pending=pending, redirect_uri=_callback_url(request))
        login = person.email
        identity = sso.Identity(
            source=AuthSource.oidc,
            external_id=person.subject,
            email=person.email,
            name=person.name,
            role=provider.role(person),
            email_verified=person.email_verified,
        )
        with db.session(write=True) as session:
            user = sso.sign_in(
                session, identity=identity, create=settings.oidc_create_accounts, ip=ip
            )
            token, _login = service.start_session(
                session, user=user, ip=ip, sso_sid=person.sid, id_token=person.id_token
            )
    except (oidc.SsoRefused, oidc.ProviderUnavailable, sso.NoAccount) as refused:
        status = 503 if isinstance(refused, oidc.ProviderUnavailable) else 403
        response = login_page_response(
            request, next_url="/", error=refusal(refused), status=status, login=login
        )
        response.delete_cookie(PENDING_COOKIE, path="/login/oidc")
        return response
    response = logged_in(request, token, next_url=pending.next_url)
    response.delete_cookie(PENDING_COOKIE, path="/login/oidc")
    return response


@router.post("/login/oidc/backchannel-logout")
def oidc_backchannel_logout(
    request: Request, db: DatabaseDep, logout_token: Annotated[str, Form(max_length=8000)]
) -> Response:
    """The provider ended a person's session there: end the sessions it began here.

    Called by the provider's server, not a browser; its signed token is the credential."""
    provider = _provider(request)
    try:
        subject, sid = provider.logout_token(logout_token)
    except (oidc.SsoRefused, oidc.ProviderUnavailable):
        return PlainTextResponse("invalid logout token", status_code=400)
    with db.session(write=True) as session:
        service.end_provider_sessions(session, subject=subject, sid=sid, actor="Anmeldedienst")
    return PlainTextResponse("", headers={"Cache-Control": "no-store"})
