"""Sensors: shop partitions follow the `shops` table; pushes become targeted syncs; authorization watch."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from shopee_pipeline.defs.jobs import ORDER_ASSETS, sync_shopee_job
from shopee_pipeline.defs.partitions import SHOP_PARTITIONS_NAME, partition_key
from shopee_pipeline.defs.resources import WarehouseResource
from shopee_pipeline.settings import get_settings
from shopee_pipeline.sync.pushes import (
    AUTHORIZATION_EXPIRING,
    SHOP_AUTHORIZATION_CANCELED,
    TargetedSync,
    plan_pushes,
)
from shopee_pipeline.warehouse.shops import active_shop_ids, set_active, shops_expiring_before
from shopee_pipeline.warehouse.tables import shops as shops_table
from shopee_pipeline.warehouse.webhook_events import mark_processed, pending_events

EVENTS_PER_TICK = 500
AUTHORIZATION_WARNING = timedelta(days=7)


@dg.sensor(
    name="shop_partitions_sensor",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Keeps the `shops` partitions equal to the active shops: a shop connected from the CLI "
    "appears in the UI within 30 seconds, a deactivated one disappears (its data stays).",
)
def shop_partitions_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult:
    """Add partitions for new active shops and delete those of deactivated ones."""
    with warehouse.get().connect() as conn:
        active = {str(shop) for shop in active_shop_ids(conn)}
    current = set(context.instance.get_dynamic_partitions(SHOP_PARTITIONS_NAME))
    requests = []
    if added := sorted(active - current, key=int):
        requests.append(dg.DynamicPartitionsDefinition(name=SHOP_PARTITIONS_NAME).build_add_request(added))
    if removed := sorted(current - active):
        requests.append(
            dg.DynamicPartitionsDefinition(name=SHOP_PARTITIONS_NAME).build_delete_request(removed)
        )
    return dg.SensorResult(dynamic_partitions_requests=requests)


def _run_request(sync: TargetedSync) -> dg.RunRequest:
    assets = (
        ORDER_ASSETS + (["escrow"] if sync.with_escrow else []) if sync.stream == "orders" else ["bookings"]
    )
    op_config = {"config": {"only": sync.keys}}
    ops = (
        {"shopee_orders": op_config, "escrow": op_config}
        if sync.stream == "orders"
        else {"bookings": op_config}
    )
    return dg.RunRequest(
        run_key=sync.run_key,
        partition_key=partition_key(sync.day, sync.shop_id),
        asset_selection=[dg.AssetKey(a) for a in assets],
        run_config={"ops": {op: cfg for op, cfg in ops.items() if op != "escrow" or sync.with_escrow}},
        tags={"shopee/trigger": "push", "shopee/events": str(len(sync.event_ids))},
    )


@dg.sensor(
    name="webhook_events_sensor",
    job=sync_shopee_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Turns Shopee pushes into targeted syncs: order status and tracking pushes (codes 3, 4) "
    "re-read those orders (and their escrow when it can have changed), booking pushes (23, 24) those "
    "bookings; authorization pushes (1, 2, 12) update the shop; other codes are stored and ignored.",
)
def webhook_events_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult:
    """Read up to 500 unprocessed events after the cursor, request runs, mark the events processed."""
    store = warehouse.get()
    after = int(context.cursor or 0)
    known = {int(s) for s in context.instance.get_dynamic_partitions(SHOP_PARTITIONS_NAME)}
    with store.begin() as conn:
        events = pending_events(conn, limit=EVENTS_PER_TICK, after_id=after)
        if not events:
            return dg.SensorResult(skip_reason="no new push")
        plan = plan_pushes(events, get_settings().timezone, known)
        for sync in plan.syncs:
            mark_processed(conn, sync.event_ids, f"run requested: {sync.run_key}")
        for event in plan.shop_updates:
            if event.shop_id is not None and event.code == SHOP_AUTHORIZATION_CANCELED:
                set_active(conn, event.shop_id, False)
            elif event.shop_id is not None and event.code == AUTHORIZATION_EXPIRING:
                conn.execute(
                    shops_table.update()
                    .where(shops_table.c.shop_id == event.shop_id)
                    .values(authorization_expiry_warned_at=datetime.now(UTC))
                )
            mark_processed(conn, [event.event_id], f"shop update (code {event.code})")
        mark_processed(conn, [e.event_id for e in plan.ignored], "ignored")
    context.log.info(
        f"{len(events)} events: {len(plan.syncs)} runs, {len(plan.shop_updates)} shop updates, "
        f"{len(plan.ignored)} ignored"
    )
    return dg.SensorResult(
        run_requests=[_run_request(sync) for sync in plan.syncs], cursor=str(max(e.event_id for e in events))
    )


@dg.sensor(
    name="shop_authorization_watch",
    minimum_interval_seconds=3600,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Fails its tick, listing the shops, when a shop's refresh token or authorization ends "
    "within 7 days: the seller must re-authorize the app before syncing stops.",
)
def shop_authorization_watch(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SkipReason:
    """Raise with every shop whose access to Shopee ends within 7 days."""
    with warehouse.get().connect() as conn:
        expiring = shops_expiring_before(conn, datetime.now(UTC) + AUTHORIZATION_WARNING)
    if expiring:
        listing = ", ".join(f"{s.shop_id} ({s.shop_name or 'unnamed'})" for s in expiring)
        raise dg.Failure(
            f"Authorization ends within 7 days for shops {listing}: the seller must open "
            "`shopee-pipeline auth-url` and re-authorize the app, then run `shopee-pipeline shops connect`."
        )
    return dg.SkipReason("every active shop is authorized for more than 7 days")
