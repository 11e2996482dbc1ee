"""Sensors: shop partitions follow the `shops` table; pushes become targeted syncs.

The push sensor never loses a push. Each tick it (a) marks processed the events given to a run of an
earlier tick once that run exists in the instance (tag `dagster/run_key`), (b) gives the new events to
one run per shop, recording the run key on them and committing before anything is requested, and
(c) requests every run not confirmed yet: Dagster skips a run key the sensor already launched, so a tick
that failed after (b) is simply requested again by the next one. A pushed day outside the partitions
is clamped to the nearest one (the run re-reads the pushed records by key whatever their day).
"""

from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

import dagster as dg
from sqlalchemy import Connection

from shopee_pipeline import clock
from shopee_pipeline.defs.jobs import sync_shopee_job
from shopee_pipeline.defs.resources import WarehouseResource
from shopee_pipeline.defs.shops import align_shop_partitions, shops_materialization
from shopee_pipeline.lib.partitions import SHOP_PARTITIONS_NAME, partition_key, shop_partition_changes
from shopee_pipeline.push_codes import AUTHORIZATION_EXPIRING, SHOP_AUTHORIZATION_CANCELED
from shopee_pipeline.run_tags import (
    AUTOMATED_RUN_TAGS,
    RANGE_END,
    RANGE_START,
    SHOP_NAME_TAG,
    SHOP_TAG,
    TRIGGER_TAG,
)
from shopee_pipeline.sync.pushes import PushPlan, ShopSync, plan_pushes
from shopee_pipeline.sync.streams import STREAMS, followers
from shopee_pipeline.text_table import counted
from shopee_pipeline.warehouse.shops import active_shop_ids, active_shops_named, set_active, shop_names
from shopee_pipeline.warehouse.tables import shops as shops_table
from shopee_pipeline.warehouse.webhook_events import WebhookEvent, assign_run, mark_processed, pending_events

EVENTS_PER_TICK = 500
RUN_KEY_TAG = "dagster/run_key"


def _routing() -> str:
    """How pushes are routed, read off the stream registry: "codes 3, 4 re-read those orders (and
    escrow when it can have changed); ..."."""
    parts = []
    for spec in STREAMS:
        if spec.push_codes:
            following = [f.name for f in followers(spec.name)]
            also = f" (and {', '.join(following)} when it can have changed)" if following else ""
            codes = ", ".join(str(code) for code in sorted(spec.push_codes))
            parts.append(f"codes {codes} re-read those {spec.name}{also}")
    return "; ".join(parts)


WEBHOOK_SENSOR_DESCRIPTION = (
    f"Turns Shopee pushes into targeted syncs, one run per shop per tick (a shop whose push run is still "
    f"queued keeps its new pushes for its next run): {_routing()}; authorization "
    "pushes (1, 2, 12) update the shop; others are stored and ignored with the reason. A push is marked "
    "processed only once its run exists: a failed tick loses nothing."
)


@dg.sensor(
    name="shop_partitions_sensor",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Keeps the `shops` partitions equal to the active shops, in numeric order: a shop connected "
    "from the CLI appears in the UI within 30 seconds, a deactivated one disappears (its data stays).",
)
def shop_partitions_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult:
    """Delete the partitions of deactivated shops and add those of new active ones, keeping them in
    numeric order (`shop_partition_changes`); record the change on the `shops` asset."""
    with warehouse.get().connect() as conn:
        active = active_shops_named(conn)
    current = context.instance.get_dynamic_partitions(SHOP_PARTITIONS_NAME)
    removed, added = shop_partition_changes(current, active)
    if set(removed) & set(added):  # re-ordered: Dagster refuses a tick that deletes and adds one key
        align_shop_partitions(context.instance, active)
        return dg.SensorResult()
    partitions = dg.DynamicPartitionsDefinition(name=SHOP_PARTITIONS_NAME)
    requests: list[dg.DeleteDynamicPartitionsRequest | dg.AddDynamicPartitionsRequest] = [
        *([partitions.build_delete_request(removed)] if removed else []),
        *([partitions.build_add_request(added)] if added else []),
    ]
    changed = [shops_materialization(active)] if requests else []
    return dg.SensorResult(dynamic_partitions_requests=requests, asset_events=changed)


