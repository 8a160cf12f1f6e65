"""Logging, configured once per entry point: the `medreason` loggers write to standard error.

Modules log through `logging.getLogger(__name__)`; the CLI's callback and the server's app factory call
`configure_logging` with the one setting, `MEDREASON_LOG_LEVEL` (or `--log-level`). Standard output is
left alone, so the JSON of `--json` commands stays the only thing on it.

Only the `medreason` logger gets a handler: libraries keep their own levels (httpx would otherwise log
every request at INFO), and records still propagate to the root logger, where a host application or
pytest's `caplog` may collect them too.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

ROOT = "medreason"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is when a record arrives, not when the handler was made.

    So a progress bar that redirects standard error while it draws (rich does) prints log lines above
    itself instead of through them, and a test that captures standard error sees them.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        """Standard error, now."""
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        """Ignored: the stream is always the current standard error."""


def configure_logging(level: str) -> None:
    """Send the `medreason` loggers' records of `level` and above to standard error; idempotent.

    Args:
        level: `debug`, `info`, `warning`, `error` or `critical` (any case).
    """
    logger = logging.getLogger(ROOT)
    logger.setLevel(level.upper())
    for handler in [handler for handler in logger.handlers if isinstance(handler, StderrHandler)]:
        logger.removeHandler(handler)
    handler = StderrHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(handler)
