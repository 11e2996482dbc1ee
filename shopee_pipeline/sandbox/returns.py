"""Return/refund requests of the seeded world (``get_return_list``, ``get_return_detail``, push 29).

Each order's returns come from a random stream of their own, seeded from ``(seed, order_sn)``, so the
orders, bookings and their pushes are the same with or without returns. Two kinds
(``return_refund_type``):

- ``RRBOC`` (raised before the order completed): every order whose timeline reaches ``TO_RETURN``
  gets one, raised at that instant, covering every line in full (the order's ``returned_qty``) and
  ``ACCEPTED`` before the order reaches ``COMPLETED``;
- ``RRAOC`` (raised after completion): a share ``SandboxConfig.return_rate`` of the other completed
  orders gets one, raised 2 hours to 5 days after completion, on some lines (some units), sometimes
  with a partial refund; it may end ``ACCEPTED``, ``CLOSED`` or ``CANCELLED``. The order does not
  change.

A multi-line order occasionally gets two ``return_sn`` (its lines split between them). Statuses move
along REQUESTED -> (PROCESSING) -> ACCEPTED | SELLER_DISPUTE -> JUDGING -> ACCEPTED | CLOSED, and
REQUESTED/PROCESSING -> CANCELLED (docs/shopee-api-notes.md, Returns; the transitions are an
assumption). Reverse logistics, seller proof and the re-assessed reason move in between, and an
``ACCEPTED`` return keeps changing afterwards (``seller_compensation_status``, ``compensation_amount``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

from . import names
from .generate import DAY, HOUR, make_sn, tracking_for
from .model import Line, Order, OrderBody, ReturnItem, ReturnRequest, ReturnStep

RETURN_SN_WIDTH = 9
"""Base-36 characters after the ``yymmdd`` of a ``return_sn`` (15 in all, like ``2206140TA5PM808``)."""
_REVERSE_LEGS = ("LOGISTICS_REQUEST_CREATED", "LOGISTICS_PICKUP_DONE", "LOGISTICS_DELIVERY_DONE")
_IMAGE = "https://down-id.img.susercontent.com/file/id-11134103-{:016x}"

Change = dict[str, str | int]


def make_returns(
    seed: int, rate: float, order: Order, body_of: Callable[[], OrderBody], used: set[str]
) -> list[ReturnRequest]:
    """The returns of one order (most orders have none); ``body_of`` builds the order's body, asked
    only for orders that get a return; ``return_sn`` are kept unique in ``used``."""
    rng = random.Random(f"{seed}:{order.order_sn}:returns")
    roll = rng.random()
    statuses, times = order.timeline.statuses, order.timeline.times
    if "TO_RETURN" in statuses:
        kind, at = "RRBOC", statuses.index("TO_RETURN")
        start, resolve_by = times[at], times[at + 1]
    elif statuses[-1] == "COMPLETED" and roll < rate:
        kind, start, resolve_by = "RRAOC", times[-1] + rng.randint(2 * HOUR, 5 * DAY), 0
    else:
        return []
    body = body_of()
    returns = []
    for i, items in enumerate(_item_groups(rng, kind, body.lines)):
        create = start + (rng.randint(HOUR, 12 * HOUR) if i else 0)
        returns.append(_make_return(rng, kind, order, body, items, create, resolve_by, used))
    return returns


def _item_groups(rng: random.Random, kind: str, lines: list[Line]) -> list[list[ReturnItem]]:
    """The returned lines (RRBOC: all, in full; RRAOC: some, some units), split between two returns
    now and then."""
    full = kind == "RRBOC"
    chosen = range(len(lines)) if full else sorted(rng.sample(range(len(lines)), rng.randint(1, len(lines))))
    factor = 1.0 if full or rng.random() < 0.8 else rng.choice((0.5, 0.7, 0.9))
    items = []
    for index in chosen:
        line = lines[index]
        amount = line.quantity if full else rng.randint(1, line.quantity)
        items.append(ReturnItem(line, amount, int(round(line.unit_price * amount * factor, -2))))
    if len(items) >= 2 and rng.random() < 0.15:
        cut = rng.randint(1, len(items) - 1)
        return [items[:cut], items[cut:]]
    return [items]


def _make_return(
    rng: random.Random,
    kind: str,
    order: Order,
    body: OrderBody,
    items: list[ReturnItem],
    create: int,
    resolve_by: int,
    used: set[str],
) -> ReturnRequest:
    reasons = (
        names.RETURN_REASONS_BEFORE_COMPLETION if kind == "RRBOC" else names.RETURN_REASONS_AFTER_COMPLETION
    )
    reason, needs_logistics, text = rng.choice(reasons)
    recipient = body.recipient
    return ReturnRequest(
        return_sn=make_sn(rng, create, used, RETURN_SN_WIDTH),
        order_sn=order.order_sn,
        shop_id=order.shop_id,
        refund_type=kind,
        items=items,
        reason=reason,
        text_reason=text,
        images=[_IMAGE.format(rng.getrandbits(64)) for _ in range(rng.randint(0, 2))],
        needs_logistics=needs_logistics,
        tracking_number=tracking_for(rng, order.carrier) if needs_logistics else "",
        buyer_username=body.buyer_username,
        pickup_address={
            "address": recipient["full_address"],
            **{k: recipient[k] for k in ("name", "phone", "town", "district", "city", "state", "region")},
            "zipcode": recipient["zipcode"],
        },
        channel_name=names.CARRIERS[order.carrier][0] if needs_logistics else "",
        steps=_steps(rng, kind, create, resolve_by, needs_logistics),
    )


def _changes(
    rng: random.Random, kind: str, needs_logistics: bool
) -> tuple[list[Change], Change, list[Change]]:
    """What changes before the return is resolved, the resolution, and what changes after it."""
    roll = rng.random()
    outcome = "CANCELLED" if kind == "RRAOC" and roll < 0.12 else "dispute" if roll < 0.3 else "ACCEPTED"
    before: list[Change] = []
    if needs_logistics or rng.random() < 0.3:
        before.append({"status": "PROCESSING"})
    if needs_logistics and outcome != "CANCELLED":
        before += [{"reverse_logistics_status": leg} for leg in _REVERSE_LEGS]
    final: Change = {"status": outcome, "negotiation_status": "TERMINATED"}
    if outcome == "dispute":
        before += [
            {"status": "SELLER_DISPUTE", "seller_proof_status": "PENDING"},
            {"seller_proof_status": "UPLOADED"},
            {"status": "JUDGING"},
        ]
        if rng.random() < 0.5:
            before.append({"reassessed_request_reason": rng.choice(names.REASSESSED_REASONS)})
        final["status"] = "ACCEPTED" if kind == "RRBOC" or rng.random() < 0.5 else "CLOSED"
    after: list[Change] = []
    if final["status"] == "ACCEPTED":
        if rng.random() < 0.4:
            verdict: Change = (
                {"seller_compensation_status": "APPROVED", "compensation_amount": rng.randint(1, 20) * 1000}
                if rng.random() < 0.6
                else {"seller_compensation_status": "REJECTED"}
            )
            after = [
                {"seller_compensation_status": "PENDING_REQUEST"},
                {"seller_compensation_status": "REQUESTED"},
                verdict,
            ]
        else:
            after = [{"seller_compensation_status": "NOT_REQUIRED"}]
    return before, final, after


def _steps(
    rng: random.Random, kind: str, create: int, resolve_by: int, needs_logistics: bool
) -> list[ReturnStep]:
    """The life cycle: REQUESTED at ``create``, the changes before the resolution at distinct random
    instants, the resolution (before ``resolve_by`` when given), then 6 hours to 3 days between later
    changes."""
    before, final, after = _changes(rng, kind, needs_logistics)
    if resolve_by:
        resolved = resolve_by - rng.randint(60, 30 * 60)
    else:
        disputed = any(change.get("status") == "JUDGING" for change in before)
        resolved = create + rng.randint(DAY, 4 * DAY) + (3 * DAY if disputed else 0)
    times = [*sorted(rng.sample(range(create + 1, resolved), len(before))), resolved]
    for _ in after:
        times.append(times[-1] + rng.randint(6 * HOUR, 3 * DAY))
    step = ReturnStep(
        time=create,
        status="REQUESTED",
        negotiation_status="PENDING_RESPOND",
        seller_proof_status="NOT_NEEDED",
        seller_compensation_status="NOT_APPLICABLE",
        reverse_logistics_status="LOGISTICS_PENDING_ARRANGE" if needs_logistics else "",
        reassessed_request_reason="NONE",
        compensation_amount=0,
        changed=("status",),
    )
    steps = [step]
    for t, change in zip(times, [*before, final, *after], strict=True):
        step = replace(step, time=t, changed=tuple(change), **change)  # type: ignore[arg-type]
        steps.append(step)
    return steps
