"""The sandbox's timeline collections: one kind of record per shop whose changes happen at known instants.

A record exists from its first change on and its ``update_time`` is its last change at or before now. A
collection serves what every list-then-detail endpoint needs: the records changed in a window, in the
order its list is sorted, cut into pages by the endpoint's pager (``cursor``, ``page_no`` or ``offset``),
a record by key, and the changes in a stretch of time as the pushes to send. A new stream's emulation is
then a ``CollectionSpec`` (how its records name themselves and when they change) plus the generator of its
records; the endpoints render what the collection selects. Returns, bookings and the catalogue live here.
"""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from .gateway import ApiError

R = TypeVar("R")


@dataclass(frozen=True)
class CollectionSpec(Generic[R]):
    """How one kind of record lives on the timeline: ``key_of`` names it, ``times_of(record, now)`` gives
    the ascending instants of its changes as known at ``now`` (it exists from the first), and
    ``pushes_of(record)`` the ``(time, code)`` of the pushes its changes send (None: none)."""

    name: str
    key_of: Callable[[R], str]
    times_of: Callable[[R, int], Sequence[int]]
    pushes_of: Callable[[R], Iterable[tuple[int, int]]] | None = None


class Pager(Enum):
    """How a list endpoint pages (the request names the position): ``CURSOR`` (an opaque keyset cursor
    after the last entry), ``PAGE_NUMBER`` (``page_no``) or ``OFFSET`` (``offset``)."""

    CURSOR = "cursor"
    PAGE_NUMBER = "page_number"
    OFFSET = "offset"


def encode_cursor(key: tuple[int, str]) -> str:
    """Opaque cursor: URL-safe base64 of the last returned ``[time, key]``."""
    return base64.urlsafe_b64encode(json.dumps([key[0], key[1]]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    """Inverse of ``encode_cursor``; ``error_param`` for anything else."""
    try:
        t, sn = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(t, int) or not isinstance(sn, str):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error):
        raise ApiError("error_param", "Invalid cursor.") from None
    return t, sn


@dataclass(frozen=True, slots=True)
class Page(Generic[R]):
    """One page of a list: its entries, whether more follow, and where the next page starts (the
    position the pager sends next: a cursor, a page number or an offset)."""

    entries: list[R]
    more: bool
    next_position: int | str


def page_by_offset(matching: Sequence[R], offset: int, page_size: int) -> Page[R]:
    """Entries ``offset .. offset + page_size`` of ``matching``; ``next_position`` is the next offset."""
    end = offset + page_size
    return Page(list(matching[offset:end]), end < len(matching), end)


def page_by_number(matching: Sequence[R], page_no: int, first_page: int, page_size: int) -> Page[R]:
    """Page ``page_no`` (numbered from ``first_page``) of ``matching``."""
    page = page_by_offset(matching, (page_no - first_page) * page_size, page_size)
    return Page(page.entries, page.more, page_no + 1)


class TimelineCollection(Generic[R]):
    """The records of one ``CollectionSpec``, per shop. Not locked: the world's lock guards it."""

    def __init__(self, spec: CollectionSpec[R]) -> None:
        self.spec = spec
        self._records: dict[int, dict[str, R]] = {}
        self._index: dict[int, tuple[tuple[int, int], list[tuple[int, str]]]] = {}
        self._version = 0

    def add(self, shop_id: int, records: Iterable[R]) -> list[tuple[int, int, str]]:
        """Add a shop's ``records``; return the push events of their changes (``(time, code, key)``, none
        when the spec pushes nothing)."""
        kept = self._records.setdefault(shop_id, {})
        events: list[tuple[int, int, str]] = []
        for record in records:
            key = self.spec.key_of(record)
            kept[key] = record
            if self.spec.pushes_of is not None:
                events.extend((t, code, key) for t, code in self.spec.pushes_of(record))
        self.touched()
        return events

    def touched(self) -> None:
        """Some record changed outside its known instants (an edit): indexes are rebuilt."""
        self._version += 1

    @property
    def version(self) -> int:
        """Moves whenever a record is added or touched: what a view cached by the caller depends on."""
        return self._version

    def record(self, shop_id: int, key: str) -> R | None:
        """The record named ``key``, whether it exists yet or not."""
        return self._records.get(shop_id, {}).get(key)

    def get(self, shop_id: int, key: str, now: int) -> R | None:
        """The record named ``key`` if it exists at ``now``."""
        record = self.record(shop_id, key)
        return record if record is not None and self.update_time(record, now) else None

    def update_time(self, record: R, now: int) -> int:
        """The record's last change at or before ``now``; 0 before it exists."""
        times = self.spec.times_of(record, now)
        i = bisect_right(times, now) - 1
        return times[i] if i >= 0 else 0

    def create_time(self, record: R) -> int:
        """The record's first change: when it came to exist."""
        return self.spec.times_of(record, 0)[0]

    def records(self, shop_id: int) -> list[R]:
        """Every record of the shop, existing or not yet."""
        return list(self._records.get(shop_id, {}).values())

    def existing(self, shop_id: int, now: int) -> list[R]:
        """The shop's records that exist at ``now``, by ``(create_time, key)``."""
        found = [r for r in self.records(shop_id) if self.create_time(r) <= now]
        return sorted(found, key=lambda r: (self.create_time(r), self.spec.key_of(r)))

    def by_update_time(self, shop_id: int, now: int) -> list[tuple[int, str]]:
        """``(update_time, key)`` of every record existing at ``now``, sorted; cached per ``now`` and
        version."""
        version = (now, self._version)
        cached = self._index.get(shop_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        index = sorted(
            (t, self.spec.key_of(r)) for r in self.records(shop_id) if (t := self.update_time(r, now))
        )
        self._index[shop_id] = (version, index)
        return index

    def updated_between(self, shop_id: int, t0: int, t1: int, now: int) -> list[tuple[int, str]]:
        """``(update_time, key)`` with ``t0 <= update_time <= t1``, sorted."""
        index = self.by_update_time(shop_id, now)
        return index[bisect_left(index, (t0, "")) : bisect_right(index, (t1, "\uffff"))]

    def changes_between(self, shop_id: int, since: int, until: int) -> list[tuple[int, str]]:
        """``(time, key)`` of every change in ``(since, until]``, oldest first."""
        changes = [
            (t, self.spec.key_of(r))
            for r in self.records(shop_id)
            for t in self.spec.times_of(r, until)
            if since < t <= until
        ]
        return sorted(changes)
