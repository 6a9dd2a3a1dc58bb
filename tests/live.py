"""A real uvicorn on 127.0.0.1 in a background thread, for browser and realtime tests."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
import uvicorn

from app.cli import WEBSOCKET_OPTIONS
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
        # Its purge would reach into other tests' old records in the same database, at any
        # moment; tests/unit/test_privacy.py runs it when it wants.
        settings.retention_job = False
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            **{**WEBSOCKET_OPTIONS, **({"ws": ws} if ws else {})},
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


@contextmanager
def servers(env: dict[str, str], *, workers: list[int], logs: list[Path]) -> Iterator[list[str]]:
    """Several `lotsenboard serve --workers N`, as an admin starts them, all started at once;
    yields their `127.0.0.1:port` addresses once every one answers."""
    started: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for count, log_path in zip(workers, logs, strict=True):
            port = free_port()
            command = [sys.executable, "-m", "app", "serve", "--port", str(port)]
            command += ["--workers", str(count)]
            with log_path.open("wb") as log:
                # No purge reaching into other tests' records (see LiveServer).
                served = {**os.environ, "LOTSENBOARD_RETENTION_JOB": "false", **env}
                process = subprocess.Popen(
                    command, env=served, stdout=log, stderr=subprocess.STDOUT
                )
            started.append((process, f"127.0.0.1:{port}", log_path))
        deadline = time.monotonic() + 30
        for process, url, log_path in started:
            while True:
                try:
                    httpx.get(f"http://{url}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    assert process.poll() is None, log_path.read_text()
                    assert time.monotonic() < deadline, "the server did not come up"
                    time.sleep(0.2)
        yield [url for _process, url, _log in started]
    finally:
        for process, _url, _log in started:
            process.terminate()
        for process, _url, _log in started:
            process.wait(timeout=20)


@contextmanager
def serving(env: dict[str, str], *, workers: int, log_path: Path) -> Iterator[str]:
    """One `lotsenboard serve --workers N`; yields its address once it answers."""
    with servers(env, workers=[workers], logs=[log_path]) as urls:
        yield urls[0]
