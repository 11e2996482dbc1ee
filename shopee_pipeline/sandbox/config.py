"""Settings of the Shopee sandbox emulator (one frozen dataclass, validated on creation)."""

from __future__ import annotations

from dataclasses import dataclass, field

LOST_PUSH_DATA_SHAPES: tuple[str, ...] = ("envelope_text", "envelope_object", "inner_object")
"""How ``get_lost_push_message`` serves each entry's ``data``: ``envelope_text`` (Shopee's: JSON text of
the whole original push envelope), ``envelope_object`` (that envelope as an object) or ``inner_object``
(the push's own ``data`` object)."""

FAULT_KINDS: tuple[str, ...] = ("rate_limit", "error_server", "http_500", "drop", "stall")
"""Kinds of injected faults: ``rate_limit`` (``error_rate_limit``), ``error_server`` (JSON envelope),
``http_500`` (HTTP 500 with a non-JSON body), ``drop`` (socket closed without a response) and
``stall`` (the answer waits ``stall_seconds`` before it is sent)."""


RETURN_LIST_SORTS: tuple[str, ...] = ("update_time_desc", "update_time_asc", "create_time_desc")
"""Orders ``get_return_list`` may serve its returns in (ties broken by ``return_sn``, same direction)."""

RETURN_LOGISTICS_SPELLINGS: tuple[str, ...] = ("both", "reverse_logistics_status", "reverse_logistic_status")
"""Which spelling(s) ``get_return_detail`` uses for the reverse-logistics status and, alike, for the
channel name (``reverse_logistics_channel_name`` / ``reverse_logistic_channel_name``)."""

RETURN_PUSH_DATA_SHAPES: tuple[str, ...] = ("full", "return_sn_only", "order_sn_only", "no_keys")
"""The ``data`` of push 29: ``full`` is ``{"return_sn", "order_sn", "update_time", "updated_values"}``;
``return_sn_only`` leaves out ``order_sn``, ``order_sn_only`` leaves out ``return_sn`` and ``no_keys``
both (``update_time`` and ``updated_values`` stay)."""


def default_error_http_status() -> dict[str, int]:
    """HTTP status per error code. Shopee does not document them, so these are an assumption (403
    auth/sign, 400 param, 429 rate limit, 500 server; docs/shopee-api-notes.md#unconfirmed-points).
    Other codes get ``SandboxConfig.other_error_http_status``."""
    return {
        "error_param": 400,
        "error_sign": 403,
        "error_auth": 403,
        "invalid_acceess_token": 403,
        "invalid_access_token": 403,
        "invalid_partner_id": 403,
        "invalid_code": 403,
        "refresh_token_expired": 403,
        "error_rate_limit": 429,
        "error_server": 500,
        "error_not_found": 404,
    }


