"""What `shopee-pipeline sync` asks for, checked before anything runs: the days, the assets and the shop.

No Dagster and no SQL here: each check takes what it needs (the first partition, today, the connected
shops) and raises `SyncRequestError`, whose message is the one line the command prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from shopee_pipeline.warehouse.shops import shop_label

RANGE_SEPARATOR = ".."


class SyncRequestError(ValueError):
    """A request that cannot become a run; the message says why in one line."""


@dataclass(frozen=True)
class Days:
    """The days a sync covers, `first` to `last` included."""

    first: date
    last: date

    def __str__(self) -> str:
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()}{RANGE_SEPARATOR}{self.last.isoformat()}"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise SyncRequestError(f"'{text.strip()}' is not a YYYY-MM-DD date") from None


def parse_days(text: str) -> Days:
    """`2026-12-04` (one day) or `2026-12-04..2026-12-06` (a range, both ends included)."""
    first_text, separator, last_text = text.partition(RANGE_SEPARATOR)
    first = _date(first_text)
    last = _date(last_text) if separator else first
    if last < first:
        raise SyncRequestError(f"the range {text.strip()} ends before it starts")
    return Days(first, last)


def parse_assets(text: str | None, known: Sequence[str]) -> tuple[str, ...]:
    """The comma-separated asset names of `--assets` (every one of `known` when none is given), each
    checked against `known`, in the order given, without repeats."""
    if text is None:
        return tuple(known)
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    if not names:
        raise SyncRequestError(f"--assets names no asset; the synced assets are {', '.join(known)}")
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SyncRequestError(
            f"unknown asset {', '.join(repr(n) for n in unknown)}; the synced assets are {', '.join(known)}"
        )
    return names


def check_days(days: Days, first_partition: date, today: date) -> None:
    """Every day of `days` must be a partition: not before `first_partition` (SHOPEE_SYNC_START_DATE),
    not after `today` (in SHOPEE_TIMEZONE)."""
    if days.first < first_partition:
        raise SyncRequestError(
            f"{days.first.isoformat()} is before the first partition {first_partition.isoformat()} "
            "(SHOPEE_SYNC_START_DATE)"
        )
    if days.last > today:
        raise SyncRequestError(
            f"{days.last.isoformat()} is after today's partition {today.isoformat()} (SHOPEE_TIMEZONE)"
        )


def check_shop(shop_id: int, active: Sequence[int], names: Mapping[int, str]) -> None:
    """`shop_id` must be one of the `active` (connected, not deactivated) shops; the error lists them
    with their names."""
    if shop_id in active:
        return
    connected = ", ".join(shop_label(shop, names) for shop in active) or "none (see `shopee-pipeline shops`)"
    raise SyncRequestError(f"shop {shop_id} is not connected; connected: {connected}")
