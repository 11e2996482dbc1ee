"""Each shop's catalogue as it lives (``get_item_list``, ``get_item_base_info``, ``get_model_list``, pushes
22 and 16): the record generator of the ``items`` timeline collection.

The products the orders sell (``Shop.catalog``) are the first products of the catalogue, so order lines
name its items and models; ``SandboxConfig.catalog_items`` adds products nobody buys (60% of them with
three variations by default) up to that many. Each product's life comes from a random stream of its own,
seeded from ``(seed, shop_id, item_id)``, so orders and their lines are the same with or without it:

- stock: each variation starts with 40-400 units, falls with every order line (from the order's
  ``create_time``; a cancelled order gives its units back when it is cancelled) and is restocked every
  4-20 days; it never shows below 0;
- price: ``original_price`` is the price the orders carry; ``current_price`` drops by 5-30% for a few
  days now and then (a promotion), each change pushed with code 22 (``catalog_price_push``);
- status: products nobody buys may be unlisted (and relisted), banned (push 16,
  ``catalog_violation_push``) or deleted by the seller; a deleted product stays readable
  ``catalog_deleted_days`` days, then is gone.

A product's ``update_time`` is its last change: creation, price, restock or status. Whether a sale moves
it is unconfirmed (``catalog_sales_move_update_time``, off by default).
"""

from __future__ import annotations

import random
from bisect import bisect_right, insort
from dataclasses import dataclass, field

from . import names
from .generate import DAY, HOUR
from .model import CatalogItem, CatalogModel, Shop

CODE_VIOLATION_ITEM = 16
CODE_ITEM_PRICE_UPDATE = 22
DELETED = ("SELLER_DELETE", "SHOPEE_DELETE")
_HORIZON_DAYS = 120
"""Days after the world's origin for which product lives are drawn (later, products stop changing)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One change of a product at ``time``: ``kind`` is ``create``, ``price`` (the model's
    ``current_price`` becomes ``value``), ``restock`` (``value`` units more of the model) or ``status``
    (the product's ``item_status`` becomes ``status``)."""

    time: int
    kind: str
    model_id: int = 0
    value: int = 0
    status: str = ""


@dataclass(slots=True)
class LiveItem:
    """A product of a shop's catalogue over time: fixed facts, its changes (ascending) and the units sold
    per model (``(time, quantity)`` ascending; a negative quantity is a cancelled order's units back)."""

    shop_id: int
    item: CatalogItem
    category_id: int
    brand_id: int
    brand_name: str
    initial_stock: dict[int, int]
    changes: list[Change]
    sales: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    @property
    def has_model(self) -> bool:
        """Whether the product has variations (its only model is not model 0)."""
        return self.item.models[0].model_id != 0

    @property
    def create_time(self) -> int:
        """When the product was listed."""
        return self.changes[0].time

    def change_times(self) -> list[int]:
        """The instants of its changes."""
        return [change.time for change in self.changes]

    def sale_times(self) -> list[int]:
        """The instants its stock moved by an order."""
        return sorted(t for sales in self.sales.values() for t, _ in sales)

    def add_sale(self, model_id: int, time: int, quantity: int) -> None:
        """Units of ``model_id`` sold (or given back, when negative) at ``time``."""
        insort(self.sales.setdefault(model_id, []), (time, quantity))

    def status_at(self, now: int) -> str:
        """``item_status`` as of ``now``."""
        status = "NORMAL"
        for change in self.changes:
            if change.time > now:
                break
            if change.kind == "status":
                status = change.status
        return status

    def deleted_at(self, now: int) -> int:
        """When the product was deleted, if it is as of ``now``; 0 otherwise."""
        last = 0
        for change in self.changes:
            if change.time > now:
                break
            if change.kind == "status":
                last = change.time if change.status in DELETED else 0
        return last

    def current_price(self, model: CatalogModel, now: int) -> int:
        """The model's price a buyer pays as of ``now``."""
        price = model.price
        for change in self.changes:
            if change.time > now:
                break
            if change.kind == "price" and change.model_id == model.model_id:
                price = change.value
        return price

    def stock(self, model: CatalogModel, now: int) -> int:
        """Units of the model available as of ``now`` (never below 0)."""
        restocked = sum(
            c.value
            for c in self.changes
            if c.time <= now and c.kind == "restock" and c.model_id == model.model_id
        )
        sales = self.sales.get(model.model_id, [])
        sold = sum(quantity for _, quantity in sales[: bisect_right(sales, (now, 2**62))])
        return max(0, self.initial_stock[model.model_id] + restocked - sold)


