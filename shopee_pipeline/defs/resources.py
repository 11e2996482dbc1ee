"""Resources: the warehouse and the Shopee client, both built from the environment's settings.

The credentials (`SHOPEE_PARTNER_ID`, `SHOPEE_PARTNER_KEY`, `DATABASE_URL`) are read from the settings,
not declared as `dg.EnvVar` fields: Dagster resolves an `EnvVar` when it validates the run's config,
before any step starts, so a missing variable fails the run with a multi-line `DagsterInvalidConfigError`
and no step failure, where reading it in the step fails the step at once with one line saying what to
set (`test_reliability_permanent_errors.py`). Neither way shows a secret in the UI: the resources' config
holds only tuning.
"""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from shopee_pipeline.onboarding import shopee_config
from shopee_pipeline.settings import get_settings
from shopee_pipeline.shopee import ShopeeClient
from shopee_pipeline.warehouse.database import create_warehouse_engine, resolve_database_url
from shopee_pipeline.warehouse.rate_budget import PostgresRateBudget
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.warehouse.token_store import PostgresTokenStore


class WarehouseResource(dg.ConfigurableResource):
    """The Postgres of `DATABASE_URL` (or the embedded server), tables in `db_schema` (by default
    `SHOPEE_DB_SCHEMA`), through a pool of `pool_size` connections (and as many more on demand) opened
    when a run or tick starts and closed when it ends.

    The database URL stays in the environment: it carries a password, and resource config is shown in
    the UI and stored with every run.
    """

    db_schema: str | None = None
    pool_size: int = 5
    _warehouse: Warehouse | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Open this run's (or tick's) connection pool."""
        self._warehouse = self._open()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Close the pool."""
        if self._warehouse is not None:
            self._warehouse.engine.dispose()
            self._warehouse = None

    def _open(self) -> Warehouse:
        settings = get_settings()
        engine = create_warehouse_engine(resolve_database_url(settings), pool_size=self.pool_size)
        return Warehouse(engine, self.db_schema or settings.db_schema)

    def get(self) -> Warehouse:
        """The warehouse of this run or tick (opened on first use outside one, e.g. in a test)."""
        if self._warehouse is None:
            self._warehouse = self._open()
        return self._warehouse


class ShopeeResource(dg.ConfigurableResource):
    """The Shopee Open Platform client for the app of `SHOPEE_PARTNER_ID`, tokens from the warehouse.

    `shop_concurrency` fetch jobs run at once (a shop's orders or bookings, or one escrow batch of 50),
    at most `max_concurrent_requests` requests in flight. Shopee publishes no numbers: each shop starts at
    `shop_requests_per_second` (or what it learned before) and the rates adapt to Shopee's
    `error_rate_limit` answers (shopee.adaptive; learned rates in the `rate_limits` table); every run
    together stays under the learned partner rate and `SHOPEE_MAX_REQUESTS_PER_SECOND`, the cap (a budget
    kept in Postgres). A transient failure is retried up to
    `max_attempts` times with exponential backoff and full jitter between `backoff_initial_seconds` and
    `backoff_max_seconds`; an access token is refreshed `refresh_margin_seconds` before it expires.
    `return_first_page_no` is the first `page_no` asked of `get_return_list` (0 or 1: Shopee leaves the
    base open; 0 loses no page on either kind of server). `wallet_first_page_no` and
    `wallet_page_no_is_offset` say how `get_wallet_transaction_list` reads `page_no` (unconfirmed: first
    page 0 or 1, page number or offset of the first entry).
    """

    shop_concurrency: int = 32
    max_concurrent_requests: int = 16
    shop_requests_per_second: float = 10.0
    max_attempts: int = 5
    backoff_initial_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    read_timeout_seconds: float = 30.0
    refresh_margin_seconds: float = 300.0
    return_first_page_no: int = 0
    wallet_first_page_no: int = 0
    wallet_page_no_is_offset: bool = False

    def client(self, warehouse: Warehouse) -> ShopeeClient:
        """A new client (close it when done) whose tokens live in `warehouse`."""
        settings = get_settings()
        config = shopee_config(
            settings,
            max_concurrency=self.max_concurrent_requests,
            shop_rate_per_second=self.shop_requests_per_second,
            max_attempts=self.max_attempts,
            backoff_initial_seconds=self.backoff_initial_seconds,
            backoff_max_seconds=self.backoff_max_seconds,
            read_timeout=self.read_timeout_seconds,
            refresh_margin_seconds=self.refresh_margin_seconds,
            return_first_page_no=self.return_first_page_no,
            wallet_first_page_no=self.wallet_first_page_no,
            wallet_page_no_is_offset=self.wallet_page_no_is_offset,
        )
        budget = PostgresRateBudget(
            warehouse.engine,
            warehouse.schema,
            f"partner:{config.partner_id}",
            settings.max_requests_per_second,
        )
        return ShopeeClient(
            config, PostgresTokenStore(warehouse.engine, warehouse.schema), shared_budget=budget
        )
