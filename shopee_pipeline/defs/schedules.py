"""`auto_sync_every_15_minutes`: today's partition of every active shop, in runs of a few shops each."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from shopee_pipeline.defs.jobs import sync_shopee_job
from shopee_pipeline.lib.partitions import SHOP_PARTITIONS_NAME, partition_key, shop_slices
from shopee_pipeline.run_tags import (
    AUTOMATED_RUN_TAGS,
    RANGE_END,
    RANGE_START,
    SHOP_TAG,
    SHOPS_TAG,
    TRIGGER_TAG,
)
from shopee_pipeline.text_table import counted

IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def shops_in_flight(instance: dg.DagsterInstance) -> set[str]:
    """The shops of the auto-sync runs still queued or running (their `shopee/shops` tag)."""
    runs = instance.get_runs(
        filters=dg.RunsFilter(
            job_name=sync_shopee_job.name, statuses=IN_FLIGHT, tags={TRIGGER_TAG: "auto_sync"}
        )
    )
    return {shop for run in runs for shop in run.tags.get(SHOPS_TAG, "").split(",") if shop}


def build_auto_sync_schedule(tz: ZoneInfo, shops_per_run: int) -> dg.ScheduleDefinition:
    """`auto_sync_every_15_minutes`, ticking and choosing its days in `tz` (SHOPEE_TIMEZONE), in runs of at
    most `shops_per_run` shops (SHOPEE_SHOPS_PER_RUN)."""

    @dg.schedule(
        name="auto_sync_every_15_minutes",
        cron_schedule="*/15 * * * *",
        execution_timezone=tz.key,
        job=sync_shopee_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            "Every 15 minutes, sync today's partition of every active shop (and yesterday's during the "
            f"first hour of a day, to catch the last changes before midnight), in runs of at most "
            f"{shops_per_run} shops (SHOPEE_SHOPS_PER_RUN) that the run queue spreads over its workers. A "
            "shop whose previous tick's run is still queued or running is skipped for this tick, and the "
            "tick says so. Each shop reads only what changed since its last sync; one shop's failure never "
            "costs the others."
        ),
    )
    def auto_sync_every_15_minutes(
        context: dg.ScheduleEvaluationContext,
    ) -> list[dg.RunRequest] | dg.SkipReason:
        """One run per slice of shops, each over a range of partitions: [first day | first shop of the
        slice] .. [today | its last shop]."""
        now = context.scheduled_execution_time.astimezone(tz)
        today = now.date()
        first_day = today - timedelta(days=1) if now.hour == 0 else today
        shops = context.instance.get_dynamic_partitions(SHOP_PARTITIONS_NAME)
        if not shops:
            return dg.SkipReason("no active shop yet: connect one with `shopee-pipeline shops connect`")
        busy = shops_in_flight(context.instance) & set(shops)
        slices = shop_slices(shops, busy, shops_per_run)
        if busy:
            listed = ", ".join(sorted(busy, key=int)[:20]) + (" ..." if len(busy) > 20 else "")
            context.log.info(
                f"{counted(len(busy), 'shop')} skipped: an earlier tick's run still syncs them ({listed})"
            )
        if not slices:
            every = "the one active shop is" if len(busy) == 1 else f"all {len(busy)} active shops are"
            return dg.SkipReason(f"{every} still synced by an earlier tick's run")
        context.log.info(
            f"{counted(len(shops) - len(busy), 'shop')} in {counted(len(slices), 'run')} of at most "
            f"{counted(shops_per_run, 'shop')}"
        )
        return [
            dg.RunRequest(
                # Several requests per tick need a key each: unique per tick and slice (Dagster launches a
                # schedule's key once, so a re-evaluated tick starts nothing twice).
                run_key=f"{context.scheduled_execution_time.isoformat()}|{chunk[0]}",
                tags={
                    RANGE_START: str(partition_key(first_day, int(chunk[0]))),
                    RANGE_END: str(partition_key(today, int(chunk[-1]))),
                    TRIGGER_TAG: "auto_sync",
                    **AUTOMATED_RUN_TAGS,
                    SHOPS_TAG: ",".join(chunk),
                    **({SHOP_TAG: chunk[0]} if len(chunk) == 1 else {}),
                },
            )
            for chunk in slices
        ]

    return auto_sync_every_15_minutes
