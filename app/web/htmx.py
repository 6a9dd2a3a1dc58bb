"""Page or fragment: one template per screen, htmx gets one of its blocks."""

import json
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.web.templating import templates


def is_fragment_request(request: Request) -> bool:
    """True for htmx requests, except history restores (they need the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


Fragment = Annotated[bool, Depends(is_fragment_request)]


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    block: str | None = None,
    status_code: int = 200,
    trigger: dict[str, Any] | None = None,
    reswap: str | None = None,
    retarget: str | None = None,
) -> HTMLResponse:
    """The whole page, or only `block` when htmx asks; always `Vary: HX-Request`."""
    block_name = block if block and is_fragment_request(request) else None
    response = cast(
        HTMLResponse,
        templates.TemplateResponse(
            request, template, context, status_code=status_code, block_name=block_name
        ),
    )
    response.headers["Vary"] = "HX-Request"
    if trigger:
        response.headers["HX-Trigger"] = json.dumps(trigger, ensure_ascii=True)
    if reswap:
        response.headers["HX-Reswap"] = reswap
    if retarget and block_name:
        # The answer belongs elsewhere than the form asked (e.g. back into the open dialog).
        response.headers["HX-Retarget"] = retarget
    return response


def see_other(url: str) -> RedirectResponse:
    """Post/redirect/get for plain form posts."""
    return RedirectResponse(url, status_code=303)
