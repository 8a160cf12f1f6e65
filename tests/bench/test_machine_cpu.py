"""`bench.machine.cpu_snapshot`: what a server's processes spent, read from the OS, per process."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.machine import cpu_snapshot

BUSY = """
import sys, time
end = time.process_time() + 0.4
while time.process_time() < end:
    pass
print("done", flush=True)
sys.stdin.read()
"""


def test_a_child_that_worked_is_counted_with_its_own_cpu_seconds() -> None:
    before = cpu_snapshot(os.getpid())
    child = subprocess.Popen(
        [sys.executable, "-c", BUSY], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "done"
        used = before.until(cpu_snapshot(os.getpid()))
    finally:
        child.communicate("", timeout=30)

    assert used.process_seconds[child.pid] >= 0.4
    assert used.seconds >= used.process_seconds[child.pid]
    assert used.steal_share is None or 0.0 <= used.steal_share <= 1.0


def test_a_process_gone_before_the_snapshot_is_no_error() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=30)

    assert cpu_snapshot(gone.pid).processes == {}
