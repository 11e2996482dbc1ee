"""Ground truth of a sandbox world as one JSON-able object: what a warehouse in sync must hold.

Every existing order of every shop with ``order_status``, ``update_time`` and its packages
(``package_number``, ``logistics_status``, ``tracking_number``), and every booking with
``booking_status``, ``update_time`` and ``tracking_number``, every return with its status, refund and
items, the escrow of every order with an ``ACCEPTED`` return, every product of the catalogue still
readable with its status, ``update_time`` and its models' prices and stock, and the wallet's transactions
and escrow releases (``sandbox.wallet``). Each record is read as of the moment it is read: on a frozen
clock (``SandboxEngine.freeze_clock``) that is one instant for all of them.
"""

from __future__ import annotations

import sys
from typing import Any

from .world import World


def _orders(world: World, shop_id: int, now: int) -> list[dict[str, Any]]:
    keys, _ = world.list_keys(shop_id, "create_time", 0, now, limit=sys.maxsize)
    orders = []
    for _, order_sn, _ in keys:
        detail = world.order_detail(shop_id, order_sn)
        packages = [
            {
                "package_number": package["package_number"],
                "logistics_status": package["logistics_status"],
                "tracking_number": world.tracking_number(shop_id, order_sn, package["package_number"]),
            }
            for package in detail["package_list"]
        ]
        orders.append(
            {
                "order_sn": order_sn,
                "order_status": detail["order_status"],
                "update_time": detail["update_time"],
                "packages": packages,
            }
        )
    return orders


def _bookings(world: World, shop_id: int, now: int) -> list[dict[str, Any]]:
    keys, _ = world.list_keys(shop_id, "create_time", 0, now, bookings=True, limit=sys.maxsize)
    bookings = []
    for _, booking_sn, _ in keys:
        detail = world.booking_detail(shop_id, booking_sn)
        bookings.append(
            {
                "booking_sn": booking_sn,
                "booking_status": detail["booking_status"],
                "update_time": detail["update_time"],
                "tracking_number": world.booking_tracking_number(shop_id, booking_sn),
            }
        )
    return bookings


def _returns(world: World, shop_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every return that exists now, by ``(create_time, return_sn)``, and the escrow of each order with
    an ``ACCEPTED`` return, by ``order_sn``."""
    returns, accepted = [], set()
    for entry in world.returns_now(shop_id):
        returns.append(
            {
                "return_sn": entry["return_sn"],
                "order_sn": entry["order_sn"],
                "status": entry["status"],
                "update_time": entry["update_time"],
                "refund_amount": entry["refund_amount"],
                "items": [
                    {k: item[k] for k in ("item_id", "model_id", "amount", "item_price")}
                    for item in entry["item"]
                ],
            }
        )
        if entry["status"] == "ACCEPTED":  # no return leaves ACCEPTED (sandbox.returns)
            accepted.add(entry["order_sn"])
    escrows = []
    for order_sn in sorted(accepted):
        escrow = world.escrow_detail(shop_id, order_sn)
        assert escrow is not None
        income = escrow["order_income"]
        assert isinstance(income, dict)
        escrows.append(
            {
                "order_sn": order_sn,
                "escrow_amount": income["escrow_amount"],
                "return_order_sn_list": escrow["return_order_sn_list"],
            }
        )
    return returns, escrows


def _money(world: World, shop_id: int) -> dict[str, list[dict[str, Any]]]:
    """The shop's wallet transactions and escrow releases so far, oldest first."""
    transactions, releases = world.wallet(shop_id)
    return {
        "wallet_transactions": [
            {
                "transaction_id": t.transaction_id,
                "create_time": t.create_time,
                "transaction_type": t.transaction_type,
                "amount": t.amount,
                "current_balance": t.current_balance,
                "order_sn": t.order_sn,
            }
            for t in transactions
        ],
        "escrow_releases": [
            {"order_sn": r.order_sn, "payout_amount": r.amount, "escrow_release_time": r.time}
            for r in releases
        ],
    }


def _shop(world: World, shop_id: int, now: int) -> dict[str, Any]:
    returns, returned_escrow = _returns(world, shop_id)
    return {
        **_money(world, shop_id),
        "shop_id": shop_id,
        "orders": _orders(world, shop_id, now),
        "bookings": _bookings(world, shop_id, now),
        "returns": returns,
        "returned_escrow": returned_escrow,
        "items": world.catalogue_now(shop_id),
    }


def ground_truth(world: World) -> dict[str, Any]:
    """``{"now", "shops": [{"shop_id", "orders": [...], "bookings": [...], "returns": [...],
    "returned_escrow": [...], "items": [...], "wallet_transactions": [...], "escrow_releases": [...]}]}``,
    ``now`` being the clock when reading began. The world's lock is held throughout: no edit lands
    halfway."""
    with world.lock:
        now = world.now()
        shops = [_shop(world, shop_id, now) for shop_id in world.shop_ids]
    return {"now": now, "shops": shops}
