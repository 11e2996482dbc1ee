"""Partitions of every Shopee asset: one day (in `SHOPEE_TIMEZONE`) x one shop.

A key reads `2026-11-25|123456` (date first). A partition holds the records whose `update_time` falls
on that day, so every change to an order lands in the day it happened. Keys are read and built in
`lib/partitions.py`.
"""

from __future__ import annotations

import dagster as dg

from shopee_pipeline.lib.partitions import DATE, SHOP, SHOP_PARTITIONS_NAME
from shopee_pipeline.settings import get_settings

shop_partitions = dg.DynamicPartitionsDefinition(name=SHOP_PARTITIONS_NAME)

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=get_settings().sync_start_date.isoformat(),
    timezone=get_settings().timezone.key,
    end_offset=1,  # today's partition exists from midnight on: the auto sync keeps it fresh
)

shop_day_partitions = dg.MultiPartitionsDefinition({DATE: daily_partitions, SHOP: shop_partitions})
