"""`WS /ws/boards/{id}`: every committed event of a board, in seq order, to readers only."""

import asyncio
import json
import os
import re
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from app.accounts.access import SESSION_COOKIE, Principal, hides_actors
from app.db import Database
from app.realtime import guard
from app.realtime.broker import LEFT, PING, Control, Credentials, Refresh, Subscription, broker
from app.settings import Settings
from app.types import MAX_ID

router = APIRouter()
PATH = re.compile(r"/ws/boards/([1-9][0-9]{0,9})")

FORBIDDEN_ORIGIN = 4403
PING_TEXT = json.dumps({"type": "ping"})


def same_origin(websocket: WebSocket) -> bool:
    """Browsers always send Origin on a websocket handshake; it must be this site."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser (scripts authenticate with a token)
    return urlsplit(origin).netloc == websocket.headers.get("host", "")


class BoardSockets:
    """Board websockets go straight to their handler, past the framework's routing: an open
    board idles for hours, and each routed connection keeps the router's exception handlers,
    exit stacks and dependency results alive (~15 KiB) for nothing. Inside the language
    middleware, so live messages speak the page's language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            match = PATH.fullmatch(scope["path"])
            if match is not None and int(match[1]) <= MAX_ID:
                await board_socket(WebSocket(scope, receive, send), int(match[1]))
                return
        await self.app(scope, receive, send)


def credentials_of(websocket: WebSocket) -> Credentials:
    return Credentials(
        authorization=websocket.headers.get("authorization", ""),
        cookie=websocket.cookies.get(SESSION_COOKIE),
        screen=websocket.query_params.get("screen") or None,
    )


# Served by `BoardSockets`; the route names the path and refuses ids out of range.
@router.websocket("/ws/boards/{board_id}")
async def board_socket(websocket: WebSocket, board_id: int) -> None:
    """Check origin, identity and read access before accepting; then forward the events."""
    if not same_origin(websocket):
        await websocket.close(code=FORBIDDEN_ORIGIN)
        return
    settings = websocket.app.state.settings
    db: Database = websocket.app.state.db
    # Subscribe before reading the board's seq, so no commit falls between the two.
    subscription = broker.subscribe(board_id, credentials_of(websocket))
    guard.keep(db, settings)
    reader: asyncio.Task[None] | None = None
    try:
        code, last_seq, principal = await run_in_threadpool(_authorize, db, settings, subscription)
        if code:
            await websocket.close(code=code)
            return
        subscription.seen_up_to = last_seq or 0
        subscription.principal = principal
        # Screens get the cards as the wall shows them: without links or controls.
        readonly = principal is not None and principal.via == "screen"
        anonymous = hides_actors(principal, settings)
        await websocket.accept()
        reader = asyncio.create_task(_read(websocket, subscription))
        hello = {
            "type": "hello",
            "board_id": board_id,
            "seq": last_seq,
            "worker": os.getpid(),
            "ping": settings.live_ping_seconds,
        }
        await websocket.send_text(json.dumps(hello))
        while True:
            item = await subscription.queue.get()
            if item is PING:
                # Doubles as the heartbeat: a dead peer fails this send.
                await websocket.send_text(PING_TEXT)
                continue
            if isinstance(item, Control):
                if item.close_code:
                    await websocket.close(code=item.close_code)
                break
            # A note of an older commit may arrive while the handshake reads the seq:
            # the hello covered it already.
            if isinstance(item, Refresh) or item.seq > (last_seq or 0):
                text = item.cached(readonly=readonly, anonymous=anonymous)
                if text is None:
                    text = await item.message(db, readonly=readonly, anonymous=anonymous)
                await websocket.send_text(text)
            if subscription.dropped_up_to and subscription.queue.empty():
                # Events were dropped while this client lagged: say how far the board is.
                head = {"type": "head", "seq": subscription.dropped_up_to}
                subscription.dropped_up_to = 0
                await websocket.send_text(json.dumps(head))
    except WebSocketDisconnect:
        pass
    finally:
        if reader is not None:
            reader.cancel()
        broker.unsubscribe(subscription)


def _authorize(
    db: Database, settings: Settings, subscription: Subscription
) -> tuple[int, int | None, Principal | None]:
    with db.session() as session:
        return guard.authorize(session, settings, subscription.credentials, subscription.board_id)


async def _read(websocket: WebSocket, subscription: Subscription) -> None:
    """Read what the client sends (its pongs), so a close is noticed at once."""
    loop = asyncio.get_running_loop()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            subscription.queue.put_nowait(LEFT)
            return
        subscription.heard_at = loop.time()
