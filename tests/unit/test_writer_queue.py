"""SQLite writers of one process take turns in the order they came; other processes wait on
the lock file beside the database."""

import subprocess
import sys
import threading
import time
from pathlib import Path

from app.db import WriterQueue


def test_writers_are_served_in_the_order_they_came(tmp_path: Path) -> None:
    queue = WriterQueue(tmp_path / "board.db-writers.lock")
    served: list[int] = []
    queue.enter()  # the first writer holds the turn while the others line up

    def writer(number: int) -> None:
        queue.enter()
        served.append(number)
        queue.leave()

    threads = []
    for number in range(8):
        thread = threading.Thread(target=writer, args=(number,))
        thread.start()
        threads.append(thread)
        time.sleep(0.02)  # each one queued before the next arrives
    assert served == []
    queue.leave()
    for thread in threads:
        thread.join(timeout=5)
    assert served == list(range(8))


def test_a_writer_may_begin_again_while_it_writes(tmp_path: Path) -> None:
    queue = WriterQueue(tmp_path / "board.db-writers.lock")
    queue.enter()
    queue.enter()
    queue.leave()
    other = threading.Thread(target=lambda: (queue.enter(), queue.leave()))
    other.start()
    other.join(timeout=0.2)
    assert other.is_alive()  # still one level deep: the other writer waits
    queue.leave()
    other.join(timeout=5)
    assert not other.is_alive()


def test_another_process_waits_for_the_turn(tmp_path: Path) -> None:
    lock = tmp_path / "board.db-writers.lock"
    queue = WriterQueue(lock)
    queue.enter()
    code = (
        "import sys, time; from pathlib import Path; from app.db import WriterQueue; "
        "q = WriterQueue(Path(sys.argv[1])); print('waiting', flush=True); q.enter(); "
        "print(time.time(), flush=True); q.leave()"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", code, str(lock)], stdout=subprocess.PIPE, text=True
    )
    assert other.stdout is not None
    assert other.stdout.readline().strip() == "waiting"
    time.sleep(0.5)
    released = time.time()
    queue.leave()
    got_it = float(other.stdout.readline())
    other.wait(timeout=30)
    other.stdout.close()
    assert got_it >= released  # it could not start while this process wrote
