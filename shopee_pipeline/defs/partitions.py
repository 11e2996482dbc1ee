"""Partitions of every Shopee asset: one day (in `SHOPEE_TIMEZONE`) x one shop.

A key reads `2026-11-25|123456` (date first). A partition holds the records whose `update_time` falls
on that day, so every change to an order lands in the day it happened. Keys are read and built in
`lib/partitions.py`. The days depend on the settings, so they are built by `build_partitions`, once per
code location load (`definitions.build_definitions`), and shared by every asset, the push sensor and
the schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from shopee_pipeline.lib.partitions import DATE, SHOP, SHOP_PARTITIONS_NAME
from shopee_pipeline.settings import Settings

shop_partitions = dg.DynamicPartitionsDefinition(name=SHOP_PARTITIONS_NAME)


@dataclass(frozen=True)
class Partitions:
    """The partitions of one code location: its days, and its days x shops (the assets')."""

    daily: dg.DailyPartitionsDefinition
    shop_day: dg.MultiPartitionsDefinition


def build_partitions(settings: Settings) -> Partitions:
    """Days from `SHOPEE_SYNC_START_DATE` in `SHOPEE_TIMEZONE` (today included), crossed with the shops."""
    daily = dg.DailyPartitionsDefinition(
        start_date=settings.sync_start_date.isoformat(),
        timezone=settings.timezone.key,
        end_offset=1,  # today's partition exists from midnight on: the auto sync keeps it fresh
    )
    return Partitions(daily, dg.MultiPartitionsDefinition({DATE: daily, SHOP: shop_partitions}))
