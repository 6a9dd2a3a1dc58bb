"""Domain and framework errors as JSON `{"detail": ...}` with the right status."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import Conflict, DomainError, InvalidInput, NotFound

log = logging.getLogger("lotsenboard")

_STATUS: list[tuple[type[DomainError], int]] = [
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


async def _domain_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    return JSONResponse(jsonable_encoder(error_body(error)), status_code=status_for(error))


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    # Never echo the input back: it may be huge or hostile.
    detail = [
        {"loc": list(item.get("loc", ())), "msg": item.get("msg", ""), "type": item.get("type", "")}
        for item in error.errors()
    ]
    return JSONResponse({"detail": detail, "code": "invalid"}, status_code=422)


async def _integrity_error(_request: Request, error: Exception) -> JSONResponse:
    log.warning("integrity error: %s", error)
    return JSONResponse(
        {"detail": "the change conflicts with existing data", "code": "conflict"}, status_code=409
    )


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    return JSONResponse(
        {"detail": error.detail}, status_code=error.status_code, headers=error.headers
    )


async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=error)
    return JSONResponse({"detail": "internal server error", "code": "internal"}, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