def _existing_day(daily: dg.TimeWindowPartitionsDefinition, day: date) -> tuple[date, bool]:
    """`day`, or the nearest day that has a partition now (and True) when it lies outside them: a push
    stamped ahead of the partitions (clock skew, a sandbox running fast) or before the first one."""
    first = date.fromisoformat(daily.get_first_partition_key() or day.isoformat())
    last = date.fromisoformat(daily.get_last_partition_key() or day.isoformat())
    nearest = min(max(day, first), last)
    return nearest, nearest != day


def _run_request(
    context: dg.SensorEvaluationContext,
    daily: dg.TimeWindowPartitionsDefinition,
    sync: ShopSync,
    run_key: str,
    names: dict[int, str],
) -> dg.RunRequest:
    """One run over the shop's pushed days (one partition, or a single-shop range) re-reading just the
    pushed keys of each stream (which are synced by key whatever their day), tagged with the shop's id
    and name."""
    first, first_moved = _existing_day(daily, min(sync.days))
    last, last_moved = _existing_day(daily, max(sync.days))
    if first_moved or last_moved:
        context.log.info(
            f"{run_key}: pushed days {min(sync.days)}..{max(sync.days)} clamped to the partitions' "
            f"{first}..{last}"
        )
    assets: list[str] = []
    ops: dict[str, dict[str, dict[str, list[str]]]] = {}
    for spec in STREAMS:
        if keys := sync.keys_of(spec):
            assets += spec.asset_keys
            ops.setdefault(spec.op_name, {"config": {}})["config"][spec.only_field] = keys
    tags = {
        TRIGGER_TAG: "push",
        **AUTOMATED_RUN_TAGS,
        "shopee/events": str(len(sync.event_ids)),
        SHOP_TAG: str(sync.shop_id),
        **({SHOP_NAME_TAG: names[sync.shop_id][:200]} if sync.shop_id in names else {}),
    }
    if first != last:
        tags |= {
            RANGE_START: partition_key(first, sync.shop_id),
            RANGE_END: partition_key(last, sync.shop_id),
        }
    return dg.RunRequest(
        run_key=run_key,
        partition_key=partition_key(first, sync.shop_id) if first == last else None,
        asset_selection=[dg.AssetKey(a) for a in assets],
        run_config={"ops": ops},
        tags=tags,
    )


def _apply_shop_update(conn: Connection, event: WebhookEvent) -> None:
    if event.shop_id is not None and event.code == SHOP_AUTHORIZATION_CANCELED:
        set_active(conn, event.shop_id, False)
    elif event.shop_id is not None and event.code == AUTHORIZATION_EXPIRING:
        conn.execute(
            shops_table.update()
            .where(shops_table.c.shop_id == event.shop_id)
            .values(authorization_expiry_warned_at=clock.now())
        )
    mark_processed(conn, [event.event_id], f"shop update (code {event.code})")


def shops_with_queued_push_runs(instance: dg.DagsterInstance) -> set[int]:
    """Shops whose push run has not started yet: their new pushes wait and join the shop's next run."""
    runs = instance.get_runs(
        filters=dg.RunsFilter(
            statuses=[dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED],
            tags={TRIGGER_TAG: "push"},
        )
    )
    return {int(run.tags[SHOP_TAG]) for run in runs if run.tags.get(SHOP_TAG, "").isdigit()}


def existing_run(instance: dg.DagsterInstance, run_key: str) -> dg.DagsterRun | None:
    """The run Dagster created for `run_key`, if any."""
    runs = instance.get_runs(filters=dg.RunsFilter(tags={RUN_KEY_TAG: run_key}), limit=1)
    return runs[0] if runs else None


