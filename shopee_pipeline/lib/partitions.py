"""Partition keys of the Shopee assets, read and built through Dagster's `MultiPartitionKey`.

A key reads `2026-11-25|123456` (dimension `date` first, then `shop`). The definitions themselves are in
`defs/partitions.py`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date

import dagster as dg

SHOP_PARTITIONS_NAME = "shops"
DATE, SHOP = "date", "shop"


class PartitionKeyError(ValueError):
    """A partition key that is not `YYYY-MM-DD|<shop id>`."""


def _dimensions(key: str | dg.MultiPartitionKey) -> dict[str, str]:
    if isinstance(key, dg.MultiPartitionKey):
        return dict(key.keys_by_dimension)
    day_text, sep, shop_text = key.partition("|")
    if not sep or "|" in shop_text:
        raise PartitionKeyError(f"partition key '{key}' is not 'YYYY-MM-DD|<numeric shop id>'")
    return {DATE: day_text, SHOP: shop_text}


def parse_partition_key(key: str | dg.MultiPartitionKey) -> tuple[date, int]:
    """`"2026-11-25|123456"` (or its `MultiPartitionKey`) -> `(date(2026, 11, 25), 123456)`; a clear
    error for anything else."""
    dimensions = _dimensions(key)
    if not dimensions[SHOP].isdigit():
        raise PartitionKeyError(f"partition key '{key}' is not 'YYYY-MM-DD|<numeric shop id>'")
    try:
        return date.fromisoformat(dimensions[DATE]), int(dimensions[SHOP])
    except ValueError:
        raise PartitionKeyError(f"partition key '{key}' does not start with a YYYY-MM-DD date") from None


def partition_key(day: date, shop_id: int) -> dg.MultiPartitionKey:
    """The key of one shop's day."""
    return dg.MultiPartitionKey({DATE: day.isoformat(), SHOP: str(shop_id)})


def parse_partition_keys(keys: Iterable[str | dg.MultiPartitionKey]) -> list[tuple[date, int]]:
    """Every key of a run (one partition, or a range from a backfill or the auto sync)."""
    return [parse_partition_key(key) for key in keys]


def all_shops_range(instance: dg.DagsterInstance, first_day: date, last_day: date) -> tuple[str, str] | None:
    """First and last partition key of the range covering every shop over `first_day..last_day`.

    A range runs along each dimension in the partitions definition's own order, and dynamic partitions
    keep the order they were added in (not numeric order): the range must start at the first shop added
    and end at the last. None when no shop is connected.
    """
    shops = instance.get_dynamic_partitions(SHOP_PARTITIONS_NAME)
    if not shops:
        return None
    return partition_key(first_day, int(shops[0])), partition_key(last_day, int(shops[-1]))


def shop_partition_changes(
    current: Sequence[str], active: Iterable[int], reorder: bool = True
) -> tuple[list[str], list[str]]:
    """The `shops` partitions to delete, then to add, so that they are the `active` shops in numeric
    order (dynamic partitions keep the order they were added in, which the UI lists): shops no longer
    active are deleted and new ones added at the end when that keeps the order; else, if `reorder`, every
    partition is deleted and added again in order (their materializations stay: they are keyed by
    partition key), and without `reorder` new shops are only added at the end."""
    wanted = [str(shop) for shop in sorted(set(active))]
    if list(current) == wanted:
        return [], []
    kept = [shop for shop in current if shop in set(wanted)]
    added = [shop for shop in wanted if shop not in set(current)]
    if kept + added == wanted or not reorder:
        return [shop for shop in current if shop not in set(wanted)], added
    return list(current), wanted


def shop_slices(shops: Sequence[str], busy: Collection[str], per_run: int) -> list[list[str]]:
    """`shops` (in the order the dynamic partitions keep) cut into runs of at most `per_run` consecutive
    shops, leaving out the `busy` ones: each slice is one partition range, so a busy shop ends a slice."""
    slices: list[list[str]] = []
    current: list[str] = []
    for shop in shops:
        if shop in busy or len(current) == per_run:
            if current:
                slices.append(current)
            current = []
        if shop not in busy:
            current.append(shop)
    if current:
        slices.append(current)
    return slices
