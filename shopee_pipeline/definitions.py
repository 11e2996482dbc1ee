"""The code location: `defs` holds every asset, check, job, schedule, sensor and resource.

An explicit `Definitions` object rather than `load_from_defs_folder`: it needs no pyproject.toml next to
the installed package (a wheel install works too), and `from shopee_pipeline.definitions import defs`
gives the object itself.
"""

import dagster as dg

from shopee_pipeline.defs.bookings import bookings
from shopee_pipeline.defs.escrow import escrow
from shopee_pipeline.defs.housekeeping import purge_old_runs_daily, purge_old_runs_job
from shopee_pipeline.defs.jobs import sync_shopee_job
from shopee_pipeline.defs.lost_pushes import recover_lost_pushes_hourly, recover_lost_pushes_job
from shopee_pipeline.defs.orders import shopee_orders
from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.defs.schedules import auto_sync_every_15_minutes
from shopee_pipeline.defs.sensors import (
    shop_authorization_watch,
    shop_partitions_sensor,
    webhook_events_sensor,
)

defs = dg.Definitions(
    assets=[shopee_orders, escrow, bookings],
    jobs=[sync_shopee_job, recover_lost_pushes_job, purge_old_runs_job],
    schedules=[auto_sync_every_15_minutes, recover_lost_pushes_hourly, purge_old_runs_daily],
    sensors=[shop_partitions_sensor, webhook_events_sensor, shop_authorization_watch],
    resources={
        "warehouse": WarehouseResource(),
        "shopee": ShopeeResource(),
    },
    executor=dg.in_process_executor,
)
