"""Shopee Open Platform sandbox emulator, built from Shopee's documented behaviour (docs/shopee-api-notes.md).

Public API: ``SandboxConfig``, ``start_sandbox(config, host, port)`` (serves from background threads and
returns a ``SandboxHandle``, also a context manager) and ``run_sandbox(config, host, port)`` (blocking,
for the CLI). It shares no code with the API client, signing included.

The handle: ``url``, ``partner_id``, ``partner_key``, ``push_key``, ``shop_ids``, ``authorize(shop_id)``,
``now()``, ``advance(seconds, wait_pushes=True)``, ``set_faults(...)``, ``inject(shop_id, order_sn,
*kinds)`` (bad input per order, see ``anomalies``), ``seen_secrets()``, ``call_counts()``,
``fault_counts()``, ``refresh_counts()``, ``reset_call_counts()``, ``push_stats()``, ``flush_pushes()``,
``world`` (ground truth: ``order_detail``, ``escrow_detail``, ``booking_detail``,
``orders_updated_between``, ``bookings_updated_between``, ``tracking_number``, ``remove_item_line``,
``returns_now``, ``return_detail``)
and ``stop()``.

Unsigned loopback control endpoints (never counted, never faulted): ``GET /_sandbox/calls``,
``POST /_sandbox/calls/reset``, ``POST /_sandbox/advance {"seconds": N, "wait_pushes": true}``,
``POST /_sandbox/faults {...}``, ``POST /_sandbox/authorize {"shop_id": N}``, ``GET /_sandbox/shops``,
``GET /_sandbox/now``, ``GET``/``POST /_sandbox/anomalies``, ``POST /_sandbox/anomalies/clear``.
"""

from .anomalies import ANOMALY_KINDS
from .config import FAULT_KINDS, SandboxConfig
from .handle import SandboxHandle, run_sandbox, start_sandbox

__all__ = ["ANOMALY_KINDS", "FAULT_KINDS", "SandboxConfig", "SandboxHandle", "run_sandbox", "start_sandbox"]
