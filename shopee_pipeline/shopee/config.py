"""Configuration of the Shopee client."""

from __future__ import annotations

from dataclasses import dataclass, field

PRODUCTION_BASE_URL = "https://partner.shopeemobile.com"


@dataclass(frozen=True)
class ShopeeConfig:
    """Credentials, host, timeouts, retry bounds, rate limits and page sizes of a :class:`ShopeeClient`.

    Defaults are conservative: Shopee publishes no numeric rate limits (docs/shopee-api-notes.md#rate-limits).
    ``return_first_page_no`` is the first ``page_no`` of ``get_return_list`` (0 or 1: Shopee's docs leave
    the base open, docs/shopee-api-notes.md#returns).
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
    batch_size: int = 50
    refresh_margin_seconds: float = 300.0
    return_first_page_no: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= 100:
            raise ValueError("page_size must be between 1 and 100")
        if not 1 <= self.batch_size <= 50:
            raise ValueError("batch_size must be between 1 and 50")
        if self.return_first_page_no not in (0, 1):
            raise ValueError("return_first_page_no must be 0 or 1")
        if self.max_attempts < 1 or self.max_concurrency < 1:
            raise ValueError("max_attempts and max_concurrency must be at least 1")
        if self.shop_rate_per_second <= 0 or self.partner_rate_per_second <= 0:
            raise ValueError("rate limits must be positive")
