"""``ShopeeClient``: the order, booking, return, escrow, logistics and push endpoints of a sync.

See docs/shopee-api-notes.md for what each endpoint answers.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from shopee_pipeline.clock import timestamp as clock_timestamp
from shopee_pipeline.shopee.auth import Authorizer
from shopee_pipeline.shopee.config import ShopeeConfig
from shopee_pipeline.shopee.errors import BadRequestError, TokenError, bare_code
from shopee_pipeline.shopee.ratelimit import SharedBudget
from shopee_pipeline.shopee.stats import ClientStats
from shopee_pipeline.shopee.tokens import ShopTokens, TokenManager, TokenStore
from shopee_pipeline.shopee.transport import Json, Transport, warnings_of
from shopee_pipeline.shopee.windows import split_windows

logger = logging.getLogger(__name__)

ORDER_LIST_PATH = "/api/v2/order/get_order_list"
ORDER_DETAIL_PATH = "/api/v2/order/get_order_detail"
BOOKING_LIST_PATH = "/api/v2/order/get_booking_list"
BOOKING_DETAIL_PATH = "/api/v2/order/get_booking_detail"
ESCROW_DETAIL_PATH = "/api/v2/payment/get_escrow_detail"
ESCROW_BATCH_PATH = "/api/v2/payment/get_escrow_detail_batch"
TRACKING_NUMBER_PATH = "/api/v2/logistics/get_tracking_number"
MASS_TRACKING_NUMBER_PATH = "/api/v2/logistics/get_mass_tracking_number"
RETURN_LIST_PATH = "/api/v2/returns/get_return_list"
RETURN_DETAIL_PATH = "/api/v2/returns/get_return_detail"
SHOP_INFO_PATH = "/api/v2/shop/get_shop_info"
LOST_PUSH_PATH = "/api/v2/push/get_lost_push_message"
CONFIRM_LOST_PUSH_PATH = "/api/v2/push/confirm_consumed_lost_push_message"

# `response_optional_fields` of `GET /api/v2/order/get_order_detail` that the warehouse stores.
ORDER_DETAIL_OPTIONAL_FIELDS = (
    "buyer_user_id",
    "buyer_username",
    "estimated_shipping_fee",
    "recipient_address",
    "actual_shipping_fee",
    "goods_to_declare",
    "note",
    "note_update_time",
    "item_list",
    "pay_time",
    "dropshipper",
    "dropshipper_phone",
    "split_up",
    "buyer_cancel_reason",
    "cancel_by",
    "cancel_reason",
    "actual_shipping_fee_confirmed",
    "fulfillment_flag",
    "pickup_done_time",
    "package_list",
    "shipping_carrier",
    "payment_method",
    "total_amount",
    "invoice_data",
    "order_chargeable_weight_gram",
    "return_request_due_date",
    "edt",
    "payment_info",
)
# Every `response_optional_fields` value of `GET /api/v2/order/get_booking_detail`.
BOOKING_DETAIL_OPTIONAL_FIELDS = (
    "item_list",
    "cancel_by",
    "cancel_reason",
    "fulfillment_flag",
    "pickup_done_time",
    "shipping_carrier",
    "recipient_address",
    "dropshipper",
    "dropshipper_phone",
)
# get_return_list pages one window at most this far: 100,000 returns in 15 days, far beyond any shop.
MAX_RETURN_PAGES = 1000
# Whole-batch "not found" answers: the batch is split to isolate the unknown keys (Shopee's docs leave
# open whether one unknown order_sn fails the batch or only yields a `warning`: see
# docs/shopee-api-notes.md#orders).
_NOT_FOUND_CODES = frozenset({"error_not_found", "order_not_found"})


@dataclass
class BatchResult:
    """Outcome of a batched detail call: the raw items Shopee returned, the keys it failed on
    (key -> reason), the keys silently absent from its answer, and its ``warning`` texts."""

    items: list[Json] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def extend(self, other: BatchResult) -> None:
        """Append another batch's outcome to this one."""
        self.items.extend(other.items)
        self.failed.update(other.failed)
        self.missing.extend(other.missing)
        self.warnings.extend(other.warnings)


