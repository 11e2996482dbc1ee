"""The shop registry: which shops are connected, active, and when their authorization ends."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects.postgresql import insert

from shopee_pipeline.warehouse.tables import shop_tokens, shops, sync_state


@dataclass(frozen=True)
class ShopRow:
    """One shop as `shops list` shows it."""

    shop_id: int
    shop_name: str | None
    active: bool
    refresh_token_expires_at: datetime | None
    authorization_expires_at: datetime | None
    last_success_at: datetime | None


def upsert_shop(
    conn: Connection, shop_id: int, shop_name: str | None = None, region: str | None = None
) -> None:
    """Register `shop_id` as active (again); keep a known name when none is given."""
    statement = insert(shops).values(shop_id=shop_id, shop_name=shop_name, region=region, active=True)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[shops.c.shop_id],
            set_={
                "active": True,
                "deactivated_at": None,
                "shop_name": func.coalesce(statement.excluded.shop_name, shops.c.shop_name),
                "region": func.coalesce(statement.excluded.region, shops.c.region),
                "updated_at": func.now(),
            },
        )
    )


def set_active(conn: Connection, shop_id: int, active: bool) -> bool:
    """Activate or deactivate a known shop; False when the shop is unknown. Its data stays."""
    result = conn.execute(
        update(shops)
        .where(shops.c.shop_id == shop_id)
        .values(active=active, deactivated_at=None if active else func.now(), updated_at=func.now())
    )
    return result.rowcount == 1


def set_authorization_expiry(conn: Connection, shop_id: int, expires_at: datetime | None) -> None:
    """Remember when the seller's authorization of the app ends (Shopee's `expire_time`)."""
    conn.execute(
        update(shops)
        .where(shops.c.shop_id == shop_id)
        .values(authorization_expires_at=expires_at, updated_at=func.now())
    )


def active_shop_ids(conn: Connection) -> list[int]:
    """Ids of the shops that are synced, in ascending order."""
    return list(
        conn.execute(select(shops.c.shop_id).where(shops.c.active).order_by(shops.c.shop_id)).scalars()
    )


def shop_names(conn: Connection, shop_ids: Iterable[int] | None = None) -> dict[int, str]:
    """`shop_id -> shop_name` of the named shops (of `shop_ids`, else of every shop)."""
    query = select(shops.c.shop_id, shops.c.shop_name).where(shops.c.shop_name.is_not(None))
    if shop_ids is not None:
        query = query.where(shops.c.shop_id.in_(sorted(set(shop_ids))))
    return {int(shop_id): name for shop_id, name in (row._tuple() for row in conn.execute(query)) if name}


def active_shops_named(conn: Connection) -> dict[int, str | None]:
    """`shop_id -> shop_name` (None when unnamed) of every active shop, in ascending id order."""
    names = shop_names(conn)
    return {shop: names.get(shop) for shop in active_shop_ids(conn)}


def shop_label(shop_id: int, names: Mapping[int, str]) -> str:
    """`123456 (Toko Kopi Gayo)`, or the bare id of an unnamed shop."""
    name = names.get(shop_id)
    return f"{shop_id} ({name})" if name else str(shop_id)


def list_shops(conn: Connection) -> list[ShopRow]:
    """Every known shop with its token expiry and last successful sync."""
    last_success = (
        select(sync_state.c.shop_id, func.max(sync_state.c.last_success_at).label("last_success_at"))
        .group_by(sync_state.c.shop_id)
        .subquery()
    )
    query = (
        select(
            shops.c.shop_id,
            shops.c.shop_name,
            shops.c.active,
            shop_tokens.c.refresh_token_expires_at,
            shops.c.authorization_expires_at,
            last_success.c.last_success_at,
        )
        .select_from(
            shops.outerjoin(shop_tokens, shop_tokens.c.shop_id == shops.c.shop_id).outerjoin(
                last_success, last_success.c.shop_id == shops.c.shop_id
            )
        )
        .order_by(shops.c.shop_id)
    )
    return [ShopRow(**row._mapping) for row in conn.execute(query)]


def shops_expiring_before(conn: Connection, moment: datetime) -> list[ShopRow]:
    """Active shops whose refresh token or authorization ends before `moment`."""
    return [
        shop
        for shop in list_shops(conn)
        if shop.active
        and any(
            t is not None and t < moment
            for t in (shop.refresh_token_expires_at, shop.authorization_expires_at)
        )
    ]
