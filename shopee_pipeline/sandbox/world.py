"""The seeded world and its life cycle: which orders, bookings and returns exist as of the simulated
clock, what they look like, indexes for list calls, the events that become pushes, and upstream edits."""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import catalogue_render, render, return_render
from .catalogue import CODE_ITEM_PRICE_UPDATE, CODE_VIOLATION_ITEM, LiveItem, make_catalogue
from .clock import SimClock
from .config import SandboxConfig
from .generate import DAY, booking_lines, generate_day, make_body, make_shops
from .model import Booking, Order, OrderBody, Package, ReturnRequest, Shop
from .returns import make_returns
from .timeline import CollectionSpec, TimelineCollection
from .wallet import Release, Wallet, WalletTransaction

CODE_ORDER_STATUS = 3
CODE_TRACKING_NO = 4
CODE_BOOKING_STATUS = 23
CODE_BOOKING_TRACKING_NO = 24
CODE_RETURN = 29


@dataclass(slots=True)
class Event:
    """A push-worthy change: ``code`` 3 (order_status_push), 4 (order_trackingno_push), 23
    (booking_status_push), 24 (booking_trackingno_push) or 29 (return_updates_push) with its ``data``."""

    time: int
    shop_id: int
    code: int
    data: dict[str, object]


class _ShopState:
    """Per-shop orders and their indexes (bookings and returns live in the world's collections)."""

    def __init__(self, shop: Shop, wallet: Wallet) -> None:
        self.shop = shop
        self.wallet = wallet
        self.orders: dict[str, Order] = {}
        self.packages: dict[str, tuple[str, Package]] = {}
        self.by_create: list[tuple[int, str]] = []
        self.returns_of_order: dict[str, list[ReturnRequest]] = {}
        self.events: list[tuple[int, int, str, str]] = []  # (time, code, sn, status)
        self.event_times: list[int] = []
        self.update_index: tuple[tuple[int, int], list[tuple[int, str]]] | None = None
        self.sales_recorded = 0  # orders of by_create whose lines are in the catalogue's stock


def _return_times(ret: ReturnRequest, now: int) -> list[int]:
    return [step.time for step in ret.steps]


def _return_pushes(ret: ReturnRequest) -> list[tuple[int, int]]:
    return [(step.time, CODE_RETURN) for step in ret.steps]


def _booking_times(booking: Booking, now: int) -> list[int]:
    return booking.timeline.times


