"""HTTP transport: signing, one pooled session, adaptive rate limits, retries, envelope parsing, counting.

Every answer is reported to the rate limiter: ``error_rate_limit`` (or HTTP 429) cuts the rate of the
scope it is blamed on, any other answer lets the rates grow (docs/shopee-api-notes.md#rate-limits).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson
import requests
from requests.adapters import HTTPAdapter
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from shopee_pipeline.shopee.config import ShopeeConfig
from shopee_pipeline.shopee.endpoints import Repeated
from shopee_pipeline.shopee.errors import BadRequestError, RetryableError, ShopeeError, bare_code, classify
from shopee_pipeline.shopee.ratelimit import RateLimiter, SharedBudget
from shopee_pipeline.shopee.redaction import install_log_redaction, redact
from shopee_pipeline.shopee.signing import common_params
from shopee_pipeline.shopee.stats import ClientStats

logger = logging.getLogger(__name__)

_SECRET_BODY_FIELDS = ("refresh_token", "code", "access_token")
_TRANSIENT_EXCEPTIONS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

Json = dict[str, Any]


def warnings_of(payload: Mapping[str, Any]) -> list[str]:
    """Return the answer's ``warning`` as a list: Shopee sends a string or a list of strings."""
    warning = payload.get("warning")
    if not warning:
        return []
    if isinstance(warning, list):
        return [str(w) for w in warning if w]
    return [str(warning)]


def _query_value(value: Any) -> str | int | float | list[str]:
    if isinstance(value, Repeated):  # requests repeats the key for each element of a list
        return [str(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return value


# Some answers (get_return_list's and get_return_detail's samples) fill `error` with "-" on success
# (docs/shopee-api-notes.md#returns): with a `response` present it is not an error.
SUCCESS_PLACEHOLDERS = frozenset({"-"})


def _placeholder_success(error: str, payload: Json) -> bool:
    return error in SUCCESS_PLACEHOLDERS and isinstance(payload.get("response"), dict | list)


class Transport:
    """Sends signed requests to Shopee and returns the parsed JSON answer, or raises a typed error.

    GET puts every parameter in the query string (lists comma-joined); POST puts the common
    parameters in the query and the request parameters in a JSON body, as Shopee requires. Each attempt
    is signed afresh with the wall clock (what Shopee checks timestamps against), so a retry after a
    long backoff still carries a fresh timestamp.
    """

    def __init__(
        self,
        config: ShopeeConfig,
        stats: ClientStats,
        sleep: Callable[[float], None] = time.sleep,
        shared_budget: SharedBudget | None = None,
    ) -> None:
        self._config = config
        self._stats = stats
        self._sleep = sleep
        self._limiter = RateLimiter(
            config.shop_rate_per_second,
            config.partner_rate_per_second,
            config.max_concurrency,
            shared_budget,
            partner_scope=f"partner:{config.partner_id}",
        )
        self._session = requests.Session()
        adapter = HTTPAdapter(pool_maxsize=config.max_concurrency, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        install_log_redaction()

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        shop_id: int | None = None,
        access_token: str | None = None,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        budgeted: bool = True,
    ) -> Json:
        """Call ``path`` and return the whole JSON answer; retry :class:`RetryableError` with backoff.

        The call is signed as a shop call when ``access_token`` is given, else as a public call
        (``shop_id`` then only names the shop in errors and picks its rate limiter). An unbudgeted call
        keeps to this process's buckets but never waits on the deployment's shared budget nor exchanges
        learned rates: what a token refresh needs, which runs under the shop's token row lock while the
        shop's other workers may hold every database connection waiting for that lock.
        """
        cfg = self._config
        retrying = Retrying(
            stop=stop_after_attempt(cfg.max_attempts) | stop_before_delay(cfg.max_retry_seconds),
            wait=wait_random_exponential(multiplier=cfg.backoff_initial_seconds, max=cfg.backoff_max_seconds),
            retry=retry_if_exception_type(RetryableError),
            before_sleep=self._before_sleep,
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(
            self._attempt, method, path, shop_id, access_token, params or {}, body or {}, budgeted
        )

    def _before_sleep(self, state: RetryCallState) -> None:
        backoff = state.upcoming_sleep
        self._stats.record_retry(backoff)
        error = state.outcome.exception() if state.outcome else None
        logger.warning("retry %d in %.2f s after: %s", state.attempt_number, backoff, error)

    def _attempt(
        self,
        method: str,
        path: str,
        shop_id: int | None,
        access_token: str | None,
        params: Mapping[str, Any],
        body: Mapping[str, Any],
        budgeted: bool,
    ) -> Json:
        cfg = self._config
        query: dict[str, Any] = dict(
            common_params(
                cfg.partner_id,
                cfg.partner_key,
                path,
                int(time.time()),
                access_token,
                shop_id if access_token is not None else None,
            )
        )
        secrets = [cfg.partner_key, access_token, str(query["sign"])]
        secrets += [str(body[name]) for name in _SECRET_BODY_FIELDS if body.get(name)]
        if method == "GET":
            query.update({k: _query_value(v) for k, v in params.items() if v is not None})
        with self._limiter.slot(shop_id, shared=budgeted) as waited:
            self._stats.record_throttle(waited)
            self._stats.record_call(path)
            started = time.monotonic()
            failure: ShopeeError | None = None
            try:
                response = self._session.request(
                    method,
                    cfg.base_url.rstrip("/") + path,
                    params=query,
                    json=dict(body) if method == "POST" else None,
                    timeout=(cfg.connect_timeout, cfg.read_timeout),
                )
            except requests.RequestException as exc:
                # requests' message carries the full URL (sign, access_token): keep only a redacted copy.
                kind = RetryableError if isinstance(exc, _TRANSIENT_EXCEPTIONS) else BadRequestError
                failure = kind(redact(f"{type(exc).__name__}: {exc}", secrets), path=path, shop_id=shop_id)
        if failure is not None:
            raise failure  # outside the except block, so the original exception is not even its context
        logger.debug(
            "%s %s shop_id=%s -> HTTP %s in %.0f ms",
            method,
            path,
            shop_id,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        try:
            payload = self._parse(response, path, shop_id, secrets)
        except RetryableError as exc:
            if bare_code(exc.error) == "error_rate_limit" or exc.http_status == 429:
                self._limiter.record(shop_id, throttled=True, share=budgeted)
            raise
        self._limiter.record(shop_id, throttled=False, share=budgeted)
        return payload

    def _parse(
        self, response: requests.Response, path: str, shop_id: int | None, secrets: list[str | None]
    ) -> Json:
        status = response.status_code
        try:
            payload = orjson.loads(response.content)
        except ValueError:
            payload = None
        request_id = None
        if isinstance(payload, dict):
            request_id = payload.get("request_id") or None
            error = str(payload.get("error") or "").strip()
            if error and not _placeholder_success(error, payload):
                message = redact(str(payload.get("message") or payload.get("msg") or ""), secrets)
                raise classify(
                    str(error),
                    message,
                    path=path,
                    shop_id=shop_id,
                    request_id=request_id,
                    http_status=status,
                )
            if response.ok:
                for text in warnings_of(payload):
                    self._stats.record_warning(path, shop_id, redact(text, secrets))
                return payload
        cls = RetryableError if status == 429 or status >= 500 or response.ok else BadRequestError
        what = "answer is not a JSON object" if response.ok else "HTTP error without a Shopee error code"
        raise cls(what, path=path, shop_id=shop_id, request_id=request_id, http_status=status)
