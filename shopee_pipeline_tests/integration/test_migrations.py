"""Migrations create every table of the contract inside the schema, and running them again is a no-op."""

from sqlalchemy import inspect, text

from shopee_pipeline.warehouse.migrate import current_revision, head_revision, upgrade
from shopee_pipeline.warehouse.tables import metadata

CONTRACT_TABLES = {"shops", "orders", "order_items", "logistics", "escrow", "bookings", "webhook_events"}


def _snapshot(engine, schema: str) -> dict[str, list[tuple]]:
    inspector = inspect(engine)
    return {
        table: sorted(
            (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table, schema)
        )
        for table in inspector.get_table_names(schema)
    }


def test_upgrade_from_empty_then_again_changes_nothing(pg_engine, fresh_schema: str) -> None:
    assert current_revision(pg_engine, fresh_schema) is None
    upgrade(pg_engine, fresh_schema)
    first = _snapshot(pg_engine, fresh_schema)
    assert set(first) >= CONTRACT_TABLES
    assert set(metadata.tables) <= set(first)
    assert current_revision(pg_engine, fresh_schema) == head_revision()

    upgrade(pg_engine, fresh_schema)
    assert _snapshot(pg_engine, fresh_schema) == first


def test_column_types_follow_the_contract(warehouse) -> None:
    columns = {
        c["name"]: str(c["type"]) for c in inspect(warehouse.engine).get_columns("orders", warehouse.schema)
    }
    assert columns["total_amount"] == "NUMERIC"
    assert columns["shop_id"] == "BIGINT"
    assert columns["update_time"] == "TIMESTAMP"  # with time zone: checked below
    assert columns["raw"] == "JSONB"
    items = {
        c["name"]: str(c["type"])
        for c in inspect(warehouse.engine).get_columns("order_items", warehouse.schema)
    }
    assert items["promotion_id"] == "NUMERIC(20, 0)"
    with warehouse.engine.connect() as conn:
        data_type = conn.execute(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_schema = :s AND table_name = 'orders' AND column_name = 'update_time'"
            ),
            {"s": warehouse.schema},
        ).scalar_one()
    assert data_type == "timestamp with time zone"


def test_nothing_lands_outside_the_schema(pg_engine, fresh_schema: str) -> None:
    upgrade(pg_engine, fresh_schema)
    assert "orders" not in inspect(pg_engine).get_table_names("public")