class World:
    """Ground truth of the sandbox. Thread-safe (one re-entrant lock); every view is "as of now" on the
    simulated clock. Orders whose ``create_time`` is after now do not exist yet."""

    def __init__(self, config: SandboxConfig, clock: SimClock) -> None:
        self.config = config
        self.clock = clock
        self.lock = threading.RLock()
        self.origin = clock.now() - config.history_days * DAY
        self._used: set[str] = set()
        self._used_returns: set[str] = set()
        self._days_generated = -1
        self._version = 0
        self.bookings: TimelineCollection[Booking] = TimelineCollection(
            CollectionSpec("bookings", lambda booking: booking.booking_sn, _booking_times)
        )
        self.returns: TimelineCollection[ReturnRequest] = TimelineCollection(
            CollectionSpec(
                "returns",
                lambda ret: ret.return_sn,
                _return_times,
                pushes_of=_return_pushes if config.return_push else None,
            )
        )
        self._shops = {
            s.shop_id: _ShopState(s, Wallet(config, s.shop_id, self.origin, self._escrow_of(s.shop_id)))
            for s in make_shops(config.seed, config.shops, config.idle_shops)
        }
        self.shop_ids: list[int] = list(self._shops)
        self._item_list_cache: tuple[tuple[object, ...], list[dict[str, Any]]] | None = None
        self.items: TimelineCollection[LiveItem] = TimelineCollection(
            CollectionSpec("items", lambda live: str(live.item.item_id), self._item_times, self._item_pushes)
        )
        for state in self._shops.values():
            catalogue = make_catalogue(
                config.seed, state.shop, self.origin, config.catalog_items, config.catalog_variant_share
            )
            pushes = self.items.add(state.shop.shop_id, catalogue)
            state.events = sorted((t, code, key, "") for t, code, key in pushes)
            state.event_times = [event[0] for event in state.events]
        self._ensure_days(clock.now())
        self._swept_until = clock.now()

    # -- the catalogue ------------------------------------------------------------------------------

    def _item_times(self, live: LiveItem, now: int) -> list[int]:
        """A product's changes; with ``catalog_sales_move_update_time``, its sales too."""
        if self.config.catalog_sales_move_update_time:
            return sorted([*live.change_times(), *live.sale_times()])
        return live.change_times()

    def _item_pushes(self, live: LiveItem) -> list[tuple[int, int]]:
        """Push 22 at every price change (``catalog_price_push``), 16 when it is banned
        (``catalog_violation_push``)."""
        pushes = []
        for change in live.changes:
            if change.kind == "price" and self.config.catalog_price_push:
                pushes.append((change.time, CODE_ITEM_PRICE_UPDATE))
            elif change.kind == "status" and change.status == "BANNED" and self.config.catalog_violation_push:
                pushes.append((change.time, CODE_VIOLATION_ITEM))
        return pushes

    def _record_sales(self, shop_id: int, now: int) -> None:
        """Take the lines of every order created by ``now`` out of the catalogue's stock (once each); a
        cancelled order's units come back when it is cancelled."""
        state = self._shops[shop_id]
        recorded = False
        while state.sales_recorded < len(state.by_create) and state.by_create[state.sales_recorded][0] <= now:
            order = state.orders[state.by_create[state.sales_recorded][1]]
            state.sales_recorded += 1
            cancelled = order.timeline.first_time("CANCELLED", 2**62)
            for line in self._body(order).lines:
                live = self.items.record(shop_id, str(line.item_id))
                if live is None:
                    continue
                live.add_sale(line.model_id, order.create_time, line.quantity)
                if cancelled:
                    live.add_sale(line.model_id, cancelled, -line.quantity)
                recorded = True
        if recorded and self.config.catalog_sales_move_update_time:
            self.items.touched()

    def _visible_item(self, shop_id: int, item_id: str, now: int) -> LiveItem | None:
        """The product if it exists at ``now`` and is not purged (deleted more than
        ``catalog_deleted_days`` days ago)."""
        live = self.items.get(shop_id, item_id, now)
        if live is None:
            return None
        deleted = live.deleted_at(now)
        return None if deleted and now - deleted > self.config.catalog_deleted_days * DAY else live

    def item_list(
        self, shop_id: int, statuses: set[str], window: tuple[int, int] | None
    ) -> list[dict[str, Any]]:
        """``get_item_list`` entries of every visible product of the shop with one of ``statuses`` and,
        with ``window``, an ``update_time`` in it (both ends included), sorted by
        ``catalog_item_list_sort``."""
        with self.lock:
            now = self.now()
            self._record_sales(shop_id, now)
            query = (shop_id, now, self.items.version, frozenset(statuses), window)
            if self._item_list_cache is not None and self._item_list_cache[0] == query:
                return self._item_list_cache[1]  # the next page of the same listing
            if window is None:
                index = self.items.by_update_time(shop_id, now)
            else:
                index = self.items.updated_between(shop_id, window[0], window[1], now)
            entries = []
            for update_time, key in index:
                live = self._visible_item(shop_id, key, now)
                if live is not None and live.status_at(now) in statuses:
                    entries.append(catalogue_render.list_entry(live, update_time, now))
            field = "update_time" if self.config.catalog_item_list_sort == "update_time" else "item_id"
            entries.sort(key=lambda entry: (entry[field], entry["item_id"]))
            self._item_list_cache = (query, entries)
            return entries

    def item_base_info(self, shop_id: int, item_id: str) -> dict[str, Any] | None:
        """The ``get_item_base_info`` object of a visible product; None otherwise."""
        with self.lock:
            now = self.now()
            self._record_sales(shop_id, now)
            live = self._visible_item(shop_id, item_id, now)
            if live is None:
                return None
            return catalogue_render.base_info(live, self.items.update_time(live, now), now, self.config)

    def model_list(self, shop_id: int, item_id: str) -> dict[str, Any] | None:
        """The ``get_model_list`` answer of a visible product; None otherwise."""
        with self.lock:
            now = self.now()
            self._record_sales(shop_id, now)
            live = self._visible_item(shop_id, item_id, now)
            return None if live is None else catalogue_render.model_list(live, now, self.config)

    def catalogue_now(self, shop_id: int) -> list[dict[str, Any]]:
        """Every visible product of the shop as of now: ``item_id``, ``item_status``, ``update_time`` and
        its models (``model_id`` 0 without variations) with ``original_price``, ``current_price`` and
        ``stock``, by ``item_id``."""
        with self.lock:
            now = self.now()
            self._record_sales(shop_id, now)
            products = []
            for live in self.items.existing(shop_id, now):
                if self._visible_item(shop_id, str(live.item.item_id), now) is None:
                    continue
                products.append(
                    {
                        "item_id": live.item.item_id,
                        "item_status": live.status_at(now),
                        "update_time": self.items.update_time(live, now),
                        "models": [
                            {
                                "model_id": model.model_id,
                                "original_price": model.price,
                                "current_price": live.current_price(model, now),
                                "stock": live.stock(model, now),
                            }
                            for model in live.item.models
                        ],
                    }
                )
            return sorted(products, key=lambda product: product["item_id"])

    # -- generation ---------------------------------------------------------------------------------

    def _ensure_days(self, until: int) -> None:
        """Generate every day whose start is at or before ``until``, for all active shops."""
        last_day = (until - self.origin) // DAY
        while self._days_generated < last_day:
            day = self._days_generated + 1
            for state in self._shops.values():
                if not state.shop.idle:
                    self._add_day(state, day)
            self._days_generated = day

    def _add_day(self, state: _ShopState, day: int) -> None:
        orders, bookings = generate_day(
            self.config.seed,
            state.shop,
            day,
            self.origin + day * DAY,
            self.config.orders_per_shop_per_day,
            self._used,
        )
        new_events: list[tuple[int, int, str, str]] = []
        state.wallet.schedule_day(self.origin + day * DAY)
        for order in orders:
            state.orders[order.order_sn] = order
            completed_at = order.timeline.first_time("COMPLETED", order.timeline.times[-1])
            if completed_at:
                state.wallet.schedule_release(order.order_sn, completed_at)
            state.by_create.append((order.create_time, order.order_sn))
            for package in order.packages:
                state.packages[package.package_number] = (order.order_sn, package)
            tl = order.timeline
            new_events.extend(
                (t, CODE_ORDER_STATUS, order.order_sn, s) for t, s in zip(tl.times, tl.statuses, strict=True)
            )
            new_events.extend(self._add_returns(state, order))
        self.bookings.add(state.shop.shop_id, bookings)
        for booking in bookings:
            tl = booking.timeline
            new_events.extend(
                (t, CODE_BOOKING_STATUS, booking.booking_sn, s)
                for t, s in zip(tl.times, tl.statuses, strict=True)
            )
        state.events.extend(new_events)
        state.events.sort()
        state.event_times = [e[0] for e in state.events]

    def _add_returns(self, state: _ShopState, order: Order) -> list[tuple[int, int, str, str]]:
        """Attach the order's returns (``sandbox.returns``); their push-29 events when ``return_push``."""
        returns = make_returns(
            self.config.seed, self.config.return_rate, order, lambda: self._body(order), self._used_returns
        )
        if not returns:
            return []
        state.returns_of_order[order.order_sn] = returns
        return [(t, code, sn, "") for t, code, sn in self.returns.add(order.shop_id, returns)]

    # -- lookups ------------------------------------------------------------------------------------

    def has_shop(self, shop_id: int) -> bool:
        """Whether ``shop_id`` is a sandbox shop."""
        return shop_id in self._shops

    def shop(self, shop_id: int) -> Shop:
        """The shop record (name, catalog); KeyError for unknown shops."""
        return self._shops[shop_id].shop

    def now(self) -> int:
        """The simulated clock; generates the days it has reached (a ticking clock moves on its own)."""
        with self.lock:
            now = self.clock.now()
            self._ensure_days(now)
            return now

    def _order(self, shop_id: int, order_sn: str, now: int) -> Order | None:
        state = self._shops.get(shop_id)
        order = state.orders.get(order_sn) if state else None
        return order if order is not None and order.create_time <= now else None

    def _body(self, order: Order) -> OrderBody:
        if order.body is None:
            order.body = make_body(order, self._shops[order.shop_id].shop)
        return order.body

    def _booking(self, shop_id: int, booking_sn: str, now: int) -> Booking | None:
        return self.bookings.get(shop_id, booking_sn, now)

    # -- ground truth views (also used by the API handlers) -----------------------------------------

    def order_detail(self, shop_id: int, order_sn: str) -> dict[str, Any]:
        """The full ``get_order_detail`` object with all ``response_optional_fields``; KeyError if
        the order does not exist (yet)."""
        with self.lock:
            now = self.now()
            order = self._order(shop_id, order_sn, now)
            if order is None:
                raise KeyError(order_sn)
            return render.order_detail(order, self._body(order), now)

    def order_booking_sn(self, shop_id: int, order_sn: str) -> str:
        """The booking an order is matched to, ``""`` if none (or the order does not exist)."""
        with self.lock:
            order = self._order(shop_id, order_sn, self.now())
            return order.booking_sn if order is not None else ""

    def escrow_detail(self, shop_id: int, order_sn: str) -> dict[str, object] | None:
        """``get_escrow_detail`` payload, or None when the order does not exist (yet). Once a return of
        the order is ``ACCEPTED``, its ``return_sn`` and refund show (``render.escrow_detail``)."""
        with self.lock:
            return self._escrow_at(shop_id, order_sn, self.now())

    def _escrow_at(self, shop_id: int, order_sn: str, now: int) -> dict[str, object] | None:
        order = self._order(shop_id, order_sn, now)
        if order is None:
            return None
        accepted = [
            r
            for r in self._shops[shop_id].returns_of_order.get(order_sn, ())
            if r.first_time("ACCEPTED", now)
        ]
        return render.escrow_detail(
            order,
            self._body(order),
            now,
            [r.return_sn for r in accepted],
            sum(r.refund_amount for r in accepted),
        )

    def _escrow_of(self, shop_id: int) -> Callable[[str, int], int]:
        """The shop's ``escrow_amount`` of an order at a moment, for its wallet."""

        def amount(order_sn: str, t: int) -> int:
            detail = self._escrow_at(shop_id, order_sn, t)
            income = detail["order_income"] if detail else {}
            assert isinstance(income, dict)
            return round(income.get("escrow_amount", 0))

        return amount

    def wallet(self, shop_id: int) -> tuple[list[WalletTransaction], list[Release]]:
        """The shop's wallet transactions and escrow releases up to now, oldest first (shared lists: do
        not change them). KeyError for unknown shops."""
        with self.lock:
            now = self.now()
            wallet = self._shops[shop_id].wallet
            wallet.advance(now)
            return wallet.transactions, wallet.releases

    def returns_now(self, shop_id: int) -> list[dict[str, Any]]:
        """Every return of the shop that exists now, as ``get_return_list`` entries, by
        ``(create_time, return_sn)``."""
        with self.lock:
            now = self.now()
            entries = []
            for ret in self.returns.existing(shop_id, now):
                step = ret.step_at(now)
                assert step is not None
                entries.append(return_render.return_entry(ret, step, self.config))
            return entries

    def return_detail(self, shop_id: int, return_sn: str) -> dict[str, Any]:
        """The ``get_return_detail`` object; KeyError when the shop has no such return (yet)."""
        with self.lock:
            now = self.now()
            ret = self.returns.get(shop_id, return_sn, now)
            step = ret.step_at(now) if ret else None
            if ret is None or step is None:
                raise KeyError(return_sn)
            return return_render.return_detail(ret, step, self.config)

    def booking_detail(self, shop_id: int, booking_sn: str) -> dict[str, object]:
        """The full ``get_booking_detail`` object; KeyError if it does not exist (yet)."""
        with self.lock:
            now = self.now()
            booking = self._booking(shop_id, booking_sn, now)
            if booking is None:
                raise KeyError(booking_sn)
            return render.booking_detail(booking, booking_lines(booking, self._shops[shop_id].shop), now)

    def booking_tracking_number(self, shop_id: int, booking_sn: str) -> str:
        """A booking's tracking number, ``""`` until it is PROCESSED; KeyError if unknown."""
        with self.lock:
            now = self.now()
            booking = self._booking(shop_id, booking_sn, now)
            if booking is None:
                raise KeyError(booking_sn)
            return booking.tracking_number if booking.timeline.first_time("PROCESSED", now) else ""

    def tracking_number(self, shop_id: int, order_sn: str, package_number: str | None = None) -> str:
        """Tracking number of a package (``""`` before PROCESSED). ``package_number`` may be omitted for
        single-package orders. KeyError for unknown orders or packages."""
        with self.lock:
            now = self.now()
            order = self._order(shop_id, order_sn, now)
            if order is None:
                raise KeyError(order_sn)
            package = self._package_of(order, package_number)
            return render.tracking_number(order, package, now)

    @staticmethod
    def _package_of(order: Order, package_number: str | None) -> Package:
        if package_number is None:
            if len(order.packages) > 1:
                raise LookupError("split order: package_number required")
            return order.packages[0]
        for package in order.packages:
            if package.package_number == package_number:
                return package
        raise KeyError(package_number)

    def package_detail(self, shop_id: int, package_number: str) -> dict[str, object] | None:
        """``get_package_detail`` entry, or None for an unknown package."""
        with self.lock:
            now = self.now()
            state = self._shops.get(shop_id)
            found = state.packages.get(package_number) if state else None
            order = self._order(shop_id, found[0], now) if found else None
            if order is None or found is None:
                return None
            return render.package_detail(order, self._body(order), found[1], now)

    def package_tracking(self, shop_id: int, package_number: str) -> str | None:
        """Tracking number of a package by its number alone; None when the package is unknown."""
        with self.lock:
            now = self.now()
            state = self._shops.get(shop_id)
            found = state.packages.get(package_number) if state else None
            order = self._order(shop_id, found[0], now) if found else None
            if order is None or found is None:
                return None
            return render.tracking_number(order, found[1], now)

    # -- list indexes ---------------------------------------------------------------------------------

    def _update_index(self, state: _ShopState, now: int) -> list[tuple[int, str]]:
        """(update_time, order_sn) of every existing order, sorted; cached per (now, edit version)."""
        key = (now, self._version)
        cached = state.update_index
        if cached is not None and cached[0] == key:
            return cached[1]
        end = bisect_right(state.by_create, (now, "\uffff"))
        index = []
        for _, sn in state.by_create[:end]:
            tl = state.orders[sn].timeline
            index.append((tl.times[bisect_right(tl.times, now) - 1], sn))
        index.sort()
        state.update_index = (key, index)
        return index

    def _index(self, shop_id: int, field: str, now: int, bookings: bool) -> list[tuple[int, str]]:
        """(time, sn) of every existing order or booking by ``field`` (update_time or create_time)."""
        state = self._shops[shop_id]
        if bookings and field == "update_time":
            return self.bookings.by_update_time(shop_id, now)
        if bookings:
            return [
                (self.bookings.create_time(b), b.booking_sn) for b in self.bookings.existing(shop_id, now)
            ]
        if field == "update_time":
            return self._update_index(state, now)
        return state.by_create[: bisect_right(state.by_create, (now, "\uffff"))]

    def list_keys(
        self,
        shop_id: int,
        field: str,
        time_from: int,
        time_to: int,
        *,
        bookings: bool = False,
        status: str | None = None,
        after: tuple[int, str] | None = None,
        limit: int = 100,
    ) -> tuple[list[tuple[int, str, str]], bool]:
        """One page of ``(time, sn, status)`` with ``time_from <= time <= time_to`` (both inclusive),
        sorted by ``(time, sn)``, strictly after the ``after`` key; plus whether more follow.
        ``field`` is ``update_time`` or ``create_time``; ``bookings`` switches to bookings."""
        with self.lock:
            now = self.now()
            state = self._shops[shop_id]
            index = self._index(shop_id, field, now, bookings)
            start = bisect_left(index, (time_from, ""))
            if after is not None:
                start = max(start, bisect_right(index, after))
            end = bisect_right(index, (time_to, "\uffff"))
            page: list[tuple[int, str, str]] = []
            for t, sn in index[start:end]:
                record = self.bookings.record(shop_id, sn) if bookings else state.orders[sn]
                assert record is not None
                tl = record.timeline
                current = tl.statuses[tl.index_at(now)]
                if status is not None and current != status:
                    continue
                if len(page) == limit:
                    return page, True
                page.append((t, sn, current))
            return page, False

    def orders_updated_between(self, shop_id: int, t0: int, t1: int) -> list[str]:
        """Order SNs whose current ``update_time`` is in ``[t0, t1]``, sorted by (update_time, order_sn)."""
        with self.lock:
            index = self._update_index(self._shops[shop_id], self.now())
            return [sn for _, sn in index[bisect_left(index, (t0, "")) : bisect_right(index, (t1, "\uffff"))]]

    def bookings_updated_between(self, shop_id: int, t0: int, t1: int) -> list[str]:
        """Booking SNs whose current ``update_time`` is in ``[t0, t1]``, sorted by
        (update_time, booking_sn)."""
        with self.lock:
            return [sn for _, sn in self.bookings.updated_between(shop_id, t0, t1, self.now())]

    # -- changes ---------------------------------------------------------------------------------------

    def remove_item_line(self, shop_id: int, order_sn: str) -> None:
        """An upstream edit: drop the order's last item line (from packages and escrow too) and bump its
        ``update_time`` to now. ValueError for single-line orders, KeyError for unknown orders."""
        with self.lock:
            now = self.now()
            order = self._order(shop_id, order_sn, now)
            if order is None:
                raise KeyError(order_sn)
            body = self._body(order)
            if len(body.lines) < 2:
                raise ValueError(f"order {order_sn} has a single item line")
            removed = body.lines.pop()
            for package in order.packages:
                if removed.line_item_id in package.line_item_ids:
                    package.line_item_ids.remove(removed.line_item_id)
            order.timeline.add_edit(now)
            self._version += 1

    def sweep(self, until: int) -> list[Event]:
        """Push-worthy events in ``(last sweep, until]``, oldest first: code 3 per order
        status change (but ``TO_RETURN`` only with ``return_order_status_push``), code 4 per package
        when an order reaches PROCESSED, code 23 per booking change, code 24 when a booking reaches
        PROCESSED (with ``booking_tracking_push``), code 29 per change of a return (with
        ``return_push``)."""
        with self.lock:
            self._ensure_days(until)
            since, self._swept_until = self._swept_until, max(self._swept_until, until)
            events: list[Event] = []
            for shop_id, state in self._shops.items():
                lo = bisect_right(state.event_times, since)
                hi = bisect_right(state.event_times, until)
                for t, code, sn, status in state.events[lo:hi]:
                    if code in (CODE_ITEM_PRICE_UPDATE, CODE_VIOLATION_ITEM):
                        live = self.items.record(shop_id, sn)
                        assert live is not None
                        events.append(Event(t, shop_id, code, catalogue_render.push_data(live, code, t)))
                        continue
                    if code == CODE_RETURN:
                        ret = self.returns.record(shop_id, sn)
                        step = ret.step_at(t) if ret is not None else None
                        assert ret is not None and step is not None
                        data = return_render.push_data(ret, step, self.config.return_push_data_shape)
                        events.append(Event(t, shop_id, code, data))
                        continue
                    if status == "TO_RETURN" and not self.config.return_order_status_push:
                        continue
                    if code == CODE_BOOKING_STATUS:
                        events.append(
                            Event(
                                t,
                                shop_id,
                                code,
                                {"booking_sn": sn, "booking_status": status, "update_time": t},
                            )
                        )
                        booking = self.bookings.record(shop_id, sn)
                        if status == "PROCESSED" and self.config.booking_tracking_push and booking:
                            tracking_no = booking.tracking_number
                            events.append(
                                Event(
                                    t,
                                    shop_id,
                                    CODE_BOOKING_TRACKING_NO,
                                    {"booking_sn": sn, "tracking_no": tracking_no, "update_time": t},
                                )
                            )
                        continue
                    events.append(
                        Event(
                            t,
                            shop_id,
                            code,
                            {
                                "ordersn": sn,
                                "status": status,
                                "update_time": t,
                                "items": [],
                                "completed_scenario": "NORMAL",
                            },
                        )
                    )
                    if status == "PROCESSED":
                        events.extend(
                            Event(
                                t,
                                shop_id,
                                CODE_TRACKING_NO,
                                {
                                    "ordersn": sn,
                                    "forder_id": p.forder_id,
                                    "package_number": p.package_number,
                                    "tracking_no": p.tracking_number,
                                },
                            )
                            for p in state.orders[sn].packages
                        )
            events.sort(key=lambda e: e.time)
            return events
