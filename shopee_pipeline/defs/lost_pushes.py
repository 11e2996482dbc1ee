"""`recover_lost_pushes`: pushes Shopee failed to deliver, pulled into `webhook_events` and confirmed."""

import json

import dagster as dg

from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.settings import get_settings
from shopee_pipeline.webhook.events import InvalidPush, insert_push, parse_push


@dg.op(
    description="Pull Shopee's lost push messages (last 3 days, 100 a page) into webhook_events, "
    "then confirm them so Shopee drops them. Stored first, confirmed after: nothing is lost.",
)
def recover_lost_pushes(
    context: dg.OpExecutionContext, shopee: ShopeeResource, warehouse: WarehouseResource
) -> None:
    """Store every lost push page by page, confirming each page once its rows are committed."""
    store = warehouse.get()
    stored = 0
    with shopee.client(store) as client:
        while True:
            page = client.get_lost_push_messages()
            if not page.messages:
                break
            with store.begin() as conn:
                for message in page.messages:
                    try:
                        push = parse_push(json.dumps(message, sort_keys=True).encode())
                    except InvalidPush as exc:
                        context.log.warning(f"lost push skipped: {exc}")
                        continue
                    stored += insert_push(conn, push, source="lost_push")
            client.confirm_lost_push_messages(page.last_message_id)
            if not page.has_next_page:
                break
    context.log.info(f"recovered {stored} lost pushes")


@dg.job(description="Recover pushes Shopee could not deliver; the push sensor then syncs what they name.")
def recover_lost_pushes_job() -> None:
    """One op: `recover_lost_pushes`."""
    recover_lost_pushes()


recover_lost_pushes_hourly = dg.ScheduleDefinition(
    name="recover_lost_pushes_hourly",
    cron_schedule="7 * * * *",
    job=recover_lost_pushes_job,
    execution_timezone=get_settings().timezone.key,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every hour, pull pushes Shopee failed to deliver (they stay 3 days on Shopee's side).",
)
