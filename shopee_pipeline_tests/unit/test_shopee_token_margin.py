"""The proactive-refresh margin: 5 minutes before expiry, capped at half of a short token's lifetime."""

from datetime import UTC, datetime, timedelta

from shopee_pipeline.shopee.tokens import InMemoryTokenStore, ShopTokens, TokenManager

SHOP = 42


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def manager(ttl: float, clock: Clock) -> tuple[TokenManager, list[int]]:
    refreshes: list[int] = []

    def refresh(shop_id: int, refresh_token: str) -> ShopTokens:
        refreshes.append(shop_id)
        issued = datetime.fromtimestamp(clock(), UTC)
        return ShopTokens(
            f"a{len(refreshes)}",
            f"r{len(refreshes)}",
            issued + timedelta(seconds=ttl),
            issued + timedelta(days=30),
        )

    store = InMemoryTokenStore()
    start = datetime.fromtimestamp(clock(), UTC)
    store.save(SHOP, ShopTokens("a0", "r0", start - timedelta(seconds=1), start + timedelta(days=30)))
    return TokenManager(store, refresh, clock, margin_seconds=300), refreshes


def test_short_lived_tokens_are_not_refreshed_before_every_call() -> None:
    clock = Clock()
    tokens, refreshes = manager(ttl=120, clock=clock)
    first = tokens.access_token(SHOP)
    for _ in range(5):
        clock.now += 10
        assert tokens.access_token(SHOP) == first
    assert len(refreshes) == 1
    clock.now += 15  # 75 s of 120 gone: under half the lifetime left
    assert tokens.access_token(SHOP) != first
    assert len(refreshes) == 2


def test_four_hour_tokens_refresh_five_minutes_before_expiry() -> None:
    clock = Clock()
    tokens, refreshes = manager(ttl=14400, clock=clock)
    first = tokens.access_token(SHOP)
    clock.now += 14400 - 301
    assert tokens.access_token(SHOP) == first
    clock.now += 2
    assert tokens.access_token(SHOP) != first
    assert len(refreshes) == 2
