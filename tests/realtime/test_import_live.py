"""An import through the app reaches an open board on a real uvicorn: each new measure as the
board renders it, in seq order, then the import itself, which makes the page re-render."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from app.accounts import tokens
from app.accounts.models import Role
from app.db import Database
from app.settings import Settings
from tests.factories import make_board, make_kommune, make_user
from tests.http.test_import_pages import COLUMNS
from tests.live import LiveServer
from tests.unit.test_imports import EXPECTED

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "massnahmen.xlsx"


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("import"),
        secret_key="import",
        live_ping_seconds=0.3,
    )
    live = LiveServer(settings)
    live.start()
    yield live
    live.stop()


def _message(client: ClientConnection) -> dict[str, object]:
    """The next message that is not a heartbeat."""
    while True:
        message: dict[str, object] = json.loads(client.recv(timeout=10))
        if message["type"] != "ping":
            return message


def _quiet(client: ClientConnection, *, seconds: float) -> bool:
    """Whether nothing but heartbeats arrives for this long."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = json.loads(client.recv(timeout=left))
        except TimeoutError:
            return True
        if message["type"] != "ping":
            return False
    return True


def test_an_import_reaches_an_open_board_measure_by_measure(
    server: LiveServer, db: Database
) -> None:
    with db.session() as session:
        board = make_board(session, name="Maßnahmen 2026")
        make_kommune(session)
        admin = make_user(session, role=Role.admin, name="Dana Weber")
        admin_token, _token = tokens.create_token(session, user=admin, name="import")
        lotse = make_user(session, role=Role.lotse, name="Jana Kuhn")
        lotse_token, _token = tokens.create_token(session, user=lotse, name="board")
    url = f"{server.ws_url}/ws/boards/{board.id}"
    auth = {"Authorization": f"Bearer {lotse_token}"}
    with connect(url, additional_headers=auth, open_timeout=5) as desk:
        hello = _message(desk)
        assert hello["type"] == "hello"
        seq = int(hello["seq"])  # type: ignore[call-overload]
        with httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {admin_token}", "Accept": "text/html"},
            timeout=30,
        ) as cdo:
            uploaded = cdo.post(
                f"/boards/{board.id}/import",
                files={"file": (SAMPLE.name, SAMPLE.read_bytes())},
                follow_redirects=False,
            )
            assert uploaded.status_code == 303, uploaded.text[:500]
            # A dry run is taken back: the open board hears nothing of it.
            trial = cdo.post(uploaded.headers["location"], data={**COLUMNS, "action": "dry"})
            assert "Probelauf: 25 neu, 0 aktualisiert, 0 unverändert." in trial.text
            assert _quiet(desk, seconds=1.0)
            done = cdo.post(uploaded.headers["location"], data={**COLUMNS, "action": "run"})
            assert "Importiert: 25 neu, 0 aktualisiert, 0 unverändert." in done.text
        received = [_message(desk) for _ in range(26)]
        assert _quiet(desk, seconds=1.0)
    assert [m["type"] for m in received] == ["event"] * 26
    assert [m["seq"] for m in received] == list(range(seq + 1, seq + 27))
    events: list[dict[str, object]] = [m["event"] for m in received]  # type: ignore[misc]
    assert [e["type"] for e in events] == ["card.created"] * 25 + ["board.imported"]
    # Each new measure comes as the board shows it, in the order of the list.
    for message, event, measure in zip(received, events, EXPECTED, strict=False):
        [card] = message["live"]["cards"]  # type: ignore[index]
        assert card["id"] == event["card_id"]
        assert measure[1] in card["html"]
    assert events[-1]["payload"] == {"file": "massnahmen.xlsx", "created": 25, "updated": 0}
    assert received[-1]["live"] == {"reload": True}
