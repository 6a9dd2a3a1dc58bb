"""What a restarted server would otherwise do in its first requests, done ahead: the routes are
built before it serves; then, in the background, the templates are compiled, the hyphenation
patterns of the wall screen's card titles loaded and the logs of long-lived boards read once,
so that the first report or board as it was does not wait for a whole year of events."""

import logging
import threading
from contextlib import suppress

from fastapi import FastAPI
from sqlmodel import col, func, select
from starlette.routing import NoMatchFound

from app import clock
from app.accounts import service as accounts
from app.boards.models import Board
from app.db import Database
from app.events.models import Event
from app.reports import history, past
from app.web import templating

log = logging.getLogger(__name__)


def build_routes(app: FastAPI) -> None:
    """Build every route's state now. FastAPI builds it at a route's first use, and the first
    page that links anywhere (url_for walks the routes) built all of them: 0.2 s. Only before
    serving: building it beside a request that builds the same is not safe."""
    with suppress(NoMatchFound):
        app.url_path_for("")  # a name no route has: every route is looked at


def start_up(db: Database, stop: threading.Event) -> None:
    """What a server reads ahead once it has started, in the order first visitors need it."""
    accounts.unknown_user_hash()  # else the first login with an unknown address takes longer
    try:
        templating.load_templates()
    except Exception:
        log.exception("compiling the templates ahead failed")
    warm(db, stop)


def warm(db: Database, stop: threading.Event) -> None:
    """Load the hyphenation patterns where there is a board to show; fill the kept replays and
    checkpoints of the boards whose log is long, longest first."""
    try:
        with db.session() as session:
            any_board = session.exec(select(Board.id).limit(1)).first() is not None
        # Outside a transaction: holding a table's lock for its 0.4 s, then asking for the
        # next one, deadlocked with a TRUNCATE of both (a test emptying the database).
        if any_board:
            templating.load_hyphenation()
        with db.session() as session:
            events = func.count(col(Event.seq))
            longest = session.exec(
                select(Event.board_id)
                .where(col(Event.board_id).is_not(None))
                .group_by(col(Event.board_id))
                .having(events >= history.KEPT_ROWS)
                .order_by(events.desc())
                .limit(min(history.replays.boards, past.pasts.boards))
            ).all()
            for board_id in longest:
                board = session.get(Board, board_id)
                if stop.is_set() or board is None or board.id is None:
                    break
                key = history.board_key(session, board.id, board.created_at)
                with history.replays.replay(session, board_id=board.id, key=key):
                    pass
                past.pasts.board_at(session, board_id=board.id, key=key, moment=clock.now())
                session.rollback()
    except Exception:
        # A cold cache is slower, not wrong: the request that needs it reads the log itself.
        log.exception("reading the long logs ahead failed")
