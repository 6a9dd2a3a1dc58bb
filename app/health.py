"""Liveness and readiness probes."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app import migrate
from app.db import DatabaseDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(db: DatabaseDep) -> JSONResponse:
    """The database answers and its schema is at the newest migration."""
    try:
        db.ping()
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    if not migrate.at_head(db.engine, db.url):
        return JSONResponse(
            {"status": "unavailable", "database": "migrations pending"}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": "ok"})
