"""`shops`: the connected shops, an asset of the lineage upstream of everything synced per shop, and its
daily authorization check.

The check is blocking with ERROR severity: when it fails, its run fails, so `alert_on_run_failure` posts it
like any failed run (naming the check and the shops), where the sensor tick it replaces failed unheard.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from shopee_pipeline import clock
from shopee_pipeline.defs.resources import WarehouseResource
from shopee_pipeline.defs.schedules import IN_FLIGHT
from shopee_pipeline.lib.metadata import KINDS, OWNERS, SYNC_GROUP, table_metadata
from shopee_pipeline.lib.partitions import SHOP_PARTITIONS_NAME, shop_partition_changes
from shopee_pipeline.run_tags import AUTOMATED_RUN_TAGS, RANGE_START
from shopee_pipeline.warehouse import tables
from shopee_pipeline.warehouse.shops import shops_expiring_before

SHOPS_ASSET = "shops"
AUTHORIZATION_CHECK = "authorization_not_expiring"
AUTHORIZATION_WARNING = timedelta(days=7)
EXPIRING_SHOPS_METADATA = "expiring_shops"
"""The check's metadata key listing the failing shop ids (comma-separated), read by the alert."""

shops_asset = dg.AssetSpec(
    key=SHOPS_ASSET,
    description=(
        "One row per Shopee shop the app may sync: shop_id, shop_name and region (from get_shop_info), "
        "whether it is active, and when its authorization ends. Written by `shopee-pipeline shops "
        "connect/add/deactivate` and push codes 1, 2 and 12; `shop_partitions_sensor` records each change "
        "of the active shops here, with their names. Every shop partition of the synced assets is a row."
    ),
    metadata=table_metadata(tables.shops),
    kinds=KINDS,
    owners=OWNERS,
    group_name=SYNC_GROUP,
)


def shops_materialization(names_by_shop: dict[int, str | None]) -> dg.AssetMaterialization:
    """What `shop_partitions_sensor` records when the active shops change: how many, and which."""
    listing = "\n".join(f"| {shop} | {name or ''} |" for shop, name in sorted(names_by_shop.items()))
    return dg.AssetMaterialization(
        asset_key=SHOPS_ASSET,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(names_by_shop)),
            "active_shops": dg.MetadataValue.md(f"| shop_id | shop_name |\n|---|---|\n{listing}"),
        },
    )


def ranged_runs_in_flight(instance: dg.DagsterInstance) -> bool:
    """Whether a run over a range of partitions is queued or running. It resolves its range against the
    `shops` partitions' order when it starts: re-ordering them under it would change which shops it syncs
    (a range from the first to the last shop of a slice would cover others, or fewer)."""
    return any(
        RANGE_START in run.tags for run in instance.get_runs(filters=dg.RunsFilter(statuses=IN_FLIGHT))
    )


def align_shop_partitions(instance: dg.DagsterInstance, names_by_shop: dict[int, str | None]) -> bool:
    """Make the `shops` partitions of `instance` the active shops of `names_by_shop` in numeric order
    (`shop_partition_changes`) and, when they changed, record the shops on the `shops` asset (so it is
    materialized as soon as shops are connected); whether they changed. What `shop_partitions_sensor`
    does each tick, for the commands that connect shops or sync one at once."""
    current = instance.get_dynamic_partitions(SHOP_PARTITIONS_NAME)
    delete, add = shop_partition_changes(current, names_by_shop, reorder=not ranged_runs_in_flight(instance))
    for key in delete:
        instance.delete_dynamic_partition(SHOP_PARTITIONS_NAME, key)
    if add:
        instance.add_dynamic_partitions(SHOP_PARTITIONS_NAME, add)
    if delete or add:
        instance.report_runless_asset_event(shops_materialization(names_by_shop))
    return bool(delete or add)


@dg.asset_check(
    asset=SHOPS_ASSET,
    name=AUTHORIZATION_CHECK,
    blocking=True,
    description="Fails, naming the shops, when an active shop's refresh token or authorization ends within "
    "7 days: the seller must re-authorize the app before syncing stops. Run daily by "
    "`shop_authorization_daily`; a failure fails its run, which `alert_on_run_failure` posts.",
)
def authorization_not_expiring(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Pass when every active shop stays authorized for more than 7 days (`clock.now()`); else fail with
    every shop whose access to Shopee ends sooner and what the seller must do."""
    with warehouse.get().connect() as conn:
        expiring = shops_expiring_before(conn, clock.now() + AUTHORIZATION_WARNING)
    if not expiring:
        return dg.AssetCheckResult(
            passed=True, description="every active shop is authorized for more than 7 days"
        )
    listing = ", ".join(f"{s.shop_id} ({s.shop_name or 'unnamed'})" for s in expiring)
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"Authorization ends within 7 days for shops {listing}: the seller must open "
            "`shopee-pipeline auth-url` and re-authorize the app, then run `shopee-pipeline shops connect`."
        ),
        metadata={EXPIRING_SHOPS_METADATA: ",".join(str(s.shop_id) for s in expiring)},
    )


shop_authorization_check_job = dg.define_asset_job(
    name="shop_authorization_check_job",
    selection=dg.AssetSelection.checks(authorization_not_expiring),
    description="Runs the `shops` asset's authorization check.",
)


def build_shop_authorization_daily(tz: ZoneInfo) -> dg.ScheduleDefinition:
    """`shop_authorization_daily`: `shop_authorization_check_job` every day at 08:00 in `tz`, when an
    operator is there to ask a seller to re-authorize."""
    return dg.ScheduleDefinition(
        name="shop_authorization_daily",
        cron_schedule="0 8 * * *",
        job=shop_authorization_check_job,
        execution_timezone=tz.key,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        tags=AUTOMATED_RUN_TAGS,
        description=(
            "Every day at 08:00, the `shops` authorization check; a failure is posted as a failed run."
        ),
    )
