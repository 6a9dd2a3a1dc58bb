"""The application factory."""

import asyncio
import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from app import handlers, health
from app.accounts import api as accounts_api
from app.accounts import sso_views
from app.accounts import views as accounts_views
from app.annotations import api as annotations_api
from app.annotations import views as annotations_views
from app.boards import api as boards_api
from app.boards import screen as screen_views
from app.boards import settings_views as board_settings_views
from app.boards import views as boards_views
from app.cards import api as cards_api
from app.cards import views as cards_views
from app.db import Database
from app.digest import admin as digest_admin
from app.digest import schedule as digest_schedule
from app.digest import sending as digest_sending
from app.digest import views as digest_views
from app.events import api as events_api
from app.imports import views as imports_views
from app.meetings import api as meetings_api
from app.meetings import mode_api as meeting_mode_api
from app.meetings import mode_views as meeting_mode_views
from app.meetings import views as meetings_views
from app.pages import views as pages_views
from app.people import api as people_api
from app.people import views as people_views
from app.privacy import retention
from app.privacy import views as privacy_views
from app.realtime import guard
from app.realtime import views as realtime_views
from app.realtime import ws as realtime_ws
from app.realtime.relay import Relay
from app.reports import api as reports_api
from app.reports import views as reports_views
from app.reports import warm
from app.settings import ROOT_DIR, Settings, get_settings
from app.web import errors
from app.web.i18n import LanguageMiddleware
from app.web.limits import BodySizeLimit
from app.web.security import SecurityHeaders

API_PREFIX = "/api/v1"
API_ROUTERS = (
    boards_api.router,
    cards_api.router,
    annotations_api.router,
    events_api.router,
    meetings_api.router,
    meeting_mode_api.router,
    people_api.router,
    accounts_api.router,
    reports_api.router,
)
PAGE_ROUTERS = (
    health.router,
    boards_views.router,
    board_settings_views.router,
    cards_views.router,
    annotations_views.router,
    meetings_views.router,
    meeting_mode_views.router,
    digest_views.router,
    digest_admin.router,
    people_views.router,
    pages_views.router,
    reports_views.router,
    imports_views.router,
    accounts_views.router,
    sso_views.router,
    privacy_views.router,
    screen_views.router,
    realtime_ws.router,
    realtime_views.router,
)

log = logging.getLogger("lotsenboard")


def all_routes() -> list[tuple[str, APIRoute]]:
    """Every route with its full path (for the route-wide security tests)."""
    found = [(API_PREFIX, r) for router in API_ROUTERS for r in router.routes]
    found += [("", r) for router in PAGE_ROUTERS for r in router.routes]
    return [(prefix + route.path, route) for prefix, route in found if isinstance(route, APIRoute)]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    handlers.install()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        listener = None
        if app.state.db.broker in ("postgres", "redis"):
            listener = asyncio.create_task(Relay(app.state.db).run())
        # Login records and client addresses go after retention_days, mail or no mail.
        purging = None
        if settings.retention_job:
            purging = asyncio.create_task(retention.run(app.state.db, settings))
        digest = None
        if digest_sending.configured(settings):
            digest = asyncio.create_task(digest_schedule.run(app.state.db, settings))
        else:
            log.warning(
                "No mail server set (LOTSENBOARD_SMTP_HOST, LOTSENBOARD_MAIL_FROM): "
                "the weekly digest is not sent"
            )
        warm.build_routes(app)
        # What start-up loaded lives as long as the process: keep it out of the collector's
        # full passes (over ~230k objects they took ~90 ms, on about every fifth board page).
        gc.collect()
        gc.freeze()
        stop_warming = threading.Event()
        warming = threading.Thread(
            target=warm.start_up, args=(app.state.db, stop_warming), name="warm", daemon=True
        )
        warming.start()
        yield
        stop_warming.set()
        # Not while the database goes away under it; the event loop stays free meanwhile.
        await asyncio.to_thread(warming.join, 10)
        guard.stop()
        for task in (listener, digest, purging):
            if task is not None:
                task.cancel()
        app.state.db.dispose()

    app = FastAPI(
        title="Lotsenboard",
        version="0.1.0",
        description="Kanban board for the Digitallotsen of a Kommune.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = Database(
        settings.resolved_database_url, broker=settings.broker, redis_url=settings.redis_url
    )
    app.add_middleware(realtime_ws.BoardSockets)
    app.add_middleware(LanguageMiddleware, configured=settings.language)
    # An uploaded list may be larger than any form: its own limit, and the wrapping around it.
    upload = ("POST", r"/boards/[0-9]+/import", settings.import_max_bytes + 256 * 1024)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, larger=(upload,))
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=ROOT_DIR / "static"), name="static")
    return app
