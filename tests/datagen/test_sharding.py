"""`--shard i/N`: every id in exactly one shard, the same split everywhere, bad specs refused."""

from __future__ import annotations

import pytest

from medreason.datagen.errors import DatagenError
from medreason.datagen.sharding import Shard


def test_shards_partition_the_ids_evenly() -> None:
    ids = [f"medqa:{number:04d}" for number in range(3000)]
    shards = [Shard(index, 3) for index in range(3)]

    owners = [[shard for shard in shards if shard.contains(record_id)] for record_id in ids]

    assert all(len(owner) == 1 for owner in owners)
    sizes = [sum(owner[0] == shard for owner in owners) for shard in shards]
    assert all(900 < size < 1100 for size in sizes)


def test_the_split_does_not_depend_on_order_or_the_process() -> None:
    # Pinned values: the split must be the same on every machine and in every Python.
    assert [Shard(index, 4).contains("medqa:0000") for index in range(4)] == [True, False, False, False]
    assert [Shard(index, 4).contains("medmcqa:x") for index in range(4)] == [False, False, True, False]
    assert Shard.parse("0/1").contains("anything") is True
    assert str(Shard.parse(" 2/5")) == "2/5"


@pytest.mark.parametrize("text", ["3/3", "1", "a/b", "-1/3", "0/0", "1/2/3"])
def test_bad_shard_specs_say_the_form(text: str) -> None:
    with pytest.raises(DatagenError, match="--shard"):
        Shard.parse(text)
