"""The in-process fan-out: each subscriber its own bounded queue, repeats dropped, lag noted."""

import asyncio
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from app.realtime.broker import QUEUE_SIZE, LiveEvent, MemoryBroker

T = TypeVar("T")


def run(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run in a thread of its own (browser tests leave a loop running in this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, scenario()).result()


def _event(board_id: int, seq: int) -> LiveEvent:
    return LiveEvent(board_id, seq, '{"type": "card.moved"}')


def test_subscribers_get_their_boards_events_once_and_in_order() -> None:
    async def scenario() -> tuple[list[int], list[int]]:
        broker = MemoryBroker()
        mine, other = broker.subscribe(1), broker.subscribe(2)
        mine.seen_up_to = 3  # the board's seq when the socket said hello
        for seq in (2, 3, 4, 5, 5, 4, 6):  # an old one, repeats from a second relay
            broker.publish(_event(1, seq))
        broker.publish(_event(2, 9))
        await asyncio.sleep(0)
        got = [mine.queue.get_nowait().seq for _ in range(mine.queue.qsize())]
        return got, [other.queue.get_nowait().seq]

    assert run(scenario) == ([4, 5, 6], [9])


def test_a_lagging_subscriber_loses_events_not_memory_and_learns_how_far_it_fell_behind() -> None:
    async def scenario() -> tuple[int, int, int]:
        broker = MemoryBroker()
        slow, fast = broker.subscribe(1), broker.subscribe(1)
        for seq in range(1, QUEUE_SIZE + 51):
            broker.publish(_event(1, seq))
            if seq % 100 == 0:
                await asyncio.sleep(0)
                while not fast.queue.empty():
                    fast.queue.get_nowait()
        await asyncio.sleep(0)
        return slow.queue.qsize(), slow.dropped_up_to, fast.dropped_up_to

    assert run(scenario) == (QUEUE_SIZE, QUEUE_SIZE + 50, 0)


def test_an_event_is_rendered_once_per_variant_for_all_sockets() -> None:
    calls: list[bool] = []

    class Counting(LiveEvent):
        def _render(self, db: object, *, readonly: bool, anonymous: bool) -> str:  # type: ignore[override]
            calls.append(readonly)
            return f"text for {'screen' if readonly else 'desk'}"

    async def scenario() -> list[str]:
        event = Counting(1, 7, "{}")
        desks = [event.message(None, readonly=False) for _ in range(50)]  # type: ignore[arg-type]
        screens = [event.message(None, readonly=True) for _ in range(50)]  # type: ignore[arg-type]
        return await asyncio.gather(*desks, *screens)

    texts = run(scenario)
    assert texts == ["text for desk"] * 50 + ["text for screen"] * 50
    assert sorted(calls) == [False, True]


def test_a_socket_that_closes_while_waiting_for_the_rendering_leaves_the_others_their_text() -> (
    None
):
    calls: list[bool] = []

    class Slow(LiveEvent):
        def _render(self, db: object, *, readonly: bool, anonymous: bool) -> str:  # type: ignore[override]
            calls.append(readonly)
            time.sleep(0.2)
            return "text"

    async def scenario() -> tuple[list[str], bool]:
        event = Slow(1, 7, "{}")
        first = asyncio.create_task(event.message(None, readonly=False))  # type: ignore[arg-type]
        await asyncio.sleep(0.01)  # the first socket is rendering; the others wait for it
        waiting = [
            asyncio.create_task(event.message(None, readonly=False))  # type: ignore[arg-type]
            for _ in range(20)
        ]
        await asyncio.sleep(0.01)
        waiting[0].cancel()  # that socket closed
        texts = await asyncio.gather(first, *waiting[1:])
        return texts, waiting[0].cancelled()

    texts, closed = run(scenario)
    assert texts == ["text"] * 20 and closed
    assert calls == [False]


def test_a_refresh_reaches_every_board_once_however_many_relays_announce_it() -> None:
    async def scenario() -> list[list[str | None]]:
        broker = MemoryBroker()
        subscriptions = [broker.subscribe(1), broker.subscribe(1), broker.subscribe(2)]
        for global_seq in (4, 4, 4, 5, 3):  # three relays in one process, then a late one
            broker.refresh_all(global_seq)
        await asyncio.sleep(0)
        return [
            [s.queue.get_nowait().cached(readonly=False) for _ in range(s.queue.qsize())]
            for s in subscriptions
        ]

    assert run(scenario) == [['{"type": "refresh"}'] * 2] * 3
