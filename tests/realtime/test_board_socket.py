"""The board websocket on a real uvicorn: events in seq order to readers, nothing to others."""

import json
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from app.accounts import members, tokens
from app.accounts.models import Role
from app.boards import service as boards
from app.cards import service as cards
from app.cards.models import CardMove
from app.db import Database
from app.settings import Settings
from tests.factories import ACTOR, make_board, make_card, make_user
from tests.live import LiveServer


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = Settings(
        database_url=database_url, data_dir=tmp_path_factory.mktemp("ws"), secret_key="ws"
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


def _message(socket: ClientConnection) -> dict[str, object]:
    return json.loads(socket.recv(timeout=5))  # type: ignore[no-any-return]


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
    for socket in sockets:
        received = [_message(socket) for _ in phase_ids[1:]]
        assert [m["seq"] for m in received] == [3, 4, 5]
        assert {m["type"] for m in received} == {"card.moved"}
        assert received[-1]["payload"]["after"]["phase_id"] == phase_ids[-1]  # type: ignore[index]
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
