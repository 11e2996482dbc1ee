"""`PostgresTokenStore`: the shop tokens in Postgres, with a row lock around every refresh."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, Row, func, select, update
from sqlalchemy.dialects.postgresql import insert

from shopee_pipeline.shopee.tokens import ShopTokens
from shopee_pipeline.warehouse.tables import shop_tokens

_TOKEN_COLUMNS = (
    shop_tokens.c.access_token,
    shop_tokens.c.refresh_token,
    shop_tokens.c.access_token_expires_at,
    shop_tokens.c.refresh_token_expires_at,
)


def _tokens(row: Row) -> ShopTokens:
    return ShopTokens(
        access_token=row.access_token,
        refresh_token=row.refresh_token,
        access_token_expires_at=row.access_token_expires_at,
        refresh_token_expires_at=row.refresh_token_expires_at,
    )


def _values(tokens: ShopTokens) -> dict[str, object]:
    return {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "access_token_expires_at": tokens.access_token_expires_at,
        "refresh_token_expires_at": tokens.refresh_token_expires_at,
    }


class PostgresTokenStore:
    """The `TokenStore` of `shopee_pipeline.shopee.tokens` over `shop_tokens` in `schema`.

    `refresh_locked` holds `SELECT ... FOR UPDATE` on the shop's row while it refreshes, so processes
    sharing the database spend each single-use refresh token once, and the rotated pair is committed
    before anyone uses it.
    """

    def __init__(self, engine: Engine, schema: str) -> None:
        self._engine = engine
        self._schema = schema

    def __repr__(self) -> str:
        return f"PostgresTokenStore(schema={self._schema!r})"

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self._engine.begin() as conn:
            yield conn.execution_options(schema_translate_map={None: self._schema})

    def load(self, shop_id: int) -> ShopTokens | None:
        """Return the shop's stored tokens, or None."""
        with self._transaction() as conn:
            row = conn.execute(select(*_TOKEN_COLUMNS).where(shop_tokens.c.shop_id == shop_id)).first()
        return None if row is None else _tokens(row)

    def save(self, shop_id: int, tokens: ShopTokens) -> None:
        """Insert or replace the shop's token pair in one statement."""
        values = _values(tokens)
        statement = insert(shop_tokens).values(shop_id=shop_id, **values)
        statement = statement.on_conflict_do_update(
            index_elements=[shop_tokens.c.shop_id], set_={**values, "updated_at": func.now()}
        )
        with self._transaction() as conn:
            conn.execute(statement)

    def refresh_locked(
        self,
        shop_id: int,
        needs_refresh: Callable[[ShopTokens], bool],
        do_refresh: Callable[[ShopTokens], ShopTokens],
    ) -> ShopTokens:
        """In one transaction: lock the shop's row, re-read it, refresh only if still needed, write the
        new pair and commit; return the tokens now valid. Raises `LookupError` if the shop has none."""
        with self._transaction() as conn:
            query = select(*_TOKEN_COLUMNS).where(shop_tokens.c.shop_id == shop_id).with_for_update()
            row = conn.execute(query).first()
            if row is None:
                raise LookupError(shop_id)
            current = _tokens(row)
            if not needs_refresh(current):
                return current
            fresh = do_refresh(current)
            conn.execute(
                update(shop_tokens)
                .where(shop_tokens.c.shop_id == shop_id)
                .values(**_values(fresh), updated_at=func.now())
            )
        return fresh
