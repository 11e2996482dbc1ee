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
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from shopee_pipeline.normalize import convert, wallet
from shopee_pipeline.normalize.records import ChildShape, FieldPaths, RecordNormaliser, RecordShape
from shopee_pipeline.push_codes import (
    BOOKING_STATUS_PUSH,
    BOOKING_TRACKING_NO_PUSH,
    ITEM_PRICE_UPDATE_PUSH,
    ORDER_STATUS_PUSH,
    ORDER_TRACKING_NO_PUSH,
    RESERVED_STOCK_CHANGE_PUSH,
    RETURN_UPDATES_PUSH,
    VIOLATION_ITEM_PUSH,
)
from shopee_pipeline.shopee import ShopeeClient
from shopee_pipeline.shopee.endpoints import DetailEndpoint, KeyDetail, ListEndpoint, Pager, Repeated
from shopee_pipeline.sync.fetch import (
    ORDER_DETAIL,
    ORDER_LIST,
    FetchStream,
    StoredVersions,
    read_records,
    stream_escrow,
    stream_orders,
)
from shopee_pipeline.sync.windows import Window
from shopee_pipeline.warehouse import tables
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
class Snapshot:
    """A history kept from a child table: every read's rows of `source` land in `table`, one row per
    child key and local day of the read (`date_column`), the day's last read winning (`seen_column`, the
    time of the read). `parent_columns` are copied from the parent row; parents whose `status_column` is
    one of `skip_statuses` get none (Shopee keeps no history: only what was read is known)."""

    table: str
    source: str
    parent_columns: tuple[str, ...] = ()
    status_column: str | None = None
    skip_statuses: frozenset[str] = frozenset()
    date_column: str = "snapshot_date"
    seen_column: str = "seen_at"

    def rows(
        self, parent: pd.DataFrame, key: str, source: pd.DataFrame, seen_at: datetime, tz: ZoneInfo
    ) -> pd.DataFrame:
        """The snapshot rows of one batch read at `seen_at`: `source`'s rows with their parent's
        `parent_columns` (joined on `key`), the day of `seen_at` in `tz` and `seen_at` itself."""
        columns = [c.name for c in tables.metadata.tables[self.table].columns]
        if source.empty:
            return pd.DataFrame([], columns=columns, dtype=object)
        joined = source.merge(parent[[key, *self.parent_columns]], on=key, how="inner")
        if self.status_column is not None:
            joined = joined[~joined[self.status_column].isin(self.skip_statuses)]
        joined = joined.assign(**{self.date_column: seen_at.astimezone(tz).date(), self.seen_column: seen_at})
        return joined[columns].astype(object)


