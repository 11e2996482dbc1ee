"""Push delivery: signed POSTs from background workers, seeded delivery faults (pushes dropped or sent
twice), and the lost-push store that ``get_lost_push_message`` / ``confirm_consumed_lost_push_message``
read, serving each entry's ``data`` as Shopee does: JSON text of the whole original push envelope."""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import queue
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import requests

from .signing import push_signature
from .world import Event

LOST_RETENTION = 3 * 86400
"""Lost pushes are kept for 3 days, as ``get_lost_push_message`` serves them."""


class LostPushStore:
    """Pushes that could not be delivered, until confirmed or older than 3 days (simulated clock)."""

    def __init__(self, data_shape: str = "envelope_text") -> None:
        self._data_shape = data_shape
        self._messages: list[tuple[int, dict[str, object]]] = []
        self._next_id = 1
        self._lock = threading.Lock()

    def add(self, message: dict[str, object]) -> None:
        """Keep an undelivered push envelope."""
        with self._lock:
            self._messages.append((self._next_id, message))
            self._next_id += 1

    def _data(self, message: dict[str, object]) -> object:
        if self._data_shape == "envelope_text":
            return json.dumps(message, separators=(",", ":"))
        return dict(message) if self._data_shape == "envelope_object" else message["data"]

    def page(self, now: int, limit: int = 100) -> dict[str, object]:
        """The earliest ``limit`` unconfirmed messages of the last 3 days, as the API's ``response``:
        ``push_message_list[{shop_id, code, timestamp, data}]``, ``has_next_page``, ``last_message_id``
        (the id to confirm; 0 when the list is empty). ``data`` is the whole original envelope as JSON
        text (Shopee's shape), or as configured (``SandboxConfig.lost_push_data_shape``)."""
        with self._lock:
            self._messages = [
                (i, m) for i, m in self._messages if int(str(m["timestamp"])) >= now - LOST_RETENTION
            ]
            batch = self._messages[:limit]
        entries = []
        for _, message in batch:
            entry: dict[str, object] = {
                "code": message["code"],
                "timestamp": message["timestamp"],
                "data": self._data(message),
            }
            if "shop_id" in message:
                entry["shop_id"] = message["shop_id"]
            entries.append(entry)
        return {
            "push_message_list": entries,
            "has_next_page": len(self._messages) > limit,
            "last_message_id": batch[-1][0] if batch else 0,
        }

    def confirm(self, last_message_id: int) -> int:
        """Drop every message up to and including ``last_message_id``; returns how many were dropped."""
        with self._lock:
            before = len(self._messages)
            self._messages = [(i, m) for i, m in self._messages if i > last_message_id]
            return before - len(self._messages)

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)


@dataclass(frozen=True)
class DeliveryFaults:
    """Which pushes are never delivered (``drop_rate``) or delivered twice (``duplicate_rate``): decided
    from ``seed`` and the push's content (not its random ``msg_id``), so a seeded run repeats them."""

    seed: int = 0
    drop_rate: float = 0.0
    duplicate_rate: float = 0.0

    def _draw(self, kind: str, message: dict[str, object]) -> float:
        content = json.dumps(
            [self.seed, kind, message["shop_id"], message["code"], message["timestamp"], message["data"]],
            sort_keys=True,
            default=str,
        )
        return int.from_bytes(hashlib.sha256(content.encode()).digest()[:8], "big") / 2**64

    def drops(self, message: dict[str, object]) -> bool:
        """True when ``message`` is never delivered."""
        return self.drop_rate > 0 and self._draw("drop", message) < self.drop_rate

    def duplicates(self, message: dict[str, object]) -> bool:
        """True when ``message`` is delivered twice."""
        return self.duplicate_rate > 0 and self._draw("duplicate", message) < self.duplicate_rate


