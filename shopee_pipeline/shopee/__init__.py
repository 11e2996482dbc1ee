"""Shopee Open Platform client: signing, auth and token rotation, typed errors, rate-limited retrying
transport, and the paginated/batched endpoints the sync uses. Knows nothing of Dagster or SQL."""

from shopee_pipeline.shopee.auth import Authorizer
from shopee_pipeline.shopee.client import (
    BatchResult,
    LostPushMessages,
    ShopeeClient,
    TrackingNumbers,
)
from shopee_pipeline.shopee.config import ShopeeConfig
from shopee_pipeline.shopee.endpoints import DetailEndpoint, ListEndpoint, Pager
from shopee_pipeline.shopee.errors import (
    BadRequestError,
    RetryableError,
    ShopeeError,
    ShopFatalError,
    TokenError,
    classify,
)
from shopee_pipeline.shopee.redaction import redact
from shopee_pipeline.shopee.signing import base_string, sign
from shopee_pipeline.shopee.stats import ApiWarning, ClientStats, StatsSnapshot
from shopee_pipeline.shopee.tokens import InMemoryTokenStore, ShopTokens, TokenStore
from shopee_pipeline.shopee.windows import split_windows

__all__ = [
    "ApiWarning",
    "Authorizer",
    "BadRequestError",
    "BatchResult",
    "ClientStats",
    "DetailEndpoint",
    "InMemoryTokenStore",
    "ListEndpoint",
    "LostPushMessages",
    "Pager",
    "RetryableError",
    "ShopFatalError",
    "ShopTokens",
    "ShopeeClient",
    "ShopeeConfig",
    "ShopeeError",
    "StatsSnapshot",
    "TokenError",
    "TokenStore",
    "TrackingNumbers",
    "base_string",
    "classify",
    "redact",
    "sign",
    "split_windows",
]