@dataclass(frozen=True)
class StreamSpec:
    """What makes one stream.

    `name` is the stream's name in `sync_state` and in its per-shop lock; `table` its parent table, also
    an asset key; `child_tables` are written with each chunk of parents, before them in one transaction,
    and those of `child_assets` are assets of their own. Rows merge on `conflict_key`, newest
    `guard_column` wins. `op_name` is the Dagster step that syncs it (run config `ops.<op_name>.config`,
    where `only_field` lists the keys a push re-reads; escrow is synced by the orders step).

    A declared stream reads `list_endpoint` by time window (`update_time`, or the time its `guard_column`
    holds: a wallet transaction's `create_time`, an escrow's release) (its pages carry whole objects when
    `listed_whole`, else keys whose details `detail_endpoint` answers in batches), re-reads pushed keys by
    `detail_endpoint` (a stream listed whole may have none: it is then never re-read by key), asks its
    `key_details` for the objects they concern, and turns objects into rows by `shape` (whose `version` is
    the `guard_column`): `read` does all of it. Orders and escrow name their endpoints too but fetch with
    `fetch`, their own function. A stream with `daily_full_read` (one whose `update_time` may not move
    with every change) is read whole once a day (`SHOPEE_FULL_READ_AT`) and on `full_resync`, key
    details included; otherwise key details are asked only for objects whose `update_time` moved. Its
    `snapshots` keep a daily history of a child table; their tables are `child_assets` too.

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
    key_details: tuple[KeyDetail, ...] = ()
    daily_full_read: bool = False
    snapshots: tuple[Snapshot, ...] = ()
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
        if self.shape is not None and self.shape.tables != (self.table, *self.child_tables):
            raise ValueError(
                f"stream {self.name}: its shape fills {self.shape.tables}, it writes {self.tables}"
            )
        if self.shape is not None and self.shape.version != self.guard_column:
            raise ValueError(f"stream {self.name}: its shape's version is not its guard column")
        detailed = self.detail_endpoint is not None or self.listed_whole
        declared = None not in (self.list_endpoint, self.shape) and detailed
        if self.standard_asset and not (declared and self.asset_description):
            raise ValueError(
                f"stream {self.name}: the standard asset needs a list endpoint, a detail endpoint (unless "
                "listed whole), a shape and a description"
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
        """Every table the stream writes, parent first, snapshots last."""
        return (self.table, *self.child_tables, *(snapshot.table for snapshot in self.snapshots))

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
        stored_versions: StoredVersions | None = None,
        concurrency: int = 4,
    ) -> FetchStream:
        """The declared stream read from Shopee for each shop: its windows listed (or the given keys
        re-read), detailed in batches, key details asked (with `stored_versions`, only where the stored
        version differs), normalised batch by batch."""
        if self.list_endpoint is None:
            raise TypeError(f"stream {self.name} declares no list endpoint")
        return read_records(
            client,
            self.list_endpoint,
            self.detail_endpoint,
            self.normaliser,
            windows_by_shop,
            keys_by_shop=keys_by_shop,
            listed_whole=self.listed_whole,
            key_details=self.key_details,
            stored_versions=stored_versions,
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

# Every ItemStatus: get_item_list answers only the statuses asked, so a sweep asks all six.
ITEM_STATUSES = ("NORMAL", "UNLIST", "BANNED", "REVIEWING", "SELLER_DELETE", "SHOPEE_DELETE")
DELETED_ITEM_STATUSES = frozenset({"SELLER_DELETE", "SHOPEE_DELETE"})


def _price(name: str) -> FieldPaths:
    """A `price_info` figure (Shopee sends one entry per currency; a local shop has one)."""
    return FieldPaths((("price_info", 0, name),))


def _stock(*path: str) -> tuple[str, ...]:
    return ("stock_info_v2", *path)


# An item's sellable variations: get_model_list's models, or the item itself as model 0 when it has none
# (get_item_base_info then carries its price_info and stock_info_v2; get_model_list is not asked).
ITEM_MODEL_FIELDS = {
    "model_sku": FieldPaths((("model_sku",), ("item_sku",))),
    "currency": _price("currency"),
    "original_price": _price("original_price"),
    "current_price": _price("current_price"),
    "stock": FieldPaths((_stock("summary_info", "total_available_stock"),)),
    "reserved_stock": FieldPaths((_stock("summary_info", "total_reserved_stock"),)),
    "seller_stock": FieldPaths((_stock("seller_stock"),), convert.int32_sum_of("stock")),
    "shopee_stock": FieldPaths((_stock("shopee_stock"),), convert.int32_sum_of("stock")),
}
ITEMS = StreamSpec(
    name="items",
    table="items",
    conflict_key="item_id",
    op_name="items",
    # get_item_list pages by offset; its update_time window has no documented limit.
    list_endpoint=ListEndpoint(
        path="/api/v2/product/get_item_list",
        item_field="item",
        key_field="item_id",
        pager=Pager.OFFSET,
        time_from_param="update_time_from",
        time_to_param="update_time_to",
        time_range_field=None,
        max_window_days=None,
        fixed_params={"item_status": Repeated(ITEM_STATUSES)},
    ),
    detail_endpoint=DetailEndpoint(
        path="/api/v2/product/get_item_base_info",
        key_field="item_id",
        keys_param="item_id_list",
        item_field="item_list",
    ),
    key_details=(
        KeyDetail(
            DetailEndpoint(
                path="/api/v2/product/get_model_list",
                key_field="item_id",
                keys_param="item_id",
                batch_size=1,
                answer_names_key=False,
            ),
            when="has_model",
            fields={"model": "model", "tier_variation": "tier_variation"},
        ),
    ),
    daily_full_read=True,
    shape=RecordShape(
        table="items",
        key="item_id",
        kind="item",
        fields={
            "brand_id": FieldPaths((("brand", "brand_id"),)),
            "brand_name": FieldPaths((("brand", "original_brand_name"),)),
            **{
                f"package_{side}": FieldPaths((("dimension", f"package_{side}"),))
                for side in ("length", "width", "height")
            },
            "is_pre_order": FieldPaths((("pre_order", "is_pre_order"),)),
            "days_to_ship": FieldPaths((("pre_order", "days_to_ship"),)),
            "image_url": FieldPaths((("image", "image_url_list", 0),)),
        },
        children=(
            ChildShape(
                "item_models",
                "model",
                fields=ITEM_MODEL_FIELDS,
                self_unless="has_model",
                self_fields={"model_id": 0},
            ),
        ),
    ),
    child_tables=("item_models",),
    snapshots=(
        Snapshot(
            "stock_history",
            source="item_models",
            parent_columns=("item_status",),
            status_column="item_status",
            skip_statuses=DELETED_ITEM_STATUSES,
        ),
    ),
    child_assets=("item_models", "stock_history"),
    # 22 (price) re-reads the item; 8 (promotion reserve) and 16 (violation) are less documented and cost
    # one re-read each (docs/shopee-api-notes.md#catalogue).
    push_codes=frozenset({ITEM_PRICE_UPDATE_PUSH, RESERVED_STOCK_CHANGE_PUSH, VIOLATION_ITEM_PUSH}),
    push_key_fields=("item_id",),
    status_column="item_status",
    standard_asset=True,
    asset_description=(
        "One row per product of the shop (`item_id`), deleted ones kept with their item_status: name, "
        "SKU, category, weight and dimensions. Its variations with their price and stock are in "
        "`item_models` (an item without variations has one row there, model_id 0), and the day's last "
        "stock and price of every product not deleted in `stock_history`. A day's partition holds the "
        "products changed that day; the catalogue is also read whole once a day (SHOPEE_FULL_READ_AT), "
        "because stock moved by sales may leave update_time unchanged."
    ),
)

WALLET_LIST = ListEndpoint(
    path="/api/v2/payment/get_wallet_transaction_list",
    item_field="transaction_list",
    key_field="transaction_id",
    pager=Pager.PAGE_NUMBER,
    time_from_param="create_time_from",
    time_to_param="create_time_to",
    time_range_field=None,
    # page_no's base and whether it is a page number or an offset are unconfirmed: ShopeeConfig says.
    first_page_no=None,
    first_page_setting="wallet_first_page_no",
    page_offset_setting="wallet_page_no_is_offset",
    # No key is guaranteed: without transaction_id, the transaction's own fields make one.
    derived_key=(
        ("transaction_type",),
        ("order_sn", "withdrawal_id", "refund_sn"),
        ("create_time",),
        ("amount",),
    ),
)
WALLET_TRANSACTIONS = StreamSpec(
    name="wallet_transactions",
    table="wallet_transactions",
    conflict_key="transaction_id",
    op_name="wallet_transactions",
    list_endpoint=WALLET_LIST,
    listed_whole=True,
    shape=RecordShape(
        table="wallet_transactions",
        key="transaction_id",
        kind="wallet transaction",
        version="create_time",
        key_of=WALLET_LIST.key_of,
        overrides={"transaction_type": wallet.transaction_type},
        fields={"amount": FieldPaths(((),), wallet.signed_amount)},
    ),
    guard_column="create_time",
    money=("net_change", "amount"),
    status_column="transaction_type",
    standard_asset=True,
    asset_description=(
        "One row per transaction of the shop's seller wallet (local shops): escrow credits "
        "(ESCROW_VERIFIED_ADD with the order_sn), withdrawals, adjustments, refunds, of every type, with "
        "the signed amount and the balance after it. A day's partition holds the transactions created "
        "that day (listed by create_time in windows of at most 15 days, by page number)."
    ),
)
ESCROW_RELEASES = StreamSpec(
    name="escrow_releases",
    table="escrow_releases",
    conflict_key="order_sn",
    op_name="escrow_releases",
    # get_escrow_list pages by number from 1; no longest window is documented: 15 days like the others.
    list_endpoint=ListEndpoint(
        path="/api/v2/payment/get_escrow_list",
        item_field="escrow_list",
        key_field="order_sn",
        pager=Pager.PAGE_NUMBER,
        time_from_param="release_time_from",
        time_to_param="release_time_to",
        time_range_field=None,
    ),
    listed_whole=True,
    shape=RecordShape(
        table="escrow_releases", key="order_sn", kind="escrow release", version="escrow_release_time"
    ),
    guard_column="escrow_release_time",
    money=("payout", "payout_amount"),
    standard_asset=True,
    asset_description=(
        "One row per order whose escrow Shopee released (get_escrow_list): payout_amount and "
        "escrow_release_time. A day's partition holds the escrows released that day. An order whose "
        "payout_amount differs from its stored escrow has its escrow read again by the next orders sync "
        "of that day."
    ),
)

STREAMS: tuple[StreamSpec, ...] = (
    ORDERS,
    RETURNS,
    ESCROW,
    BOOKINGS,
    ITEMS,
    WALLET_TRANSACTIONS,
    ESCROW_RELEASES,
)
BY_NAME = {spec.name: spec for spec in STREAMS}
PUSHED_BY_CODE = {code: spec for spec in STREAMS for code in spec.push_codes}
SYNC_ASSET_KEYS = tuple(key for spec in STREAMS for key in spec.asset_keys)
SYNCED_TABLES = tuple(table for spec in STREAMS for table in spec.tables)


def followers(stream: str) -> tuple[StreamSpec, ...]:
    """The streams that follow `stream`: a push to it may re-read them too."""
    return tuple(spec for spec in STREAMS if stream in spec.follows)
