"""Deterministic generation of the sandbox world from the seed.

Every random stream is seeded from ``(seed, shop_id, day)`` or an order's own seed, so the same seed
gives the same world whatever the order in which shops, days or bodies are generated.
"""

from __future__ import annotations

import random
import time

from . import names
from .model import Booking, CatalogItem, CatalogModel, Line, Order, OrderBody, Package, Shop, Timeline

HOUR = 3600
DAY = 86400
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_JAKARTA = 7 * HOUR


def _base36(n: int, width: int) -> str:
    chars = []
    for _ in range(width):
        n, r = divmod(n, 36)
        chars.append(_B36[r])
    return "".join(reversed(chars))


def make_sn(rng: random.Random, t: int, used: set[str], width: int = 8) -> str:
    """A Shopee-style serial: ``yymmdd`` (Jakarta date of ``t``) + ``width`` base-36 characters (8 for
    an order or booking, 9 for a ``return_sn``), unique in ``used``."""
    day = time.strftime("%y%m%d", time.gmtime(t + _JAKARTA))
    while True:
        sn = day + _base36(rng.getrandbits((36**width).bit_length() - 1), width)
        if sn not in used:
            used.add(sn)
            return sn


def make_shops(seed: int, count: int, idle: int) -> list[Shop]:
    """The shops: realistic 9-digit ids, Indonesian names, a catalog each; the last ``idle`` are idle."""
    rng = random.Random(f"{seed}:shops")
    ids: list[int] = []
    while len(ids) < count:
        shop_id = rng.randrange(100_000_000, 1_000_000_000)
        if shop_id not in ids:
            ids.append(shop_id)
    shops = []
    for index, shop_id in enumerate(ids):
        words = names.SHOP_WORDS
        name = f"Toko {rng.choice(words)} {rng.choice(words)} {rng.choice(names.LAST_NAMES)}"
        shops.append(Shop(shop_id, name, index >= count - idle, make_catalog(seed, shop_id)))
    return shops


def make_catalog(seed: int, shop_id: int) -> list[CatalogItem]:
    """A shop's catalog: 10-18 products, each with its variations (models) and prices in IDR."""
    rng = random.Random(f"{seed}:{shop_id}:catalog")
    items = []
    for name, options, low, high, weight in rng.sample(names.PRODUCTS, rng.randint(10, 18)):
        item_id = rng.randrange(10**10, 3 * 10**10)
        sku = f"SKU-{item_id % 100000:05d}"
        base = round(rng.randint(low, high), -2)
        if options:
            models = [
                CatalogModel(
                    rng.randrange(10**10, 2 * 10**11),
                    option,
                    f"{sku}-{i + 1}",
                    base + rng.choice((0, 0, 2000, 5000)),
                )
                for i, option in enumerate(options)
            ]
        else:
            models = [CatalogModel(0, "", "", base)]
        image = f"https://down-id.img.susercontent.com/file/id-11134207-{item_id:x}"
        items.append(CatalogItem(item_id, name, sku, weight, image, models))
    return items


def _timeline(rng: random.Random, create: int, cod: bool) -> tuple[Timeline, str, bool]:
    """An order's life cycle (``order_status``): statuses with times, cancel kind, whether refunded."""
    times = [create]
    statuses = ["READY_TO_SHIP" if cod else "UNPAID"]
    t = create

    def step(low: int, high: int, status: str) -> None:
        nonlocal t
        t += rng.randint(low, high)
        times.append(t)
        statuses.append(status)

    r = rng.random()
    if not cod and r < 0.08:
        step(20 * HOUR, 26 * HOUR, "CANCELLED")
        return Timeline(times, statuses), "unpaid", False
    if not cod:
        step(60, 3 * HOUR, "READY_TO_SHIP")
    if r < 0.12:
        step(30 * 60, 12 * HOUR, "IN_CANCEL")
        step(HOUR, 24 * HOUR, "CANCELLED")
        return Timeline(times, statuses), "buyer", False
    if r < 0.14:
        step(2 * HOUR, 24 * HOUR, "CANCELLED")
        return Timeline(times, statuses), "seller", False
    step(HOUR, 20 * HOUR, "PROCESSED")
    if 0.17 <= r < 0.19:  # the carrier's pickup failed: the seller arranges it again
        step(6 * HOUR, 24 * HOUR, "RETRY_SHIP")
    step(2 * HOUR, 24 * HOUR, "SHIPPED")
    step(12 * HOUR, 72 * HOUR, "TO_CONFIRM_RECEIVE")
    if r < 0.17:
        step(6 * HOUR, 48 * HOUR, "TO_RETURN")
        step(24 * HOUR, 72 * HOUR, "COMPLETED")
        return Timeline(times, statuses), "", True
    step(12 * HOUR, 48 * HOUR, "COMPLETED")
    return Timeline(times, statuses), "", False


