"""`medreason serve --workers N`: each worker listens on a socket of its own; the kernel spreads connections.

uvicorn's workers share one listening socket. The worker whose event loop wakes first accepts every
connection waiting (asyncio accepts up to the backlog in one go), and a kept-alive connection stays with
the worker that accepted it. Eight clients connecting at once were served seven by one worker and one by
the other (`ss -tnp` during `bench.server_load --workers 2`), so one interpreter did nearly all the work
while the other idled. With `SO_REUSEPORT` each worker binds the port itself and the kernel gives each new
connection to one of the listening sockets, by a hash of its addresses.

uvicorn's supervisor (`Multiprocess`: restarting a dead worker, health pings, SIGHUP's rolling restart)
is kept as it is. It hands each worker the socket it was given by pickling it, and `PortOfEachWorker`
pickles as "bind this address anew", so every worker, a replacement included, gets its own socket.
The cost: a worker that dies drops the connections still waiting in its own queue, which one shared
socket would have kept for the other workers; their clients see a reset and connect again.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from uvicorn import Config
from uvicorn.supervisors import Multiprocess

logger = logging.getLogger("uvicorn.error")


class ListenError(OSError):
    """The address cannot be listened on: taken by another program, or not this machine's."""


def can_listen_per_worker() -> bool:
    """True where the kernel balances one port over several sockets (Linux, the BSDs, macOS)."""
    return hasattr(socket, "SO_REUSEPORT")


class PortOfEachWorker(socket.socket):
    """A socket bound with `SO_REUSEPORT` that a worker process receives as a fresh one on the same address.

    The parent's own socket is bound, never listening: only listening sockets are given connections.
    """

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:  # noqa: ARG002 - one form for every protocol
        host, port = self.getsockname()[:2]
        return (bind_port_of_worker, (self.family, host, port))


def bind_port_of_worker(family: socket.AddressFamily, host: str, port: int) -> PortOfEachWorker:
    """A socket on `host:port` that other sockets of this user may bind too (`SO_REUSEPORT`)."""
    sock = PortOfEachWorker(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def check_port_free(family: socket.AddressFamily, host: str, port: int) -> None:
    """Bind `host:port` plainly once, as uvicorn does, to fail when something else holds it.

    `SO_REUSEPORT` alone would let a second `medreason serve` on the same port by mistake start, and
    quietly take half of the first one's connections; a plain bind fails against it.
    """
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def run_workers(config: Config) -> None:
    """Run `config.workers` uvicorn workers under uvicorn's supervisor, each listening on its own socket.

    Raises:
        ListenError: The address is taken, or cannot be bound here (not this machine's, a privileged port).
    """
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    try:
        check_port_free(family, config.host, config.port)
        sock = bind_port_of_worker(family, config.host, config.port)
    except OSError as exc:
        raise ListenError(
            f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}. "
            "Stop the program that holds the port, or pick another --port or --host"
        ) from exc
    shown = f"[{config.host}]" if family == socket.AF_INET6 else config.host
    logger.info(
        "Listening on http://%s:%d with %d workers, each on its own socket (Press CTRL+C to quit)",
        shown,
        sock.getsockname()[1],
        config.workers,
    )
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
