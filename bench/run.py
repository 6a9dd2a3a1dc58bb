"""Lotsenboard's benchmark: pages, JSON, writes, live fan-out and memory of a real server.

Seeds a scratch database (bench/seed.py), starts `lotsenboard serve` and drives it from this
process over keep-alive HTTP; the fan-out runs bench/live_fanout.py. Writes
bench/results/latest.json (figures, machine, git revision), latest.md (the table) and, when
matplotlib is installed (`make bench` installs it), latest.png.

    .venv/bin/python bench/run.py            # quick: 100 and 500 cards, SQLite (< 3 minutes)
    .venv/bin/python bench/run.py --full     # 100, 500, 5,000 cards, SQLite and PostgreSQL
"""

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
POSTGRES = os.environ.get(
    "LOTSENBOARD_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

PAGES = {
    "board page": "/boards/{board}?all=1",
    "filtered board": "/boards/{board}?department={department}",
    "screen": "/screen/{screen}",
    "JSON board": "/api/v1/boards/{board}",
    "JSON card list": "/api/v1/boards/{board}/cards",
}


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * (len(ordered) - 1) + 0.5))]


def summary(latencies: list[float]) -> dict[str, float]:
    ms = [value * 1000 for value in latencies]
    return {
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "p99_ms": round(percentile(ms, 0.99), 1),
    }