def _extra_items(seed: int, shop_id: int, count: int, variant_share: float) -> list[CatalogItem]:
    """``count`` products nobody buys: ``variant_share`` of them with three variations."""
    rng = random.Random(f"{seed}:{shop_id}:catalogue-extra")
    items = []
    for i in range(count):
        name, options, low, high, weight = rng.choice(names.PRODUCTS)
        item_id = rng.randrange(3 * 10**10, 9 * 10**10)
        sku = f"SKU-X{i:05d}"
        base = round(rng.randint(low, high), -2)
        if rng.random() < variant_share:
            chosen = [*options, "Merah", "Biru", "Hijau"][:3]
            models = [
                CatalogModel(rng.randrange(2 * 10**11, 9 * 10**11), option, f"{sku}-{j + 1}", base)
                for j, option in enumerate(chosen)
            ]
        else:
            models = [CatalogModel(0, "", "", base)]
        image = f"https://down-id.img.susercontent.com/file/id-11134207-{item_id:x}"
        items.append(CatalogItem(item_id, f"{name} #{i + 1}", sku, weight, image, models))
    return items


def _life(
    rng: random.Random, item: CatalogItem, origin: int, sold: bool
) -> tuple[list[Change], dict[int, int]]:
    """The changes of one product from its creation to the horizon, and its initial stock per model."""
    create = (
        origin - rng.randint(1, 400) * DAY
        if sold or rng.random() < 0.95
        else origin + rng.randint(0, 20) * DAY
    )
    changes = [Change(create, "create")]
    horizon = origin + _HORIZON_DAYS * DAY
    for model in item.models:
        t = max(create, origin - 30 * DAY)
        while (t := t + rng.randint(4 * DAY, 20 * DAY)) < horizon:
            changes.append(Change(t, "restock", model.model_id, rng.randint(20, 200)))
        t = max(create, origin - 30 * DAY)
        while (t := t + rng.randint(6 * DAY, 30 * DAY)) < horizon:
            promoted = round(model.price * (1 - rng.choice((0.05, 0.1, 0.2, 0.3))), -2)
            changes.append(Change(t, "price", model.model_id, int(promoted)))
            end = t + rng.randint(1, 5) * DAY + rng.randint(0, 23) * HOUR
            changes.append(Change(end, "price", model.model_id, model.price))
            t = end
    if not sold:
        t = max(create + DAY, origin - 30 * DAY + rng.randint(0, (30 + _HORIZON_DAYS) * DAY))
        roll = rng.random()
        if roll < 0.06:
            changes.append(Change(t, "status", status="UNLIST"))
            changes.append(Change(t + rng.randint(1, 10) * DAY, "status", status="NORMAL"))
        elif roll < 0.1:
            changes.append(Change(t, "status", status="SELLER_DELETE"))
        elif roll < 0.12:
            changes.append(Change(t, "status", status="BANNED"))
        elif roll < 0.15:
            changes.append(Change(t, "status", status="UNLIST"))
    changes.sort(key=lambda change: change.time)
    return changes, {model.model_id: rng.randint(40, 400) for model in item.models}


def make_catalogue(seed: int, shop: Shop, origin: int, items: int, variant_share: float) -> list[LiveItem]:
    """The shop's products with their lives: those its orders sell, then products nobody buys up to
    ``items`` in all."""
    extra = _extra_items(seed, shop.shop_id, max(0, items - len(shop.catalog)), variant_share)
    live = []
    for index, item in enumerate([*shop.catalog, *extra]):
        rng = random.Random(f"{seed}:{shop.shop_id}:{item.item_id}:life")
        changes, stock = _life(rng, item, origin, sold=index < len(shop.catalog))
        brand = rng.choice(names.SHOP_WORDS)
        live.append(
            LiveItem(
                shop.shop_id,
                item,
                category_id=100000 + rng.randrange(1, 2000),
                brand_id=rng.randrange(1000, 2000000),
                brand_name=brand,
                initial_stock=stock,
                changes=changes,
            )
        )
    return live
