"""The code location: every asset, check, job, schedule, sensor and resource.

Dagster loads it through the lazy entry point `shopee_pipeline_definitions` (`@dg.definitions`): importing
this module does no work, and the definitions are built once, from the settings read once, when Dagster
(or a caller) first asks for them. `from shopee_pipeline.definitions import defs` still gives the built
`Definitions` object (a module `__getattr__`, built on first access), and `build_definitions(settings)`
builds them for any settings. An explicit `Definitions` rather than `load_from_defs_folder`: it needs no
pyproject.toml next to the installed package (a wheel install works too).
"""

import atexit
import functools
import gc

import dagster as dg

from shopee_pipeline.defs.alerts import alert_on_run_failure
from shopee_pipeline.defs.housekeeping import build_purge_old_runs_daily, purge_old_runs_job
from shopee_pipeline.defs.jobs import sync_shopee_job
from shopee_pipeline.defs.lost_pushes import build_recover_lost_pushes_hourly, recover_lost_pushes_job
from shopee_pipeline.defs.orders import build_orders_asset
from shopee_pipeline.defs.partitions import build_partitions
from shopee_pipeline.defs.product_costs import product_costs_asset
from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.defs.schedules import build_auto_sync_schedule
from shopee_pipeline.defs.sensors import build_webhook_events_sensor, shop_partitions_sensor
from shopee_pipeline.defs.shops import (
    authorization_not_expiring,
    build_shop_authorization_daily,
    shop_authorization_check_job,
    shops_asset,
)
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
            product_costs_asset,
            build_orders_asset(partitions.shop_day),
            *(build_stream_asset(spec, partitions.shop_day) for spec in STREAMS if spec.standard_asset),
        ],
        asset_checks=[authorization_not_expiring],
        jobs=[sync_shopee_job, recover_lost_pushes_job, purge_old_runs_job, shop_authorization_check_job],
        schedules=[
            build_auto_sync_schedule(tz, settings.shops_per_run),
            build_recover_lost_pushes_hourly(tz),
            build_purge_old_runs_daily(tz),
            build_shop_authorization_daily(tz),
        ],
        sensors=[
            shop_partitions_sensor,
            build_webhook_events_sensor(partitions.daily, settings.push_sensor_seconds),
            alert_on_run_failure,
        ],
        resources={
            "warehouse": WarehouseResource(),
            "shopee": ShopeeResource(),
        },
        executor=dg.in_process_executor,
    )


@functools.cache
def loaded_definitions() -> dg.Definitions:
    """The code location for the environment's settings, built on the first call only.

    A run worker's heap is then mostly what the imports and the definitions built: it is frozen, so the
    collector never walks it again during the run, and frozen again at exit, so the interpreter's last
    collections skip the run's heap too (about 1.5 s of every `dagster asset materialize` process's exit).
    """
    built = build_definitions(get_settings())
    gc.freeze()
    atexit.register(gc.freeze)
    return built


@dg.definitions
def shopee_pipeline_definitions() -> dg.Definitions:
    """The entry point Dagster loads (`-m shopee_pipeline.definitions`, workspace.yaml, run workers)."""
    return loaded_definitions()


def __getattr__(name: str) -> dg.Definitions:
    """`defs`: the built code location (`loaded_definitions()`), for `from ... import defs`."""
    if name == "defs":
        return loaded_definitions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
