"""`alert_on_run_failure`: operators hear about a failed run, and about every check that failed in it, in
Slack (or any compatible webhook). The daily authorization check on `shops` is blocking, so a failure of it
fails its run and reaches operators here too: one alert path."""

import dagster as dg

from shopee_pipeline.alerts import SHOPS_METADATA, FailedCheck, FailedRun, alert_text, post_alert
from shopee_pipeline.defs.shops import EXPIRING_SHOPS_METADATA
from shopee_pipeline.settings import get_settings


def failed_checks(instance: dg.DagsterInstance, run_id: str) -> tuple[FailedCheck, ...]:
    """The asset checks of run `run_id` that did not pass, each with the shops its metadata names."""
    found = []
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        event = record.dagster_event
        evaluation = event.event_specific_data if event is not None else None
        if not isinstance(evaluation, dg.AssetCheckEvaluation) or evaluation.passed:
            continue
        listed = evaluation.metadata.get(EXPIRING_SHOPS_METADATA) or evaluation.metadata.get(SHOPS_METADATA)
        shops = str(listed.value).split(",") if listed is not None and listed.value else []
        found.append(
            FailedCheck(
                asset=evaluation.asset_key.to_user_string(),
                check=evaluation.check_name,
                description=evaluation.description or "no description",
                shops=tuple(shops),
            )
        )
    return tuple(found)


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Posts every failed run of this code location (shops, partition, the checks that failed and the "
        "error, secrets masked) to the Slack-compatible incoming webhook of SHOPEE_ALERT_WEBHOOK_URL; does "
        "nothing while it is unset. The `shops` authorization check fails its run, so it is posted here. A "
        "post that fails fails the tick, and the same run is posted again on the next one."
    ),
)
def alert_on_run_failure(context: dg.RunFailureSensorContext) -> dg.SkipReason | None:
    """Post the failed run, with its failed checks, to the operators' webhook."""
    settings = get_settings()
    if not settings.alert_webhook_url:
        return dg.SkipReason("SHOPEE_ALERT_WEBHOOK_URL is not set: no alert sent")
    errors = [
        event.step_failure_data.error.message.strip()
        for event in context.get_step_failure_events()
        if event.step_failure_data.error is not None
    ]
    dagster_run = context.dagster_run
    run = FailedRun(
        dagster_run.run_id,
        dagster_run.job_name,
        dagster_run.tags,
        errors,
        failed_checks(context.instance, dagster_run.run_id),
    )
    secrets = [settings.partner_key, settings.push_partner_key]
    post_alert(settings.alert_webhook_url, alert_text(run, secrets))
    context.log.info(f"alert sent for run {run.run_id[:8]} (shops {run.shops()})")
    return None
