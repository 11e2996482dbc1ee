"""Escrow jobs fed while orders are still being fetched, so escrow calls go out beside the order calls.

The orders step hands each batch of fetched orders to an `EscrowFeed` (`add`, in the consumer's thread:
cheap). The escrow stream's feeding thread iterates the feed: it asks the warehouse which of those orders
have their escrow due (`due`: missing or older than the order's new version, never an unpaid order),
groups them per shop into batches of 50 (`get_escrow_detail_batch`'s limit) and yields each full batch
as a job at once. When the orders are all fetched, `close` adds the orders the warehouse still holds as
needing escrow (`rest`: changed returns, an earlier run's failures), each order once, and the last,
partial batches go out.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from datetime import datetime

import pandas as pd

from shopee_pipeline.shopee.config import DETAIL_BATCH
from shopee_pipeline.warehouse.lookups import ESCROW_CANDIDATE_COLUMNS

# Given candidate orders (ESCROW_CANDIDATE_COLUMNS), those whose escrow is due, with the version it must
# reflect as update_time.
Due = Callable[[pd.DataFrame], pd.DataFrame]
_CANDIDATE_COLUMNS = list(ESCROW_CANDIDATE_COLUMNS)


class EscrowFeed:
    """A blocking iterable of `(shop_id, order_sns)` escrow jobs; `versions` holds each fed order's
    version (what `escrow.order_update_time` records), filled before its job is yielded."""

    def __init__(self, due: Due, batch_size: int = DETAIL_BATCH) -> None:
        self._due, self._batch_size = due, batch_size
        self._inbox: queue.SimpleQueue[list[tuple] | _Closing] = queue.SimpleQueue()
        self.versions: dict[str, datetime] = {}

    def add(self, orders: pd.DataFrame) -> None:
        """Offer fetched orders (a batch's `orders` frame) for escrow."""
        if not orders.empty:  # plain tuples: a frame's column selection costs more than the whole hand-over
            self._inbox.put(list(zip(*(orders[name].tolist() for name in _CANDIDATE_COLUMNS), strict=True)))

    def close(self, rest: Callable[[], pd.DataFrame] | None = None) -> None:
        """No more orders will be added; `rest` (run by the feed's reader) gives the orders already due
        in the warehouse. Without `rest` (the orders step failed) only what was fed goes out."""
        self._inbox.put(_Closing(rest))

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        pending: dict[int, list[str]] = {}
        closing: _Closing | None = None
        while closing is None:
            # Whatever arrived meanwhile is asked about in one query: fewer round trips when busy.
            items = [self._inbox.get()]
            while not self._inbox.empty():
                items.append(self._inbox.get_nowait())
            fed = [row for item in items if isinstance(item, list) for row in item]
            closing = next((item for item in items if isinstance(item, _Closing)), None)
            if fed:
                yield from self._take(self._due(pd.DataFrame(fed, columns=_CANDIDATE_COLUMNS)), pending)
        if closing.rest is not None:
            yield from self._take(closing.rest(), pending)
        yield from sorted(pending.items())

    def _take(self, due: pd.DataFrame, pending: dict[int, list[str]]) -> Iterator[tuple[int, list[str]]]:
        for order_sn, shop_id, version in zip(
            due["order_sn"], due["shop_id"], due["update_time"], strict=True
        ):
            if order_sn in self.versions:
                continue
            self.versions[order_sn] = version
            batch = pending.setdefault(int(shop_id), [])
            batch.append(order_sn)
            if len(batch) == self._batch_size:
                yield int(shop_id), pending.pop(int(shop_id))


class _Closing:
    """The end of the feed, with how to find the orders still due."""

    def __init__(self, rest: Callable[[], pd.DataFrame] | None) -> None:
        self.rest = rest
