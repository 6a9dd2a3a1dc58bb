"""HTML routes of the import: upload a file, map its columns, try it, import it (admins)."""

import re
import secrets
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.accounts.access import Admin
from app.boards.models import Board
from app.cards.texts import error_message
from app.db import SessionDep, ident
from app.errors import DomainError, InvalidInput, NotFound
from app.imports import mapping, reading, template, texts
from app.imports import service as imports
from app.settings import Settings
from app.web.deps import BoardDep
from app.web.downloads import MEDIA_TYPES, content_disposition, slugify
from app.web.htmx import render, see_other
from app.web.i18n import gettext as _
from app.web.i18n import size_format

router = APIRouter(include_in_schema=False)

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,40}$")
# An upload waits this long for its mapping; older ones are cleared on the next upload.
KEEP_SECONDS = 24 * 3600
PREVIEW_ROWS = 5


def _folder(settings: Settings) -> Path:
    folder = settings.data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store(settings: Settings, board_id: int, content: bytes, name: str) -> str:
    """Keep an upload for its next steps (a day at most); the token that names it."""
    folder = _folder(settings)
    for old in folder.iterdir():
        try:
            if old.stat().st_mtime < time.time() - KEEP_SECONDS:
                old.unlink(missing_ok=True)
        except OSError:
            continue  # cleared by another upload meanwhile
    token = secrets.token_urlsafe(24)
    path = folder / f"{board_id}-{token}"
    path.write_bytes(content)
    path.with_suffix(".name").write_text(name, encoding="utf-8")
    return token


def _stored(settings: Settings, board_id: int, token: str) -> tuple[bytes, str]:
    if not TOKEN.match(token):
        raise NotFound("upload", token)
    path = _folder(settings) / f"{board_id}-{token}"
    try:
        return path.read_bytes(), (path.with_suffix(".name")).read_text(encoding="utf-8")
    except OSError:
        raise NotFound("upload", token) from None


def _field_names() -> list[tuple[str, str]]:
    return [("", _("– do not import –"))] + [
        (name, texts.field_name(name)) for name in mapping.FIELDS
    ]


def _page(request: Request, board: Board, *, status: int = 200, **context: Any) -> HTMLResponse:
    base = {"board": board, "error": "", "sheet": None, "token": "", "fields": _field_names()}
    base["limit"] = size_format(request.app.state.settings.import_max_bytes)
    return render(request, "imports/import.html", base | context, status_code=status)


@router.get("/boards/{board_id}/import", response_class=HTMLResponse)
def import_page(request: Request, board: BoardDep, principal: Admin) -> HTMLResponse:
    """Upload a spreadsheet of measures for this board."""
    return _page(request, board)


@router.post("/boards/{board_id}/import", response_class=HTMLResponse)
async def import_upload(
    request: Request,
    board: BoardDep,
    principal: Admin,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Keep the file for the next steps and show its columns."""
    limit = request.app.state.settings.import_max_bytes
    content = await file.read(limit + 1)
    name = (file.filename or "liste")[:200]
    try:
        if len(content) > limit:
            raise InvalidInput("file", "the file is larger than %(max)s", max=size_format(limit))
        # Reading a workbook takes a while: not on the event loop.
        await run_in_threadpool(reading.read, content, name)
    except DomainError as error:
        return _page(request, board, status=422, error=error_message(error))
    token = await run_in_threadpool(store, request.app.state.settings, ident(board), content, name)
    return see_other(f"/boards/{ident(board)}/import/{token}")


@router.get("/boards/{board_id}/import-vorlage.xlsx")
def import_template(board: BoardDep, session: SessionDep, principal: Admin) -> Response:
    """An empty list with the columns the import recognises and the values this board knows."""
    name = f"vorlage-{slugify(board.name)}.xlsx"
    return Response(
        template.workbook(session, board_id=ident(board)),
        media_type=MEDIA_TYPES["xlsx"],
        headers={"Content-Disposition": content_disposition(name)},
    )


@router.get("/boards/{board_id}/import/{token}", response_class=HTMLResponse)
def import_mapping(request: Request, board: BoardDep, principal: Admin, token: str) -> HTMLResponse:
    """The file's columns with what each is taken for, and its first rows."""
    content, name = _stored(request.app.state.settings, ident(board), token)
    sheet = reading.read(content, name)
    guessed = mapping.guess(sheet.header)
    return _page(request, board, sheet=sheet, token=token, name=name, chosen=guessed)


@router.post("/boards/{board_id}/import/{token}", response_class=HTMLResponse)
async def import_run(
    request: Request,
    board: BoardDep,
    session: SessionDep,
    principal: Admin,
    token: str,
    action: Annotated[str, Form(max_length=10)] = "dry",
    create_missing: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    """A dry run, or the import itself, with the columns as chosen."""
    form = await request.form()
    chosen_fields = {key: value for key, value in form.items() if isinstance(value, str)}
    # The work is the database's and openpyxl's: in the thread pool, as every other change.
    return await run_in_threadpool(
        _run, request, board, session, principal.name, token, action, create_missing, chosen_fields
    )


def _run(
    request: Request,
    board: Board,
    session: Session,
    actor: str,
    token: str,
    action: str,
    create_missing: bool,
    form: dict[str, str],
) -> HTMLResponse:
    content, name = _stored(request.app.state.settings, ident(board), token)
    sheet = reading.read(content, name)
    chosen: dict[int, str] = {}
    for index in range(len(sheet.header)):
        value = form.get(f"column-{index}", "")
        if value in mapping.FIELDS:
            chosen[index] = value
    context: dict[str, Any] = {
        "sheet": sheet,
        "token": token,
        "name": name,
        "chosen": chosen,
        "create_missing": create_missing,
    }
    try:
        report = imports.run(
            session,
            board=board,
            sheet=sheet,
            mapping=chosen,
            create_missing=create_missing,
            dry_run=action != "run",
            actor=actor,
            filename=name,
        )
    except DomainError as error:
        return _page(request, board, status=422, error=error_message(error), **context)
    context |= {
        "report": report,
        "summary": texts.summary(report, dry_run=action != "run"),
        "lines": texts.lines(report),
        "rule": texts.match_rule(chosen),
    }
    if report.applied:
        _remove(request.app.state.settings, ident(board), token)
    return _page(request, board, status=422 if report.refused else 200, **context)


def _remove(settings: Settings, board_id: int, token: str) -> None:
    path = _folder(settings) / f"{board_id}-{token}"
    path.unlink(missing_ok=True)
    path.with_suffix(".name").unlink(missing_ok=True)
