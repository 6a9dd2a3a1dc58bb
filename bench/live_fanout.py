"""How fast a move reaches every open board: websocket fan-out latency, loss and order.

Starts `lotsenboard serve` (its own database), opens N websocket clients as screens do, makes
moves through the JSON API and records, per client and move, the time from sending the move
to receiving its event (the move's own request included). The clients run in processes of
their own (`--processes`, default 4), beside the server on the same machine.

    .venv/bin/python bench/live_fanout.py --clients 200 --moves 50
    .venv/bin/python bench/live_fanout.py --clients 200 --workers 2 \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import psycopg
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def seed(env: dict[str, str]) -> dict[str, str]:
    """A board with one card and an API token, made through the app's own services."""
    code = """
import json
from app.accounts import service as accounts, tokens
from app.accounts.models import Role, UserCreate
from app.boards import service as boards
from app.boards.models import BoardCreate
from app.cards import service as cards
from app.cards.models import CardCreate
from app.db import Database
from app.settings import get_settings

db = Database(get_settings().resolved_database_url)
with db.session(write=True) as s:
    user = accounts.create_user(s, data=UserCreate(
        name="Bench", email="bench@example.org", password="bench-passwort-1", role=Role.lotse),
        actor="bench")
    board = boards.create_board(s, data=BoardCreate(name="Fan-out"), actor="bench")
    phases = [p.id for p in boards.list_phases(s, board_id=board.id)]
    card = cards.create_card(s, board_id=board.id,
        data=CardCreate(title="Wanderkarte", phase_id=phases[0]), actor="bench")
    plain, _ = tokens.create_token(s, user=user, name="bench")
print(json.dumps({"board": board.id, "card": card.id, "phases": phases, "token": plain}))
"""
    out = subprocess.run(
        [str(BIN / "python"), "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


async def _clients(
    url: str,
    headers: dict[str, str],
    count: int,
    moves: int,
    ready: Any,
    results: Any,
    leave: Any,
) -> None:
    """One client process: `count` boards open, every event noted with its arrival time;
    the boards stay open (answering pings) until `leave` is set."""
    sockets = []
    for _ in range(count):
        ws = await connect(url, additional_headers=headers, max_size=None, ping_interval=None)
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello", hello
        sockets.append(ws)
    received: list[list[tuple[int, float]]] = [[] for _ in sockets]

    async def read(index: int, ws: Any) -> None:
        async for text in ws:
            at = time.time()
            message = json.loads(text)
            if message["type"] == "ping":
                await ws.send('{"type":"pong"}')
            elif message["type"] == "event":
                received[index].append((message["seq"], at))

    readers = [asyncio.create_task(read(i, ws)) for i, ws in enumerate(sockets)]
    ready.put(hello["seq"])
    deadline = time.time() + 30 + moves
    while time.time() < deadline and any(len(r) < moves for r in received):
        await asyncio.sleep(0.01)
    results.put(received)
    while not leave.is_set():
        await asyncio.sleep(0.1)
    for task in readers:
        task.cancel()
    for ws in sockets:
        await ws.close()


def client_process(*args: Any) -> None:
    """Entry point of a client process (the arguments of `_clients`)."""
    asyncio.run(_clients(*args))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User and system time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def idle(pid: int, seconds: float) -> float:
    """Share of one core the server used while its sockets were open and nothing changed."""
    before, started = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(seconds)
    return 100 * (cpu_seconds(pid) - before) / (time.monotonic() - started)


async def run(
    args: argparse.Namespace, base: str, world: dict[str, object], pid: int
) -> dict[str, float]:
    """The clients live in processes of their own, so that their reading is not what is
    measured; arrival and sending times are wall-clock times of the one machine.

    Memory and idle CPU are those of the server process `pid` (one worker)."""
    headers = {"Authorization": f"Bearer {world['token']}"}
    context = multiprocessing.get_context("spawn")
    ready, results, leave = context.Queue(), context.Queue(), context.Event()
    shares = [args.clients // args.processes] * args.processes
    for number in range(args.clients % args.processes):
        shares[number] += 1
    url = f"ws://{base}/ws/boards/{world['board']}"
    children = [
        context.Process(
            target=client_process,
            args=(url, headers, share, args.moves, ready, results, leave),
        )
        for share in shares
        if share
    ]
    await asyncio.sleep(2)
    rss_before = rss_kib(pid)
    for child in children:
        child.start()
    base_seq = max(ready.get(timeout=120) for _ in children)
    await asyncio.sleep(2)
    rss_open = rss_kib(pid)
    idle_cpu = await idle(pid, args.idle)
    phases: list[int] = world["phases"]  # type: ignore[assignment]
    sent: dict[int, float] = {}
    answered: list[float] = []
    version = 1
    async with httpx.AsyncClient(base_url=f"http://{base}", headers=headers) as http:
        for move in range(args.moves):
            started = time.time()
            answer = await http.post(
                f"/api/v1/cards/{world['card']}/move",
                json={"phase_id": phases[(move + 1) % 3], "position": 0, "version": version},
            )
            answer.raise_for_status()
            answered.append((time.time() - started) * 1000)
            version = answer.json()["version"]
            sent[base_seq + move + 1] = started  # nothing else changes the board meanwhile
            await asyncio.sleep(args.pause)
    received: list[list[tuple[int, float]]] = []
    for _ in children:
        received += results.get(timeout=120 + args.moves)
    leave.set()
    for child in children:
        child.join(timeout=30)
    await asyncio.sleep(3)
    rss_after = rss_kib(pid)
    latencies = [
        (at - sent[seq]) * 1000 for client in received for seq, at in client if seq in sent
    ]
    expected = args.clients * args.moves
    in_order = sum(1 for client in received if [s for s, _ in client] == sorted(sent))
    latencies.sort()
    slowest = {seq: 0.0 for seq in sent}
    for client in received:
        for seq, at in client:
            if seq in sent:
                slowest[seq] = max(slowest[seq], (at - sent[seq]) * 1000)
    print("slowest delivery per move (ms):", [round(v) for v in slowest.values()], file=sys.stderr)
    return {
        "clients": args.clients,
        "moves": args.moves,
        "delivered": len(latencies),
        "lost": expected - len(latencies),
        "clients_complete_and_in_order": in_order,
        "move_answer_p50_ms": round(statistics.median(answered), 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 1),
        "max_ms": round(latencies[-1], 1),
        "rss_before_mib": round(rss_before / 1024, 1),
        "rss_open_mib": round(rss_open / 1024, 1),
        "kib_per_socket": round((rss_open - rss_before) / args.clients, 1),
        "idle_cpu_percent": round(idle_cpu, 2),
        "rss_after_close_mib": round(rss_after / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--moves", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between moves")
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument(
        "--idle", type=float, default=20, help="seconds the open boards idle before the moves"
    )
    parser.add_argument("--postgres", help="server URL; a scratch database is made there")
    parser.add_argument("--broker", default="auto", choices=["auto", "memory", "postgres", "redis"])
    args = parser.parse_args()

    scratch = tempfile.TemporaryDirectory()
    env = {**os.environ, "LOTSENBOARD_DATA_DIR": scratch.name, "LOTSENBOARD_BROKER": args.broker}
    database = f"lotsenboard_bench_{os.getpid()}"
    if args.postgres:
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {database}")
        url = args.postgres.rsplit("/", 1)[0] + "/" + database
        env["LOTSENBOARD_DATABASE_URL"] = url.replace("postgresql://", "postgresql+psycopg://")
    port = free_port()
    server = None
    try:
        subprocess.run([str(BIN / "lotsenboard"), "migrate"], env=env, check=True, cwd=ROOT)
        world = seed(env)
        server = subprocess.Popen(
            [
                str(BIN / "lotsenboard"),
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            cwd=ROOT,
        )
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        result = asyncio.run(run(args, f"127.0.0.1:{port}", world, server.pid))
        result["workers"] = args.workers
        result["database"] = "postgresql" if args.postgres else "sqlite"
        print(json.dumps(result, indent=2))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if args.postgres:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        scratch.cleanup()


if __name__ == "__main__":
    main()
