"""The registry of synced streams: everything that makes a stream, declared once.

A stream is one kind of Shopee record synced into a parent table and its child tables by one Dagster
step. Jobs, selections, the push sensor's routing, the demo, the tests and (for streams with an
`asset_description`) the asset itself derive from `STREAMS`; a new stream is a new `StreamSpec` here plus
its normaliser, fetch function and tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shopee_pipeline.normalize.bookings import BookingRows
from shopee_pipeline.normalize.escrow import EscrowRows
from shopee_pipeline.normalize.orders import OrderRows
from shopee_pipeline.normalize.returns import ReturnRows
from shopee_pipeline.push_codes import (
    BOOKING_STATUS_PUSH,
    BOOKING_TRACKING_NO_PUSH,
    ORDER_STATUS_PUSH,
    ORDER_TRACKING_NO_PUSH,
    RETURN_UPDATES_PUSH,
)
from shopee_pipeline.sync.fetch import (
    FetchStream,
    stream_bookings,
    stream_escrow,
    stream_orders,
    stream_returns,
)
from shopee_pipeline.warehouse.lookups import NO_ESCROW_STATUSES

# Given a push's `code`, its `data` and the key it named, the keys a following stream re-reads (none:
# the push cannot have changed that stream).
FollowRule = Callable[[int, Mapping[str, Any], str], list[str]]


@dataclass(frozen=True)
class StreamSpec:
    """What makes one stream.

    `name` is the stream's name in `sync_state` and in its per-shop lock; `table` its parent table, also
    an asset key; `child_tables` are written with each chunk of parents, before them in one transaction,
    and those of `child_assets` are assets of their own. Rows merge on `conflict_key`, newest
    `guard_column` wins. `fetch` reads it from Shopee as batches of `rows` (its normaliser's dataclass,
    one frame per table). `op_name` is the Dagster step that syncs it (run config `ops.<op_name>.config`,
    where `only_field` lists the keys a push re-reads; escrow is synced by the orders step).
    A push whose `code` is in `push_codes` names the record in the first of `push_key_fields` it carries.
    A stream that `follows` others reads their rows; a push to one of them re-reads this stream too, for
    the keys its rule returns. A stream with an `asset_description` is synced by the standard asset
    (`defs/stream_assets.py`: windows or keys in, rows out, after the streams it follows) and needs no
    asset code; `fetch` then takes `(client, windows_by_shop, keys_by_shop=None, concurrency=...)`. Each
    partition of the parent asset reports its rows per `status_column` and the sum of its `money` column
    (`(label, column)`, e.g. `("gmv", "total_amount")`).
    """

    name: str
    table: str
    conflict_key: str
    op_name: str
    fetch: Callable[..., FetchStream]
    rows: type
    guard_column: str = "update_time"
    child_tables: tuple[str, ...] = ()
    child_assets: tuple[str, ...] = ()
    push_codes: frozenset[int] = frozenset()
    push_key_fields: tuple[str, ...] = ()
    follows: Mapping[str, FollowRule] = field(default_factory=dict)
    asset_description: str | None = None
    money: tuple[str, str] | None = None
    status_column: str | None = None
    only_field: str = "only"

    @property
    def after(self) -> tuple[str, ...]:
        """The streams this one reads (a standard asset runs after them)."""
        return tuple(self.follows)

    @property
    def asset_keys(self) -> tuple[str, ...]:
        """The asset keys the stream's step materializes, parent first."""
        return (self.table, *self.child_assets)

    @property
    def tables(self) -> tuple[str, ...]:
        """Every table the stream writes, parent first."""
        return (self.table, *self.child_tables)


def _escrow_of_pushed_order(code: int, data: Mapping[str, Any], order_sn: str) -> list[str]:
    """An order status push can change the order's escrow (unless the order is still unpaid)."""
    changed = code == ORDER_STATUS_PUSH and data.get("status") not in NO_ESCROW_STATUSES
    return [order_sn] if changed else []


def _escrow_of_returned_order(code: int, data: Mapping[str, Any], return_sn: str) -> list[str]:
    """A return changes its order's escrow (refund, reverse shipping fee). Push 29's `data` is unconfirmed
    (docs/shopee-api-notes.md#returns): without an order_sn the next sync's escrow step finds the order
    through the stored return."""
    order_sn = data.get("order_sn") or data.get("ordersn")
    return [order_sn] if isinstance(order_sn, str) and order_sn.strip() else []


ORDERS = StreamSpec(
    name="orders",
    table="orders",
    conflict_key="order_sn",
    op_name="shopee_orders",
    fetch=stream_orders,
    rows=OrderRows,
    child_tables=("order_items", "logistics"),
    child_assets=("order_items", "logistics"),
    push_codes=frozenset({ORDER_STATUS_PUSH, ORDER_TRACKING_NO_PUSH}),
    push_key_fields=("ordersn", "order_sn"),
    money=("gmv", "total_amount"),
    status_column="order_status",
)
ESCROW = StreamSpec(
    name="escrow",
    table="escrow",
    conflict_key="order_sn",
    op_name="shopee_orders",
    only_field="escrow_only",
    fetch=stream_escrow,
    rows=EscrowRows,
    guard_column="order_update_time",
    child_tables=("escrow_items",),
    follows={"orders": _escrow_of_pushed_order, "returns": _escrow_of_returned_order},
    money=("net_payout", "escrow_amount"),
)
BOOKINGS = StreamSpec(
    name="bookings",
    table="bookings",
    conflict_key="booking_sn",
    op_name="bookings",
    fetch=stream_bookings,
    rows=BookingRows,
    child_tables=("booking_items",),
    push_codes=frozenset({BOOKING_STATUS_PUSH, BOOKING_TRACKING_NO_PUSH}),
    push_key_fields=("booking_sn",),
    status_column="booking_status",
    asset_description=(
        "One row per advance-fulfilment booking (stock shipped before a buyer orders): booking_status, "
        "match_status and, once MATCHED, the order_sn it was matched to. Items are kept in "
        "`booking_items`. A day's partition holds the bookings last changed that day."
    ),
)

RETURNS = StreamSpec(
    name="returns",
    table="returns",
    conflict_key="return_sn",
    op_name="returns",
    fetch=stream_returns,
    rows=ReturnRows,
    child_tables=("return_items",),
    push_codes=frozenset({RETURN_UPDATES_PUSH}),
    push_key_fields=("return_sn",),
    money=("refunds", "refund_amount"),
    status_column="status",
    asset_description=(
        "One row per return/refund request (`return_sn`) of an order (`order_sn`; an order can have "
        "several): status, reason, refund_amount in `currency`, the seller's deadline `due_date` and the "
        "reverse shipment's tracking_number. Lines are kept in `return_items` (`amount` is a quantity). A "
        "day's partition holds the returns last changed that day; a changed return has its order's escrow "
        "fetched again."
    ),
)

STREAMS: tuple[StreamSpec, ...] = (ORDERS, RETURNS, ESCROW, BOOKINGS)
BY_NAME = {spec.name: spec for spec in STREAMS}
PUSHED_BY_CODE = {code: spec for spec in STREAMS for code in spec.push_codes}
SYNC_ASSET_KEYS = tuple(key for spec in STREAMS for key in spec.asset_keys)
SYNCED_TABLES = tuple(table for spec in STREAMS for table in spec.tables)


def followers(stream: str) -> tuple[StreamSpec, ...]:
    """The streams that follow `stream`: a push to it may re-read them too."""
    return tuple(spec for spec in STREAMS if stream in spec.follows)
