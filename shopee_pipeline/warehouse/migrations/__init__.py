"""Alembic migrations of the warehouse schema (run by `shopee-pipeline db upgrade`)."""
