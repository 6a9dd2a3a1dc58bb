"""The board websocket on a real uvicorn: events in seq order to readers, nothing to others."""

import base64
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from app.accounts import members, tokens
from app.accounts import service as accounts
from app.accounts.models import LoginSession, Role, UserUpdate
from app.annotations import service as annotations
from app.annotations.models import AnnotationUpdate
from app.boards import service as boards
from app.cards import service as cards
from app.cards.models import CardMove, CardUpdate
from app.db import Database
from app.people import service as people
from app.people.models import DepartmentUpdate
from app.settings import Settings
from tests.factories import (
    ACTOR,
    make_annotation,
    make_board,
    make_card,
    make_department,
    make_user,
)
from tests.live import LiveServer


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("ws"),
        secret_key="ws",
        live_ping_seconds=0.3,
        # Revocations must reach open sockets through the event log, not the safety pass.
        live_recheck_seconds=3600,
    )
    live = LiveServer(settings)
    live.start()
    yield live
    live.stop()


def _token(db: Database, role: Role = Role.lotse) -> str:
    with db.session() as session:
        user = make_user(session, role=role)
        plain, _token = tokens.create_token(session, user=user, name="ws")
    return plain


def _open(server: LiveServer, board_id: int, **kwargs: object) -> ClientConnection:
    return connect(f"{server.ws_url}/ws/boards/{board_id}", open_timeout=5, **kwargs)  # type: ignore[arg-type]


def _message(client: ClientConnection) -> dict[str, object]:
    """The next message that is not a heartbeat."""
    while True:
        message: dict[str, object] = json.loads(client.recv(timeout=5))
        if message["type"] != "ping":
            return message


def test_clients_receive_moves_in_seq_order(server: LiveServer, db: Database) -> None:
    with db.session() as session:
        board = make_board(session)
        card = make_card(session, board)
        phase_ids = [p.id for p in boards.list_phases(session, board_id=board.id)]
    token = _token(db)
    stack = ExitStack()
    sockets = [
        stack.enter_context(
            _open(server, board.id, additional_headers={"Authorization": f"Bearer {token}"})
        )
        for _ in range(5)
    ]
    hellos = [_message(socket) for socket in sockets]
    assert {hello["seq"] for hello in hellos} == {2}
    with db.session() as session:
        version = card.version
        for target in phase_ids[1:]:
            moved = cards.move_card(
                session,
                card_id=card.id,
                move=CardMove(phase_id=target, position=0, version=version),
                actor="Jana Kuhn",
            )
            version = moved.version
    for client in sockets:
        received = [_message(client) for _ in phase_ids[1:]]
        assert [m["seq"] for m in received] == [3, 4, 5]
        assert {m["type"] for m in received} == {"event"}
        events = [m["event"] for m in received]
        assert {e["type"] for e in events} == {"card.moved"}  # type: ignore[index]
        assert events[-1]["payload"]["after"]["phase_id"] == phase_ids[-1]  # type: ignore[index]
        # The page needs no further request: the card as rendered, and where it now stands.
        live = received[-1]["live"]
        (state,) = live["cards"]  # type: ignore[index]
        assert (state["id"], state["phase_id"], state["version"]) == (card.id, phase_ids[-1], 4)
        assert card.title in state["html"] and 'href="/cards/' in state["html"]
        orders = {phase["id"]: phase["order"] for phase in live["phases"]}  # type: ignore[index]
        assert orders == {phase_ids[-2]: [], phase_ids[-1]: [card.id]}
        assert live["total"] == 1
    stack.close()


def test_foreign_origin_missing_login_and_unreadable_boards_get_nothing(
    server: LiveServer, db: Database
) -> None:
    with db.session() as session:
        board = make_board(session)
        secret = make_board(session, name="Personalamt")
        members.set_board_access(
            session, board_id=secret.id, restricted=True, members=[], actor=ACTOR
        )
    token = _token(db)
    auth = {"Authorization": f"Bearer {token}"}
    refused = [
        dict(board_id=board.id, additional_headers=auth, origin="http://evil.example"),
        dict(board_id=board.id),
        dict(board_id=board.id, additional_headers={"Authorization": "Bearer lbt_falsch"}),
        dict(board_id=secret.id, additional_headers=auth),
        dict(board_id=999_999, additional_headers=auth),
    ]
    for case in refused:
        board_id = case.pop("board_id")
        with pytest.raises(InvalidStatus), _open(server, board_id, **case):  # type: ignore[arg-type]
            pass
    headers = {"additional_headers": auth, "origin": server.url}
    with _open(server, board.id, **headers) as same_site:  # type: ignore[arg-type]
        assert _message(same_site)["type"] == "hello"


