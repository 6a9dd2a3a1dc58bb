"""One-click unsubscribe from the weekly digest: no login, the signed link is the proof."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from app.db import SessionDep
from app.digest import subscriptions
from app.errors import NotFound
from app.web.htmx import render

router = APIRouter(include_in_schema=False)

Token = Annotated[str, Path(max_length=400)]


@router.get("/wochenuebersicht/abbestellen/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: Token) -> HTMLResponse:
    """Asks before it acts: link scanners open links, they do not press buttons."""
    return render(request, "digest/unsubscribe.html", {"token": token, "done": None})


@router.post("/wochenuebersicht/abbestellen/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, session: SessionDep, token: Token) -> HTMLResponse:
    """The button on that page, and a mail program's one-click POST (RFC 8058)."""
    secret = request.app.state.settings.resolved_secret_key()
    try:
        done = subscriptions.unsubscribe(session, token=token, secret=secret)
    except NotFound:
        context = {"token": token, "done": None, "invalid": True}
        return render(request, "digest/unsubscribe.html", context, status_code=404)
    return render(request, "digest/unsubscribe.html", {"token": token, "done": done})
