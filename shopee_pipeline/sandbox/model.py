"""Plain data records of the seeded world: catalog, orders (core timeline + lazily built body), bookings,
return/refund requests."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field


@dataclass(slots=True)
class CatalogModel:
    """One variation of a catalog item (``model_id`` 0 when the item has no variation)."""

    model_id: int
    model_name: str
    model_sku: str
    price: int


@dataclass(slots=True)
class CatalogItem:
    """A product a shop sells."""

    item_id: int
    item_name: str
    item_sku: str
    weight: float
    image_url: str
    models: list[CatalogModel]


@dataclass(slots=True)
class Shop:
    """A sandbox shop; idle shops have no order or booking activity."""

    shop_id: int
    shop_name: str
    idle: bool
    catalog: list[CatalogItem]


@dataclass(slots=True)
class Timeline:
    """Status changes of an order or booking: parallel ascending ``times`` and ``statuses``."""

    times: list[int]
    statuses: list[str]

    def index_at(self, now: int) -> int:
        """Index of the last change at or before ``now`` (-1 when none)."""
        return bisect_right(self.times, now) - 1

    def first_time(self, status: str, now: int) -> int:
        """When ``status`` was first reached at or before ``now``; 0 if not (yet)."""
        for t, s in zip(self.times, self.statuses, strict=True):
            if t > now:
                return 0
            if s == status:
                return t
        return 0

    def add_edit(self, now: int) -> None:
        """Record an upstream edit at ``now``: same status, new ``update_time``."""
        i = self.index_at(now)
        self.times.insert(i + 1, now)
        self.statuses.insert(i + 1, self.statuses[i])


@dataclass(slots=True)
class Package:
    """A parcel of an order; split orders have two."""

    package_number: str
    forder_id: str
    tracking_number: str
    line_item_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Line:
    """One item line of an order (``item_list`` of ``get_order_detail``; ``order_income.items`` of escrow)."""

    item_id: int
    item_name: str
    item_sku: str
    model_id: int
    model_name: str
    model_sku: str
    quantity: int
    original_price: int
    unit_price: int
    promotion_type: str
    promotion_id: int
    order_item_id: int
    line_item_id: int
    promotion_group_id: int
    weight: float
    image_url: str

    @property
    def bundle(self) -> bool:
        """Whether the line belongs to a bundle deal."""
        return self.promotion_type == "bundle_deal"


@dataclass(slots=True)
class OrderBody:
    """Everything about an order that the timeline does not need; built lazily from the order's seed."""

    buyer_user_id: int
    buyer_username: str
    recipient: dict[str, object]
    message_to_seller: str
    payment_method: str
    days_to_ship: int
    lines: list[Line]
    estimated_shipping_fee: int
    shipping_discount: int
    shipping_delta: int
    voucher_seller: int
    voucher_shopee: int
    coins: int
    commission_rate: float
    service_rate: float
    ams_fee_rate: float
    buyer_cancel_reason: str


@dataclass(slots=True)
class Order:
    """An order: identity and timeline are generated up front, the body on first use."""

    order_sn: str
    shop_id: int
    create_time: int
    seed: int
    cod: bool
    timeline: Timeline
    cancel_kind: str
    refund: bool
    carrier: int
    line_count: int
    packages: list[Package]
    booking_sn: str = ""
    body: OrderBody | None = None


@dataclass(slots=True)
class Booking:
    """An advance-fulfilment booking (``get_booking_detail``); ``order_sn`` is the order it is matched to."""

    booking_sn: str
    shop_id: int
    create_time: int
    seed: int
    timeline: Timeline
    order_sn: str
    carrier: int
    tracking_number: str


@dataclass(frozen=True, slots=True)
class ReturnStep:
    """A return as it stands from ``time`` on (one change of its life cycle), fields named as
    ``get_return_detail`` names them. ``changed`` lists the fields that changed at ``time`` (the
    ``updated_values`` of its push 29). ``seller_compensation_status`` is kept without its
    ``COMPENSATION_`` prefix (rendering adds it when configured); ``reverse_logistics_status`` is ``""``
    for a return that needs no logistics."""

    time: int
    status: str
    negotiation_status: str
    seller_proof_status: str
    seller_compensation_status: str
    reverse_logistics_status: str
    reassessed_request_reason: str
    compensation_amount: int
    changed: tuple[str, ...]


@dataclass(slots=True)
class ReturnItem:
    """One order line a return covers: ``amount`` units of it, refunded with ``refund_amount``."""

    line: Line
    amount: int
    refund_amount: int


@dataclass(slots=True)
class ReturnRequest:
    """A return/refund request (``get_return_detail``) of one order: fixed facts and its ``steps``,
    ascending by ``time``; it exists from ``steps[0].time`` (its ``create_time``) on."""

    return_sn: str
    order_sn: str
    shop_id: int
    refund_type: str
    items: list[ReturnItem]
    reason: str
    text_reason: str
    images: list[str]
    needs_logistics: bool
    tracking_number: str
    buyer_username: str
    pickup_address: dict[str, object]
    channel_name: str
    steps: list[ReturnStep]

    @property
    def create_time(self) -> int:
        """When the buyer raised the return."""
        return self.steps[0].time

    @property
    def refund_amount(self) -> int:
        """The refund of the whole return: the sum of its items' refunds."""
        return sum(item.refund_amount for item in self.items)

    def step_at(self, now: int) -> ReturnStep | None:
        """The return as of ``now``; None before it was raised."""
        i = bisect_right(self.steps, now, key=lambda step: step.time) - 1
        return self.steps[i] if i >= 0 else None

    def first_time(self, status: str, now: int) -> int:
        """When ``status`` was first reached at or before ``now``; 0 if not (yet)."""
        return next((s.time for s in self.steps if s.time <= now and s.status == status), 0)