def tracking_for(rng: random.Random, carrier: int) -> str:
    """A tracking number in the carrier's usual shape."""
    _, _, prefix, digits = names.CARRIERS[carrier]
    return prefix + str(rng.randrange(10 ** (digits - 1), 10**digits))


def _packages(rng: random.Random, carrier: int, split: bool) -> list[Package]:
    return [
        Package(
            "OFG" + str(rng.randrange(10**14, 10**15)),
            str(rng.randrange(10**17, 10**18)),
            tracking_for(rng, carrier),
        )
        for _ in range(2 if split else 1)
    ]


def _booking_timeline(rng: random.Random, create: int, matched_at: int) -> Timeline:
    """Booking life cycle (``booking_status``): READY_TO_SHIP -> PROCESSED -> SHIPPED -> MATCHED or CANCELLED,
    or left SHIPPED (match pending)."""
    times = [create]
    statuses = ["READY_TO_SHIP"]
    span = (matched_at - create) if matched_at else 2 * DAY
    times.append(create + max(1, span // 6))
    statuses.append("PROCESSED")
    times.append(create + max(2, span // 2))
    statuses.append("SHIPPED")
    if matched_at:
        times.append(matched_at)
        statuses.append("MATCHED")
    elif rng.random() < 0.3:
        times.append(create + 3 * DAY + rng.randint(0, DAY))
        statuses.append("CANCELLED")
    return Timeline(times, statuses)


def generate_day(
    seed: int, shop: Shop, day: int, day_start: int, count: int, used: set[str]
) -> tuple[list[Order], list[Booking]]:
    """Orders created during one simulated day of one shop, plus the bookings that go with them:
    about 5% of orders are matched to a booking shipped 1-3 days earlier, about 2% more bookings stay
    unmatched."""
    rng = random.Random(f"{seed}:{shop.shop_id}:{day}")
    orders: list[Order] = []
    bookings: list[Booking] = []
    for create in sorted(day_start + rng.randrange(DAY) for _ in range(count)):
        cod = rng.random() < 0.25
        timeline, cancel_kind, refund = _timeline(rng, create, cod)
        line_count = rng.choice((1, 1, 1, 1, 2, 2, 3, 4, 5))
        carrier = rng.randrange(len(names.CARRIERS))
        split = line_count >= 2 and rng.random() < 0.1
        order = Order(
            make_sn(rng, create, used),
            shop.shop_id,
            create,
            rng.getrandbits(64),
            cod,
            timeline,
            cancel_kind,
            refund,
            carrier,
            line_count,
            _packages(rng, carrier, split),
        )
        orders.append(order)
        roll = rng.random()
        if roll < 0.07:
            matched = roll < 0.05
            b_create = create - rng.randint(DAY, 3 * DAY) if matched else create
            booking = Booking(
                make_sn(rng, b_create, used),
                shop.shop_id,
                b_create,
                rng.getrandbits(64),
                _booking_timeline(rng, b_create, create if matched else 0),
                order.order_sn if matched else "",
                carrier,
                tracking_for(rng, carrier),
            )
            bookings.append(booking)
            if matched:
                order.booking_sn = booking.booking_sn
    return orders, bookings


def _mask(name: str) -> str:
    return f"{name[0]}******{name[-1]}"


def make_body(order: Order, shop: Shop) -> OrderBody:
    """The lazily built part of an order: buyer, masked address, item lines, money."""
    rng = random.Random(order.seed)
    first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
    username = (
        f"{first.lower()}{rng.choice(('', '.', '_'))}{last.lower()[: rng.randint(3, 6)]}{rng.randint(1, 99)}"
    )
    state, city, district, town, zipcode = rng.choice(names.PLACES)
    recipient: dict[str, object] = {
        "name": _mask(f"{first} {last}"),
        "phone": "******" + f"{rng.randint(0, 99):02d}",
        "town": town,
        "district": district,
        "city": city,
        "state": state,
        "region": "ID",
        "zipcode": zipcode,
        "full_address": "****",
        "geolocation": {"latitude": 0.0, "longitude": 0.0},
    }
    lines = _lines(rng, order, shop)
    selling = sum(line.unit_price * line.quantity for line in lines)
    estimated = rng.choice((9000, 10000, 11000, 12000, 15000, 18000, 22000, 26000, 30000))
    return OrderBody(
        buyer_user_id=rng.randrange(10**8, 2 * 10**9),
        buyer_username=username,
        recipient=recipient,
        message_to_seller=rng.choice(names.MESSAGES_TO_SELLER) if rng.random() < 0.25 else "",
        payment_method=names.COD_METHOD if order.cod else rng.choice(names.PAYMENT_METHODS),
        days_to_ship=rng.choice((2, 2, 3)),
        lines=lines,
        estimated_shipping_fee=estimated,
        shipping_discount=min(estimated, rng.choice((5000, 10000, 20000))) if rng.random() < 0.5 else 0,
        shipping_delta=rng.choice((-2000, -1000, 0, 0, 0, 1000, 2000, 3000)),
        voucher_seller=rng.choice((5000, 10000, 15000)) if selling >= 100000 and rng.random() < 0.25 else 0,
        voucher_shopee=min(selling // 2, rng.choice((5000, 10000, 20000))) if rng.random() < 0.2 else 0,
        coins=rng.randint(1, 50) * 100 if rng.random() < 0.15 else 0,
        commission_rate=rng.choice((0.0425, 0.065, 0.08)),
        service_rate=0.04 if rng.random() < 0.5 else 0.0,
        ams_fee_rate=0.05 if rng.random() < 0.1 else 0.0,
        buyer_cancel_reason=rng.choice(names.BUYER_CANCEL_REASONS) if order.cancel_kind == "buyer" else "",
    )


def _lines(rng: random.Random, order: Order, shop: Shop) -> list[Line]:
    """Item lines: distinct (item, model) pairs; a bundle deal on the first 2-3 lines of some orders
    (shared ``order_item_id``); a split order's packages get the lines before/after a split point."""
    picks: list[tuple[CatalogItem, CatalogModel]] = []
    while len(picks) < order.line_count:
        item = rng.choice(shop.catalog)
        model = rng.choice(item.models)
        if all(m is not model for _, m in picks):
            picks.append((item, model))
    bundle = 0
    if order.line_count >= 2 and rng.random() < 0.25:
        bundle = min(rng.randint(2, 3), order.line_count - (1 if len(order.packages) > 1 else 0))
        bundle = bundle if bundle >= 2 else 0
    bundle_promo, bundle_group = rng.randrange(10**9, 10**10), rng.randrange(10**9, 10**10)
    lines = []
    for i, (item, model) in enumerate(picks):
        quantity = rng.choice((1, 1, 1, 1, 2, 2, 3))
        if i < bundle:
            unit, ptype, pid, group = round(model.price * 0.9, -2), "bundle_deal", bundle_promo, bundle_group
            order_item_id = picks[0][0].item_id
        else:
            roll = rng.random()
            ptype, pid, group, order_item_id = "", 0, 0, item.item_id
            unit = model.price
            if roll < 0.3:
                ptype, pid = "product_promotion", rng.randrange(10**9, 10**10)
                unit = round(model.price * (1 - rng.choice((0.05, 0.1, 0.15, 0.2, 0.3))), -2)
            elif roll < 0.35:
                ptype, pid = "flash_sale", rng.randrange(10**9, 10**10)
                unit = round(model.price * 0.6, -2)
        lines.append(
            Line(
                item.item_id,
                item.item_name,
                item.item_sku,
                model.model_id,
                model.model_name,
                model.model_sku,
                quantity,
                model.price,
                int(unit),
                ptype,
                pid,
                order_item_id,
                rng.randrange(10**11, 10**12),
                group,
                item.weight,
                item.image_url,
            )
        )
    split_at = max(bundle, 1 + (len(lines) - 1) // 2)
    if len(order.packages) == 1:
        order.packages[0].line_item_ids = [line.line_item_id for line in lines]
    else:
        order.packages[0].line_item_ids = [line.line_item_id for line in lines[:split_at]]
        order.packages[1].line_item_ids = [line.line_item_id for line in lines[split_at:]]
    return lines


def booking_lines(booking: Booking, shop: Shop) -> list[Line]:
    """Item lines of a booking (``item_list`` of ``get_booking_detail``), from the booking's own seed."""
    rng = random.Random(booking.seed)
    item = rng.choice(shop.catalog)
    model = rng.choice(item.models)
    return [
        Line(
            item.item_id,
            item.item_name,
            item.item_sku,
            model.model_id,
            model.model_name,
            model.model_sku,
            rng.randint(1, 3),
            model.price,
            model.price,
            "",
            0,
            item.item_id,
            0,
            0,
            item.weight,
            item.image_url,
        )
    ]
