"""Fan-out of committed events to the websockets of one process."""

import asyncio
import logging
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field

log = logging.getLogger("lotsenboard.realtime")

QUEUE_SIZE = 1000


@dataclass(eq=False)
class Subscription:
    board_id: int
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE))
    # Seqs already handed on (the board's seq at subscription time counts as seen):
    # a repeat from a second relay is dropped; a late one still goes out, clients order by seq.
    seen_up_to: int = 0
    recent: deque[int] = field(default_factory=lambda: deque(maxlen=256))

    def offer(self, seq: int, message: str) -> None:
        if seq <= self.seen_up_to or seq in self.recent:
            return
        self.recent.append(seq)
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            # A client this far behind resyncs from the event log.
            log.warning("dropping an event for a slow subscriber of board %s", self.board_id)


class MemoryBroker:
    """Delivers each board's events to that board's subscribers; publish is thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: dict[int, set[Subscription]] = defaultdict(set)

    def subscribe(self, board_id: int) -> Subscription:
        """Call from the event loop that will read the subscription's queue."""
        subscription = Subscription(board_id=board_id, loop=asyncio.get_running_loop())
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

    def publish(self, board_id: int, seq: int, message: str) -> None:
        """Hand a committed event to each subscriber's loop; callable from any thread."""
        with self._lock:
            subscribers = list(self._subscriptions.get(board_id, ()))
        for subscription in subscribers:
            if not subscription.loop.is_closed():
                subscription.loop.call_soon_threadsafe(subscription.offer, seq, message)


broker = MemoryBroker()