@dataclass
class TrackingNumbers:
    """Tracking numbers by package number, and the packages Shopee failed on or left out."""

    numbers: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LostPushMessages:
    """One page of lost push messages, each unwrapped into a push envelope (``lost_push_envelope``)."""

    messages: list[Json]
    has_next_page: bool
    last_message_id: Any


def _payload(answer: Json) -> Json:
    """Return ``response`` when it is an object, else the answer itself (some APIs answer top-level)."""
    response = answer.get("response")
    return response if isinstance(response, dict) else answer


def _is_envelope(value: Any) -> bool:
    return isinstance(value, dict) and "code" in value and isinstance(value.get("data"), dict | str)


def _from_text(value: Any) -> Any:
    """``value`` decoded when it is JSON text, else ``value`` itself."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def lost_push_envelope(entry: Any) -> Json:
    """The push envelope ``{shop_id, code, timestamp, data: {...}, msg_id?}`` that one entry of
    ``get_lost_push_message``'s ``push_message_list`` stands for.

    Shopee's ``data`` is JSON text holding the whole original envelope (so the order number sits at
    ``data.data.ordersn``). Also taken: that envelope as an object, and a bare inner ``data`` object (then
    the entry's own ``shop_id``, ``code`` and ``timestamp`` complete it). The envelope's own fields win;
    the entry's fill what it lacks. Anything else comes back as the entry with ``data`` as found, which
    nothing downstream can route (the caller decides what to do with it).
    """
    if not isinstance(entry, dict):
        return {"data": entry}
    outer = {k: entry[k] for k in ("shop_id", "code", "timestamp", "msg_id") if entry.get(k) is not None}
    data = _from_text(entry.get("data"))
    if _is_envelope(data):
        envelope = {**outer, **{k: v for k, v in data.items() if v is not None}}
        inner = _from_text(envelope.get("data"))
        return {**envelope, "data": inner} if isinstance(inner, dict) else envelope
    if isinstance(data, dict):
        return {**outer, "data": data}
    return {**outer, "data": entry.get("data")}


def _dicts(value: Any) -> list[Json]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _unique(keys: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(key for key in keys if key))


def _outcome(
    batch: list[str], items: list[Json], key: str, answer: Json, failed: dict[str, str]
) -> BatchResult:
    returned = {item.get(key) for item in items}
    missing = [k for k in batch if k not in returned and k not in failed]
    return BatchResult(items=items, failed=failed, missing=missing, warnings=warnings_of(answer))


def _failure_reason(entry: Json) -> str:
    code = entry.get("fail_error") or entry.get("fail_reason") or "failed"
    message = entry.get("fail_message") or ""
    return f"{code}: {message}" if message else str(code)


class ShopeeClient:
    """Client of the Shopee Open Platform for one partner (app), many shops.

    Shop calls take a valid access token from ``token_store`` (refreshing it 5 minutes before expiry,
    and once more if Shopee refuses it), are rate limited per shop and per partner, retried with
    backoff on transient errors, and counted in :attr:`stats`. ``shared_budget`` caps the request
    rate of the whole deployment (every process) on top of this client's own limits. ``clock`` gives
    the Unix seconds that token expiry is judged by (an emulator with simulated time injects its
    own); signatures always use the wall clock. ``sleep`` is what backoff waits with.
    """

    def __init__(
        self,
        config: ShopeeConfig,
        token_store: TokenStore,
        *,
        clock: Callable[[], float] = clock_timestamp,
        sleep: Callable[[float], None] = time.sleep,
        shared_budget: SharedBudget | None = None,
    ) -> None:
        self.config = config
        self.stats = ClientStats()
        self._transport = Transport(config, self.stats, sleep, shared_budget)
        self.auth = Authorizer(config, self._transport, self.stats, clock)
        self._tokens = TokenManager(token_store, self.auth.refresh, clock, config.refresh_margin_seconds)

    def close(self) -> None:
        """Release the pooled HTTP connections."""
        self._transport.close()

    def __enter__(self) -> ShopeeClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- shops and tokens -------------------------------------------------------------------------

    def auth_url(self, redirect: str) -> str:
        """Return the link a seller opens to authorize the app (see :meth:`Authorizer.auth_url`)."""
        return self.auth.auth_url(redirect)

    def connect_shop(self, shop_id: int, code: str) -> ShopTokens:
        """Exchange the seller's authorization ``code`` for tokens and store them."""
        tokens = self.auth.exchange_code(code, shop_id)
        self._tokens.save(shop_id, tokens)
        return tokens

    def import_refresh_token(self, shop_id: int, refresh_token: str) -> ShopTokens:
        """Adopt a refresh token held elsewhere: refresh at once (proving it) and store the rotated pair."""
        tokens = self.auth.refresh(shop_id, refresh_token)
        self._tokens.save(shop_id, tokens)
        return tokens

    def _shop_call(
        self, method: str, path: str, shop_id: int, params: Json | None = None, body: Json | None = None
    ) -> Json:
        token = self._tokens.access_token(shop_id)
        try:
            return self._transport.call(
                method, path, shop_id=shop_id, access_token=token, params=params, body=body
            )
        except TokenError as exc:
            logger.info("access token refused (%s); refreshing once and retrying", exc)
            token = self._tokens.replace_refused(shop_id, token)
            return self._transport.call(
                method, path, shop_id=shop_id, access_token=token, params=params, body=body
            )

    def get_shop_info(self, shop_id: int) -> Json:
        """Return the shop's profile (``shop_name``, ``region``, ``status``, ``expire_time``, ...)."""
        return _payload(self._shop_call("GET", SHOP_INFO_PATH, shop_id))

    # --- lists ------------------------------------------------------------------------------------

    def iter_order_list(
        self,
        shop_id: int,
        time_from: int,
        time_to: int,
        time_range_field: str = "update_time",
        page_size: int | None = None,
    ) -> Iterator[list[Json]]:
        """Yield, page by page, ``{order_sn, order_status, booking_sn?}`` of orders whose
        ``time_range_field`` falls in ``[time_from, time_to]`` (Unix seconds; any span, split into
        15-day windows). Each order_sn is yielded once."""
        params = {"time_range_field": time_range_field, "response_optional_fields": "order_status"}
        return self._iter_pages(
            ORDER_LIST_PATH, shop_id, time_from, time_to, params, "order_list", "order_sn", page_size
        )

    def iter_booking_list(
        self,
        shop_id: int,
        time_from: int,
        time_to: int,
        time_range_field: str = "update_time",
        page_size: int | None = None,
    ) -> Iterator[list[Json]]:
        """Yield, page by page, ``{booking_sn, order_sn, booking_status}`` of bookings in the range
        (split into 15-day windows); each booking_sn once."""
        params = {"time_range_field": time_range_field}
        return self._iter_pages(
            BOOKING_LIST_PATH, shop_id, time_from, time_to, params, "booking_list", "booking_sn", page_size
        )

    def _iter_pages(
        self,
        path: str,
        shop_id: int,
        time_from: int,
        time_to: int,
        params: Json,
        list_key: str,
        sn_key: str,
        page_size: int | None,
    ) -> Iterator[list[Json]]:
        seen: set[str] = set()
        size = page_size or self.config.page_size
        for start, end in split_windows(time_from, time_to):
            cursor = ""
            while True:
                query = {**params, "time_from": start, "time_to": end, "page_size": size}
                if cursor:
                    query["cursor"] = cursor
                response = _payload(self._shop_call("GET", path, shop_id, params=query))
                entries = _dicts(response.get(list_key))
                page = []
                for entry in entries:
                    if entry.get(sn_key) and entry[sn_key] not in seen:
                        seen.add(entry[sn_key])
                        page.append(entry)
                if page:
                    yield page
                # next_cursor sits beside ``more``; get_booking_list's doc puts it in each entry.
                next_cursor = response.get("next_cursor") or (
                    entries[-1].get("next_cursor") if entries else ""
                )
                if not response.get("more") or not next_cursor:
                    break
                if next_cursor == cursor:
                    raise BadRequestError("cursor did not advance", path=path, shop_id=shop_id)
                cursor = str(next_cursor)

    def iter_return_list(
        self, shop_id: int, time_from: int, time_to: int, page_size: int | None = None
    ) -> Iterator[list[Json]]:
        """Yield, page by page, the full return objects whose ``update_time`` falls in
        ``[time_from, time_to]`` (split into 15-day windows); each return_sn once.

        ``get_return_list`` pages by number with only ``more``, and its first page number is unconfirmed:
        paging starts at ``ShopeeConfig.return_first_page_no`` (0 by default: a 1-based server that reads
        0 as 1 only repeats page 1, which is deduplicated, while starting at 1 on a 0-based one would lose
        a page) and stops when ``more`` is false or a page is empty.
        """
        seen: set[str] = set()
        size = page_size or self.config.page_size
        for start, end in split_windows(time_from, time_to):
            first = self.config.return_first_page_no
            for page_no in range(first, first + MAX_RETURN_PAGES):
                query = {
                    "page_no": page_no,
                    "page_size": size,
                    "update_time_from": start,
                    "update_time_to": end,
                }
                response = _payload(self._shop_call("GET", RETURN_LIST_PATH, shop_id, params=query))
                entries = _dicts(response.get("return"))
                page = [e for e in entries if e.get("return_sn") and e["return_sn"] not in seen]
                seen.update(e["return_sn"] for e in page)
                if page:
                    yield page
                if not response.get("more") or not entries:
                    break
            else:
                raise BadRequestError(
                    f"more pages after {MAX_RETURN_PAGES}", path=RETURN_LIST_PATH, shop_id=shop_id
                )

    # --- batched details --------------------------------------------------------------------------

    def _batches(self, keys: Iterable[str], fetch: Callable[[list[str]], BatchResult]) -> BatchResult:
        result = BatchResult()
        unique = _unique(keys)
        size = self.config.batch_size
        for i in range(0, len(unique), size):
            result.extend(self._fetch_isolating(unique[i : i + size], fetch))
        return result

    def _fetch_isolating(self, batch: list[str], fetch: Callable[[list[str]], BatchResult]) -> BatchResult:
        """Fetch a batch; if Shopee refuses it wholly as "not found", halve it to isolate the culprits."""
        try:
            return fetch(batch)
        except BadRequestError as exc:
            if bare_code(exc.error) not in _NOT_FOUND_CODES:
                raise
            if len(batch) == 1:
                return BatchResult(failed={batch[0]: f"{exc.error}: {exc.message}"})
            middle = len(batch) // 2
            result = self._fetch_isolating(batch[:middle], fetch)
            result.extend(self._fetch_isolating(batch[middle:], fetch))
            return result

    def get_order_details(self, shop_id: int, order_sns: Iterable[str]) -> BatchResult:
        """Return the details of ``order_sns`` (batches of 50) with the optional fields the warehouse uses."""

        def fetch(batch: list[str]) -> BatchResult:
            params = {"order_sn_list": batch, "response_optional_fields": ORDER_DETAIL_OPTIONAL_FIELDS}
            answer = self._shop_call("GET", ORDER_DETAIL_PATH, shop_id, params=params)
            return _outcome(batch, _dicts(_payload(answer).get("order_list")), "order_sn", answer, {})

        return self._batches(order_sns, fetch)

    def get_booking_details(self, shop_id: int, booking_sns: Iterable[str]) -> BatchResult:
        """Return the details of ``booking_sns`` (batches of 50) with every optional field."""

        def fetch(batch: list[str]) -> BatchResult:
            params = {"booking_sn_list": batch, "response_optional_fields": BOOKING_DETAIL_OPTIONAL_FIELDS}
            answer = self._shop_call("GET", BOOKING_DETAIL_PATH, shop_id, params=params)
            return _outcome(batch, _dicts(_payload(answer).get("booking_list")), "booking_sn", answer, {})

        return self._batches(booking_sns, fetch)

    def get_return_details(self, shop_id: int, return_sns: Iterable[str]) -> BatchResult:
        """Return ``get_return_detail`` objects of ``return_sns``, one call each (the endpoint takes one);
        a return Shopee refuses (``error_data``, ``error_param``: unknown or not available) loses only
        itself, in ``failed``."""
        result = BatchResult()
        for return_sn in _unique(return_sns):
            try:
                answer = self._shop_call("GET", RETURN_DETAIL_PATH, shop_id, params={"return_sn": return_sn})
            except BadRequestError as exc:
                result.failed[return_sn] = f"{exc.error}: {exc.message}"
                continue
            detail = _payload(answer)
            if detail.get("return_sn"):
                result.items.append(detail)
            else:
                result.missing.append(return_sn)
            result.warnings.extend(warnings_of(answer))
        return result

    def get_escrow_details(self, shop_id: int, order_sns: Iterable[str]) -> BatchResult:
        """Return the escrow details (``escrow_detail`` objects) of ``order_sns`` via the POST batch
        endpoint (batches of 50); an entry carrying ``fail_error`` loses only that order."""

        def fetch(batch: list[str]) -> BatchResult:
            answer = self._shop_call("POST", ESCROW_BATCH_PATH, shop_id, body={"order_sn_list": batch})
            response = answer.get("response")
            if isinstance(response, dict):  # the doc's error example names the array escrow_detail_list
                response = response.get("escrow_detail_list")
            items: list[Json] = []
            failed: dict[str, str] = {}
            for entry in _dicts(response):
                detail = entry.get("escrow_detail")
                detail = detail if isinstance(detail, dict) else {}
                order_sn = detail.get("order_sn") or entry.get("order_sn")
                if entry.get("fail_error"):
                    if order_sn:
                        failed[str(order_sn)] = _failure_reason(entry)
                elif detail:
                    items.append(detail)
            return _outcome(batch, items, "order_sn", answer, failed)

        return self._batches(order_sns, fetch)

    def get_escrow_detail(self, shop_id: int, order_sn: str) -> Json:
        """Return one order's escrow detail (``order_sn``, ``order_income``, ``buyer_payment_info``, ...)."""
        return _payload(self._shop_call("GET", ESCROW_DETAIL_PATH, shop_id, params={"order_sn": order_sn}))

    # --- logistics --------------------------------------------------------------------------------

    def get_tracking_numbers(self, shop_id: int, package_numbers: Iterable[str]) -> TrackingNumbers:
        """Return tracking numbers by package number (POST get_mass_tracking_number, batches of 50);
        ``fail_list`` entries are reported in ``failed``, not raised."""

        def fetch(batch: list[str]) -> BatchResult:
            body = {"package_list": [{"package_number": number} for number in batch]}
            answer = self._shop_call("POST", MASS_TRACKING_NUMBER_PATH, shop_id, body=body)
            response = _payload(answer)
            failed = {
                str(entry["package_number"]): _failure_reason(entry)
                for entry in _dicts(response.get("fail_list"))
                if entry.get("package_number")
            }
            return _outcome(batch, _dicts(response.get("success_list")), "package_number", answer, failed)

        batches = self._batches(package_numbers, fetch)
        numbers = {
            str(item["package_number"]): str(item.get("tracking_number") or "") for item in batches.items
        }
        return TrackingNumbers(numbers, batches.failed, batches.missing, batches.warnings)

    def get_tracking_number(self, shop_id: int, order_sn: str, package_number: str | None = None) -> Json:
        """Return one package's ``tracking_number`` (may be ``""`` until the carrier assigns one)."""
        params = {"order_sn": order_sn, "package_number": package_number or None}
        return _payload(self._shop_call("GET", TRACKING_NUMBER_PATH, shop_id, params=params))

    # --- push -------------------------------------------------------------------------------------

    def get_lost_push_messages(self) -> LostPushMessages:
        """Return the earliest (up to 100) unconfirmed lost pushes of the last 3 days (public API), each
        unwrapped into the push envelope it was (see `lost_push_envelope`)."""
        response = _payload(self._transport.call("GET", LOST_PUSH_PATH))
        entries = response.get("push_message_list")
        messages = [lost_push_envelope(entry) for entry in (entries if isinstance(entries, list) else [])]
        return LostPushMessages(
            messages, bool(response.get("has_next_page")), response.get("last_message_id")
        )

    def confirm_lost_push_messages(self, last_message_id: Any) -> None:
        """Mark lost pushes up to ``last_message_id`` as consumed."""
        self._transport.call("POST", CONFIRM_LOST_PUSH_PATH, body={"last_message_id": last_message_id})