@contextmanager
def scratch(engine: str) -> Iterator[dict[str, str]]:
    """Environment for a server on a fresh database of the engine."""
    folder = tempfile.TemporaryDirectory()
    env = {**os.environ, "LOTSENBOARD_DATA_DIR": folder.name, "LOTSENBOARD_SECRET_KEY": "bench"}
    database = f"lotsenboard_bench_{os.getpid()}"
    if engine == "postgres":
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {database}")
        url = POSTGRES.rsplit("/", 1)[0] + "/" + database
        env["LOTSENBOARD_DATABASE_URL"] = url.replace("postgresql://", "postgresql+psycopg://")
    else:
        env["LOTSENBOARD_DATABASE_URL"] = f"sqlite:///{folder.name}/bench.db"
    try:
        yield env
    finally:
        if engine == "postgres":
            with psycopg.connect(POSTGRES, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        folder.cleanup()


@contextmanager
def server(env: dict[str, str], workers: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    command = [str(BIN / "lotsenboard"), "serve", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def rss_mib(pid: int) -> float:
    """Resident memory of the server process and its worker processes."""
    total = 0
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(child) for child in (task / "children").read_text().split()]
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return round(total / 1024, 1)


def load(
    base: str, path: str, headers: dict[str, str], *, concurrency: int, each: int
) -> tuple[list[float], Counter[int], int]:
    """`concurrency` keep-alive clients at once, `each` requests per client."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    sizes: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
            http.get(path)  # the connection, not the first request, is what we skip
            for _ in range(each):
                start = time.perf_counter()
                response = http.get(path)
                took = time.perf_counter() - start
                with lock:
                    latencies.append(took)
                    statuses[response.status_code] += 1
                    sizes.append(len(response.content))

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses, int(statistics.median(sizes))


def pages(
    base: str, world: dict[str, Any], sizes: list[str], rounds: int, each: int
) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {world['token']}"}
    found = []
    for size in sizes:
        values = {
            "board": world["boards"][size],
            "screen": world["screens"][size],
            "department": world["department"],
        }
        for name, template in PAGES.items():
            path = template.format(**values)
            pooled: list[float] = []
            statuses: Counter[int] = Counter()
            size_bytes = 0
            # Rounds interleaved with the other scenarios would need a restart each; rounds of
            # the same scenario one after the other, pooled, are what a user sees.
            for _ in range(rounds):
                latencies, counted, size_bytes = load(base, path, headers, concurrency=1, each=each)
                pooled += latencies
                statuses.update(counted)
            start = time.perf_counter()
            loaded, counted16, _ = load(base, path, headers, concurrency=16, each=max(each // 6, 3))
            elapsed = time.perf_counter() - start
            statuses.update(counted16)
            found.append(
                {
                    "scenario": name,
                    "cards": int(size),
                    "bytes": size_bytes,
                    "c1": summary(pooled),
                    "c16": {**summary(loaded), "per_s": round(len(loaded) / elapsed, 1)},
                    "errors": {str(s): n for s, n in statuses.items() if s != 200},
                }
            )
            print(
                f"  {name:<16} {size:>5} cards: {found[-1]['c1']} · 16 at once {found[-1]['c16']}",
                flush=True,
            )
        found += after_changes(base, world, size, each=each)
    return found


# The first view after a change renders anew (what every desk and the wall do once per change).
CHANGED = {
    "board page after a change": "/boards/{board}?all=1",
    "screen after a change": "/screen/{screen}",
    "JSON board after a change": "/api/v1/boards/{board}",
}


def after_changes(base: str, world: dict[str, Any], size: str, each: int) -> list[dict[str, Any]]:
    """Each request follows a change to one card (not timed): no answer can be reused."""
    headers = {"Authorization": f"Bearer {world['token']}"}
    values = {"board": world["boards"][size], "screen": world["screens"][size]}
    found = []
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        detail = http.get(f"/api/v1/boards/{values['board']}").json()
        card = next(card for phase in detail["phases"] for card in phase["cards"])
        for name, template in CHANGED.items():
            path = template.format(**values)
            latencies: list[float] = []
            statuses: Counter[int] = Counter()
            size_bytes = 0
            for number in range(each):
                changed = http.patch(
                    f"/api/v1/cards/{card['id']}",
                    json={"version": card["version"], "description": f"Stand {number}"},
                )
                changed.raise_for_status()
                card = changed.json()
                start = time.perf_counter()
                response = http.get(path)
                latencies.append(time.perf_counter() - start)
                statuses[response.status_code] += 1
                size_bytes = len(response.content)
            found.append(
                {
                    "scenario": name,
                    "cards": int(size),
                    "bytes": size_bytes,
                    "c1": summary(latencies),
                    "c16": None,
                    "errors": {str(s): n for s, n in statuses.items() if s != 200},
                }
            )
            print(f"  {name:<16} {size:>5} cards: {found[-1]['c1']}", flush=True)
    return found


def moves(base: str, world: dict[str, Any], size: str, writers: int, each: int) -> dict[str, Any]:
    """`writers` clients move their own cards (no two move the same card) between phases."""
    headers = {"Authorization": f"Bearer {world['token']}"}
    board = world["boards"][size]
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        detail = http.get(f"/api/v1/boards/{board}").json()
    phases = [phase["id"] for phase in detail["phases"]]
    owned: list[list[dict[str, Any]]] = [[] for _ in range(writers)]
    everyone = [card for phase in detail["phases"] for card in phase["cards"]]
    for number, card in enumerate(everyone):
        owned[number % writers].append(card)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def writer(mine: list[dict[str, Any]], seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
            for _ in range(each):
                card = rng.choice(mine)
                target = rng.choice([p for p in phases if p != card["phase_id"]])
                body = {"version": card["version"], "phase_id": target, "position": 0}
                start = time.perf_counter()
                response = http.post(f"/api/v1/cards/{card['id']}/move", json=body)
                took = time.perf_counter() - start
                if response.status_code == 200:
                    card.update(response.json())
                with lock:
                    latencies.append(took)
                    statuses[response.status_code] += 1

    threads = [threading.Thread(target=writer, args=(owned[n], n)) for n in range(writers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {
        "writers": writers,
        "moves": len(latencies),
        "per_s": round(len(latencies) / elapsed, 1),
        **summary(latencies),
        "errors": {str(s): n for s, n in statuses.items() if s != 200},
    }


def fanout(engine: str, clients: int) -> dict[str, Any]:
    command = [
        str(BIN / "python"),
        str(ROOT / "bench" / "live_fanout.py"),
        "--clients",
        str(clients),
        "--moves",
        "30",
        "--idle",
        "10",
    ]
    if engine == "postgres":
        command += ["--postgres", POSTGRES]
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    # The last thing printed is the JSON object (indented, its braces on lines of their own).
    lines = out.splitlines()
    return json.loads("\n".join(lines[len(lines) - 1 - lines[::-1].index("{") :]))


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    revision = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory.split()[1]) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "revision": revision,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def run_engine(engine: str, sizes: list[str], full: bool) -> dict[str, Any]:
    print(f"{engine}: seeding {', '.join(sizes)} cards …", flush=True)
    result: dict[str, Any] = {"engine": engine}
    with scratch(engine) as env:
        subprocess.run(
            [str(BIN / "lotsenboard"), "migrate"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        seeded = subprocess.run(
            [str(BIN / "python"), str(ROOT / "bench" / "seed.py"), "--cards", ",".join(sizes)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        world = json.loads(seeded.stdout.strip().splitlines()[-1])
        if engine == "postgres":
            # Seeding moved thousands of cards within minutes: let PostgreSQL clean up and count
            # as its autovacuum would on a server between two busy days.
            url = env["LOTSENBOARD_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
        with server(env, workers=1) as (base, pid):
            result["rss_idle_mib"] = rss_mib(pid)
            result["pages"] = pages(base, world, sizes, rounds=3, each=30 if not full else 50)
            result["rss_after_pages_mib"] = rss_mib(pid)
        result["moves"] = []
        for workers in (1, 2):
            with server(env, workers=workers) as (base, _pid):
                figures = {
                    "workers": workers,
                    **moves(base, world, sizes[-1] if not full else "500", 16, 25),
                }
                print(f"  moves, {workers} worker(s): {figures}", flush=True)
                result["moves"].append(figures)
    result["fanout"] = []
    for clients in (200, 1000) if full else (200,):
        figures = {"clients": clients, **fanout(engine, clients)}
        print(f"  fan-out: {figures}", flush=True)
        result["fanout"].append(figures)
    return result


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def markdown(results: dict[str, Any]) -> str:
    ran = results["machine"]
    lines = [
        f"Lotsenboard {ran['revision']} on {ran['cpu']} ({ran['cores']} cores, "
        f"{ran['memory_gib']} GiB), {ran['when']}",
        "",
        _row("engine", "scenario", "cards", "p50", "p95", "p99", "16 at once", "per s", "bytes"),
        _row("---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"),
    ]
    for engine in results["engines"]:
        for row in engine["pages"]:
            c1, c16 = row["c1"], row["c16"]
            lines.append(
                _row(
                    engine["engine"],
                    row["scenario"],
                    f"{row['cards']:,}",
                    f"{c1['p50_ms']} ms",
                    f"{c1['p95_ms']} ms",
                    f"{c1['p99_ms']} ms",
                    f"{c16['p50_ms']} / {c16['p99_ms']} ms" if c16 else "–",
                    c16["per_s"] if c16 else "–",
                    f"{row['bytes']:,}",
                )
            )
    lines += [
        "",
        _row("engine", "moves", "workers", "per s", "p50", "p99", "errors"),
        _row("---", "---", "---:", "---:", "---:", "---:", "---"),
    ]
    for engine in results["engines"]:
        for row in engine["moves"]:
            lines.append(
                _row(
                    engine["engine"],
                    f"{row['moves']} by {row['writers']} writers",
                    row["workers"],
                    row["per_s"],
                    f"{row['p50_ms']} ms",
                    f"{row['p99_ms']} ms",
                    row["errors"] or "none",
                )
            )
    lines += [
        "",
        _row(
            "engine",
            "open boards",
            "p50",
            "p95",
            "p99",
            "lost",
            "in order",
            "memory per board",
            "CPU while idle",
            "server memory: before / open / closed",
        ),
        _row("---", "---:", "---:", "---:", "---:", "---:", "---", "---:", "---:", "---:"),
    ]
    for engine in results["engines"]:
        for row in engine["fanout"]:
            lines.append(
                _row(
                    engine["engine"],
                    row["clients"],
                    f"{row['p50_ms']} ms",
                    f"{row['p95_ms']} ms",
                    f"{row['p99_ms']} ms",
                    row["lost"],
                    row["clients_complete_and_in_order"],
                    f"{row['kib_per_socket']} KiB",
                    f"{row['idle_cpu_percent']} % of a core",
                    f"{row['rss_before_mib']} / {row['rss_open_mib']} / "
                    f"{row['rss_after_close_mib']} MiB",
                )
            )
    lines += [
        "",
        _row("engine", "server memory idle", "after the pages"),
        _row("---", "---:", "---:"),
    ]
    for engine in results["engines"]:
        idle, after = engine["rss_idle_mib"], engine["rss_after_pages_mib"]
        lines.append(_row(engine["engine"], f"{idle} MiB", f"{after} MiB"))
    return "\n".join(lines) + "\n"


def plot(results: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axes = plt.subplots(1, 3, figsize=(17, 4.8))
    for engine in results["engines"]:
        for axis, scenarios in ((axes[0], PAGES), (axes[1], CHANGED)):
            for scenario in scenarios:
                rows = [row for row in engine["pages"] if row["scenario"] == scenario]
                axis.plot(
                    [row["cards"] for row in rows],
                    [row["c1"]["p95_ms"] for row in rows],
                    marker="o",
                    linestyle="-" if engine["engine"] == "sqlite" else "--",
                    label=f"{scenario} ({engine['engine']})",
                )
        rows = engine["fanout"]
        axes[2].plot(
            [row["clients"] for row in rows],
            [row["p99_ms"] for row in rows],
            marker="o",
            label=engine["engine"],
        )
    sizes = sorted({row["cards"] for engine in results["engines"] for row in engine["pages"]})
    clients = sorted({row["clients"] for engine in results["engines"] for row in engine["fanout"]})
    axes[0].set_title("Unchanged board, one client at a time")
    axes[1].set_title("First view after a change")
    for axis in axes[:2]:
        axis.set(xscale="log", xlabel="cards on the board", ylabel="p95 (ms)")
        axis.set_xticks(sizes, labels=[f"{size:,}" for size in sizes])
        axis.minorticks_off()
    axes[2].set(xlabel="open boards (websockets)", ylabel="p99 from move to every board (ms)")
    axes[2].set_title("Live fan-out")
    axes[2].set_xticks(clients, labels=[f"{count:,}" for count in clients])
    for axis in axes:
        axis.set_ylim(bottom=0)
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--full", action="store_true", help="all sizes, both engines, 1,000 sockets"
    )
    parser.add_argument("--engines", help="sqlite,postgres (default: sqlite; --full: both)")
    args = parser.parse_args()
    sizes = ["100", "500", "5000"] if args.full else ["100", "500"]
    engines = (args.engines or ("sqlite,postgres" if args.full else "sqlite")).split(",")
    started = time.monotonic()
    results = {
        "machine": machine(),
        "full": args.full,
        "engines": [run_engine(e, sizes, args.full) for e in engines],
    }
    results["seconds"] = round(time.monotonic() - started)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    table = markdown(results)
    (RESULTS / "latest.md").write_text(table)
    plotted = plot(results, RESULTS / "latest.png")
    print()
    print(table)
    picture = "latest.png" if plotted else "no plot: matplotlib is not installed"
    print(f"{results['seconds']} s; results in bench/results/ ({picture})")


if __name__ == "__main__":
    main()
