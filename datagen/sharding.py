"""`--shard i/N`: split an input deterministically so N machines run disjoint parts of it.

A record's shard is a hash of its stable id, not its position, so the split is the same on every
machine, for every input order, and after a file gains records at the end; each id is in exactly one
shard. `datagen merge` joins the shards' outputs back into one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from medreason.datagen.errors import DatagenError


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard `index` (0-based) of `count`."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`"i/N"` with 0 ≤ i < N, e.g. `0/4` ... `3/4`."""
        index, slash, count = text.partition("/")
        if not slash or not index.strip().isdigit() or not count.strip().isdigit():
            raise DatagenError(f"--shard takes i/N (e.g. 0/4), not {text!r}.")
        shard = cls(int(index), int(count))
        if shard.count < 1 or not 0 <= shard.index < shard.count:
            raise DatagenError(f"--shard {text}: i must be 0 to N-1 and N at least 1.")
        return shard

    def contains(self, record_id: str) -> bool:
        """Whether the record with this id belongs to this shard."""
        digest = hashlib.sha256(record_id.encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
