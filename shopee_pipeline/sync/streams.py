"""The registry of synced streams: everything that makes a stream, declared once.

A stream is one kind of Shopee record synced into a parent table and its child tables by one Dagster
step. Jobs, selections, the push sensor's routing, the demo, the tests and (for streams with
`standard_asset`) the asset itself derive from `STREAMS`. A list-then-detail stream is a declaration: its
list endpoint (path, pager, window fields), its detail endpoint (path, batch size, key), the shape of its
objects (`RecordShape`: key, child lists, columns read by path), push codes and follow rules; one generic
pager, fetch and normaliser serve it (`read_stream`). A new such stream is its tables
(`warehouse/tables.py`), a `StreamSpec` here and the generated migration. Orders and escrow keep custom
fetch and normalisers behind the same rows type.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shopee_pipeline.normalize import convert
from shopee_pipeline.normalize.records import ChildShape, FieldPaths, RecordNormaliser, RecordShape
from shopee_pipeline.push_codes import (
    BOOKING_STATUS_PUSH,
    BOOKING_TRACKING_NO_PUSH,
    ORDER_STATUS_PUSH,
    ORDER_TRACKING_NO_PUSH,
    RETURN_UPDATES_PUSH,
)
from shopee_pipeline.shopee import ShopeeClient
from shopee_pipeline.shopee.endpoints import DetailEndpoint, ListEndpoint, Pager
from shopee_pipeline.sync.fetch import (
    ORDER_DETAIL,
    ORDER_LIST,
    FetchStream,
    read_records,
    stream_escrow,
    stream_orders,
)
from shopee_pipeline.sync.windows import Window
from shopee_pipeline.warehouse.lookups import NO_ESCROW_STATUSES

# Every `response_optional_fields` value of `GET /api/v2/order/get_booking_detail`.
BOOKING_DETAIL_OPTIONAL_FIELDS = (
    "item_list",
    "cancel_by",
    "cancel_reason",
    "fulfillment_flag",
    "pickup_done_time",
    "shipping_carrier",
    "recipient_address",
    "dropshipper",
    "dropshipper_phone",
)

# Given a push's `code`, its `data` and the key it named, the keys a following stream re-reads (none:
# the push cannot have changed that stream).
FollowRule = Callable[[int, Mapping[str, Any], str], list[str]]


@dataclass(frozen=True)
class StreamSpec:
    """What makes one stream.

    `name` is the stream's name in `sync_state` and in its per-shop lock; `table` its parent table, also
    an asset key; `child_tables` are written with each chunk of parents, before them in one transaction,
    and those of `child_assets` are assets of their own. Rows merge on `conflict_key`, newest
    `guard_column` wins. `op_name` is the Dagster step that syncs it (run config `ops.<op_name>.config`,
    where `only_field` lists the keys a push re-reads; escrow is synced by the orders step).

    A declared stream reads `list_endpoint` by `update_time` window (its pages carry whole objects when
    `listed_whole`, else keys whose details `detail_endpoint` answers in batches), re-reads pushed keys by
    `detail_endpoint`, and turns objects into rows by `shape`: `read_stream` does all of it. Orders and
    escrow name their endpoints too but fetch with `fetch`, their own function.

    A push whose `code` is in `push_codes` names the record in the first of `push_key_fields` it carries.
    A stream that `follows` others reads their rows; a push to one of them re-reads this stream too, for
    the keys its rule returns. A stream with `standard_asset` is synced by the standard asset
    (`defs/stream_assets.py`: windows or keys in, rows out, after the streams it follows; its description
    `asset_description`) and needs no asset code. Each partition of the parent asset reports its rows per
    `status_column` and the sum of its `money` column (`(label, column)`, e.g. `("gmv", "total_amount")`).
    """

    name: str
    table: str
    conflict_key: str
    op_name: str
    list_endpoint: ListEndpoint | None = None
    detail_endpoint: DetailEndpoint | None = None
    listed_whole: bool = False
    shape: RecordShape | None = None
    fetch: Callable[..., FetchStream] | None = None
    guard_column: str = "update_time"
    child_tables: tuple[str, ...] = ()
    child_assets: tuple[str, ...] = ()
    push_codes: frozenset[int] = frozenset()
    push_key_fields: tuple[str, ...] = ()
    follows: Mapping[str, FollowRule] = field(default_factory=dict)
    standard_asset: bool = False
    asset_description: str | None = None
    money: tuple[str, str] | None = None
    status_column: str | None = None
    only_field: str = "only"

    def __post_init__(self) -> None:
        if self.shape is not None and self.shape.tables != self.tables:
            raise ValueError(
                f"stream {self.name}: its shape fills {self.shape.tables}, it writes {self.tables}"
            )
        declared = None not in (self.list_endpoint, self.detail_endpoint, self.shape)
        if self.standard_asset and not (declared and self.asset_description):
            raise ValueError(
                f"stream {self.name}: the standard asset needs list and detail endpoints, a shape and a "
                "description"
            )
        if not declared and self.fetch is None:
            raise ValueError(f"stream {self.name}: declare its endpoints and shape, or give its own fetch")

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

    @property
    def own_fetch(self) -> Callable[..., FetchStream]:
        """The stream's own fetch (orders, escrow); a declared stream reads with `read` instead."""
        if self.fetch is None:
            raise TypeError(f"stream {self.name} has no fetch of its own: it reads with its declaration")
        return self.fetch

    @functools.cached_property
    def normaliser(self) -> RecordNormaliser:
        """The generic normaliser of a declared stream's `shape`."""
        if self.shape is None:
            raise TypeError(f"stream {self.name} declares no shape: it normalises with its own fetch")
        return RecordNormaliser(self.shape)

    def read(
        self,
        client: ShopeeClient,
        windows_by_shop: Mapping[int, list[Window]],
        *,
        keys_by_shop: Mapping[int, list[str]] | None = None,
        concurrency: int = 4,
    ) -> FetchStream:
        """The declared stream read from Shopee for each shop: its windows listed (or the given keys
        re-read), detailed in batches, normalised batch by batch."""
        if self.list_endpoint is None or self.detail_endpoint is None:
            raise TypeError(f"stream {self.name} declares no list and detail endpoints")
        return read_records(
            client,
            self.list_endpoint,
            self.detail_endpoint,
            self.normaliser,
            windows_by_shop,
            keys_by_shop=keys_by_shop,
            listed_whole=self.listed_whole,
            concurrency=concurrency,
        )


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
    list_endpoint=ORDER_LIST,
    detail_endpoint=ORDER_DETAIL,
    fetch=stream_orders,
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
    list_endpoint=ListEndpoint(
        path="/api/v2/order/get_booking_list",
        item_field="booking_list",
        key_field="booking_sn",
        pager=Pager.CURSOR,
    ),
    detail_endpoint=DetailEndpoint(
        path="/api/v2/order/get_booking_detail",
        key_field="booking_sn",
        keys_param="booking_sn_list",
        item_field="booking_list",
        fixed_params={"response_optional_fields": BOOKING_DETAIL_OPTIONAL_FIELDS},
    ),
    shape=RecordShape(
        table="bookings",
        key="booking_sn",
        kind="booking",
        overrides={"recipient_address": convert.to_json_object},
        children=(
            ChildShape(
                "booking_items", "item_list", fields={"image_url": FieldPaths((("image_info", "image_url"),))}
            ),
        ),
    ),
    child_tables=("booking_items",),
    push_codes=frozenset({BOOKING_STATUS_PUSH, BOOKING_TRACKING_NO_PUSH}),
    push_key_fields=("booking_sn",),
    status_column="booking_status",
    standard_asset=True,
    asset_description=(
        "One row per advance-fulfilment booking (stock shipped before a buyer orders): booking_status, "
        "match_status and, once MATCHED, the order_sn it was matched to. Items are kept in "
        "`booking_items`. A day's partition holds the bookings last changed that day."
    ),
)

