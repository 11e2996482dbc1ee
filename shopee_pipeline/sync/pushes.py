"""From stored push events to actions: one targeted sync per shop, shop updates, or nothing (with why).

Pushes only say "something changed": each becomes a re-read of the orders or bookings it names. All the
pushes of one shop that a sensor tick takes become one `ShopSync` (its keys per stream, the days they fell
on, the following streams, such as escrow, that can have changed). `push_target` says what a single push
asks for, or why it cannot be routed; the lost-push recovery uses it too, to tell a routable shape from one
that is not.
The 15-minute sync stays the safety net.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shopee_pipeline.push_codes import AUTHORIZATION_EXPIRING, SHOP_AUTHORIZATION_CANCELED, SHOP_AUTHORIZED
from shopee_pipeline.sync.streams import PUSHED_BY_CODE, StreamSpec, followers
from shopee_pipeline.warehouse.webhook_events import WebhookEvent

SHOP_CODES = frozenset({SHOP_AUTHORIZED, SHOP_AUTHORIZATION_CANCELED, AUTHORIZATION_EXPIRING})
SYNCED_CODES = frozenset(PUSHED_BY_CODE)


@dataclass(frozen=True)
class PushTarget:
    """What one push asks for: `stream` is a pushed stream's name (with the record's `key`), or `shop`
    (whose `key` is empty)."""

    stream: str
    key: str = ""


def _data(payload: Mapping[str, Any]) -> dict:
    data = payload.get("data")
    return data if isinstance(data, dict) else {}


def push_target(code: int, shop_id: int | None, payload: Mapping[str, Any]) -> PushTarget | str:
    """What a push envelope asks for, or the reason nothing can be done with it."""
    if code in SHOP_CODES:
        return PushTarget("shop")
    spec = PUSHED_BY_CODE.get(code)
    if spec is None:
        return f"code {code} is not synced"
    data = _data(payload)
    key = next((data[name] for name in spec.push_key_fields if data.get(name)), None)
    if isinstance(key, bool) or not isinstance(key, str | int) or not str(key).strip():
        return f"no {spec.push_key_fields[0]} in data"
    if shop_id is None:
        return "no shop_id"
    return PushTarget(spec.name, str(key).strip())


@dataclass
class ShopSync:
    """Re-read the pushed records of one shop, pushed on `days`: `keys` by stream name (order_sn,
    booking_sn...), pushed ones and those a following stream's rule asks for (escrow of a pushed order)."""

    shop_id: int
    keys: dict[str, list[str]] = field(default_factory=dict)
    days: set[date] = field(default_factory=set)
    event_ids: list[int] = field(default_factory=list)

    def add_keys(self, stream: str, keys: Iterable[str]) -> None:
        """Add `keys` to what `stream`'s step re-reads, each once."""
        known = self.keys.setdefault(stream, [])
        known.extend(key for key in keys if key not in known)

    def keys_of(self, spec: StreamSpec) -> list[str]:
        """The keys `spec`'s step re-reads; none when it does not run."""
        return self.keys.get(spec.name, [])

    @property
    def run_key(self) -> str:
        """Unique per set of events (an event is given to one run only), stable across re-evaluations."""
        return f"push-{self.shop_id}-{min(self.event_ids)}-{max(self.event_ids)}"


@dataclass
class PushPlan:
    """What a batch of events asks for: at most one sync per shop, shop updates, events that wait for
    their shop's partition, and ignored events with the reason."""

    syncs: list[ShopSync] = field(default_factory=list)
    shop_updates: list[WebhookEvent] = field(default_factory=list)
    waiting: list[WebhookEvent] = field(default_factory=list)
    ignored: list[tuple[WebhookEvent, str]] = field(default_factory=list)


def _day(event: WebhookEvent, tz: ZoneInfo) -> date:
    data = _data(event.payload)
    for stamp in (data.get("update_time"), event.payload.get("timestamp")):
        if isinstance(stamp, int | float) and not isinstance(stamp, bool) and stamp > 0:
            return datetime.fromtimestamp(stamp, tz).date()
    return event.received_at.astimezone(tz).date()


def plan_pushes(
    events: Iterable[WebhookEvent], tz: ZoneInfo, known_shops: set[int], connected_shops: set[int]
) -> PushPlan:
    """One sync per shop of `known_shops` (those with a partition) for its order and booking pushes; an
    event of a connected shop whose partition does not exist yet waits; the rest are sorted out."""
    plan = PushPlan()
    syncs: dict[int, ShopSync] = {}
    for event in events:
        target = push_target(event.code, event.shop_id, event.payload)
        if isinstance(target, str):
            plan.ignored.append((event, target))
        elif target.stream == "shop":
            plan.shop_updates.append(event)
        elif event.shop_id not in known_shops:
            if event.shop_id in connected_shops:
                plan.waiting.append(event)
            else:
                plan.ignored.append((event, f"shop {event.shop_id} is not connected"))
        else:
            sync = syncs.setdefault(event.shop_id, ShopSync(event.shop_id))
            sync.add_keys(target.stream, [target.key])
            sync.days.add(_day(event, tz))
            sync.event_ids.append(event.event_id)
            data = _data(event.payload)
            for spec in followers(target.stream):
                sync.add_keys(spec.name, spec.follows[target.stream](event.code, data, target.key))
    plan.syncs = list(syncs.values())
    return plan
