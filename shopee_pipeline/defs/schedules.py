"""`auto_sync_every_15_minutes`: today's partition of every active shop, in one run."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from shopee_pipeline.defs.jobs import sync_shopee_job
from shopee_pipeline.lib.partitions import all_shops_range

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def build_auto_sync_schedule(tz: ZoneInfo) -> dg.ScheduleDefinition:
    """`auto_sync_every_15_minutes`, ticking and choosing its days in `tz` (SHOPEE_TIMEZONE)."""

    @dg.schedule(
        name="auto_sync_every_15_minutes",
        cron_schedule="*/15 * * * *",
        execution_timezone=tz.key,
        job=sync_shopee_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            "Every 15 minutes, sync today's partition of every active shop (and yesterday's during the "
            "first hour of a day, to catch the last changes before midnight) in a single run: each shop "
            "reads only what changed since its last sync, and one shop's failure never costs the others."
        ),
    )
    def auto_sync_every_15_minutes(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        """One run over a range of partitions: [first day | first shop] .. [today | last shop]."""
        now = context.scheduled_execution_time.astimezone(tz)
        today = now.date()
        first_day = today - timedelta(days=1) if now.hour == 0 else today
        keys = all_shops_range(context.instance, first_day, today)
        if keys is None:
            return dg.SkipReason("no active shop yet: connect one with `shopee-pipeline shops connect`")
        return dg.RunRequest(
            run_key=None, tags={RANGE_START: keys[0], RANGE_END: keys[1], "shopee/trigger": "auto_sync"}
        )

    return auto_sync_every_15_minutes
