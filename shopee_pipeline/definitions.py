"""The code location: `defs` holds every asset, check, job, schedule, sensor and resource.

An explicit `Definitions` object rather than `load_from_defs_folder`: it needs no pyproject.toml next to
the installed package (a wheel install works too), and `from shopee_pipeline.definitions import defs`
gives the object itself. Importing this module is loading the code location, so it reads the settings
(`build_definitions()`); no module of `defs/` or `lib/` reads them when imported.
"""

import atexit
import gc

import dagster as dg

from shopee_pipeline.defs.alerts import alert_on_run_failure
from shopee_pipeline.defs.housekeeping import build_purge_old_runs_daily, purge_old_runs_job
from shopee_pipeline.defs.jobs import sync_shopee_job
from shopee_pipeline.defs.lost_pushes import build_recover_lost_pushes_hourly, recover_lost_pushes_job
from shopee_pipeline.defs.orders import build_orders_asset
from shopee_pipeline.defs.partitions import build_partitions
from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.defs.schedules import build_auto_sync_schedule
from shopee_pipeline.defs.sensors import (
    build_webhook_events_sensor,
    shop_authorization_watch,
    shop_partitions_sensor,
)
from shopee_pipeline.defs.shops import shops_asset
from shopee_pipeline.defs.stream_assets import build_stream_asset
from shopee_pipeline.settings import Settings, get_settings
from shopee_pipeline.sync.streams import STREAMS


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """The code location for `settings` (the environment's by default): one set of partitions, built
    here, shared by every asset, the push sensor's day clamp and the schedules' timezone. Orders and
    escrow are synced by one multi-asset; every other stream of the registry gets the standard one."""
    settings = settings or get_settings()
    partitions = build_partitions(settings)
    tz = settings.timezone
    return dg.Definitions(
        assets=[
            shops_asset,
            build_orders_asset(partitions.shop_day),
            *(build_stream_asset(spec, partitions.shop_day) for spec in STREAMS if spec.standard_asset),
        ],
        jobs=[sync_shopee_job, recover_lost_pushes_job, purge_old_runs_job],
        schedules=[
            build_auto_sync_schedule(tz, settings.shops_per_run),
            build_recover_lost_pushes_hourly(tz),
            build_purge_old_runs_daily(tz),
        ],
        sensors=[
            shop_partitions_sensor,
            build_webhook_events_sensor(partitions.daily, settings.push_sensor_seconds),
            shop_authorization_watch,
            alert_on_run_failure,
        ],
        resources={
            "warehouse": WarehouseResource(),
            "shopee": ShopeeResource(),
        },
        executor=dg.in_process_executor,
    )


defs = build_definitions()

# A run worker's heap is mostly what the imports and the definitions built: freeze it, so the collector
# never walks it again during the run, and freeze again at exit, so the interpreter's last collections
# skip the run's heap too (about 1.5 s of every `dagster asset materialize` process's exit).
gc.freeze()
atexit.register(gc.freeze)
