"""`WS /ws/boards/{id}`: every committed event of a board, in seq order, to readers only."""

import asyncio
import json
import os
import random
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from app.accounts import tokens
from app.accounts.access import Principal, can_read_board, identify_connection
from app.boards.models import Board
from app.db import Database
from app.realtime.broker import LiveEvent, Refresh, broker

router = APIRouter()

# Close codes (4000 + the HTTP status they stand for).
FORBIDDEN_ORIGIN = 4403
NOT_AUTHENTICATED = 4401
NOT_FOUND = 4404
GONE_SILENT = 4408
# Pings (at least 5 s apart) a client may leave unanswered before it counts as gone.
SILENT_PINGS = 4
PING = json.dumps({"type": "ping"})


def same_origin(websocket: WebSocket) -> bool:
    """Browsers always send Origin on a websocket handshake; it must be this site."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser (scripts authenticate with a token)
    return urlsplit(origin).netloc == websocket.headers.get("host", "")


def _authorize(websocket: WebSocket, board_id: int) -> tuple[int, int | None, Principal | None]:
    """(close code or 0, the board's last seq, who asks) for this handshake."""
    db: Database = websocket.app.state.db
    with db.session() as session:
        principal: Principal | None
        screen = websocket.query_params.get("screen")
        if screen:
            link = tokens.resolve_screen_link(session, plain=screen)
            principal = (
                None
                if link is None
                else Principal(
                    name=link.name, role=None, via="screen", screen_board_id=link.board_id
                )
            )
        else:
            principal = identify_connection(websocket, session)
        if principal is None:
            return NOT_AUTHENTICATED, None, None
        board = session.get(Board, board_id)
        if board is None or not can_read_board(session, principal, board):
            return NOT_FOUND, None, principal
        return 0, board.last_seq, principal


@router.websocket("/ws/boards/{board_id}")
async def board_socket(websocket: WebSocket, board_id: int) -> None:
    """Check origin, identity and read access before accepting; then forward the events."""
    if not same_origin(websocket):
        await websocket.close(code=FORBIDDEN_ORIGIN)
        return
    # Subscribe before reading the board's seq, so no commit falls between the two.
    subscription = broker.subscribe(board_id)
    code, last_seq, principal = await run_in_threadpool(_authorize, websocket, board_id)
    if code:
        broker.unsubscribe(subscription)
        await websocket.close(code=code)
        return
    subscription.seen_up_to = last_seq or 0
    settings = websocket.app.state.settings
    db: Database = websocket.app.state.db
    # Screens get the cards as the wall shows them: without links or controls.
    readonly = principal is not None and principal.via == "screen"
    heard = _Heard(asyncio.get_running_loop().time())
    closed: asyncio.Task[None] | None = None
    next_event: asyncio.Task[LiveEvent] | None = None
    try:
        await websocket.accept()
        closed = asyncio.create_task(_until_closed(websocket, heard))
        hello = {
            "type": "hello",
            "board_id": board_id,
            "seq": last_seq,
            "worker": os.getpid(),
            "ping": settings.live_recheck_seconds,
        }
        await websocket.send_text(json.dumps(hello))
        loop = asyncio.get_running_loop()
        # A random first offset spreads the re-checks of sockets that connected together
        # (every screen after a restart), so they do not all hit the database at once.
        next_check = loop.time() + settings.live_recheck_seconds * random.uniform(0.2, 1.0)
        while True:
            if next_event is None:
                next_event = asyncio.create_task(subscription.queue.get())
            done, _pending = await asyncio.wait(
                {next_event, closed},
                timeout=max(0.0, next_check - loop.time()),
                return_when=asyncio.FIRST_COMPLETED,
            )
            if closed in done:
                break
            if next_event in done:
                event = next_event.result()
                next_event = None
                # A note of an older commit may arrive while the handshake reads the seq:
                # the hello covered it already.
                if isinstance(event, Refresh) or event.seq > (last_seq or 0):
                    text = event.cached(readonly=readonly)
                    if text is None:
                        text = await event.message(db, readonly=readonly)
                    await websocket.send_text(text)
                if subscription.dropped_up_to and subscription.queue.empty():
                    # Events were dropped while this client lagged: say how far the board is.
                    head = {"type": "head", "seq": subscription.dropped_up_to}
                    subscription.dropped_up_to = 0
                    await websocket.send_text(json.dumps(head))
            if loop.time() >= next_check:
                # Revocation reaches open sockets: a revoked screen link, an ended session,
                # a deactivated account or lost board access closes the socket here.
                code, _seq, _principal = await run_in_threadpool(_authorize, websocket, board_id)
                if code:
                    await websocket.close(code=code)
                    break
                silent_limit = SILENT_PINGS * max(settings.live_recheck_seconds, 5.0)
                if loop.time() - heard.at > silent_limit:
                    # Pages answer every ping; one that stopped is gone or hung.
                    await websocket.close(code=GONE_SILENT)
                    break
                # Doubles as the heartbeat: a dead peer fails this send.
                await websocket.send_text(PING)
                next_check = loop.time() + settings.live_recheck_seconds
    except WebSocketDisconnect:
        pass
    finally:
        for task in (next_event, closed):
            if task is not None:
                task.cancel()
        broker.unsubscribe(subscription)


class _Heard:
    """When the client last sent anything (a page answers each ping)."""

    def __init__(self, at: float) -> None:
        self.at = at


async def _until_closed(websocket: WebSocket, heard: _Heard) -> None:
    """Read what the client sends (its pongs), so a close is noticed at once."""
    loop = asyncio.get_running_loop()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        heard.at = loop.time()
