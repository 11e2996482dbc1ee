"""Partitions of every Shopee asset: one day (in `SHOPEE_TIMEZONE`) x one shop.

A key reads `2026-11-25|123456` (date first). A partition holds the records whose `update_time` falls
on that day, so every change to an order lands in the day it happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import dagster as dg

from shopee_pipeline.settings import get_settings

SHOP_PARTITIONS_NAME = "shops"

shop_partitions = dg.DynamicPartitionsDefinition(name=SHOP_PARTITIONS_NAME)

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=get_settings().sync_start_date.isoformat(),
    timezone=get_settings().timezone.key,
    end_offset=1,  # today's partition exists from midnight on: the auto sync keeps it fresh
)

shop_day_partitions = dg.MultiPartitionsDefinition({"date": daily_partitions, "shop": shop_partitions})


class PartitionKeyError(ValueError):
    """A partition key that is not `YYYY-MM-DD|<shop id>`."""


def parse_partition_key(key: str) -> tuple[date, int]:
    """`"2026-11-25|123456"` -> `(date(2026, 11, 25), 123456)`; a clear error for anything else."""
    day_text, sep, shop_text = key.partition("|")
    if not sep or "|" in shop_text or not shop_text.isdigit():
        raise PartitionKeyError(f"partition key '{key}' is not 'YYYY-MM-DD|<numeric shop id>'")
    try:
        return date.fromisoformat(day_text), int(shop_text)
    except ValueError:
        raise PartitionKeyError(f"partition key '{key}' does not start with a YYYY-MM-DD date") from None


def partition_key(day: date, shop_id: int) -> str:
    """The key of one shop's day."""
    return f"{day.isoformat()}|{shop_id}"


def parse_partition_keys(keys: Iterable[str]) -> list[tuple[date, int]]:
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
