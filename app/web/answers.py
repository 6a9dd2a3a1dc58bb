"""Whole answers kept while nothing they show can have changed: the board page, the screen,
the JSON board and card list.

An answer's key holds what it depends on: the board's `last_seq` and the instance stream's seq
(every change to cards, phases, annotations, meetings, departments, lotsen, accounts and screen
links is an event in one of them), the minute (days in a phase, overdue, the next meeting), and
what of the request it shows (who asks, language, address, view). Nothing is invalidated, so
nothing can be missed: a change makes a new key. The key is read before the answer's data, so
a change in between makes an answer newer than its key, never older.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from fastapi import Request
from sqlmodel import Session
from starlette.responses import Response

from app import clock
from app.boards.models import Board
from app.events.service import instance_seq
from app.web.htmx import is_fragment_request
from app.web.i18n import current_language

KEPT_BYTES = 32 * 1024 * 1024  # a few dozen boards of 500 cards


@dataclass(frozen=True, slots=True)
class Stored:
    status_code: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


class Answers:
    """Least recently used answers up to a size in bytes; safe across threads."""

    def __init__(self, kept_bytes: int = KEPT_BYTES) -> None:
        self.kept_bytes = kept_bytes
        self._lock = threading.Lock()
        self._stored: OrderedDict[Hashable, Stored] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def answer(self, key: Hashable, make: Callable[[], Response]) -> Response:
        with self._lock:
            stored = self._stored.get(key)
            if stored is not None:
                self._stored.move_to_end(key)
                self.hits += 1
        if stored is not None:
            return Response(stored.body, stored.status_code, headers=dict(stored.headers))
        response = make()
        self.misses += 1
        if response.status_code == 200 and "set-cookie" not in response.headers:
            headers = tuple(
                (name, value)
                for name, value in response.headers.items()
                if name != "content-length"
            )
            self._keep(key, Stored(response.status_code, bytes(response.body), headers))
        return response

    def _keep(self, key: Hashable, stored: Stored) -> None:
        with self._lock:
            old = self._stored.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._stored[key] = stored
            self._bytes += len(stored.body)
            while self._bytes > self.kept_bytes and len(self._stored) > 1:
                _key, dropped = self._stored.popitem(last=False)
                self._bytes -= len(dropped.body)

    def clear(self) -> None:
        with self._lock:
            self._stored.clear()
            self._bytes = 0


answers = Answers()


def board_state(session: Session, board: Board) -> tuple[Hashable, ...]:
    """What every kept answer about a board depends on (read it before the answer's data).

    The board's creation time tells a board from one that got its id after a restore."""
    minute = clock.now().replace(second=0, microsecond=0).isoformat()
    return board.id, board.created_at, board.last_seq, instance_seq(session), minute


def request_view(request: Request) -> tuple[Hashable, ...]:
    """What of a request a rendered page shows: who asks (name, role, the session's CSRF
    token), the language, the address, the query and whether htmx asks for a fragment."""
    principal = getattr(request.state, "principal", None)
    who = (
        None
        if principal is None
        else (
            principal.via,
            principal.user_id,
            principal.session_id,
            principal.csrf_token,
            principal.role,
            principal.name,
            principal.screen_board_id,
        )
    )
    return (
        who,
        current_language(),
        str(request.base_url),
        request.url.path,
        request.url.query,
        is_fragment_request(request),
    )