class PushDispatcher:
    """Sends push envelopes ``{"msg_id", "shop_id", "code", "timestamp", "data"}`` to ``url`` with
    ``Authorization`` = hex HMAC-SHA256(push key, url + "|" + raw body), ``timeout`` seconds each,
    from ``workers`` background threads (so delivery order is not guaranteed, like Shopee's).
    A failure (exception, non-2xx, or a non-empty body when ``require_empty_body``) is retried, the same
    message (same ``msg_id``), ``retry_delays[i]`` simulated seconds after the i-th failure: the owner
    calls ``release_due(now)`` as its clock moves. After the last retry fails the push moves to the lost
    store; with no ``url`` every push goes straight there, and so does a push ``delivery_faults`` drops.
    A push it duplicates is queued twice, same ``msg_id`` (each copy retried on its own)."""

    def __init__(
        self,
        url: str | None,
        key: str,
        lost: LostPushStore,
        *,
        timeout: float = 3.0,
        workers: int = 4,
        require_empty_body: bool = True,
        retry_delays: Sequence[float] = (),
        clock: Callable[[], int] = lambda: 0,
        delivery_faults: DeliveryFaults = DeliveryFaults(),
    ) -> None:
        self.url = url
        self._faults = delivery_faults
        self._key = key
        self._lost = lost
        self._timeout = timeout
        self._require_empty = require_empty_body
        self._retry_delays = tuple(retry_delays)
        self._clock = clock
        self._retries: list[tuple[float, int, int, dict[str, object]]] = []  # (due, seq, attempt, msg)
        self._retry_seq = itertools.count()
        self._queue: queue.Queue[tuple[int, dict[str, object]] | None] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._stats: Counter[str] = Counter()
        self._threads = [
            threading.Thread(target=self._work, name=f"sandbox-push-{i}", daemon=True)
            for i in range(workers if url else 0)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, events: list[Event]) -> None:
        """Queue one push per event (partner-level pushes would carry no ``shop_id``; ours all do)."""
        for event in events:
            message: dict[str, object] = {
                "msg_id": uuid.uuid4().hex,
                "shop_id": event.shop_id,
                "code": event.code,
                "timestamp": event.time,
                "data": event.data,
            }
            dropped = self.url is not None and self._faults.drops(message)
            if self.url is None or dropped:
                self._lost.add(message)
                self._count("lost")
                if dropped:
                    self._count("dropped")
                continue
            self._send(message, attempt=0)
            if self._faults.duplicates(message):
                self._count("duplicated")
                self._send(message, attempt=0)

    def _send(self, message: dict[str, object], attempt: int) -> None:
        with self._idle:
            self._pending += 1
        self._queue.put((attempt, message))

    def release_due(self, now: int) -> int:
        """Send again the failed pushes whose retry is due at simulated time ``now``; returns how many."""
        with self._idle:
            due = []
            while self._retries and self._retries[0][0] <= now:
                _, _, attempt, message = heapq.heappop(self._retries)
                due.append((attempt, message))
            self._stats["retried"] += len(due)
        for attempt, message in due:
            self._send(message, attempt)
        return len(due)

    def _count(self, key: str) -> None:
        with self._idle:
            self._stats[key] += 1

    def _work(self) -> None:
        session = requests.Session()
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self._deliver(session, *item)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _deliver(self, session: requests.Session, attempt: int, message: dict[str, object]) -> None:
        assert self.url is not None
        body = json.dumps(message, separators=(",", ":")).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "Authorization": push_signature(self._key, self.url, body),
        }
        try:
            answer = session.post(self.url, data=body, headers=headers, timeout=self._timeout)
            ok = 200 <= answer.status_code < 300 and not (self._require_empty and answer.content.strip())
        except requests.RequestException:
            ok = False
        if ok:
            self._count("delivered")
        elif attempt < len(self._retry_delays):
            due = self._clock() + self._retry_delays[attempt]
            with self._idle:
                heapq.heappush(self._retries, (due, next(self._retry_seq), attempt + 1, message))
        else:
            self._lost.add(message)
            self._count("lost")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued push was delivered, scheduled for a retry or moved to the lost
        store; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def stats(self) -> dict[str, int]:
        """``delivered`` (deliveries: a duplicated push counts twice), ``lost`` (failed every attempt, no
        URL, or dropped), ``dropped`` (by ``delivery_faults``), ``duplicated`` (sent twice), ``pending``
        (queued or in flight), ``retrying`` (waiting for their retry) and ``retried`` (attempts after a
        failure) pushes so far."""
        with self._idle:
            return {
                "delivered": self._stats["delivered"],
                "lost": self._stats["lost"],
                "dropped": self._stats["dropped"],
                "duplicated": self._stats["duplicated"],
                "pending": self._pending,
                "retrying": len(self._retries),
                "retried": self._stats["retried"],
            }

    def close(self) -> None:
        """Stop the workers (pending pushes are abandoned)."""
        for _ in self._threads:
            self._queue.put(None)
