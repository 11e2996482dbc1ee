"""Configuration of the Shopee client."""

from __future__ import annotations

from dataclasses import dataclass, field

PRODUCTION_BASE_URL = "https://partner.shopeemobile.com"
# Shopee's limit of keys per call of get_order_detail, get_booking_detail, get_escrow_detail_batch and
# get_mass_tracking_number (docs/shopee-api-notes.md#rate-limits): the client's largest batch, and the
# batch the sync plans its detail calls in.
DETAIL_BATCH = 50


@dataclass(frozen=True)
class ShopeeConfig:
    """Credentials, host, timeouts, retry bounds, rate limits and page sizes of a :class:`ShopeeClient`.

    Defaults are conservative: Shopee publishes no numeric rate limits (docs/shopee-api-notes.md#rate-limits).
    ``return_first_page_no`` is the first ``page_no`` of ``get_return_list`` (0 or 1: Shopee's docs leave
    the base open, docs/shopee-api-notes.md#returns). ``wallet_first_page_no`` is the first ``page_no`` of
    ``get_wallet_transaction_list`` and ``wallet_page_no_is_offset`` whether that list reads ``page_no`` as
    the offset of the page's first entry (both unconfirmed: the doc says "starting entry", default 0).
    """

    partner_id: int
    partner_key: str = field(repr=False)
    base_url: str = PRODUCTION_BASE_URL
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 5
    max_retry_seconds: float = 120.0
    backoff_initial_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    shop_rate_per_second: float = 10.0
    partner_rate_per_second: float = 50.0
    max_concurrency: int = 8
    page_size: int = 100
    batch_size: int = DETAIL_BATCH
    refresh_margin_seconds: float = 300.0
    return_first_page_no: int = 0
    wallet_first_page_no: int = 0
    wallet_page_no_is_offset: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= 100:
            raise ValueError("page_size must be between 1 and 100")
        if not 1 <= self.batch_size <= DETAIL_BATCH:
            raise ValueError(f"batch_size must be between 1 and {DETAIL_BATCH}")
        if self.return_first_page_no not in (0, 1) or self.wallet_first_page_no not in (0, 1):
            raise ValueError("return_first_page_no and wallet_first_page_no must be 0 or 1")
        if self.max_attempts < 1 or self.max_concurrency < 1:
            raise ValueError("max_attempts and max_concurrency must be at least 1")
        if self.shop_rate_per_second <= 0 or self.partner_rate_per_second <= 0:
            raise ValueError("rate limits must be positive")
