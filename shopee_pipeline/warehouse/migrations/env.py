"""Alembic environment: migrates the connection handed in by `warehouse.migrate`, inside its schema."""

from alembic import context
from sqlalchemy import text

from shopee_pipeline.warehouse.migrate import comparison_options, scope_to_schema
from shopee_pipeline.warehouse.tables import metadata

connection = context.config.attributes["connection"]
schema = context.config.attributes["schema"]

context.configure(
    connection=connection.execution_options(schema_translate_map={None: schema}),
    target_metadata=metadata,
    version_table_schema=schema,
    transaction_per_migration=False,
    **comparison_options(),
)
with context.begin_transaction():
    # Two processes upgrading at once: the second waits, then finds nothing to do.
    connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": f"shopee-migrate-{schema}"})
    scope_to_schema(connection, schema)
    context.run_migrations()
