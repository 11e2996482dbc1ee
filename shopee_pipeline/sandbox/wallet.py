"""A shop's seller wallet and escrow releases: what ``get_wallet_transaction_list`` and
``get_escrow_list`` answer.

The rule (documented in docs/shopee-api-notes.md, Money): an order's escrow is released
``escrow_release_days`` after the order reaches ``COMPLETED``, and the release credits the wallet at that
instant with one ``ESCROW_VERIFIED_ADD`` (``ESCROW_VERIFIED_MINUS`` for a negative escrow) carrying the
``order_sn``. The amount is the order's ``escrow_amount`` at the release. Drawn from the seed and the
order: a share ``late_release_rate`` is released ``late_release_extra_days`` later, a share
``short_credit_rate`` is paid 10 % short (at least 1,000). ``get_escrow_list`` shows each release with the
amount paid. Every ``withdrawal_every_days`` at 10:00 the seller withdraws 80 % of the balance (rounded
down to 1,000; ``WITHDRAWAL_CREATED``, then ``WITHDRAWAL_COMPLETED`` a day later, which moves no money);
on a share ``adjustment_rate`` of days Shopee adds or deducts an adjustment (``ADJUSTMENT_ADD`` /
``ADJUSTMENT_MINUS``) with a reason.

The ledger only grows forward in time: every event lies after the moment it became known (an order's
release follows its creation, which follows the generation of its day), so it is extended, never
rebuilt, as the clock moves.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass

from .config import SandboxConfig

DAY = 86400
HOUR = 3600
ADJUSTMENT_REASONS = (
    "Shipping fee correction",
    "Campaign fee refund",
    "Lost parcel compensation",
    "Commission correction",
)


@dataclass(frozen=True, slots=True)
class WalletTransaction:
    """One ledger row; ``amount`` is signed (negative debits), ``current_balance`` the balance after it."""

    transaction_id: int
    create_time: int
    transaction_type: str
    amount: int
    current_balance: int
    order_sn: str = ""
    withdrawal_id: int = 0
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Release:
    """An order's escrow released: when, and the amount paid out."""

    order_sn: str
    time: int
    amount: int


# A release event (order_sn), a withdrawal (kind "withdraw" or "withdrawn") or an adjustment.
_Event = tuple[int, int, str, str]


class Wallet:
    """One shop's wallet: the releases scheduled as orders are generated, the ledger as of now, by the
    rule's settings in ``config``. ``escrow_at(order_sn, t)`` is the order's ``escrow_amount`` at ``t`` (in
    whole currency units)."""

    def __init__(
        self, config: SandboxConfig, shop_id: int, origin: int, escrow_at: Callable[[str, int], int]
    ) -> None:
        self._seed, self._shop_id, self._rules, self._escrow_at = config.seed, shop_id, config, escrow_at
        self._pending: list[_Event] = []
        every = config.withdrawal_every_days * DAY
        first_withdrawal = origin - origin % DAY + every + 3 * HOUR  # 10:00 in Jakarta
        heapq.heappush(self._pending, (first_withdrawal, 1, "withdraw", ""))
        self.transactions: list[WalletTransaction] = []
        self.releases: list[Release] = []
        self._balance = 0
        self._withdrawals = 0

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self._seed, self._shop_id, *parts)))

    def schedule_release(self, order_sn: str, completed_at: int) -> None:
        """An order that reaches COMPLETED at ``completed_at``: its release, per the rule."""
        rng = self._rng(order_sn, "release")
        delay = self._rules.escrow_release_days * DAY
        if rng.random() < self._rules.late_release_rate:
            delay += self._rules.late_release_extra_days * DAY
        heapq.heappush(self._pending, (completed_at + int(delay), 0, "release", order_sn))

    def schedule_day(self, day_start: int) -> None:
        """A generated day: its adjustment, if the day has one."""
        rng = self._rng(day_start, "adjustment")
        if rng.random() < self._rules.adjustment_rate:
            heapq.heappush(self._pending, (day_start + rng.randrange(DAY), 2, "adjust", str(day_start)))

    def advance(self, now: int) -> None:
        """Write every event up to ``now`` into the ledger."""
        while self._pending and self._pending[0][0] <= now:
            t, _, kind, key = heapq.heappop(self._pending)
            if kind == "release":
                self._release(t, key)
            elif kind == "adjust":
                rng = self._rng(key, "adjustment", "amount")
                amount = rng.randrange(1, 50) * 1000 * rng.choice((1, -1))
                kind = "ADJUSTMENT_ADD" if amount > 0 else "ADJUSTMENT_MINUS"
                self._write(t, kind, amount, reason=rng.choice(ADJUSTMENT_REASONS))
            elif kind == "withdraw":
                heapq.heappush(
                    self._pending, (t + self._rules.withdrawal_every_days * DAY, 1, "withdraw", "")
                )
                amount = self._balance * 8 // 10 // 1000 * 1000
                if amount >= 10_000:
                    self._withdrawals += 1
                    withdrawal_id = self._shop_id * 1000 + self._withdrawals
                    self._write(t, "WITHDRAWAL_CREATED", -amount, withdrawal_id=withdrawal_id)
                    heapq.heappush(self._pending, (t + DAY, 1, "withdrawn", f"{withdrawal_id}:{amount}"))
            else:
                withdrawal_id, amount = map(int, key.split(":"))
                self._write(t, "WITHDRAWAL_COMPLETED", -amount, withdrawal_id=withdrawal_id, moves=False)

    def _release(self, t: int, order_sn: str) -> None:
        amount = self._escrow_at(order_sn, t)
        if self._rng(order_sn, "short").random() < self._rules.short_credit_rate:
            amount -= max(1000, abs(amount) // 10)
        self.releases.append(Release(order_sn, t, amount))
        kind = "ESCROW_VERIFIED_ADD" if amount >= 0 else "ESCROW_VERIFIED_MINUS"
        self._write(t, kind, amount, order_sn=order_sn)

    def _write(
        self,
        t: int,
        kind: str,
        amount: int,
        *,
        order_sn: str = "",
        withdrawal_id: int = 0,
        reason: str = "",
        moves: bool = True,
    ) -> None:
        if moves:
            self._balance += amount
        transaction_id = self._shop_id * 100_000 + len(self.transactions) + 1
        self.transactions.append(
            WalletTransaction(transaction_id, t, kind, amount, self._balance, order_sn, withdrawal_id, reason)
        )
