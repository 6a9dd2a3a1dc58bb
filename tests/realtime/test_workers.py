"""`lotsenboard serve --workers 2`: a change made through one worker reaches the other's clients."""

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from app.accounts import tokens
from app.accounts.models import Role
from app.boards import service as boards
from app.db import Database
from tests.conftest import ENGINE
from tests.factories import make_board, make_card, make_department, make_user
from tests.live import serving

BROKERS = ["redis", "postgres"] if ENGINE == "postgres" else ["redis"]

# One xdist worker runs these one after the other: two of these two-process servers would
# crowd the two cores.
pytestmark = pytest.mark.xdist_group("redis")


@pytest.fixture(params=BROKERS)
def two_workers(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path, db: Database
) -> Iterator[str]:
    env = {
        "LOTSENBOARD_DATABASE_URL": database_url,
        "LOTSENBOARD_DATA_DIR": str(tmp_path),
        "LOTSENBOARD_SECRET_KEY": "workers",
        "LOTSENBOARD_BROKER": request.param,
    }
    with serving(env, workers=2, log_path=tmp_path / "server.log") as url:
        yield url


def test_a_move_through_one_worker_reaches_clients_of_both(two_workers: str, db: Database) -> None:
    with db.session() as session:
        board = make_board(session)
        card = make_card(session, board)
        target = boards.list_phases(session, board_id=board.id)[1].id
        department = make_department(session, name="Bauamt", code="BA")
        user = make_user(session, role=Role.lotse)
        plain, token = tokens.create_token(session, user=user, name="workers")
        admin = make_user(session, role=Role.admin)
        admin_plain, _token = tokens.create_token(session, user=admin, name="workers")
    auth = {"Authorization": f"Bearer {plain}"}
    with ExitStack() as stack:
        clients: list[ClientConnection] = []
        workers: set[int] = set()
        # The second worker may still be starting when the first answers: keep connecting.
        for _ in range(200):
            client = stack.enter_context(
                connect(f"ws://{two_workers}/ws/boards/{board.id}", additional_headers=auth)
            )
            workers.add(_next(client)["worker"])
            clients.append(client)
            if len(workers) == 2 and len(clients) >= 4:
                break
            time.sleep(0.05)
        assert len(workers) == 2, "all connections landed on one worker"
        moved = httpx.post(
            f"http://{two_workers}/api/v1/cards/{card.id}/move",
            json={"phase_id": target, "position": 0, "version": 1},
            headers=auth,
            timeout=10,
        )
        assert moved.status_code == 200, moved.text
        for client in clients:
            message = _next(client)
            event = message["event"]
            assert (event["type"], event["card_id"], message["seq"]) == ("card.moved", card.id, 3)
            # Each worker rendered the moved card for its own clients.
            assert [c["phase_id"] for c in message["live"]["cards"]] == [target]
        # A renamed department shows on every board: all clients of both workers re-render.
        renamed = httpx.patch(
            f"http://{two_workers}/api/v1/departments/{department.id}",
            json={"code": "BAU"},
            headers={"Authorization": f"Bearer {admin_plain}"},
            timeout=10,
        )
        assert renamed.status_code == 200, renamed.text
        for client in clients:
            assert _next(client) == {"type": "refresh"}
        # A revoked token closes its sockets on both workers at once (the safety re-check
        # runs once a minute only).
        revoked = httpx.delete(
            f"http://{two_workers}/api/v1/tokens/{token.id}", headers=auth, timeout=10
        )
        assert revoked.status_code == 204, revoked.text
        started = time.monotonic()
        for client in clients:
            with pytest.raises(ConnectionClosed):
                _next(client)
            assert client.close_code == 4401
        assert time.monotonic() - started < 3


def _next(client: ClientConnection) -> dict[str, Any]:
    """The next message that is not a heartbeat."""
    while True:
        message: dict[str, Any] = json.loads(client.recv(timeout=5))
        if message["type"] != "ping":
            return message