def test_screen_link_opens_its_board_only(server: LiveServer, db: Database) -> None:
    with db.session() as session:
        board = make_board(session)
        other = make_board(session)
        plain, _link = tokens.create_screen_link(session, board_id=board.id, name="TV", actor=ACTOR)
    with connect(f"{server.ws_url}/ws/boards/{board.id}?screen={plain}", open_timeout=5) as screen:
        assert _message(screen)["type"] == "hello"
    with (
        pytest.raises(InvalidStatus),
        connect(f"{server.ws_url}/ws/boards/{other.id}?screen={plain}", open_timeout=5),
    ):
        pass


def _closed_within(client: ClientConnection, seconds: float) -> int | None:
    """Read until the server closes the socket; its close code, or None if it stayed open."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            client.recv(timeout=max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            return None
        except ConnectionClosed:
            return client.close_code
    return None


def test_revocation_closes_open_sockets_at_once(server: LiveServer, db: Database) -> None:
    with db.session() as session:
        board = make_board(session)
        restricted = make_board(session, name="Personalamt")
        member = make_user(session, role=Role.lotse)
        admin = make_user(session, role=Role.admin)
        make_user(session, role=Role.admin)  # the CDO stays admin: the last one cannot go
        deactivated = make_user(session, role=Role.viewer)
        changed = make_user(session, role=Role.lotse)
        members.set_board_access(
            session, board_id=restricted.id, restricted=True, members=[member.id], actor=ACTOR
        )
        screen, link = tokens.create_screen_link(session, board_id=board.id, name="TV", actor=ACTOR)
        member_token, _t = tokens.create_token(session, user=member, name="m")
        admin_token, _t = tokens.create_token(session, user=admin, name="a")
        gone_token, _t = tokens.create_token(session, user=deactivated, name="d")
        login_token, login = accounts.start_session(session, user=changed, ip="127.0.0.1")
    with ExitStack() as stack:

        def open_socket(board_id: int, **kwargs: object) -> ClientConnection:
            client = stack.enter_context(_open(server, board_id, **kwargs))
            assert _message(client)["type"] == "hello"
            return client

        bearer = lambda token: {"additional_headers": {"Authorization": f"Bearer {token}"}}  # noqa: E731
        sockets = {
            "screen": stack.enter_context(
                connect(f"{server.ws_url}/ws/boards/{board.id}?screen={screen}", open_timeout=5)
            ),
            "member": open_socket(restricted.id, **bearer(member_token)),
            "admin": open_socket(restricted.id, **bearer(admin_token)),
            "deactivated": open_socket(board.id, **bearer(gone_token)),
            "password": open_socket(
                board.id, additional_headers={"Cookie": f"lotsenboard_session={login_token}"}
            ),
            "untouched": open_socket(board.id, **bearer(member_token)),
        }
        assert _message(sockets["screen"])["type"] == "hello"
        with db.session() as session:
            tokens.revoke_screen_link(session, board_id=board.id, link_id=link.id, actor=ACTOR)
            members.set_board_access(
                session, board_id=restricted.id, restricted=True, members=[], actor=ACTOR
            )
            accounts.update_user(
                session, user_id=admin.id, data=UserUpdate(role=Role.lotse), actor=ACTOR
            )
            accounts.update_user(
                session, user_id=deactivated.id, data=UserUpdate(active=False), actor=ACTOR
            )
            user = accounts.get_user(session, user_id=changed.id)
            accounts.set_password(session, user=user, password="ganz-neu-2026!")
        for name in ("screen", "member", "admin", "deactivated", "password"):
            assert _closed_within(sockets[name], 3.0) in (4401, 4404), name
        assert _closed_within(sockets["untouched"], 1.0) is None
        assert login.id


def _two_logins(db: Database) -> tuple[Any, Any, tuple[str, Any], tuple[str, Any]]:
    """A board, a lotse, and two logins (cookie token, session) of that lotse."""
    with db.session() as session:
        board = make_board(session)
        user = make_user(session, role=Role.lotse)
        first = accounts.start_session(session, user=user, ip="127.0.0.1")
        second = accounts.start_session(session, user=user, ip="127.0.0.1")
    return board, user, first, second


def _cookie(token: str) -> dict[str, Any]:
    return {"additional_headers": {"Cookie": f"lotsenboard_session={token}"}}


def test_a_logout_closes_that_login_s_socket_only(server: LiveServer, db: Database) -> None:
    board, user, (leaving_token, leaving), (staying_token, _staying) = _two_logins(db)
    with (
        _open(server, board.id, **_cookie(leaving_token)) as leaving_socket,
        _open(server, board.id, **_cookie(staying_token)) as staying_socket,
    ):
        assert _message(leaving_socket)["type"] == _message(staying_socket)["type"] == "hello"
        with db.session() as session:
            accounts.end_session(session, login_id=leaving.id, actor=user.name)
        assert _closed_within(leaving_socket, 3.0) == 4401
        assert _closed_within(staying_socket, 1.0) is None


def test_what_no_event_announces_is_caught_by_the_safety_re_check(
    database_url: str, tmp_path: Path, db: Database
) -> None:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="ws",
        live_ping_seconds=0.3,
        live_recheck_seconds=1.0,
    )
    board, _user, (expiring_token, expiring), (staying_token, _staying) = _two_logins(db)
    live = LiveServer(settings)
    live.start()
    try:
        with (
            _open(live, board.id, **_cookie(expiring_token)) as expiring_socket,
            _open(live, board.id, **_cookie(staying_token)) as staying_socket,
        ):
            assert _message(expiring_socket)["type"] == _message(staying_socket)["type"]
            # A login that ran out leaves no event: only the safety pass can notice it.
            with db.session() as session:
                session.execute(
                    update(LoginSession)
                    .where(col(LoginSession.id) == expiring.id)
                    .values(created_at=datetime(2020, 1, 1, tzinfo=UTC))
                )
                session.commit()
            assert _closed_within(expiring_socket, 3.0) == 4401
            assert _closed_within(staying_socket, 1.5) is None
    finally:
        live.stop()


def _stalled_socket(server: LiveServer, board_id: int, token: str) -> socket.socket:
    """A websocket handshake on a raw socket that then never reads a byte."""
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall(
        (
            f"GET /ws/boards/{board_id} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        ).encode()
    )
    assert raw.recv(12) == b"HTTP/1.1 101"
    return raw


def test_a_stalled_client_does_not_hold_up_the_others(server: LiveServer, db: Database) -> None:
    with db.session() as session:
        board = make_board(session)
        card = make_card(session, board)
    token = _token(db)
    stalled = _stalled_socket(server, board.id, token)
    try:
        with _open(
            server, board.id, additional_headers={"Authorization": f"Bearer {token}"}
        ) as reader:
            start = _message(reader)["seq"]
            version = card.version
            # ~100 x 2 x 20 kB payloads: far more than the stalled socket's buffers hold.
            with db.session() as session:
                for index in range(100):
                    text = str(index % 10) * 20_000
                    version = cards.update_card(
                        session,
                        card_id=card.id,
                        data=CardUpdate(version=version, description=text),
                        actor=ACTOR,
                    ).version
            seqs = [_message(reader)["seq"] for _ in range(100)]
            assert seqs == list(range(int(start) + 1, int(start) + 101))  # type: ignore[call-overload]
    finally:
        stalled.close()


def test_a_client_that_stops_answering_pings_is_dropped_and_one_that_answers_stays(
    server: LiveServer, db: Database
) -> None:
    with db.session() as session:
        board = make_board(session)
    headers = {"Authorization": f"Bearer {_token(db)}"}
    with (
        _open(server, board.id, additional_headers=headers) as silent,
        _open(server, board.id, additional_headers=headers) as answering,
    ):
        assert _message(silent)["type"] == "hello"
        hello = _message(answering)
        assert hello["type"] == "hello" and hello["ping"] == 0.3
        started = time.monotonic()
        code = None
        while code is None:
            assert time.monotonic() - started < 30, "the silent client was never dropped"
            answering.send('{"type":"pong"}')
            time.sleep(0.3)
            try:
                while True:
                    silent.recv(timeout=0)
            except TimeoutError:
                pass
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
        # Four pings of at least 5 s went unanswered: about 20 s.
        assert code == 4408 and 19 < time.monotonic() - started < 25
        answering.send('{"type":"pong"}')
        assert json.loads(answering.recv(timeout=5))["type"] == "ping"


def test_a_renamed_department_makes_every_open_board_re_render(
    server: LiveServer, db: Database
) -> None:
    with db.session() as session:
        first, second = make_board(session), make_board(session)
        department = make_department(session, name="Bauamt", code="BA")
    headers = {"Authorization": f"Bearer {_token(db)}"}
    with (
        _open(server, first.id, additional_headers=headers) as one,
        _open(server, second.id, additional_headers=headers) as other,
    ):
        assert _message(one)["type"] == _message(other)["type"] == "hello"
        with db.session() as session:
            people.update_department(
                session,
                department_id=department.id,
                data=DepartmentUpdate(code="BAU"),
                actor=ACTOR,
            )
        assert _message(one) == _message(other) == {"type": "refresh"}
        # A new department shows on no card yet: no board re-renders for it.
        with db.session() as session:
            make_department(session, name="Kämmerei", code="KÄ")
            make_card(session, first)
        assert _message(one)["type"] == "event"


def test_an_annotation_reaches_desks_and_screens_with_the_card_as_it_now_looks(
    server: LiveServer, db: Database
) -> None:
    with db.session() as session:
        board = make_board(session)
        department = make_department(session, name="Bauamt", code="BA")
        card = make_card(session, board, department_id=department.id)
        plain, _link = tokens.create_screen_link(session, board_id=board.id, name="TV", actor=ACTOR)
    token = _token(db)
    with (
        _open(server, board.id, additional_headers={"Authorization": f"Bearer {token}"}) as desk,
        _open(server, board.id, additional_headers={"Authorization": f"Bearer {plain}"}) as wall,
    ):
        assert _message(desk)["type"] == _message(wall)["type"] == "hello"
        with db.session() as session:
            annotation = make_annotation(
                session, card, kind="resistance", severity="high", blocks_card=True, text="Nein"
            )
        for client in (desk, wall):
            message = _message(client)
            assert message["event"]["type"] == "annotation.raised"  # type: ignore[index]
            live = message["live"]
            [state] = live["cards"]  # type: ignore[index]
            # The card's own version is unchanged; its markers are new.
            assert (state["id"], state["version"]) == (card.id, card.version)
            assert state["marks"].startswith("0.1high.1.")
            assert "Blockiert: Nein" in state["html"]
        assert "Offen: " in message["live"]["tally_html"]  # type: ignore[index]
        with db.session() as session:
            annotations.update_annotation(
                session,
                annotation_id=annotation.id,
                data=AnnotationUpdate(version=1, status="resolved", resolution="Geklärt"),
                actor=ACTOR,
            )
        resolved = _message(desk)["live"]["cards"][0]  # type: ignore[index]
        assert resolved["marks"] == "" and "Blockiert" not in resolved["html"]
        wall_tally = _message(wall)["live"]["tally_html"]  # type: ignore[index]
        assert "Keine offenen Bedenken oder Widerstände." in wall_tally


def test_viewers_are_not_told_who_acted_when_the_board_hides_it(
    database_url: str, tmp_path: Path, db: Database
) -> None:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="ws",
        hide_actors_from_viewers=True,
    )
    live = LiveServer(settings)
    live.start()
    try:
        with db.session() as session:
            board = make_board(session)
            card = make_card(session, board)
            target = boards.list_phases(session, board_id=board.id)[1].id
        viewer, lotse = _token(db, Role.viewer), _token(db, Role.lotse)
        with (
            _open(live, board.id, additional_headers={"Authorization": f"Bearer {viewer}"}) as seen,
            _open(live, board.id, additional_headers={"Authorization": f"Bearer {lotse}"}) as desk,
        ):
            _message(seen), _message(desk)
            with db.session() as session:
                cards.move_card(
                    session,
                    card_id=card.id,
                    move=CardMove(phase_id=target, position=0, version=card.version),
                    actor="Jana Kuhn",
                )
            raw = seen.recv(timeout=5)
            while json.loads(raw)["type"] == "ping":
                raw = seen.recv(timeout=5)
            to_viewer, to_lotse = json.loads(raw), _message(desk)
    finally:
        live.stop()
    assert to_viewer["event"]["type"] == to_lotse["event"]["type"] == "card.moved"  # type: ignore[index]
    assert to_viewer["event"]["actor"] == ""  # type: ignore[index]
    assert "Jana Kuhn" not in raw
    assert to_lotse["event"]["actor"] == "Jana Kuhn"  # type: ignore[index]
