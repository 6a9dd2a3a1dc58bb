"""Who may keep a board open: access checked at the handshake, again when the event log says
it changed (a revoked screen link or token, an ended login, a deactivated account, changed
board access), and in a slow safety pass; plus the heartbeat that finds silent clients.

One keeper per event loop does this for all of its sockets, checking each distinct
credential and board once per pass, so idle sockets cost neither a task nor a query each.
"""

import asyncio
import logging
import weakref
from collections import defaultdict
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.accounts import members, tokens
from app.accounts import service as accounts
from app.accounts.access import Principal, can_read_board, identify_credentials
from app.boards.models import Board
from app.db import Database
from app.realtime.broker import Credentials, Subscription, broker, by_loop
from app.settings import Settings

log = logging.getLogger("lotsenboard.realtime")

# Close codes (4000 + the HTTP status they stand for).
NOT_AUTHENTICATED = 4401
NOT_FOUND = 4404
GONE_SILENT = 4408
# Pings (at least 5 s apart) a client may leave unanswered before it counts as gone.
SILENT_PINGS = 4

# Events after which open sockets are checked again at once.
ACCESS_CHANGES = frozenset(
    {
        accounts.USER_UPDATED,
        accounts.PASSWORD_CHANGED,
        accounts.LOGOUT,
        accounts.PERSON_ANONYMISED,
        tokens.TOKEN_REVOKED,
        tokens.SCREEN_LINK_REVOKED,
        tokens.SCREEN_LINK_CHANGED,
        members.BOARD_ACCESS_CHANGED,
    }
)


def authorize(
    session: Session, settings: Settings, credentials: Credentials, board_id: int
) -> tuple[int, int | None, Principal | None]:
    """(close code or 0, the board's last seq, who asks) for these credentials and board."""
    principal: Principal | None
    if credentials.screen:
        link = tokens.resolve_screen_link(session, plain=credentials.screen)
        principal = (
            None
            if link is None
            else Principal(name=link.name, role=None, via="screen", screen_board_id=link.board_id)
        )
    else:
        principal = identify_credentials(
            session,
            authorization=credentials.authorization,
            cookie=credentials.cookie,
            settings=settings,
        )
    if principal is None:
        return NOT_AUTHENTICATED, None, None
    board = session.get(Board, board_id)
    if board is None or not can_read_board(session, principal, board):
        return NOT_FOUND, None, principal
    return 0, board.last_seq, principal


def _affected(
    subscription: Subscription, kind: str, payload: dict[str, Any], board: int | None
) -> bool:
    """Whether an access change may concern this socket (unsure: yes)."""
    principal = subscription.principal
    if principal is None:
        return True  # still in its handshake, which may have read the state before the change
    if kind == members.BOARD_ACCESS_CHANGED:
        return subscription.board_id == board
    if kind in (tokens.SCREEN_LINK_REVOKED, tokens.SCREEN_LINK_CHANGED):
        return principal.via == "screen"
    if kind == accounts.LOGOUT:
        ended = payload.get("session_ids") or [payload.get("session_id")]
        return principal.session_id in ended
    user_id = payload.get("user_id", (payload.get("after") or {}).get("id"))
    return user_id is None or principal.user_id == user_id


def revoked(kind: str, payload: dict[str, Any], board_id: int | None) -> None:
    """An access change is committed: check the sockets it may concern now. Any thread."""
    if kind not in ACCESS_CHANGES:
        return
    affected = [s for s in broker.subscriptions() if _affected(s, kind, payload, board_id)]
    for loop, subscriptions in by_loop(affected).items():
        keeper = _keepers.get(loop)
        if keeper is not None:
            loop.call_soon_threadsafe(keeper.check, subscriptions)


class Keeper:
    """Heartbeat and access checks for the sockets of one event loop."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.loop = asyncio.get_running_loop()
        self._due: set[Subscription] = set()
        self._checking: asyncio.Task[None] | None = None
        self._beating: asyncio.Task[None] = self.loop.create_task(self._beat())

    @property
    def running(self) -> bool:
        return not self._beating.done()

    def stop(self) -> None:
        for task in (self._beating, self._checking):
            if task is not None:
                task.cancel()

    def _mine(self) -> list[Subscription]:
        return [s for s in broker.subscriptions() if s.loop is self.loop]

    async def _beat(self) -> None:
        ping = self.settings.live_ping_seconds
        silent_limit = SILENT_PINGS * max(ping, 5.0)
        next_check = self.loop.time() + self.settings.live_recheck_seconds
        while True:
            await asyncio.sleep(ping)
            sockets = self._mine()
            if not sockets:
                return  # the next socket on this loop starts a new keeper
            now = self.loop.time()
            for subscription in sockets:
                if subscription.principal is None:
                    continue  # not accepted yet
                if now - subscription.heard_at > silent_limit:
                    # Pages answer every ping; one that stopped is gone or hung.
                    subscription.close(GONE_SILENT)
                else:
                    subscription.ping()
            if now >= next_check:
                # The safety pass: what no event announces (an expired login) closes here.
                self.check(sockets)
                next_check = now + self.settings.live_recheck_seconds

    def check(self, subscriptions: list[Subscription]) -> None:
        """Check these sockets' access soon, together with any others already due."""
        self._due.update(subscriptions)
        if self._checking is None or self._checking.done():
            self._checking = self.loop.create_task(self._check_due())

    async def _check_due(self) -> None:
        while self._due:
            due, self._due = self._due, set()
            groups: dict[tuple[Credentials, int], list[Subscription]] = defaultdict(list)
            for subscription in due:
                groups[(subscription.credentials, subscription.board_id)].append(subscription)
            try:
                codes = await run_in_threadpool(self._codes, list(groups))
            except Exception:
                # The database is away: keep the sockets; the next pass checks them again.
                log.warning("could not check the access of open boards", exc_info=True)
                return
            for key, code in codes.items():
                if code:
                    for subscription in groups[key]:
                        subscription.close(code)

    def _codes(self, keys: list[tuple[Credentials, int]]) -> dict[tuple[Credentials, int], int]:
        with self.db.session() as session:
            return {
                (credentials, board_id): authorize(session, self.settings, credentials, board_id)[0]
                for credentials, board_id in keys
            }


_keepers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Keeper]" = (
    weakref.WeakKeyDictionary()
)


def keep(db: Database, settings: Settings) -> None:
    """Make sure the running loop has a keeper (call once a socket has subscribed, before its
    handshake reads access: a revocation committed meanwhile then finds a keeper to check it)."""
    loop = asyncio.get_running_loop()
    keeper = _keepers.get(loop)
    if keeper is None or not keeper.running:
        _keepers[loop] = Keeper(db, settings)


def stop() -> None:
    """At shutdown: end the running loop's keeper."""
    keeper = _keepers.pop(asyncio.get_running_loop(), None)
    if keeper is not None:
        keeper.stop()