@dataclass(frozen=True)
class SandboxConfig:
    """Everything that shapes one sandbox: the seeded world, the gateway rules, faults and pushes.

    ``clock_never_ahead`` keeps the simulated clock from passing the real time: a fast clock started in
    the past catches up with it, then follows it (no record is ever dated in the future).

    The simulated clock (``start_time``, ``clock_rate``) drives the orders' life cycle, token and
    code expiry and the lost-push retention. ``record_secrets`` makes the sandbox remember every token,
    code and request sign it saw (``SandboxHandle.seen_secrets()``). A push that fails is sent again
    ``push_retry_delays`` simulated seconds after each failure (5 min, 30 min, 3 h by default: the
    schedule is known only from third-party sources) before it goes to the lost store; ``()``
    sends it there at the first failure. ``booking_tracking_push`` sends code 24 when a booking reaches
    PROCESSED, with ``booking_sn``, ``tracking_no`` and ``update_time``: Shopee's docs do not confirm
    that payload, so it can be switched off. ``lost_push_data_shape`` is how lost pushes are served
    (``LOST_PUSH_DATA_SHAPES``; Shopee's shape by default). ``push_drop_rate`` is the share of pushes never
    delivered (they go straight to the lost store, as if every retry had failed) and
    ``push_duplicate_rate`` the share delivered twice with the same ``msg_id``; which pushes, is decided
    from ``seed`` and the push itself, so a run is repeatable. A request's ``timestamp`` is
    accepted when fresh against either the simulated or the real wall clock, so a client may sign
    with either.

    Hidden rate limits (Shopee publishes none, docs/shopee-api-notes.md#rate-limits): at most
    ``partner_rate_limit_per_second`` calls of the partner and ``shop_rate_limit_per_second`` of each
    shop (``shop_rate_limits`` overrides it per shop id) in any sliding second, else ``error_rate_limit``;
    ``None`` is no limit.

    Returns (``get_return_list``, ``get_return_detail``, push 29; docs/shopee-api-notes.md, Returns).
    Every point Shopee leaves unconfirmed is a field:

    - ``return_rate``: share of completed orders that get a return raised after completion (RRAOC);
      orders whose timeline reaches ``TO_RETURN`` always get one (RRBOC);
    - ``return_page_no_base``: number of the first page, 1 (as the doc sample) or 0;
      ``return_page_no_zero``: what a 1-based server does with ``page_no=0``, ``first_page`` (serves
      page 1) or ``error`` (``error_param``);
    - ``return_list_window_required``: at least one complete ``create_time_from/to`` or
      ``update_time_from/to`` window is needed (a half window is always refused);
      ``return_list_combine_windows``: both windows may be sent together;
    - ``return_list_sort``: ``RETURN_LIST_SORTS``; windows include both ends;
    - ``return_compensation_prefixed``: ``seller_compensation_status`` spelled ``COMPENSATION_*`` (the
      definition page) or unprefixed (the API samples), in answers and filters alike;
    - ``return_reverse_logistics_spelling``: ``RETURN_LOGISTICS_SPELLINGS``;
    - ``return_success_error_text``: ``error`` and ``message`` of a successful returns answer, ``""``
      (the envelope rule), ``"-"`` (the doc samples) or ``" "``;
    - ``unknown_return_sn_error``: ``(error, message)`` for a ``return_sn`` that does not exist or
      belongs to another shop;
    - ``return_push``: send push 29 (``return_updates_push``) at every change of a return;
      ``return_push_data_shape``: ``RETURN_PUSH_DATA_SHAPES``;
    - ``return_order_status_push``: the code-3 push of an order reaching ``TO_RETURN`` is sent (False
      leaves it out; the order's status changes all the same).

    The catalogue (``get_item_list``, ``get_item_base_info``, ``get_model_list``, pushes 22 and 16;
    ``sandbox.catalogue``), with every point Shopee leaves unconfirmed a field:

    - ``catalog_items``: products per shop (0: only those the orders sell, 10-18); the others are never
      sold, ``catalog_variant_share`` of them with three variations;
    - ``catalog_sales_move_update_time``: an order moving a product's stock moves its ``update_time``
      (off by default, so a client must not rely on it);
    - ``catalog_deleted_days``: days a deleted product stays readable (90 per the docs);
    - ``catalog_unknown_item_id``: what ``get_item_base_info`` does with an id it does not know:
      ``warning`` (left out, named in ``warning``), ``omit`` (left out silently) or ``error``
      (``error_item_not_found`` for the whole call);
    - ``catalog_model_list_without_variants``: ``get_model_list`` of a product without variations
      answers ``empty`` lists or one ``model_zero``;
    - ``catalog_item_stock_with_models``: the item-level ``stock_info_v2`` of a product with variations
      is their ``sum`` or ``absent``;
    - ``catalog_item_list_sort``: ``item_id`` or ``update_time`` (ascending);
    - ``catalog_offset_cap``: deepest ``offset`` served (``error_param`` beyond it), None for no cap;
    - ``catalog_price_push`` / ``catalog_violation_push``: send push 22 at every price change and 16 when
      a product is banned (their payloads are known from few sources: off by default).

    Money after the order (``get_wallet_transaction_list``, ``get_escrow_list``; the wallet's rule is
    ``sandbox.wallet``): ``escrow_release_days`` after completion, ``late_release_rate`` of releases
    ``late_release_extra_days`` later, ``short_credit_rate`` paid short, a withdrawal every
    ``withdrawal_every_days``, an adjustment on ``adjustment_rate`` of days. What Shopee leaves unconfirmed:

    - ``wallet_page_no_base``: the first ``page_no`` (0, as the doc's "Default is 0", or 1);
      ``wallet_page_no_is_offset``: ``page_no`` is the offset of the page's first entry;
    - ``wallet_type_as_code``: ``transaction_type`` sent as its numeric code (101) rather than its name;
    - ``wallet_deductions_negative``: a debit's ``amount`` is negative (else its absolute value);
    - ``wallet_newest_first``: the list's order (one integrator saw newest first);
    - ``wallet_transaction_id``: entries carry ``transaction_id`` (the older sample does);
    - ``wallet_window_required``: a call without ``create_time_from``/``_to`` is refused.
    """

    shops: int = 3
    seed: int = 7
    partner_id: int = 2001887
    partner_key: str = "sandbox-partner-key"
    push_key: str | None = None
    orders_per_shop_per_day: int = 40
    history_days: int = 3
    idle_shops: int = 0
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    stall_seconds: float = 2.0
    shop_rate_limit_per_second: float | None = None
    partner_rate_limit_per_second: float | None = None
    shop_rate_limits: dict[int, float] = field(default_factory=dict)
    access_token_ttl: int = 14400
    refresh_token_ttl: int = 30 * 86400
    auth_code_ttl: int = 600
    push_url: str | None = None
    push_timeout: float = 3.0
    push_workers: int = 4
    push_require_empty_body: bool = True
    push_retry_delays: tuple[float, ...] = (300.0, 1800.0, 10800.0)
    booking_tracking_push: bool = True
    lost_push_data_shape: str = "envelope_text"
    push_drop_rate: float = 0.0
    push_duplicate_rate: float = 0.0
    start_time: int | None = None
    clock_rate: float = 0.0
    clock_never_ahead: bool = False
    invalid_token_error: str = "invalid_acceess_token"
    unknown_order_sn: str = "warning"
    error_http_status: dict[str, int] = field(default_factory=default_error_http_status)
    other_error_http_status: int = 400
    future_timestamp_tolerance: int = 300
    record_secrets: bool = False
    return_rate: float = 0.05
    return_page_no_base: int = 1
    return_page_no_zero: str = "first_page"
    return_list_window_required: bool = True
    return_list_combine_windows: bool = True
    return_list_sort: str = "update_time_desc"
    return_compensation_prefixed: bool = True
    return_reverse_logistics_spelling: str = "both"
    return_success_error_text: str = ""
    unknown_return_sn_error: tuple[str, str] = ("error_data", "The return you queried doesn't exist.")
    return_push: bool = True
    return_push_data_shape: str = "full"
    return_order_status_push: bool = True
    catalog_items: int = 0
    catalog_variant_share: float = 0.6
    catalog_sales_move_update_time: bool = False
    catalog_deleted_days: int = 90
    catalog_unknown_item_id: str = "warning"
    catalog_model_list_without_variants: str = "empty"
    catalog_item_stock_with_models: str = "sum"
    catalog_item_list_sort: str = "item_id"
    catalog_offset_cap: int | None = None
    catalog_price_push: bool = False
    catalog_violation_push: bool = False
    escrow_release_days: float = 3.0
    late_release_rate: float = 0.05
    late_release_extra_days: float = 20.0
    short_credit_rate: float = 0.03
    withdrawal_every_days: int = 7
    adjustment_rate: float = 0.1
    wallet_page_no_base: int = 0
    wallet_page_no_is_offset: bool = False
    wallet_type_as_code: bool = False
    wallet_deductions_negative: bool = True
    wallet_newest_first: bool = True
    wallet_transaction_id: bool = True
    wallet_window_required: bool = False

    def __post_init__(self) -> None:
        if self.shops < 1:
            raise ValueError("shops must be at least 1")
        if not 0 <= self.idle_shops <= self.shops:
            raise ValueError("idle_shops must be between 0 and shops")
        if self.orders_per_shop_per_day < 0 or self.history_days < 0:
            raise ValueError("orders_per_shop_per_day and history_days must not be negative")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        unknown = set(self.fault_kinds) - set(FAULT_KINDS)
        if unknown or not self.fault_kinds:
            raise ValueError(f"fault_kinds must be a non-empty subset of {FAULT_KINDS}")
        if self.invalid_token_error not in ("invalid_acceess_token", "error_auth"):
            raise ValueError("invalid_token_error must be 'invalid_acceess_token' or 'error_auth'")
        if self.unknown_order_sn not in ("warning", "error"):
            raise ValueError("unknown_order_sn must be 'warning' or 'error'")
        if self.clock_rate < 0:
            raise ValueError("clock_rate must not be negative")
        if any(delay < 0 for delay in self.push_retry_delays):
            raise ValueError("push_retry_delays must not be negative")
        if self.lost_push_data_shape not in LOST_PUSH_DATA_SHAPES:
            raise ValueError(f"lost_push_data_shape must be one of {LOST_PUSH_DATA_SHAPES}")
        limits = [self.partner_rate_limit_per_second, self.shop_rate_limit_per_second]
        if any(limit is not None and limit <= 0 for limit in [*limits, *self.shop_rate_limits.values()]):
            raise ValueError("rate limits must be positive")
        if not (0.0 <= self.push_drop_rate <= 1.0 and 0.0 <= self.push_duplicate_rate <= 1.0):
            raise ValueError("push_drop_rate and push_duplicate_rate must be between 0 and 1")
        self._check_returns()
        if self.wallet_page_no_base not in (0, 1) or self.withdrawal_every_days < 1:
            raise ValueError("wallet_page_no_base must be 0 or 1, withdrawal_every_days at least 1")
        rates = (self.late_release_rate, self.short_credit_rate, self.adjustment_rate)
        if not all(0.0 <= rate <= 1.0 for rate in rates):
            raise ValueError(
                "late_release_rate, short_credit_rate and adjustment_rate must be between 0 and 1"
            )
        if self.escrow_release_days < 0 or self.late_release_extra_days < 0:
            raise ValueError("escrow_release_days and late_release_extra_days must not be negative")
        self._check_catalogue()

    def _check_catalogue(self) -> None:
        if self.catalog_items < 0 or not 0.0 <= self.catalog_variant_share <= 1.0:
            raise ValueError("catalog_items must not be negative, catalog_variant_share between 0 and 1")
        choices = {
            "catalog_unknown_item_id": ("warning", "omit", "error"),
            "catalog_model_list_without_variants": ("empty", "model_zero"),
            "catalog_item_stock_with_models": ("sum", "absent"),
            "catalog_item_list_sort": ("item_id", "update_time"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}")
        if self.catalog_deleted_days < 0 or (
            self.catalog_offset_cap is not None and self.catalog_offset_cap < 0
        ):
            raise ValueError("catalog_deleted_days and catalog_offset_cap must not be negative")

    def _check_returns(self) -> None:
        if not 0.0 <= self.return_rate <= 1.0:
            raise ValueError("return_rate must be between 0 and 1")
        if self.return_page_no_base not in (0, 1):
            raise ValueError("return_page_no_base must be 0 or 1")
        if self.return_page_no_zero not in ("first_page", "error"):
            raise ValueError("return_page_no_zero must be 'first_page' or 'error'")
        if self.return_list_sort not in RETURN_LIST_SORTS:
            raise ValueError(f"return_list_sort must be one of {RETURN_LIST_SORTS}")
        if self.return_reverse_logistics_spelling not in RETURN_LOGISTICS_SPELLINGS:
            raise ValueError(f"return_reverse_logistics_spelling must be one of {RETURN_LOGISTICS_SPELLINGS}")
        if self.return_success_error_text not in ("", "-", " "):
            raise ValueError("return_success_error_text must be '', '-' or ' '")
        error = self.unknown_return_sn_error
        if len(error) != 2 or not all(isinstance(part, str) and part for part in error):
            raise ValueError("unknown_return_sn_error must be a pair of non-empty strings (error, message)")
        if self.return_push_data_shape not in RETURN_PUSH_DATA_SHAPES:
            raise ValueError(f"return_push_data_shape must be one of {RETURN_PUSH_DATA_SHAPES}")

    @property
    def effective_push_key(self) -> str:
        """The key that signs pushes (the push ``Authorization``): ``push_key``, else the partner key."""
        return self.push_key if self.push_key is not None else self.partner_key

    def http_status_for(self, error: str) -> int:
        """HTTP status that accompanies an error code (module prefixes such as ``common.`` ignored)."""
        bare = error.rsplit(".", 1)[-1]
        return self.error_http_status.get(
            error, self.error_http_status.get(bare, self.other_error_http_status)
        )
