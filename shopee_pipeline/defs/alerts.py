"""`alert_on_run_failure`: operators hear about a failed run in Slack (or any compatible webhook)."""

import dagster as dg

from shopee_pipeline.alerts import FailedRun, alert_text, post_alert
from shopee_pipeline.settings import get_settings


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Posts every failed run of this code location (shops, partition and error, secrets masked) to the "
        "Slack-compatible incoming webhook of SHOPEE_ALERT_WEBHOOK_URL; does nothing while it is unset. A "
        "post that fails fails the tick, and the same run is posted again on the next one."
    ),
)
def alert_on_run_failure(context: dg.RunFailureSensorContext) -> dg.SkipReason | None:
    """Post the failed run to the operators' webhook."""
    settings = get_settings()
    if not settings.alert_webhook_url:
        return dg.SkipReason("SHOPEE_ALERT_WEBHOOK_URL is not set: no alert sent")
    errors = [
        event.event_specific_data.error.message.strip()
        for event in context.get_step_failure_events()
        if event.event_specific_data is not None and event.event_specific_data.error is not None
    ]
    run = FailedRun(
        context.dagster_run.run_id, context.dagster_run.job_name, context.dagster_run.tags, errors
    )
    secrets = [settings.partner_key, settings.push_partner_key]
    post_alert(settings.alert_webhook_url, alert_text(run, secrets))
    context.log.info(f"alert sent for run {run.run_id[:8]} (shops {run.shops()})")
    return None