def _settle_assigned(
    context: dg.SensorEvaluationContext, conn: Connection, known: set[int], connected: set[int], tz: ZoneInfo
) -> dict[str, ShopSync]:
    """Mark processed the assigned events whose run exists (outcome names the run); return the syncs
    still to request, by run key. Events whose shop lost its partition meanwhile are ignored."""
    groups: dict[str, list[WebhookEvent]] = defaultdict(list)
    for event in pending_events(conn, limit=EVENTS_PER_TICK, assigned=True):
        groups[str(event.run_key)].append(event)
    unconfirmed: dict[str, ShopSync] = {}
    for run_key, events in groups.items():
        run = existing_run(context.instance, run_key)
        if run is not None:
            mark_processed(conn, [e.event_id for e in events], f"synced by run {run.run_id} ({run_key})")
            continue
        plan = plan_pushes(events, tz, known, connected)
        for event, reason in plan.ignored:
            mark_processed(conn, [event.event_id], f"ignored: {reason}")
        unconfirmed.update((run_key, sync) for sync in plan.syncs)
    return unconfirmed


def tick_summary(pending: int, plan: PushPlan, held: list[ShopSync], requested: int) -> str:
    """One line on what a tick did with the `pending` pushes it read (`plan`): the runs it requested (new
    ones and those of earlier ticks asked again), shop updates, pushes ignored, pushes held back because
    their shop's push run is still queued and pushes waiting for their shop's partition; what was nothing
    is left out."""
    held_pushes = sum(len(sync.event_ids) for sync in held)
    new_runs = len(plan.syncs) - len(held)
    parts = [
        counted(new_runs, "new run") if new_runs else "",
        counted(requested - new_runs, "run of an earlier tick", "runs of earlier ticks") + " requested again"
        if requested > new_runs
        else "",
        counted(len(plan.shop_updates), "shop update") if plan.shop_updates else "",
        counted(len(plan.ignored), "push", "pushes") + " ignored" if plan.ignored else "",
        f"{counted(held_pushes, 'push', 'pushes')} of {counted(len(held), 'shop')} held until their "
        "shop's queued push run starts"
        if held
        else "",
        counted(len(plan.waiting), "push", "pushes") + " waiting for their shop's partition"
        if plan.waiting
        else "",
    ]
    read = counted(pending, "pending push", "pending pushes") if pending else "no pending push"
    return f"{read}: {'; '.join(p for p in parts if p) or 'nothing to run'}"


def build_webhook_events_sensor(
    daily: dg.TimeWindowPartitionsDefinition, interval_seconds: int
) -> dg.SensorDefinition:
    """`webhook_events_sensor`, clamping pushed days to `daily` (the assets' days), evaluated every
    `interval_seconds` (SHOPEE_PUSH_SENSOR_SECONDS). Pushed times fall on days of `daily`'s timezone,
    passed in with it where the definitions are built (no settings read at tick time)."""
    tz = ZoneInfo(daily.timezone)

    @dg.sensor(
        name="webhook_events_sensor",
        job=sync_shopee_job,
        minimum_interval_seconds=interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=WEBHOOK_SENSOR_DESCRIPTION,
    )
    def webhook_events_sensor(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource
    ) -> dg.SensorResult:
        """Confirm the runs of earlier ticks, give up to 500 new events to one run per shop (committed
        before any run is requested), and request every run not confirmed yet (Dagster skips a run key it
        launched)."""
        store = warehouse.get()
        known = {int(s) for s in context.instance.get_dynamic_partitions(SHOP_PARTITIONS_NAME)}
        with store.begin() as conn:
            connected = set(active_shop_ids(conn))
            names = shop_names(conn, connected)
            requested = _settle_assigned(context, conn, known, connected, tz)
            events = pending_events(conn, limit=EVENTS_PER_TICK)
            plan = plan_pushes(events, tz, known, connected)
            queued = shops_with_queued_push_runs(context.instance)
            held = [sync for sync in plan.syncs if sync.shop_id in queued]
            for sync in plan.syncs:
                if sync.shop_id not in queued:
                    assign_run(conn, sync.event_ids, sync.run_key)
                    requested[sync.run_key] = sync
            for event in plan.shop_updates:
                _apply_shop_update(conn, event)
            for event, reason in plan.ignored:
                mark_processed(conn, [event.event_id], f"ignored: {reason}")
        summary = tick_summary(len(events), plan, held, len(requested))
        if not requested:
            return dg.SensorResult(skip_reason=summary)
        context.log.info(summary)
        return dg.SensorResult(
            run_requests=[_run_request(context, daily, sync, key, names) for key, sync in requested.items()]
        )

    return webhook_events_sensor
