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
from shopee_pipeline.shopee.endpoints import DetailEndpoint, ListEndpoint, Pager
from shopee_pipeline.shopee.errors import BadRequestError, TokenError, bare_code
from shopee_pipeline.shopee.ratelimit import SharedBudget
from shopee_pipeline.shopee.stats import ClientStats
from shopee_pipeline.shopee.tokens import ShopTokens, TokenManager, TokenStore
from shopee_pipeline.shopee.transport import Json, Transport, warnings_of
from shopee_pipeline.shopee.windows import split_windows

logger = logging.getLogger(__name__)

ESCROW_DETAIL_PATH = "/api/v2/payment/get_escrow_detail"
ESCROW_BATCH_PATH = "/api/v2/payment/get_escrow_detail_batch"
TRACKING_NUMBER_PATH = "/api/v2/logistics/get_tracking_number"
MASS_TRACKING_NUMBER_PATH = "/api/v2/logistics/get_mass_tracking_number"
SHOP_INFO_PATH = "/api/v2/shop/get_shop_info"
LOST_PUSH_PATH = "/api/v2/push/get_lost_push_message"
CONFIRM_LOST_PUSH_PATH = "/api/v2/push/confirm_consumed_lost_push_message"

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
    returned = {str(item.get(key)) for item in items}  # an int id asked as text (a pushed key) matches too
    missing = [k for k in batch if str(k) not in returned and k not in failed]
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

    def iter_list(
        self, endpoint: ListEndpoint, shop_id: int, time_from: int, time_to: int, page_size: int | None = None
    ) -> Iterator[list[Json]]:
        """Yield, page by page, the entries of `endpoint` whose time lies in ``[time_from, time_to]`` (Unix
        seconds; any span, split into the endpoint's longest window), by its pager; each key once (the
        windows share their boundary second, and a page-numbered list may repeat a page)."""
        seen: set[str] = set()
        size = page_size or self.config.page_size
        span = endpoint.max_window_days
        windows = split_windows(time_from, time_to, span * 86400) if span else [(time_from, time_to)]
        for start, end in windows:
            query = {**endpoint.fixed_params, endpoint.time_from_param: start, endpoint.time_to_param: end}
            if endpoint.time_range_field:
                query["time_range_field"] = endpoint.time_range_field
            for entries in self._pages(endpoint, shop_id, query, size):
                page = []
                for entry in entries:
                    key = endpoint.key_of(entry)
                    if key and key not in seen:
                        seen.add(key)
                        page.append(entry)
                if page:
                    yield page

    def _pages(self, endpoint: ListEndpoint, shop_id: int, query: Json, size: int) -> Iterator[list[Json]]:
        """The raw entries of each page of one window, by the endpoint's pager."""
        position: Any = self._first_position(endpoint)
        for _ in range(endpoint.max_pages):
            params = {**query, "page_size": size}
            if endpoint.pager is Pager.CURSOR:
                if position:
                    params["cursor"] = position
            else:
                params["page_no" if endpoint.pager is Pager.PAGE_NUMBER else "offset"] = position
            response = _payload(self._shop_call("GET", endpoint.path, shop_id, params=params))
            entries = _dicts(response.get(endpoint.item_field))
            yield entries
            following = self._next_position(
                endpoint, response, entries, position, size, self._page_step(endpoint, size)
            )
            if following is None:
                return
            position = following
        raise BadRequestError(f"more pages after {endpoint.max_pages}", path=endpoint.path, shop_id=shop_id)

    def _first_position(self, endpoint: ListEndpoint) -> Any:
        """Where paging starts: no cursor, offset 0, or the first page number (for a list whose numbering
        Shopee leaves unconfirmed, declared `first_page_no=None`: the `ShopeeConfig` field its
        `first_page_setting` names)."""
        if endpoint.pager is Pager.CURSOR:
            return ""
        if endpoint.pager is Pager.OFFSET:
            return 0
        if endpoint.first_page_no is None:
            return getattr(self.config, endpoint.first_page_setting)
        return endpoint.first_page_no

    def _page_step(self, endpoint: ListEndpoint, size: int) -> int:
        """How far `page_no` moves per page: one page, or `size` entries where the endpoint's
        `page_offset_setting` says Shopee reads `page_no` as an offset."""
        setting = endpoint.page_offset_setting
        return size if setting and getattr(self.config, setting) else 1

    @staticmethod
    def _next_position(
        endpoint: ListEndpoint, response: Json, entries: list[Json], position: Any, size: int, page_step: int
    ) -> Any:
        """The next page's cursor, page number (`page_step` on) or offset; None when this page was the
        last."""
        more = response.get("more", response.get("has_next_page"))
        if not more or (not entries and endpoint.pager is not Pager.CURSOR):
            return None
        if endpoint.pager is Pager.PAGE_NUMBER:
            return position + page_step
        if endpoint.pager is Pager.OFFSET:
            return response.get("next_offset") or position + size
        # next_cursor sits beside ``more``; get_booking_list's doc puts it in each entry.
        cursor = response.get("next_cursor") or (entries[-1].get("next_cursor") if entries else "")
        if not cursor:
            return None
        if cursor == position:
            raise BadRequestError("cursor did not advance", path=endpoint.path)
        return str(cursor)

    # --- batched details --------------------------------------------------------------------------

    def _batches(
        self, keys: Iterable[str], fetch: Callable[[list[str]], BatchResult], limit: int = 50
    ) -> BatchResult:
        result = BatchResult()
        unique = _unique(keys)
        size = min(self.config.batch_size, limit)
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

    def get_details(self, endpoint: DetailEndpoint, shop_id: int, keys: Iterable[str]) -> BatchResult:
        """The objects `endpoint` answers for `keys`: in batches of its `batch_size` (a whole-batch "not
        found" is halved to isolate the unknown keys), or one call per key when it takes one key, where a
        key Shopee refuses (unknown, not available) loses only itself, in ``failed``."""
        if endpoint.batch_size == 1:
            return self._details_one_by_one(endpoint, shop_id, keys)

        def fetch(batch: list[str]) -> BatchResult:
            params = {**endpoint.fixed_params, endpoint.keys_param: batch}
            answer = self._shop_call("GET", endpoint.path, shop_id, params=params)
            items = _dicts(_payload(answer).get(endpoint.item_field or ""))
            return _outcome(batch, items, endpoint.key_field, answer, {})

        return self._batches(keys, fetch, endpoint.batch_size)

    def _details_one_by_one(self, endpoint: DetailEndpoint, shop_id: int, keys: Iterable[str]) -> BatchResult:
        result = BatchResult()
        for key in _unique(keys):
            params = {**endpoint.fixed_params, endpoint.keys_param: key}
            try:
                answer = self._shop_call("GET", endpoint.path, shop_id, params=params)
            except BadRequestError as exc:
                result.failed[key] = f"{exc.error}: {exc.message}"
                continue
            payload = _payload(answer)
            detail = payload.get(endpoint.item_field) if endpoint.item_field else payload
            if isinstance(detail, dict) and not endpoint.answer_names_key:
                detail = {**detail, endpoint.key_field: key}
            if isinstance(detail, dict) and detail.get(endpoint.key_field):
                result.items.append(detail)
            else:
                result.missing.append(key)
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
