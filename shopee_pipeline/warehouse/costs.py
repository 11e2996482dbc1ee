"""`product_costs`: the catalogue a costs file is checked against, its all-or-nothing load, and the rows of
the template `costs export` writes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Boolean, Connection, Date, func, literal, literal_column, or_, select, tuple_
from sqlalchemy.dialects.postgresql import distinct_on, insert

from shopee_pipeline.costs import Catalogue, UnitCost, Variation
from shopee_pipeline.warehouse.tables import item_models, items, product_costs, shops


def catalogue(conn: Connection, shop_ids: Iterable[int]) -> Catalogue:
    """Every known shop, and of the shops in `shop_ids` every variation with its currency and SKUs."""
    wanted = sorted(set(shop_ids))
    known: frozenset[int] = frozenset(conn.execute(select(shops.c.shop_id)).scalars())
    currencies: dict[Variation, str | None] = {}
    model_skus: dict[tuple[int, str], list[Variation]] = defaultdict(list)
    item_skus: dict[tuple[int, str], list[int]] = defaultdict(list)
    models = select(
        item_models.c.shop_id,
        item_models.c.item_id,
        item_models.c.model_id,
        item_models.c.currency,
        item_models.c.model_sku,
    ).where(item_models.c.shop_id.in_(wanted))
    for shop_id, item_id, model_id, currency, sku in (row._tuple() for row in conn.execute(models)):
        currencies[(shop_id, item_id, model_id)] = currency
        if sku:
            model_skus[(shop_id, sku.strip())].append((shop_id, item_id, model_id))
    products = select(items.c.shop_id, items.c.item_id, items.c.item_sku).where(
        items.c.shop_id.in_(wanted), func.coalesce(items.c.item_sku, "") != ""
    )
    for shop_id, item_id, sku in (row._tuple() for row in conn.execute(products)):
        item_skus[(shop_id, sku.strip())].append(item_id)
    return Catalogue(known, currencies, dict(model_skus), dict(item_skus))


@dataclass(frozen=True)
class CostsLoaded:
    """What a load changed: costs new to the table, costs whose amount or currency changed, and costs
    already there as given."""

    inserted: int
    updated: int
    unchanged: int


def load_costs(conn: Connection, costs: Sequence[UnitCost]) -> CostsLoaded:
    """Upsert `costs` by `(shop_id, item_id, model_id, valid_from)` in one statement; a cost already
    stored with the same amount and currency is left untouched (its `updated_at` too), so loading the
    same file again changes nothing. Call it inside the transaction that should hold the whole file."""
    if not costs:
        return CostsLoaded(0, 0, 0)
    statement = insert(product_costs).values(
        [
            {
                "shop_id": c.shop_id,
                "item_id": c.item_id,
                "model_id": c.model_id,
                "valid_from": c.valid_from,
                "unit_cost": c.unit_cost,
                "currency": c.currency,
            }
            for c in costs
        ]
    )
    changed = or_(
        product_costs.c.unit_cost.is_distinct_from(statement.excluded.unit_cost),
        product_costs.c.currency.is_distinct_from(statement.excluded.currency),
    )
    upsert = statement.on_conflict_do_update(
        index_elements=[c.name for c in product_costs.primary_key.columns],
        set_={
            "unit_cost": statement.excluded.unit_cost,
            "currency": statement.excluded.currency,
            "updated_at": func.now(),
        },
        where=changed,
    ).returning(literal_column("xmax = 0", Boolean))
    written: list[bool] = list(conn.execute(upsert).scalars())
    inserted = sum(written)
    return CostsLoaded(inserted, len(written) - inserted, len(costs) - len(written))


def cost_count(conn: Connection) -> int:
    """How many costs the table holds."""
    return conn.execute(select(func.count()).select_from(product_costs)).scalar_one()


def template_rows(
    conn: Connection, shop_ids: Sequence[int], default_valid_from: date
) -> list[dict[str, object]]:
    """One row per variation of the shops' catalogues (deleted products included: their past orders
    still need a cost), in `shop_id, item_id, model_id` order, for `costs export`. A variation with a cost
    carries its latest one (amount, currency, `valid_from`), so the template loads back unchanged; one
    without leaves `unit_cost` empty, takes the catalogue's currency and `default_valid_from`."""
    latest = (
        select(product_costs)
        .ext(distinct_on(product_costs.c.shop_id, product_costs.c.item_id, product_costs.c.model_id))
        .order_by(
            product_costs.c.shop_id,
            product_costs.c.item_id,
            product_costs.c.model_id,
            product_costs.c.valid_from.desc(),
        )
        .subquery()
    )
    query = (
        select(
            item_models.c.shop_id,
            item_models.c.item_id,
            item_models.c.model_id,
            func.coalesce(func.nullif(item_models.c.model_sku, ""), items.c.item_sku).label("sku"),
            items.c.item_name,
            # a label only: get_model_list's model_name, kept in raw (model 0 has none)
            item_models.c.raw["model_name"].astext.label("model_name"),
            items.c.item_status,
            latest.c.unit_cost,
            func.coalesce(latest.c.currency, item_models.c.currency).label("currency"),
            func.coalesce(latest.c.valid_from, literal(default_valid_from, Date)).label("valid_from"),
        )
        .select_from(
            item_models.join(items, items.c.item_id == item_models.c.item_id).outerjoin(
                latest,
                tuple_(latest.c.shop_id, latest.c.item_id, latest.c.model_id)
                == tuple_(item_models.c.shop_id, item_models.c.item_id, item_models.c.model_id),
            )
        )
        .where(item_models.c.shop_id.in_(list(shop_ids)))
        .order_by(item_models.c.shop_id, item_models.c.item_id, item_models.c.model_id)
    )
    return [dict(row._mapping) for row in conn.execute(query)]
