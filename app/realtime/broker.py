"""Fan-out of committed events to the websockets of one process."""

import asyncio
import concurrent.futures
import json
import logging
import threading
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from app.realtime.live import STRUCTURAL, card_states, tally_html, touched_phases
from app.web.i18n import current_language

if TYPE_CHECKING:
    from app.accounts.access import Principal
    from app.db import Database

log = logging.getLogger("lotsenboard.realtime")

QUEUE_SIZE = 1000


class LiveEvent:
    """One committed board event on its way to this process's websockets."""

    # Variants kept per event: desk and screen, naming who acted or not, in up to two languages.
    CACHE = 8

    def __init__(self, board_id: int, seq: int, event_json: str) -> None:
        self.board_id = board_id
        self.seq = seq
        self.event_json = event_json
        self._lock = threading.Lock()
        self._messages: OrderedDict[tuple[bool, bool, str], concurrent.futures.Future[str]] = (
            OrderedDict()
        )
        self._waiting: dict[
            tuple[tuple[bool, bool, str], asyncio.AbstractEventLoop], asyncio.Future[str]
        ] = {}

    def cached(self, *, readonly: bool, anonymous: bool = False) -> str | None:
        """The text for this variant if it is rendered already."""
        future = self._messages.get((readonly, anonymous, current_language()))
        return future.result() if future is not None and future.done() else None

    async def message(self, db: "Database", *, readonly: bool, anonymous: bool = False) -> str:
        """The text sent to a socket: the first socket to ask renders it (in a worker thread),
        every other socket of this process waits for that one rendering. `anonymous`: without
        who acted (readers who may not see that)."""
        key = (readonly, anonymous, current_language())
        with self._lock:
            future = self._messages.get(key)
            owner = future is None
            if future is None:
                future = self._messages[key] = concurrent.futures.Future()
                while len(self._messages) > self.CACHE:
                    self._messages.popitem(last=False)
        if not owner:
            # One asyncio future per loop stands for the rendering: a thousand sockets waiting
            # on it cost a callback each, not a cross-thread wake-up each.
            loop = asyncio.get_running_loop()
            with self._lock:
                waiting = self._waiting.get((key, loop))
                if waiting is None:
                    waiting = self._waiting[(key, loop)] = asyncio.wrap_future(future)
            # Shielded: a socket that closes meanwhile must not cancel the others' wait.
            return await asyncio.shield(waiting)
        try:
            text = await run_in_threadpool(self._render, db, readonly=readonly, anonymous=anonymous)
        except BaseException as error:
            future.set_exception(error)
            raise
        future.set_result(text)
        return text

    def _render(self, db: "Database", *, readonly: bool, anonymous: bool) -> str:
        event = json.loads(self.event_json)
        if anonymous:
            event["actor"] = ""
        live: dict[str, Any]
        if event["type"] in STRUCTURAL:
            live = {"reload": True}
        elif event.get("card_id") is None:
            live = {}
        else:
            with db.session() as session:
                live = card_states(
                    session,
                    board_id=self.board_id,
                    card_ids=[event["card_id"]],
                    phase_ids=touched_phases(event),
                    readonly=readonly,
                )
                if readonly:
                    # The wall shows open annotations per department: keep that line current.
                    live["tally_html"] = tally_html(session, board_id=self.board_id)
        return json.dumps(
            {"type": "event", "seq": self.seq, "event": event, "live": live},
            ensure_ascii=False,
            separators=(",", ":"),
        )


class Refresh(LiveEvent):
    """Not a board event: names or colours every board shows changed (a department, a lotse)."""

    TEXT = json.dumps({"type": "refresh"})

    def __init__(self) -> None:
        super().__init__(0, 0, "{}")

    def cached(self, *, readonly: bool, anonymous: bool = False) -> str | None:
        return self.TEXT


@dataclass(frozen=True)
class Control:
    """Not an event: a heartbeat to send, or the socket to close (code 0: the client left)."""

    close_code: int | None = None


PING = Control()
LEFT = Control(close_code=0)


@dataclass(frozen=True)
class Credentials:
    """What a websocket showed at its handshake, kept to check its access again later."""

    authorization: str = ""
    cookie: str | None = None
    screen: str | None = None


class Inbox:
    """What waits to be sent on one socket: an unbounded FIFO for one reader on one loop.

    Lighter than an `asyncio.Queue` (one deque instead of four, a future only while the reader
    waits): a town hall's screens and desks keep boards open for hours.
    """

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: deque[LiveEvent | Control] = deque()
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: "LiveEvent | Control") -> None:
        self._items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def get_nowait(self) -> "LiveEvent | Control":
        return self._items.popleft()

    async def get(self) -> "LiveEvent | Control":
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.popleft()

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items


