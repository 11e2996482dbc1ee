"""Connecting, importing and deactivating shops: the client, the token store and the shop registry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shopee_pipeline.settings import Settings
from shopee_pipeline.shopee import ShopeeClient, ShopeeConfig, ShopeeError
from shopee_pipeline.warehouse.shops import set_authorization_expiry, upsert_shop
from shopee_pipeline.warehouse.store import Warehouse
from shopee_pipeline.warehouse.token_store import PostgresTokenStore


def shopee_config(settings: Settings, **tuning: Any) -> ShopeeConfig:
    """The client configuration of the app in `settings` (credentials, host, the deployment's request
    rate); `tuning` overrides further `ShopeeConfig` fields (concurrency, retries, timeouts)."""
    partner_id, partner_key = settings.require_partner()
    return ShopeeConfig(
        partner_id=partner_id,
        partner_key=partner_key,
        base_url=settings.api_base_url,
        partner_rate_per_second=settings.max_requests_per_second,
        **tuning,
    )


def client_for(settings: Settings, warehouse: Warehouse) -> ShopeeClient:
    """A Shopee client for the configured app, its tokens in the warehouse."""
    return ShopeeClient(shopee_config(settings), PostgresTokenStore(warehouse.engine, warehouse.schema))


def _register(client: ShopeeClient, warehouse: Warehouse, shop_id: int, name: str | None) -> str | None:
    """Record the shop as active with its name and authorization expiry (from get_shop_info when we can)."""
    region, expires_at = None, None
    try:
        info = client.get_shop_info(shop_id)
        name = name or info.get("shop_name")
        region = info.get("region")
        if isinstance(info.get("expire_time"), int) and info["expire_time"] > 0:
            expires_at = datetime.fromtimestamp(info["expire_time"], UTC)
    except ShopeeError:
        pass  # the shop profile is a nicety: the tokens are what matter
    with warehouse.begin() as conn:
        upsert_shop(conn, shop_id, name, region)
        if expires_at is not None:
            set_authorization_expiry(conn, shop_id, expires_at)
    return name


def connect_shop(settings: Settings, warehouse: Warehouse, shop_id: int, code: str) -> str | None:
    """Exchange the seller's authorization code for tokens, store them, mark the shop active."""
    with client_for(settings, warehouse) as client:
        client.connect_shop(shop_id, code)
        return _register(client, warehouse, shop_id, None)


def add_shop(
    settings: Settings, warehouse: Warehouse, shop_id: int, refresh_token: str, name: str | None
) -> str | None:
    """Import a refresh token held elsewhere: refresh at once to prove it, store the rotated pair."""
    with client_for(settings, warehouse) as client:
        client.import_refresh_token(shop_id, refresh_token)
        return _register(client, warehouse, shop_id, name)
