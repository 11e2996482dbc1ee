"""`recover_lost_pushes`: pushes Shopee failed to deliver, pulled into `webhook_events` and confirmed.

Each entry of `get_lost_push_message` is unwrapped by the client into the push envelope it was, and
stored like a delivered push (source `lost_push`). A page is confirmed at Shopee (which then deletes its
messages) only after all its entries are committed, each in a shape the push sensor routes. An entry in a
shape nothing can route (no integer code, or an order or booking push without its order_sn, booking_sn or
shop) is logged with its code and shop and stored already processed, outcome `ignored: lost push ...`
with the reason: kept and visible rather than dropped, and it cannot block every later page, which an
unconfirmed page would (Shopee serves the earliest messages first).
"""

from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
from sqlalchemy import Connection

from shopee_pipeline.defs.resources import ShopeeResource, WarehouseResource
from shopee_pipeline.run_tags import AUTOMATED_RUN_TAGS
from shopee_pipeline.sync.pushes import SYNCED_CODES, push_target
from shopee_pipeline.webhook.events import InvalidPush, Push, insert_push, lost_push

NO_CODE = 0
"""`code` of a stored lost message that carried no integer code (never a real push code); its payload
is `{"code": 0, "unreadable": <the message as received>}`."""


def _unroutable(envelope: dict[str, Any]) -> tuple[Push, str | None]:
    """The push an envelope stands for, and why it cannot be routed (None when it can)."""
    try:
        push = lost_push(envelope)
    except InvalidPush as exc:
        return lost_push({"code": NO_CODE, "unreadable": envelope}), str(exc)
    target = push_target(push.code, push.shop_id, push.payload)
    return push, target if isinstance(target, str) and push.code in SYNCED_CODES else None


def store_lost_page(context: dg.OpExecutionContext, conn: Connection, messages: list[dict[str, Any]]) -> int:
    """Store one page's envelopes on `conn`; returns how many were new."""
    stored = 0
    for envelope in messages:
        push, reason = _unroutable(envelope)
        if reason is not None:
            context.log.warning(
                f"lost push (code {envelope.get('code')}, shop {envelope.get('shop_id')}) kept as ignored: "
                f"{reason}"
            )
        outcome = (
            None if reason is None else f"ignored: lost push in a shape that cannot be routed ({reason})"
        )
        stored += insert_push(conn, push, source="lost_push", outcome=outcome)
    return stored


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
                stored += store_lost_page(context, conn, page.messages)
            client.confirm_lost_push_messages(page.last_message_id)
            if not page.has_next_page:
                break
    context.log.info(f"recovered {stored} lost pushes")


@dg.job(description="Recover pushes Shopee could not deliver; the push sensor then syncs what they name.")
def recover_lost_pushes_job() -> None:
    """One op: `recover_lost_pushes`."""
    recover_lost_pushes()


def build_recover_lost_pushes_hourly(tz: ZoneInfo) -> dg.ScheduleDefinition:
    """`recover_lost_pushes_hourly`: `recover_lost_pushes_job` at minute 7 of every hour in `tz`."""
    return dg.ScheduleDefinition(
        name="recover_lost_pushes_hourly",
        cron_schedule="7 * * * *",
        job=recover_lost_pushes_job,
        execution_timezone=tz.key,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        tags=AUTOMATED_RUN_TAGS,
        description="Every hour, pull pushes Shopee failed to deliver (they stay 3 days on Shopee's side).",
    )
