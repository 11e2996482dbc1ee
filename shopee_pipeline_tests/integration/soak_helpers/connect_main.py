"""`python -m ...soak_helpers.connect_main <sandbox url>`: connect every sandbox shop and add its
partition (in numeric order, as `shopee-pipeline shops connect` keeps them), as a seller's onboarding
does, under this process's clock (token expiry is stored from it). Prints one JSON line: the shop ids,
and the first and last partition key of yesterday and today (in `SHOPEE_TIMEZONE`) of every shop: the
range of the shops' first backfill."""

import json
import sys
from datetime import datetime, timedelta

import dagster as dg
import requests

from shopee_pipeline.defs.shops import align_shop_partitions
from shopee_pipeline.lib.partitions import all_shops_range
from shopee_pipeline.onboarding import connect_shop
from shopee_pipeline.settings import get_settings
from shopee_pipeline.warehouse.shops import active_shops_named
from shopee_pipeline.warehouse.store import Warehouse


def main(sandbox_url: str) -> None:
    """Connect the shops, add their partitions, print the JSON line."""
    settings = get_settings()
    warehouse = Warehouse.from_settings(settings)
    shop_ids = requests.get(f"{sandbox_url}/_sandbox/shops", timeout=10).json()["shop_ids"]
    for shop_id in shop_ids:
        code = requests.post(f"{sandbox_url}/_sandbox/authorize", json={"shop_id": shop_id}, timeout=10)
        connect_shop(settings, warehouse, shop_id, code.json()["code"])
    today = datetime.now(settings.timezone).date()
    with warehouse.connect() as conn:
        active = active_shops_named(conn)
    with dg.DagsterInstance.get() as instance:
        align_shop_partitions(instance, active)
        backfill = all_shops_range(instance, today - timedelta(days=1), today)
    print(json.dumps({"shop_ids": shop_ids, "backfill": backfill}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
