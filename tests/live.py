"""A real uvicorn on 127.0.0.1 in a background thread, for browser and realtime tests."""

import socket
import threading
import time

import uvicorn

from app.main import create_app
from app.settings import Settings


def free_port() -> int:
    """A port nothing listens on, for a server in another process (it binds the port itself).

    The kernel hands out a random one; tests running in parallel may ask at the same moment,
    so an in-process server keeps its port bound instead (LiveServer).
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _bound_socket(port: int) -> socket.socket:
    """A socket bound to 127.0.0.1:port (0: any free port), held until the server closes it.

    Binding here rather than in uvicorn leaves no moment between choosing the port and
    listening on it in which a test running in parallel could take it.
    """
    sock = socket.socket()
    # As uvicorn binds: a restarted server may take its port back at once.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


class LiveServer:
    """`ws="none"` serves no websockets at all, like a proxy that does not pass them on."""

    def __init__(self, settings: Settings, *, port: int | None = None, ws: str = "") -> None:
        self.socket = _bound_socket(port or 0)
        self.port = int(self.socket.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ws=ws or "websockets-sansio",  # type: ignore[arg-type]
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "live server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()  # uvicorn closes it on shutdown; not if it never started
