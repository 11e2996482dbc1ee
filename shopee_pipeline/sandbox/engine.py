"""The sandbox without HTTP: world, tokens, faults, pushes and counters, and how one API call is answered."""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass

from shopee_pipeline.clock import timestamp as current_timestamp

from .anomalies import Anomalies
from .api import ROUTES, Services
from .clock import SimClock
from .config import SandboxConfig
from .faults import FaultInjector
from .gateway import ApiError, ApiRequest, check_common, error_envelope, success_envelope
from .pushes import DeliveryFaults, LostPushStore, PushDispatcher
from .tokens import TokenStore
from .truth import ground_truth
from .world import World

RATE_LIMIT_MESSAGE = "Too many requests. You have reached the rate limit. Please try again later."
HTML_500 = (
    b"<html><head><title>500 Internal Server Error</title></head><body>Internal Server Error</body></html>"
)


@dataclass(frozen=True, slots=True)
class Answer:
    """What the HTTP layer sends: status, body and content type, an optional redirect, or nothing at all
    (``drop``: close the connection without a response)."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    location: str | None = None
    drop: bool = False


def _json_answer(status: int, payload: object) -> Answer:
    return Answer(status, json.dumps(payload, separators=(",", ":")).encode("utf-8"))


class SandboxEngine:
    """All sandbox behaviour except the HTTP server. Thread-safe."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = SimClock(
            config.start_time if config.start_time is not None else int(current_timestamp()),
            config.clock_rate,
            ceiling=current_timestamp if config.clock_never_ahead else None,
        )
        self.world = World(config, self.clock)
        self.tokens = TokenStore(
            config.access_token_ttl, config.refresh_token_ttl, config.auth_code_ttl, config.record_secrets
        )
        self.faults = FaultInjector(
            seed=config.seed,
            fault_rate=config.fault_rate,
            kinds=config.fault_kinds,
            latency_ms=config.latency_ms,
            stall_seconds=config.stall_seconds,
            shop_rate_limit_per_second=config.shop_rate_limit_per_second,
            partner_rate_limit_per_second=config.partner_rate_limit_per_second,
            shop_rate_limits=config.shop_rate_limits,
        )
        self.lost = LostPushStore(config.lost_push_data_shape)
        self.pushes = PushDispatcher(
            config.push_url,
            config.effective_push_key,
            self.lost,
            timeout=config.push_timeout,
            workers=config.push_workers,
            require_empty_body=config.push_require_empty_body,
            retry_delays=config.push_retry_delays,
            clock=self.clock.now,
            delivery_faults=DeliveryFaults(config.seed, config.push_drop_rate, config.push_duplicate_rate),
        )
        self.anomalies = Anomalies()
        self.services = Services(config, self.world, self.tokens, self.lost, self.anomalies)
        self._calls: Counter[str] = Counter()
        self._signs: set[str] | None = set() if config.record_secrets else None
        self._calls_lock = threading.Lock()
        self._sweep_lock = threading.Lock()

    # -- identity -----------------------------------------------------------------------------------

    @property
    def partner_id(self) -> int:
        """The sandbox app's partner id."""
        return self.config.partner_id

    @property
    def partner_key(self) -> str:
        """The sandbox app's partner key (a test key)."""
        return self.config.partner_key

    @property
    def push_key(self) -> str:
        """The key that signs pushes (defaults to the partner key)."""
        return self.config.effective_push_key

    @property
    def shop_ids(self) -> list[int]:
        """Shop ids, deterministic from the seed."""
        return list(self.world.shop_ids)

    # -- control --------------------------------------------------------------------------------------

    def now(self) -> int:
        """Simulated Unix seconds."""
        return self.world.now()

    def authorize(self, shop_id: int) -> str:
        """A single-use auth code (10 min) for ``shop_id``, as the seller's consent would issue it."""
        if not self.world.has_shop(shop_id):
            raise KeyError(f"unknown shop_id {shop_id}")
        return self.tokens.issue_code(shop_id, self.world.now())

    def sweep_pushes(self) -> int:
        """Turn the changes up to now into pushes (queued for delivery), and send again the failed
        pushes whose retry is due; returns how many new pushes."""
        with self._sweep_lock:
            now = self.world.now()
            events = self.world.sweep(now)
            self.pushes.submit(events)
            self.pushes.release_due(now)
            return len(events)

    def advance(self, seconds: float, wait_pushes: bool = True, timeout: float | None = 120.0) -> int:
        """Move the simulated clock; orders, bookings and returns change, and their pushes are queued. With
        ``wait_pushes`` (default) it returns only after every push was delivered or moved to the lost
        store (or ``timeout`` ran out). Returns the new simulated time."""
        self.clock.advance(seconds)
        self.sweep_pushes()
        if wait_pushes:
            self.pushes.wait(timeout)
        return self.world.now()

    def freeze_clock(self) -> int:
        """Stop a ticking clock where it stands and queue the pushes of every change up to that instant:
        from then on nothing changes unless ``advance`` is called. Returns the frozen time."""
        self.clock.freeze()
        self.sweep_pushes()
        return self.world.now()

    def truth(self) -> dict[str, object]:
        """Ground truth of every shop (``sandbox.truth.ground_truth``): orders with status, update_time
        and packages (number, logistics status, tracking number), bookings with status, update_time and
        tracking number, returns with status, update_time, refund and items, and the escrow of every
        order with an ACCEPTED return."""
        return ground_truth(self.world)

    def flush_pushes(self, timeout: float | None = None) -> bool:
        """Wait until no push is pending; False on timeout."""
        return self.pushes.wait(timeout)

    def push_stats(self) -> dict[str, int]:
        """Pushes ``delivered``, ``lost``, ``pending``, ``retrying`` and ``retried``, plus ``lost_stored``
        (unconfirmed in the store)."""
        return {**self.pushes.stats(), "lost_stored": len(self.lost)}

    def set_faults(
        self,
        *,
        fault_rate: float | None = None,
        latency_ms: float | None = None,
        kinds: tuple[str, ...] | list[str] | None = None,
        stall_seconds: float | None = None,
        shop_rate_limit_per_second: float | str | None = "keep",
    ) -> None:
        """Change fault injection at run time; arguments left out keep their value."""
        self.faults.configure(
            fault_rate=fault_rate,
            latency_ms=latency_ms,
            kinds=kinds,
            stall_seconds=stall_seconds,
            shop_rate_limit_per_second=shop_rate_limit_per_second,
        )

    def fault_settings(self) -> dict[str, object]:
        """Current fault settings."""
        f = self.faults
        return {
            "fault_rate": f.fault_rate,
            "latency_ms": f.latency_ms,
            "kinds": list(f.kinds),
            "stall_seconds": f.stall_seconds,
            "shop_rate_limit_per_second": f.shop_rate_limit_per_second,
        }

    def inject(self, shop_id: int, order_sn: str, *kinds: str) -> None:
        """Give one order anomalies (``sandbox.anomalies.ANOMALY_KINDS``); they bend what the order
        endpoints answer for it, never the ground truth of ``world``."""
        if not self.world.has_shop(shop_id):
            raise KeyError(f"unknown shop_id {shop_id}")
        self.anomalies.inject(shop_id, order_sn, kinds)

    def seen_secrets(self) -> set[str]:
        """With ``record_secrets``: the partner and push keys, every code and token issued and every
        request sign received; else just the two keys."""
        with self._calls_lock:
            signs = set(self._signs or ())
        return {self.partner_key, self.push_key} | self.tokens.issued() | signs

    def call_counts(self) -> dict[str, int]:
        """API path -> requests received (faulted and refused ones included; ``/_sandbox/`` excluded),
        plus ``total``."""
        with self._calls_lock:
            counts = dict(self._calls)
        counts["total"] = sum(counts.values())
        return counts

    def fault_counts(self) -> dict[str, int]:
        """Faulted calls per kind (``shop_rate_limit``, ``partner_rate_limit`` for the hidden limits), plus
        ``total``."""
        return self.faults.counts()

    def refresh_counts(self) -> dict[int, int]:
        """``auth/access_token/get`` calls per shop id (from the request body)."""
        return self.tokens.refresh_counts()

    def reset_call_counts(self) -> None:
        """Forget call and fault counts."""
        with self._calls_lock:
            self._calls.clear()
        self.faults.reset_counts()

    # -- answering ----------------------------------------------------------------------------------

    def _error(self, error: str, message: str) -> Answer:
        return _json_answer(self.config.http_status_for(error), error_envelope(error, message))

    def answer(self, request: ApiRequest) -> Answer:
        """Answer one API call: count it, apply latency and faults, route it (unknown path ->
        ``error_not_found``, wrong method -> ``error_param``), check common params and sign, run it."""
        with self._calls_lock:
            self._calls[request.path] += 1
            if self._signs is not None and request.query.get("sign"):
                self._signs.add(request.query["sign"])
        route = ROUTES.get(request.path)
        shop_hint = request.query.get("shop_id", "")
        fault = self.faults.pick(int(shop_hint) if route and route.shop_api and shop_hint.isdigit() else None)
        self.faults.delay()
        if fault == "drop":
            return Answer(0, drop=True)
        if fault == "http_500":
            return Answer(500, HTML_500, "text/html")
        if fault in ("rate_limit", "shop_rate_limit", "partner_rate_limit"):
            return self._error("error_rate_limit", RATE_LIMIT_MESSAGE)
        if fault == "error_server":
            return self._error("error_server", "Something wrong. Please try later.")
        if fault == "stall":
            time.sleep(self.faults.stall_seconds)
        if route is None:
            return self._error("error_not_found", "Wrong parameters, detail: the api path is not found.")
        if request.method != route.method:
            return self._error(
                "error_param", route.wrong_method_message or f"Wrong method, use {route.method}."
            )
        try:
            request.shop_id = check_common(
                request, self.config, self.tokens, route.shop_api, self.world.now(), self.world.has_shop
            )
            reply = route.handler(self.services, request)
        except ApiError as exc:
            return self._error(exc.error, exc.message)
        except Exception:  # a sandbox bug must not kill the connection; it answers like Shopee's 5xx
            traceback.print_exc(file=sys.stderr)
            return self._error("error_server", "System error")
        if reply.redirect is not None:
            return Answer(302, b"", location=reply.redirect)
        return _json_answer(200, success_envelope(reply))
