"""Whether a run's shops can be synced: connected (in `shops`, with tokens) and active."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from shopee_pipeline.warehouse.tables import shop_tokens, shops


class UnsyncableShopsError(ValueError):
    """Shops of a run that no retry can sync until someone connects them; the message says how."""


def unsyncable_shops(conn: Connection, shop_ids: Sequence[int]) -> dict[int, str]:
    """Why each of `shop_ids` cannot be synced ("not connected", "deactivated", "has no tokens");
    shops that can are absent."""
    query = (
        select(shops.c.shop_id, shops.c.active, shop_tokens.c.shop_id.is_not(None).label("has_tokens"))
        .select_from(shops.outerjoin(shop_tokens, shop_tokens.c.shop_id == shops.c.shop_id))
        .where(shops.c.shop_id.in_(list(shop_ids)))
    )
    known = {row.shop_id: row for row in conn.execute(query)}
    reasons = {}
    for shop_id in sorted(set(shop_ids)):
        row = known.get(shop_id)
        if row is None:
            reasons[shop_id] = "not connected"
        elif not row.active:
            reasons[shop_id] = "deactivated"
        elif not row.has_tokens:
            reasons[shop_id] = "has no tokens"
    return reasons


def ensure_syncable(conn: Connection, shop_ids: Sequence[int]) -> None:
    """Raise `UnsyncableShopsError` (one line naming each shop and the command that fixes it) unless
    every shop of `shop_ids` is connected and active."""
    reasons = unsyncable_shops(conn, shop_ids)
    if not reasons:
        return
    listed = ", ".join(f"{shop_id} ({reason})" for shop_id, reason in reasons.items())
    noun, pronoun = ("shop", "it") if len(reasons) == 1 else ("shops", "them")
    raise UnsyncableShopsError(
        f"{noun} {listed} cannot be synced: connect {pronoun} with "
        "`shopee-pipeline shops connect --shop-id <id> --code <code>` (the seller authorizes the app "
        "through `shopee-pipeline auth-url`)"
    )
