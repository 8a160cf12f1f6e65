"""The errors `datagen` raises, each saying what to do next.

    DatagenError
    ├── InputError      an input file is missing, unreadable or in no format we read
    ├── OutputError     an output file cannot be written, or belongs to another run
    └── WorkerError     worker processes (`--workers`) could not run the samples (`datagen.processes`)

A malformed record inside a readable file is not an error: adapters yield an `InputProblem` for it, the run
reports it with its file and line and goes on.
"""

from __future__ import annotations


class DatagenError(Exception):
    """Base of every error this package raises on purpose."""


class InputError(DatagenError):
    """An input file cannot be read as any QA format we know."""


class OutputError(DatagenError):
    """An output file cannot be written or resumed."""