# Statuses `get_return_list` gives flat and `get_return_detail` nests: column -> the detail's object.
NESTED_RETURN_STATUSES = {
    "negotiation_status": "negotiation",
    "seller_proof_status": "seller_proof",
    "seller_compensation_status": "seller_compensation",
}
RETURNS = StreamSpec(
    name="returns",
    table="returns",
    conflict_key="return_sn",
    op_name="returns",
    # get_return_list pages by number with only `more`, its first page number unconfirmed (None: the
    # client's `return_first_page_no`, 0 by default), and answers whole return objects.
    list_endpoint=ListEndpoint(
        path="/api/v2/returns/get_return_list",
        item_field="return",
        key_field="return_sn",
        pager=Pager.PAGE_NUMBER,
        time_from_param="update_time_from",
        time_to_param="update_time_to",
        time_range_field=None,
        first_page_no=None,
    ),
    listed_whole=True,
    detail_endpoint=DetailEndpoint(
        path="/api/v2/returns/get_return_detail", key_field="return_sn", keys_param="return_sn", batch_size=1
    ),
    shape=RecordShape(
        table="returns",
        key="return_sn",
        kind="return",
        fields={
            "order_sn": FieldPaths((("order_sn",),)),
            **{
                column: FieldPaths(((column,), (nested, column)))
                for column, nested in NESTED_RETURN_STATUSES.items()
                if column != "seller_compensation_status"
            },
            # Shopee spells compensation statuses both `COMPENSATION_REQUESTED` and `REQUESTED`.
            "seller_compensation_status": FieldPaths(
                (("seller_compensation_status",), ("seller_compensation", "seller_compensation_status")),
                convert.text_without_prefix("COMPENSATION_"),
            ),
        },
        required=("order_sn",),
        children=(ChildShape("return_items", "item"),),
    ),
    child_tables=("return_items",),
    push_codes=frozenset({RETURN_UPDATES_PUSH}),
    push_key_fields=("return_sn",),
    money=("refunds", "refund_amount"),
    status_column="status",
    standard_asset=True,
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