@dataclass(eq=False, slots=True)
class Subscription:
    board_id: int
    loop: asyncio.AbstractEventLoop
    credentials: Credentials = field(default_factory=Credentials)
    # Who the handshake found (None until then); revocations are matched against it.
    principal: "Principal | None" = None
    # Unbounded, so a close or a ping always fits; `offer` bounds the events in it.
    queue: Inbox = field(default_factory=Inbox)
    # Seqs already handed on (the board's seq at subscription time counts as seen):
    # a repeat from a second relay is dropped; a late one still goes out, clients order by seq.
    seen_up_to: int = 0
    recent: deque[int] | None = None  # made at the first event: most boards idle
    dropped_up_to: int = 0
    refreshed_up_to: int = 0
    # When the client last sent anything (a page answers each ping), in loop time.
    heard_at: float = 0.0

    def offer(self, message: LiveEvent) -> None:
        seq = message.seq
        if self.recent is None:
            self.recent = deque(maxlen=256)
        if seq <= self.seen_up_to or seq in self.recent:
            return
        self.recent.append(seq)
        if self.queue.qsize() >= QUEUE_SIZE:
            # A client this far behind is told the newest seq once it has read the rest,
            # and resyncs from the event log.
            self.dropped_up_to = max(self.dropped_up_to, seq)
            log.warning("dropping an event for a slow subscriber of board %s", self.board_id)
            return
        self.queue.put_nowait(message)

    def refresh(self, global_seq: int) -> None:
        # Once per instance-wide event, however many relays announce it.
        if global_seq <= self.refreshed_up_to:
            return
        self.refreshed_up_to = global_seq
        # A full queue is far behind already: that client re-renders when it catches up.
        if self.queue.qsize() < QUEUE_SIZE:
            self.queue.put_nowait(Refresh())

    def ping(self) -> None:
        # A client with events waiting hears from the server anyway.
        if self.queue.empty():
            self.queue.put_nowait(PING)

    def close(self, code: int) -> None:
        self.queue.put_nowait(Control(close_code=code))


class MemoryBroker:
    """Delivers each board's events to that board's subscribers; publish is thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: dict[int, set[Subscription]] = defaultdict(set)

    def subscribe(self, board_id: int, credentials: Credentials | None = None) -> Subscription:
        """Call from the event loop that will read the subscription's queue."""
        loop = asyncio.get_running_loop()
        subscription = Subscription(
            board_id=board_id,
            loop=loop,
            credentials=credentials or Credentials(),
            heard_at=loop.time(),
        )
        with self._lock:
            self._subscriptions[board_id].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            subscribers = self._subscriptions.get(subscription.board_id)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscriptions[subscription.board_id]

    def publish(self, message: LiveEvent) -> None:
        """Hand a committed event to each subscriber's loop; callable from any thread."""
        with self._lock:
            subscribers = list(self._subscriptions.get(message.board_id, ()))
        _on_their_loops(subscribers, lambda subscription: subscription.offer(message))

    def subscriptions(self) -> list[Subscription]:
        """Every open subscription of this process; callable from any thread."""
        with self._lock:
            return [s for group in self._subscriptions.values() for s in group]

    def refresh_all(self, global_seq: int) -> None:
        """Tell every open board to re-render; callable from any thread."""
        _on_their_loops(self.subscriptions(), lambda subscription: subscription.refresh(global_seq))


def by_loop(
    subscriptions: list[Subscription],
) -> dict[asyncio.AbstractEventLoop, list[Subscription]]:
    """The subscriptions grouped by the loop that serves them (closed loops left out)."""
    groups: dict[asyncio.AbstractEventLoop, list[Subscription]] = defaultdict(list)
    for subscription in subscriptions:
        if not subscription.loop.is_closed():
            groups[subscription.loop].append(subscription)
    return groups


def _on_their_loops(
    subscriptions: list[Subscription], call: Callable[[Subscription], None]
) -> None:
    """Call for each subscription on its own loop: one wake-up per loop, not per socket."""
    for loop, group in by_loop(subscriptions).items():
        loop.call_soon_threadsafe(_each, group, call)


def _each(subscriptions: list[Subscription], call: Callable[[Subscription], None]) -> None:
    for subscription in subscriptions:
        call(subscription)


broker = MemoryBroker()
