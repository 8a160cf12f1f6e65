"""`bench.machine.cpu_snapshot`: what a server's processes spent, read from the OS, per process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from bench.machine import cpu_snapshot, listening_processes

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


LISTEN = """
import socket, sys
sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
sock.bind(("127.0.0.1", int(sys.argv[1])))
if sys.argv[2] == "listen":
    sock.listen()
print("bound", flush=True)
sys.stdin.read()
"""


def test_only_the_processes_listening_on_the_port_are_counted() -> None:
    """What the server bench waits for: every worker listening, not merely bound, before clients connect."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", LISTEN, str(port), how],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for how in ("listen", "bind", "listen")
    ]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "bound"
        assert listening_processes(os.getpid(), port) == 2
    finally:
        for child in children:
            child.communicate("", timeout=30)
    assert listening_processes(children[0].pid, port) == 0
