"""`purge_old_runs`: keeps Dagster's run and event history bounded under a 15-minute schedule.

Tick history is bounded by `retention` in dagster.yaml; runs and their event logs are not (Dagster OSS
keeps them forever), and a 15-minute sync writes about 100 runs a day. This job deletes runs, with their
events, older than `RUN_RETENTION_DAYS`. Synced data is untouched: it lives in the warehouse.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from shopee_pipeline import clock
from shopee_pipeline.run_tags import AUTOMATED_RUN_TAGS

RUN_RETENTION_DAYS = 30
BATCH = 500


def purge_runs_before(instance: dg.DagsterInstance, cutoff: datetime) -> int:
    """Delete every finished run created before `cutoff`, with its event log; return how many."""
    deleted = 0
    finished = [
        s for s in dg.DagsterRunStatus if s not in (dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.QUEUED)
    ]
    while True:
        records = instance.get_run_records(
            filters=dg.RunsFilter(created_before=cutoff, statuses=finished), limit=BATCH
        )
        for record in records:
            instance.delete_run(record.dagster_run.run_id)
        deleted += len(records)
        if len(records) < BATCH:
            return deleted


@dg.op(description=f"Delete finished runs (and their events) older than {RUN_RETENTION_DAYS} days.")
def purge_old_runs(context: dg.OpExecutionContext) -> None:
    """Delete old runs so the event log stays bounded."""
    cutoff = clock.now() - timedelta(days=RUN_RETENTION_DAYS)
    context.log.info(
        f"deleted {purge_runs_before(context.instance, cutoff)} runs created before {cutoff:%Y-%m-%d}"
    )


@dg.job(description="Keep Dagster's run history bounded (the warehouse's data is not touched).")
def purge_old_runs_job() -> None:
    """One op: `purge_old_runs`."""
    purge_old_runs()


def build_purge_old_runs_daily(tz: ZoneInfo) -> dg.ScheduleDefinition:
    """`purge_old_runs_daily`: `purge_old_runs_job` at 03:30 in `tz` (SHOPEE_TIMEZONE)."""
    return dg.ScheduleDefinition(
        name="purge_old_runs_daily",
        cron_schedule="30 3 * * *",
        job=purge_old_runs_job,
        execution_timezone=tz.key,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        tags=AUTOMATED_RUN_TAGS,
        description=f"Every night, delete runs older than {RUN_RETENTION_DAYS} days with their events.",
    )
