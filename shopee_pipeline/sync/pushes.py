"""From stored push events to actions: targeted syncs per shop and day, shop updates, or nothing.

Pushes only say "something changed" (reference 5.1): each becomes a re-read of the named orders or
bookings. The 15-minute sync stays the safety net.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from shopee_pipeline.warehouse.webhook_events import WebhookEvent

ORDER_STATUS, ORDER_TRACKING_NO = 3, 4
BOOKING_STATUS, BOOKING_TRACKING_NO = 23, 24
SHOP_AUTHORIZED, SHOP_AUTHORIZATION_CANCELED, AUTHORIZATION_EXPIRING = 1, 2, 12
# Escrow cannot change while an order is unpaid; any later status may change it.
STATUSES_WITHOUT_ESCROW_CHANGE = frozenset({"UNPAID"})


@dataclass
class TargetedSync:
    """Re-read `keys` (order_sn or booking_sn) of one shop's day; `stream` is `orders` or `bookings`."""

    shop_id: int
    day: date
    stream: str
    with_escrow: bool = False
    keys: list[str] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)

    @property
    def run_key(self) -> str:
        """Stable across re-evaluations of the same events, so a restarted daemon never launches twice."""
        return f"push-{self.stream}-{self.shop_id}-{self.day}-{min(self.event_ids)}-{max(self.event_ids)}"


@dataclass
class PushPlan:
    """What a batch of events asks for."""

    syncs: list[TargetedSync] = field(default_factory=list)
    shop_updates: list[WebhookEvent] = field(default_factory=list)
    ignored: list[WebhookEvent] = field(default_factory=list)


def _data(event: WebhookEvent) -> dict:
    data = event.payload.get("data")
    return data if isinstance(data, dict) else {}


def _day(event: WebhookEvent, tz: ZoneInfo) -> date:
    data = _data(event)
    for stamp in (data.get("update_time"), event.payload.get("timestamp")):
        if isinstance(stamp, int | float) and stamp > 0:
            return datetime.fromtimestamp(stamp, tz).date()
    return event.received_at.astimezone(tz).date()


def plan_pushes(events: Iterable[WebhookEvent], tz: ZoneInfo, known_shops: set[int]) -> PushPlan:
    """Group events into one targeted sync per (shop, day, stream); sort out shop updates and the rest."""
    plan = PushPlan()
    syncs: dict[tuple[int, date, str], TargetedSync] = defaultdict(lambda: TargetedSync(0, date.min, ""))
    for event in events:
        data = _data(event)
        if event.code in (SHOP_AUTHORIZED, SHOP_AUTHORIZATION_CANCELED, AUTHORIZATION_EXPIRING):
            plan.shop_updates.append(event)
            continue
        if event.code in (ORDER_STATUS, ORDER_TRACKING_NO):
            stream, key = "orders", data.get("ordersn") or data.get("order_sn")
        elif event.code in (BOOKING_STATUS, BOOKING_TRACKING_NO):
            stream, key = "bookings", data.get("booking_sn")
        else:
            plan.ignored.append(event)
            continue
        if not key or event.shop_id not in known_shops:
            plan.ignored.append(event)
            continue
        day = _day(event, tz)
        sync = syncs[(event.shop_id, day, stream)]
        sync.shop_id, sync.day, sync.stream = event.shop_id, day, stream
        if str(key) not in sync.keys:
            sync.keys.append(str(key))
        sync.event_ids.append(event.event_id)
        if event.code == ORDER_STATUS and data.get("status") not in STATUSES_WITHOUT_ESCROW_CHANGE:
            sync.with_escrow = True
    plan.syncs = list(syncs.values())
    return plan
