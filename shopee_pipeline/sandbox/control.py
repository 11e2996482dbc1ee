"""Unsigned loopback control endpoints under ``/_sandbox/`` for a sandbox run in another process.

``GET /_sandbox/calls``, ``POST /_sandbox/calls/reset``, ``POST /_sandbox/advance {"seconds": N,
"wait_pushes": true}``, ``POST /_sandbox/faults {...}``, ``POST /_sandbox/authorize {"shop_id": N}``,
``GET /_sandbox/shops``, ``GET /_sandbox/now``, ``GET /_sandbox/anomalies``,
``POST /_sandbox/anomalies {"shop_id": N, "order_sn": S, "kinds": [...]}``,
``POST /_sandbox/anomalies/clear``, ``POST /_sandbox/clock/freeze`` (a ticking clock stops; answers
``{"now": N}``), ``POST /_sandbox/clock {"now": T, "wait_pushes": false}`` (the clock moves forward to
Unix time T, as ``advance`` would, and ticks on if it ticked), ``GET /_sandbox/truth`` (every order,
package, booking and return, and the escrow of returned orders, as the sandbox holds them:
``SandboxEngine.truth``). Never counted, never faulted.
"""

from __future__ import annotations

import json
from typing import Any

from .engine import SandboxEngine


class ControlError(Exception):
    """A refused control request (HTTP 400 or 404 with ``{"error": message}``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise ControlError(400, "body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "body must be a JSON object")
    return body


def _calls(engine: SandboxEngine) -> dict[str, Any]:
    return {
        "calls": engine.call_counts(),
        "faults": engine.fault_counts(),
        "refreshes": {str(k): v for k, v in engine.refresh_counts().items()},
        "pushes": engine.push_stats(),
    }


def _advance(engine: SandboxEngine, body: dict[str, Any]) -> dict[str, Any]:
    seconds = body.get("seconds")
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
        raise ControlError(400, "seconds must be a non-negative number")
    return {"now": engine.advance(float(seconds), wait_pushes=bool(body.get("wait_pushes", True)))}


def _set_clock(engine: SandboxEngine, body: dict[str, Any]) -> dict[str, Any]:
    at = body.get("now")
    if not isinstance(at, int | float) or isinstance(at, bool):
        raise ControlError(400, "now must be a Unix time in seconds")
    current = engine.now()
    if at < current:
        raise ControlError(400, f"the simulated clock only moves forward (it shows {current})")
    return {"now": engine.advance(float(at - current), wait_pushes=bool(body.get("wait_pushes", False)))}


def _faults(engine: SandboxEngine, body: dict[str, Any]) -> dict[str, Any]:
    allowed = {"fault_rate", "latency_ms", "kinds", "stall_seconds", "shop_rate_limit_per_second"}
    if set(body) - allowed:
        raise ControlError(400, f"unknown settings {sorted(set(body) - allowed)}")
    try:
        engine.set_faults(**body)
    except (ValueError, TypeError) as exc:
        raise ControlError(400, str(exc)) from None
    return engine.fault_settings()


def _authorize(engine: SandboxEngine, body: dict[str, Any]) -> dict[str, Any]:
    shop_id = body.get("shop_id")
    if not isinstance(shop_id, int) or not engine.world.has_shop(shop_id):
        raise ControlError(400, "shop_id must be one of the sandbox shops")
    return {"code": engine.authorize(shop_id), "shop_id": shop_id}


def _inject(engine: SandboxEngine, body: dict[str, Any]) -> dict[str, Any]:
    shop_id, order_sn, kinds = body.get("shop_id"), body.get("order_sn"), body.get("kinds")
    if not isinstance(shop_id, int) or not engine.world.has_shop(shop_id):
        raise ControlError(400, "shop_id must be one of the sandbox shops")
    if not isinstance(order_sn, str) or not order_sn or not isinstance(kinds, list):
        raise ControlError(400, "order_sn (string) and kinds (list) are required")
    try:
        engine.inject(shop_id, order_sn, *kinds)
    except (ValueError, TypeError) as exc:
        raise ControlError(400, str(exc)) from None
    return {"anomalies": engine.anomalies.listing()}


def _clear_anomalies(engine: SandboxEngine) -> dict[str, Any]:
    engine.anomalies.clear()
    return {"anomalies": []}


def _reset(engine: SandboxEngine) -> dict[str, Any]:
    engine.reset_call_counts()
    return {"ok": True}


def handle_control(engine: SandboxEngine, method: str, path: str, raw_body: bytes) -> dict[str, Any]:
    """Run one control request and return its JSON answer; ControlError when refused."""
    routes = {
        ("GET", "/_sandbox/calls"): lambda: _calls(engine),
        ("POST", "/_sandbox/calls/reset"): lambda: _reset(engine),
        ("POST", "/_sandbox/advance"): lambda: _advance(engine, _body(raw_body)),
        ("POST", "/_sandbox/faults"): lambda: _faults(engine, _body(raw_body)),
        ("POST", "/_sandbox/authorize"): lambda: _authorize(engine, _body(raw_body)),
        ("GET", "/_sandbox/shops"): lambda: {
            "partner_id": engine.partner_id,
            "shop_ids": engine.shop_ids,
            "now": engine.now(),
        },
        ("GET", "/_sandbox/now"): lambda: {"now": engine.now()},
        ("GET", "/_sandbox/anomalies"): lambda: {"anomalies": engine.anomalies.listing()},
        ("POST", "/_sandbox/anomalies"): lambda: _inject(engine, _body(raw_body)),
        ("POST", "/_sandbox/anomalies/clear"): lambda: _clear_anomalies(engine),
        ("POST", "/_sandbox/clock/freeze"): lambda: {"now": engine.freeze_clock()},
        ("POST", "/_sandbox/clock"): lambda: _set_clock(engine, _body(raw_body)),
        ("GET", "/_sandbox/truth"): engine.truth,
    }
    action = routes.get((method, path.rstrip("/")))
    if action is None:
        raise ControlError(404, f"no control endpoint {method} {path}")
    return action()
