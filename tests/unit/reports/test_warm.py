"""After start-up the long logs are read ahead: the first report and the first board as it was
find their replay and checkpoints kept; short logs are left for the request that needs them."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from app import clock
from app.accounts import service as accounts
from app.cards import service as cards
from app.cards.models import Card, CardMove
from app.db import Database
from app.reports import history, past, warm
from app.web import templating
from tests.factories import ACTOR, make_board, make_card, phases_of

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_the_long_logs_are_read_ahead_and_the_short_ones_not(
    session: Session, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    replays, pasts = history.Replays(), past.Pasts(every=4)
    monkeypatch.setattr(history, "replays", replays)
    monkeypatch.setattr(past, "pasts", pasts)
    # A "long" log is one of at least 12 events here.
    monkeypatch.setattr(history, "KEPT_ROWS", 12)
    with clock.frozen_at(START):
        long, short = make_board(session), make_board(session)
        made = [make_card(session, long) for _ in range(4)]
        make_card(session, short)
    doing = phases_of(session, long)[2]
    for minute, card in enumerate(made * 2, start=1):
        with clock.frozen_at(START + timedelta(minutes=minute)):
            current = session.get(Card, card.id)
            assert current is not None
            move = CardMove(phase_id=doing.id, position=0, version=current.version)
            cards.move_card(session, card_id=current.id or 0, move=move, actor=ACTOR)
    warm.warm(db, threading.Event())
    key = history.board_key(session, long.id or 0, long.created_at)
    assert list(replays._kept) == [key]
    assert len(replays._kept[key][0].paths) == 4
    (checkpoints, _lock), *others = pasts._kept.values()
    assert not others
    # A checkpoint every four events, the last one at the log's end.
    session.refresh(long)
    assert checkpoints[-1].last_seq == long.last_seq
    assert len(checkpoints) >= 3


def test_reading_ahead_stops_when_the_server_does(
    session: Session, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    replays = history.Replays()
    monkeypatch.setattr(history, "replays", replays)
    monkeypatch.setattr(history, "KEPT_ROWS", 1)
    with clock.frozen_at(START):
        make_card(session, make_board(session))
    stopped = threading.Event()
    stopped.set()
    warm.warm(db, stopped)
    assert not replays._kept


def test_the_hyphenation_of_the_wall_screen_is_loaded_ahead_once_there_is_a_board(
    session: Session, db: Database
) -> None:
    templating._german.cache_clear()
    warm.warm(db, threading.Event())
    assert templating._german.cache_info().currsize == 0  # nothing to show yet
    make_board(session)
    warm.warm(db, threading.Event())
    assert templating._german.cache_info().currsize == 1
    assert templating.hyphenate("Digitalisierungsstrategie").count(templating.SOFT_HYPHEN) >= 3


def test_after_start_up_every_template_is_compiled_before_its_first_page(db: Database) -> None:
    env = templating.templates.env
    assert env.cache is not None
    env.cache.clear()
    accounts.unknown_user_hash.cache_clear()
    warm.start_up(db, threading.Event())
    assert {name for _loader, name in env.cache} == set(env.list_templates())
    # A login with an unknown address takes as long as one with a known, the first one too.
    assert accounts.unknown_user_hash.cache_info().currsize == 1
