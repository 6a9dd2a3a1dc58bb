"""Domain and framework errors as JSON `{"detail": ...}` with the right status."""

import logging
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.accounts.access import Forbidden, NotAuthenticated
from app.accounts.service import InvalidCredentials, LoginThrottled
from app.errors import Conflict, DomainError, InvalidInput, NotFound
from app.web.i18n import gettext as _

log = logging.getLogger("lotsenboard")

MAX_ERRORS = 20

_STATUS: list[tuple[type[DomainError], int]] = [
    (NotAuthenticated, 401),
    (InvalidCredentials, 401),
    (Forbidden, 403),
    (LoginThrottled, 429),
    (NotFound, 404),
    (InvalidInput, 422),
    (Conflict, 409),
]


def status_for(error: DomainError) -> int:
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 400


def error_body(error: DomainError) -> dict[str, Any]:
    if isinstance(error, InvalidInput):
        detail: Any = [{"loc": ["body", error.field], "msg": error.message, "type": error.code}]
    else:
        detail = error.message
    extra = {key: value for key, value in error.extra.items() if value is not None}
    return {"detail": detail, "code": error.code, **extra}


def _page_message(status: int) -> str:
    messages = {
        403: _("You are not allowed to do this."),
        404: _("This page does not exist (any more)."),
        409: _("The change does not fit the current state."),
        413: _("The form or file is too large."),
        422: _("The input is not valid."),
        500: _("An internal error occurred. Please try again later."),
    }
    return messages.get(status, _("The request could not be handled."))


def _wants_page(request: Request) -> bool:
    """Pages get HTML errors; the API and machine clients get JSON."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _wants_json(request: Request) -> bool:
    """The API, and page scripts that ask for JSON (a login page would be no answer)."""
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def _page(request: Request, status: int) -> Response:
    from app.web.templating import templates

    message = _page_message(status)
    context = {"status": status, "message": message}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def _to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"/login?{urlencode({'next': target})}"
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=401, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def _domain_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)
    if isinstance(error, NotAuthenticated) and not _wants_json(request):
        return _to_login(request)
    if _wants_page(request):
        return _page(request, status_for(error))
    return JSONResponse(jsonable_encoder(error_body(error)), status_code=status_for(error))


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError | ValidationError)
    if _wants_page(request):
        return _page(request, 422)
    # Never echo the input back: it may be huge or hostile (field names included).
    detail = [
        {
            "loc": [part[:100] if isinstance(part, str) else part for part in item.get("loc", ())],
            "msg": str(item.get("msg", ""))[:300],
            "type": item.get("type", ""),
        }
        for item in error.errors()[:MAX_ERRORS]
    ]
    return JSONResponse({"detail": detail, "code": "invalid"}, status_code=422)


async def _integrity_error(_request: Request, error: Exception) -> JSONResponse:
    log.warning("integrity error: %s", error)
    return JSONResponse(
        {"detail": "the change conflicts with existing data", "code": "conflict"}, status_code=409
    )


async def _out_of_range(request: Request, error: Exception) -> Response:
    # A number no column can hold (e.g. an id past 32 bits) names nothing that exists.
    log.info("out-of-range value refused: %s", error)
    if _wants_page(request):
        return _page(request, 422)
    return JSONResponse(
        {"detail": "a number in the request is out of range", "code": "invalid"}, status_code=422
    )


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if _wants_page(request) and error.status_code >= 400:
        return _page(request, error.status_code)
    return JSONResponse(
        {"detail": error.detail}, status_code=error.status_code, headers=error.headers
    )


async def _unexpected(request: Request, error: Exception) -> Response:
    log.exception("unhandled error", exc_info=error)
    if _wants_page(request):
        return _page(request, 500)
    return JSONResponse({"detail": "internal server error", "code": "internal"}, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
